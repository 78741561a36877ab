package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service and bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation, ListObjects (v1 and v2). A bucket is a container of the signer's account; each
 * operation is the matching Swift account or container request.
 */
final class BucketHandler {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]");
  private static final Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
  private static final Pattern LOCATION =
      Pattern.compile("<LocationConstraint>\\s*([^<]*?)\\s*</LocationConstraint>");
  private static final int MAX_CONFIGURATION = 64 * 1024;

  private final SwiftBridge swift;

  BucketHandler(SwiftBridge swift) {
    this.swift = swift;
  }

  /** GET / */
  CompletionStage<HttpResponse> listBuckets(S3Request s3) {
    return swift
        .send(s3, HttpMethods.GET, null, null, "format=json&limit=10000")
        .thenCompose(
            r -> {
              if (r.status().intValue() >= 300) {
                swift.discard(r);
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.ACCOUNT);
              }
              return swift.text(r);
            })
        .thenApply(
            text -> {
              StringBuilder sb =
                  new StringBuilder("<ListAllMyBucketsResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Answers.owner(sb, s3).append("<Buckets>");
              for (JsonNode c : json(text)) {
                if (c.path("name").asText().endsWith(MultipartHandler.SEGMENTS_SUFFIX)) {
                  continue;
                }
                sb.append("<Bucket>");
                S3Xml.element(sb, "Name", c.path("name").asText());
                S3Xml.element(
                    sb,
                    "CreationDate",
                    S3Answers.isoDate(c.path("last_modified").asText("1970-01-01T00:00:00")));
                sb.append("</Bucket>");
              }
              sb.append("</Buckets></ListAllMyBucketsResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  /**
   * S3's DNS-compliant bucket names, checked on every bucket request as Swift's s3api does ({@code
   * dns_compliant_bucket_names}): InvalidBucketName otherwise.
   */
  static void checkName(String bucket) {
    if (!BUCKET_NAME.matcher(bucket).matches()
        || bucket.contains("..")
        || bucket.contains(".-")
        || bucket.contains("-.")
        || IP_ADDRESS.matcher(bucket).matches()) {
      throw new S3Exception(
          S3ErrorCode.INVALID_BUCKET_NAME,
          S3ErrorCode.INVALID_BUCKET_NAME.message(),
          Map.of("BucketName", bucket));
    }
  }

  /**
   * Location constraints that ask for no place in particular: none, S3's default region, and the
   * pseudo-region the aws CLI v2 sends when no region is configured.
   */
  private static final Set<String> DEFAULT_LOCATIONS = Set.of("", "us-east-1", "aws-global");

  /** PUT /bucket: a container, placed by the LocationConstraint as its storage policy. */
  CompletionStage<HttpResponse> create(S3Request s3) {
    String bucket = s3.bucketName();
    checkName(bucket);
    s3.header("x-amz-acl")
        .filter(acl -> !acl.strip().equals("private"))
        .ifPresent(
            acl -> {
              throw new S3Exception(
                  S3ErrorCode.NOT_IMPLEMENTED, "Canned ACLs other than private are not supported");
            });
    return s3.http()
        .entity()
        .getDataBytes()
        .limitWeighted(MAX_CONFIGURATION, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, swift.materializer())
        .exceptionally(
            e -> {
              throw new S3Exception(
                  S3ErrorCode.MALFORMED_XML, "The bucket configuration is too large");
            })
        .thenCompose(
            body -> {
              String xml = body.utf8String();
              List<HttpHeader> headers = new ArrayList<>();
              if (!xml.isBlank()) {
                if (!xml.contains("CreateBucketConfiguration")) {
                  throw new S3Exception(S3ErrorCode.MALFORMED_XML);
                }
                Matcher m = LOCATION.matcher(xml);
                if (m.find() && !DEFAULT_LOCATIONS.contains(m.group(1))) {
                  headers.add(RawHeader.create("X-Storage-Policy", m.group(1)));
                }
              }
              return swift.send(s3, HttpMethods.PUT, bucket, null, "", headers, HttpEntities.EMPTY);
            })
        .thenApply(
            r -> {
              swift.discard(r);
              int status = r.status().intValue();
              if (status == 201) {
                return S3Answers.empty(200).addHeader(RawHeader.create("Location", "/" + bucket));
              }
              if (status == 202) {
                throw new S3Exception(
                    S3ErrorCode.BUCKET_ALREADY_OWNED_BY_YOU,
                    S3ErrorCode.BUCKET_ALREADY_OWNED_BY_YOU.message(),
                    Map.of("BucketName", bucket));
              }
              if (status == 400) {
                throw new S3Exception(S3ErrorCode.INVALID_LOCATION_CONSTRAINT);
              }
              throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
            });
  }

  /** HEAD /bucket */
  CompletionStage<HttpResponse> head(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenApply(
            r -> {
              swift.discard(r);
              if (r.status().intValue() >= 300) {
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return S3Answers.empty(200).withEntity(S3Xml.entity(""));
            });
  }

  /**
   * DELETE /bucket: only an empty one; its segments container goes too when it is empty (a
   * multipart upload still in progress keeps it).
   */
  CompletionStage<HttpResponse> delete(S3Request s3) {
    return swift
        .send(s3, HttpMethods.DELETE, s3.bucketName(), null, "")
        .thenCompose(
            r -> {
              swift.discard(r);
              int status = r.status().intValue();
              if (status == 409) {
                throw new S3Exception(S3ErrorCode.BUCKET_NOT_EMPTY);
              }
              if (status >= 300) {
                throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
              }
              return swift
                  .send(
                      s3, HttpMethods.DELETE, MultipartHandler.segments(s3.bucketName()), null, "")
                  .thenApply(
                      segments -> {
                        swift.discard(segments);
                        return S3Answers.empty(204);
                      });
            });
  }

  /** GET /bucket?location: the container's storage policy. */
  CompletionStage<HttpResponse> location(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenApply(
            r -> {
              swift.discard(r);
              if (r.status().intValue() >= 300) {
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              String policy = r.getHeader("X-Storage-Policy").map(HttpHeader::value).orElse("");
              StringBuilder sb =
                  new StringBuilder("<LocationConstraint xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">")
                      .append(S3Xml.escape(policy))
                      .append("</LocationConstraint>");
              return S3Answers.xml(sb.toString());
            });
  }

  /**
   * GET /bucket: ListObjects, or ListObjectsV2 with {@code list-type=2}, or with {@code ?versions}
   * ListObjectVersions of a bucket without versioning: each object is its one version, {@code
   * null}, as S3 lists a bucket that never had versioning on.
   */
  CompletionStage<HttpResponse> listObjects(S3Request s3) {
    boolean versions = s3.query().containsKey("versions");
    boolean v2 =
        s3.param("list-type")
            .map(
                t -> {
                  if (!t.equals("2")) {
                    throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid list type");
                  }
                  return true;
                })
            .orElse(false);
    int maxKeys = maxKeys(s3);
    String prefix = s3.param("prefix").orElse("");
    String delimiter = s3.param("delimiter").orElse("");
    boolean urlEncoded = urlEncoded(s3);
    String marker;
    if (v2) {
      marker =
          s3.param("continuation-token")
              .map(BucketHandler::fromToken)
              .or(() -> s3.param("start-after"))
              .orElse("");
    } else if (versions) {
      marker = s3.param("key-marker").orElse("");
    } else {
      marker = s3.param("marker").orElse("");
    }
    // A common prefix given back as marker skips everything under it, as S3 does.
    String swiftMarker =
        !delimiter.isEmpty() && marker.startsWith(prefix) && marker.endsWith(delimiter)
            ? marker + "\uffff"
            : marker;
    StringBuilder query = new StringBuilder("format=json&limit=").append(maxKeys + 1);
    param(query, "prefix", prefix);
    param(query, "delimiter", delimiter);
    param(query, "marker", swiftMarker);
    return swift
        .send(s3, HttpMethods.GET, s3.bucketName(), null, query.toString())
        .thenCompose(
            r -> {
              if (r.status().intValue() >= 300) {
                swift.discard(r);
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return swift.text(r);
            })
        .thenApply(
            text -> {
              List<JsonNode> entries = new ArrayList<>();
              json(text).forEach(entries::add);
              boolean truncated = entries.size() > maxKeys;
              List<JsonNode> page = entries.subList(0, Math.min(maxKeys, entries.size()));
              String last = page.isEmpty() ? "" : name(page.get(page.size() - 1));
              String root = versions ? "ListVersionsResult" : "ListBucketResult";
              StringBuilder sb =
                  new StringBuilder("<")
                      .append(root)
                      .append(" xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Name", s3.bucketName());
              S3Xml.element(sb, "Prefix", encode(prefix, urlEncoded));
              if (v2) {
                s3.param("continuation-token")
                    .ifPresent(t -> S3Xml.element(sb, "ContinuationToken", t));
                s3.param("start-after")
                    .ifPresent(t -> S3Xml.element(sb, "StartAfter", encode(t, urlEncoded)));
                S3Xml.element(sb, "KeyCount", Integer.toString(page.size()));
              } else if (versions) {
                S3Xml.element(sb, "KeyMarker", encode(marker, urlEncoded));
                S3Xml.element(sb, "VersionIdMarker", s3.param("version-id-marker").orElse(""));
              } else {
                S3Xml.element(sb, "Marker", encode(marker, urlEncoded));
              }
              S3Xml.element(sb, "MaxKeys", Integer.toString(maxKeys));
              // a blank delimiter shows only in a versions listing, as Swift's s3api has it
              if (!delimiter.isEmpty() || (versions && s3.param("delimiter").isPresent())) {
                S3Xml.element(sb, "Delimiter", encode(delimiter, urlEncoded));
              }
              if (urlEncoded) {
                S3Xml.element(sb, "EncodingType", "url");
              }
              S3Xml.element(sb, "IsTruncated", Boolean.toString(truncated));
              if (truncated) {
                if (v2) {
                  S3Xml.element(sb, "NextContinuationToken", toToken(last));
                } else if (versions) {
                  S3Xml.element(sb, "NextKeyMarker", encode(last, urlEncoded));
                  S3Xml.element(sb, "NextVersionIdMarker", "null");
                } else if (!delimiter.isEmpty()) {
                  S3Xml.element(sb, "NextMarker", encode(last, urlEncoded));
                }
              }
              boolean withOwner =
                  !v2 || s3.param("fetch-owner").map(f -> f.equals("true")).orElse(false);
              for (JsonNode e : page) {
                if (e.has("subdir")) {
                  continue;
                }
                sb.append(versions ? "<Version>" : "<Contents>");
                S3Xml.element(sb, "Key", encode(e.path("name").asText(), urlEncoded));
                if (versions) {
                  S3Xml.element(sb, "VersionId", "null");
                  S3Xml.element(sb, "IsLatest", "true");
                }
                S3Xml.element(
                    sb, "LastModified", S3Answers.isoDate(e.path("last_modified").asText()));
                S3Xml.element(sb, "ETag", listingEtag(e));
                S3Xml.element(sb, "Size", Long.toString(e.path("bytes").asLong()));
                if (withOwner) {
                  S3Answers.owner(sb, s3);
                }
                sb.append("<StorageClass>STANDARD</StorageClass>")
                    .append(versions ? "</Version>" : "</Contents>");
              }
              for (JsonNode e : page) {
                if (e.has("subdir")) {
                  sb.append("<CommonPrefixes>");
                  S3Xml.element(sb, "Prefix", encode(e.path("subdir").asText(), urlEncoded));
                  sb.append("</CommonPrefixes>");
                }
              }
              sb.append("</").append(root).append(">");
              return S3Answers.xml(sb.toString());
            });
  }

  /**
   * The S3 ETag of a listed object, as Swift's s3api shows it: a completed multipart upload's
   * {@code s3_etag}; another SLO's manifest etag with "-N" (its part count is not in the listing).
   */
  static String listingEtag(JsonNode entry) {
    if (entry.hasNonNull("s3_etag")) {
      return S3Answers.quoted(entry.path("s3_etag").asText());
    }
    if (entry.hasNonNull("slo_etag")) {
      return S3Answers.quoted(entry.path("slo_etag").asText()).replaceFirst("\"$", "-N\"");
    }
    return S3Answers.quoted(entry.path("hash").asText());
  }

  /** {@code encoding-type=url}, the one encoding S3 offers. */
  static boolean urlEncoded(S3Request s3) {
    return s3.param("encoding-type")
        .map(
            t -> {
              if (!t.equals("url")) {
                throw new S3Exception(
                    S3ErrorCode.INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
              }
              return true;
            })
        .orElse(false);
  }

  static int maxKeys(S3Request s3) {
    String text = s3.param("max-keys").orElse("1000");
    try {
      int value = Integer.parseInt(text.strip());
      if (value < 0) {
        throw new NumberFormatException();
      }
      return Math.min(value, 1000);
    } catch (NumberFormatException e) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          "Provided max-keys not an integer or within integer range",
          Map.of("ArgumentName", "max-keys", "ArgumentValue", text));
    }
  }

  private static String name(JsonNode entry) {
    return entry.has("subdir") ? entry.path("subdir").asText() : entry.path("name").asText();
  }

  static void param(StringBuilder query, String name, String value) {
    if (!value.isEmpty()) {
      query.append('&').append(name).append('=').append(SigV4.uriEncode(value, false));
    }
  }

  private static String encode(String text, boolean url) {
    return url ? SigV4.uriEncode(text, true) : text;
  }

  private static String toToken(String marker) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(marker.getBytes(StandardCharsets.UTF_8));
  }

  private static String fromToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT, "The continuation token provided is incorrect");
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable Swift listing", e);
    }
  }

  static CompletionStage<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }
}
