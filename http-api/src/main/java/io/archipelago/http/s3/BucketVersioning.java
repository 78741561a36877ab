package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Bucket versioning mapped onto the gateway's object versioning, as Swift's s3api maps it: {@code
 * PUT ?versioning} Enabled or Suspended is {@code X-Versions-Enabled: true|false} on the container,
 * {@code GET ?versioning} reads it back, and ListObjectVersions is the container's {@code
 * ?versions} listing ({@code key-marker} its marker, {@code version-id-marker} its version_marker).
 * Version ids are the Swift version ids, so both APIs see the same versions.
 */
final class BucketVersioning {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CONFIGURATION = 10 * 1024;

  private final SwiftBridge swift;

  BucketVersioning(SwiftBridge swift) {
    this.swift = swift;
  }

  /** GET /bucket?versioning: no Status until versioning was once set, as S3 answers. */
  CompletionStage<HttpResponse> get(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenApply(
            r -> {
              swift.discard(r);
              if (r.status().intValue() >= 300) {
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              StringBuilder sb =
                  new StringBuilder("<VersioningConfiguration xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              r.getHeader(ObjectVersioning.ENABLED)
                  .map(HttpHeader::value)
                  .ifPresent(
                      v ->
                          S3Xml.element(
                              sb, "Status", v.equalsIgnoreCase("true") ? "Enabled" : "Suspended"));
              sb.append("</VersioningConfiguration>");
              return S3Answers.xml(sb.toString());
            });
  }

  /** PUT /bucket?versioning: Enabled or Suspended; MFA delete is not offered. */
  CompletionStage<HttpResponse> put(S3Request s3) {
    return s3.http()
        .entity()
        .getDataBytes()
        .limitWeighted(MAX_CONFIGURATION, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, swift.materializer())
        .exceptionally(
            e -> {
              throw new S3Exception(S3ErrorCode.MALFORMED_XML);
            })
        .thenCompose(
            body -> {
              Element root = DeleteObjects.parse(body.toArray()).getDocumentElement();
              if (!root.getLocalName().equals("VersioningConfiguration")) {
                throw new S3Exception(S3ErrorCode.MALFORMED_XML);
              }
              String status = child(root, "Status").orElse("");
              if (!status.equals("Enabled") && !status.equals("Suspended")) {
                throw new S3Exception(S3ErrorCode.MALFORMED_XML);
              }
              if (child(root, "MfaDelete").filter(m -> m.equals("Enabled")).isPresent()) {
                throw new S3Exception(
                    S3ErrorCode.NOT_IMPLEMENTED, "MFA delete is not offered by this gateway");
              }
              return swift.send(
                  s3,
                  HttpMethods.POST,
                  s3.bucketName(),
                  null,
                  "",
                  List.of(
                      RawHeader.create(
                          ObjectVersioning.ENABLED, Boolean.toString(status.equals("Enabled")))),
                  HttpEntities.EMPTY);
            })
        .thenApply(
            r -> {
              swift.discard(r);
              int status = r.status().intValue();
              if (status >= 300) {
                throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
              }
              return S3Answers.empty(200);
            });
  }

  /** GET /bucket?versions: ListObjectVersions. */
  CompletionStage<HttpResponse> list(S3Request s3) {
    int maxKeys = BucketHandler.maxKeys(s3);
    boolean urlEncoded = BucketHandler.urlEncoded(s3);
    Optional<String> keyMarker = s3.param("key-marker").filter(m -> !m.isEmpty());
    Optional<String> versionMarker = s3.param("version-id-marker").filter(m -> !m.isEmpty());
    if (versionMarker.isPresent()) {
      if (keyMarker.isEmpty()) {
        throw new S3Exception(
            S3ErrorCode.INVALID_ARGUMENT,
            "A version-id marker cannot be specified without a key marker.",
            Map.of("ArgumentName", "version-id-marker", "ArgumentValue", versionMarker.get()));
      }
      checkVersionId(versionMarker.get(), "version-id-marker");
    }
    String prefix = s3.param("prefix").orElse("");
    String delimiter = s3.param("delimiter").orElse("");
    StringBuilder query = new StringBuilder("versions&format=json&limit=").append(maxKeys + 1);
    BucketHandler.param(query, "prefix", prefix);
    BucketHandler.param(query, "delimiter", delimiter);
    BucketHandler.param(query, "marker", keyMarker.orElse(""));
    BucketHandler.param(query, "version_marker", versionMarker.orElse(""));
    return swift
        .send(s3, HttpMethods.GET, s3.bucketName(), null, query.toString())
        .thenCompose(
            r -> {
              if (r.status().intValue() >= 300) {
                swift.discard(r);
                if (r.status().intValue() == 400) {
                  throw new S3Exception(
                      S3ErrorCode.INVALID_ARGUMENT, "Invalid listing parameters (delimiter)");
                }
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return swift.text(r);
            })
        .thenApply(
            text -> {
              List<JsonNode> entries = new ArrayList<>();
              BucketHandler.json(text).forEach(entries::add);
              boolean truncated = entries.size() > maxKeys;
              List<JsonNode> page = entries.subList(0, Math.min(maxKeys, entries.size()));
              StringBuilder sb =
                  new StringBuilder("<ListVersionsResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Name", s3.bucketName());
              S3Xml.element(sb, "Prefix", encode(prefix, urlEncoded));
              S3Xml.element(sb, "KeyMarker", encode(keyMarker.orElse(""), urlEncoded));
              S3Xml.element(sb, "VersionIdMarker", versionMarker.orElse(""));
              if (truncated && !page.isEmpty()) {
                JsonNode last = page.get(page.size() - 1);
                boolean subdir = last.has("subdir");
                S3Xml.element(
                    sb,
                    "NextKeyMarker",
                    encode(
                        subdir ? last.path("subdir").asText() : last.path("name").asText(),
                        urlEncoded));
                S3Xml.element(
                    sb,
                    "NextVersionIdMarker",
                    subdir ? "null" : last.path("version_id").asText("null"));
              }
              S3Xml.element(sb, "MaxKeys", Integer.toString(maxKeys));
              if (s3.param("delimiter").isPresent()) {
                S3Xml.element(sb, "Delimiter", encode(delimiter, urlEncoded));
              }
              if (urlEncoded) {
                S3Xml.element(sb, "EncodingType", "url");
              }
              S3Xml.element(sb, "IsTruncated", Boolean.toString(truncated));
              for (JsonNode e : page) {
                if (e.has("subdir")) {
                  continue;
                }
                boolean marker =
                    e.path("content_type")
                        .asText()
                        .equals(ObjectVersioning.DELETE_MARKER_CONTENT_TYPE);
                String element = marker ? "DeleteMarker" : "Version";
                sb.append('<').append(element).append('>');
                S3Xml.element(sb, "Key", encode(e.path("name").asText(), urlEncoded));
                S3Xml.element(sb, "VersionId", e.path("version_id").asText("null"));
                S3Xml.element(sb, "IsLatest", Boolean.toString(e.path("is_latest").asBoolean()));
                S3Xml.element(
                    sb, "LastModified", S3Answers.isoDate(e.path("last_modified").asText()));
                if (!marker) {
                  S3Xml.element(sb, "ETag", BucketHandler.listingEtag(e));
                  S3Xml.element(sb, "Size", Long.toString(e.path("bytes").asLong()));
                }
                S3Answers.owner(sb, s3);
                if (!marker) {
                  sb.append("<StorageClass>STANDARD</StorageClass>");
                }
                sb.append("</").append(element).append('>');
              }
              for (JsonNode e : page) {
                if (e.has("subdir")) {
                  sb.append("<CommonPrefixes>");
                  S3Xml.element(sb, "Prefix", encode(e.path("subdir").asText(), urlEncoded));
                  sb.append("</CommonPrefixes>");
                }
              }
              sb.append("</ListVersionsResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  /** A version id as S3 clients send it: {@code null} or a Swift version id; else 400. */
  static void checkVersionId(String versionId, String argument) {
    if (versionId.equals("null")) {
      return;
    }
    try {
      SwiftTimestamp.parse(versionId);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          "Invalid version id specified",
          Map.of("ArgumentName", argument, "ArgumentValue", versionId));
    }
  }

  private static String encode(String text, boolean url) {
    return url ? SigV4.uriEncode(text, true) : text;
  }

  private static Optional<String> child(Element parent, String name) {
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName())) {
        return Optional.of(e.getTextContent().strip());
      }
    }
    return Optional.empty();
  }
}
