package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.MultipartEtag;
import io.archipelago.http.protocol.RangeHeader;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The object operations: Put (and Copy), Get, Head, Delete, DeleteObjects. Each is the Swift object
 * request with S3's headers renamed ({@code x-amz-meta-*} is {@code X-Object-Meta-*}, Content-MD5
 * is the ETag Swift checks); ranges and conditions are the Swift side's.
 */
final class ObjectHandler {

  /** Read request headers that mean the same in both APIs. */
  private static final List<String> READ_HEADERS =
      List.of("range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since");

  /** Upload request headers that mean the same in both APIs. */
  private static final List<String> UPLOAD_HEADERS =
      List.of(
          "cache-control",
          "content-disposition",
          "content-language",
          "expires",
          "if-none-match",
          "x-robots-tag");

  /** Answer headers that are Swift's own and mean nothing to S3 clients. */
  private static final List<String> SWIFT_ONLY_PREFIXES =
      List.of(
          "x-trans-id",
          "x-openstack-request-id",
          "x-timestamp",
          "x-static-large-object",
          "x-object-sysmeta-",
          "x-backend-",
          "x-delete-at",
          "x-put-timestamp",
          "x-container-",
          "x-account-",
          "x-storage-policy",
          "x-object-manifest",
          "x-manifest-etag",
          "x-symlink-",
          "x-copied-from",
          "x-versions-",
          "x-history-",
          "x-object-current-version-id",
          "content-location");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SwiftBridge swift;
  private final HeadLength headLength;
  private final DeleteObjects deleteObjects;

  ObjectHandler(SwiftBridge swift, HeadLength headLength) {
    this.swift = swift;
    this.headLength = headLength;
    this.deleteObjects = new DeleteObjects(swift, this::deleteOne);
  }

  /**
   * GET and HEAD /bucket/key, of a version with {@code versionId}: a delete marker answers 405
   * MethodNotAllowed with {@code x-amz-delete-marker}, as S3 answers.
   */
  CompletionStage<HttpResponse> read(S3Request s3) {
    Optional<String> versionId = s3.param("versionId");
    versionId.ifPresent(v -> BucketVersioning.checkVersionId(v, "versionId"));
    List<HttpHeader> headers = new ArrayList<>();
    for (String name : READ_HEADERS) {
      s3.header(name).ifPresent(v -> headers.add(RawHeader.create(name, v)));
    }
    return conditionsInSwiftTerms(s3, versionId, headers)
        .thenCompose(
            swiftHeaders ->
                swift.send(
                    s3,
                    s3.http().method(),
                    s3.bucketName(),
                    s3.keyName(),
                    versionQuery(versionId),
                    swiftHeaders,
                    HttpEntities.EMPTY))
        .thenCompose(
            r -> {
              int status = r.status().intValue();
              if (status == 200 && s3.http().method().equals(HttpMethods.HEAD)) {
                return BucketHandler.done(headRange(s3Answer(r, s3), s3));
              }
              if (status == 200 || status == 206 || status == 304) {
                return BucketHandler.done(s3Answer(r, s3));
              }
              swift.discard(r);
              if (versionId.isEmpty()) {
                return missing(s3, status);
              }
              if (status == 404 && isDeleteMarker(r)) {
                throw new S3Exception(
                    S3ErrorCode.METHOD_NOT_ALLOWED,
                    "The specified method is not allowed against this resource.",
                    Map.of("Method", s3.method(), "ResourceType", "DeleteMarker"),
                    List.of(
                        RawHeader.create("x-amz-delete-marker", "true"),
                        RawHeader.create("x-amz-version-id", versionId.get())));
              }
              return missingVersion(s3, status, versionId.get());
            });
  }

  /**
   * A HEAD with one satisfiable range answers 206 with the range's length and Content-Range, as S3
   * and Swift's s3api do (Swift's own HEAD ignores Range); an unsatisfiable one is InvalidRange,
   * several ranges or an unusable header describe the whole object.
   */
  private HttpResponse headRange(HttpResponse answer, S3Request s3) {
    Optional<List<RangeHeader.Spec>> specs = RangeHeader.parse(s3.header("range"));
    OptionalLong length = headLength.contentLength(answer);
    if (specs.isEmpty() || length.isEmpty()) {
      return answer;
    }
    List<ByteRange.Resolved> ranges = RangeHeader.resolve(specs.get(), length.getAsLong());
    if (ranges.isEmpty()) {
      throw new S3Exception(S3ErrorCode.INVALID_RANGE);
    }
    if (ranges.size() > 1) {
      return answer;
    }
    ByteRange.Resolved range = ranges.get(0);
    return headLength.announce(
        answer
            .withStatus(StatusCodes.PARTIAL_CONTENT)
            .addHeader(
                RawHeader.create(
                    "Content-Range",
                    "bytes " + range.first() + "-" + range.last() + "/" + length.getAsLong())),
        range.length());
  }

  private static final Pattern MULTIPART_ETAG = Pattern.compile("[0-9a-fA-F]{32}-\\d+");

  /**
   * If-Match / If-None-Match naming a completed multipart upload's S3 ETag (the aws CLI sends the
   * one it saw with each ranged GET) in the terms Swift compares: that ETag becomes the object's
   * Swift ETag when it is the object's, learnt from a HEAD first; a mismatch stays a mismatch.
   */
  private CompletionStage<List<HttpHeader>> conditionsInSwiftTerms(
      S3Request s3, Optional<String> versionId, List<HttpHeader> headers) {
    boolean namesMultipart =
        headers.stream()
            .filter(h -> CONDITION_ETAGS.contains(h.lowercaseName()))
            .anyMatch(h -> MULTIPART_ETAG.matcher(h.value()).find());
    if (!namesMultipart) {
      return CompletableFuture.completedFuture(headers);
    }
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), s3.keyName(), versionQuery(versionId))
        .thenApply(
            head -> {
              swift.discard(head);
              Optional<String> s3Etag = MultipartEtag.of(head);
              Optional<String> swiftEtag = head.getHeader("ETag").map(HttpHeader::value);
              if (head.status().intValue() != 200 || s3Etag.isEmpty() || swiftEtag.isEmpty()) {
                return headers;
              }
              String from = MultipartHandler.unquoted(s3Etag.get());
              String to = MultipartHandler.unquoted(swiftEtag.get());
              List<HttpHeader> rewritten = new ArrayList<>();
              for (HttpHeader h : headers) {
                rewritten.add(
                    CONDITION_ETAGS.contains(h.lowercaseName())
                        ? RawHeader.create(h.name(), h.value().replace(from, to))
                        : h);
              }
              return rewritten;
            });
  }

  private static final List<String> CONDITION_ETAGS = List.of("if-match", "if-none-match");

  /** The Swift query of an S3 {@code versionId}. */
  static String versionQuery(Optional<String> versionId) {
    return versionId.map(v -> "version-id=" + SigV4.uriEncode(v, true)).orElse("");
  }

  private boolean isDeleteMarker(HttpResponse swiftAnswer) {
    return headLength
        .contentType(swiftAnswer)
        .filter(t -> t.startsWith(ObjectVersioning.DELETE_MARKER_CONTENT_TYPE))
        .isPresent();
  }

  /**
   * A Swift failure of a request for one version: 400 (the bucket never had versioning) and 404 are
   * NoSuchVersion when the bucket exists.
   */
  private <T> CompletionStage<T> missingVersion(S3Request s3, int status, String versionId) {
    if (status != 404 && status != 400) {
      throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
    }
    return bucketExists(s3)
        .thenApply(
            exists -> {
              throw new S3Exception(
                  S3ErrorCode.NO_SUCH_VERSION,
                  S3ErrorCode.NO_SUCH_VERSION.message(),
                  Map.of("Key", s3.keyName(), "VersionId", versionId));
            });
  }

  /** Completes when the object exists; NoSuchKey or NoSuchBucket if not. */
  CompletionStage<Boolean> exists(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), s3.keyName(), "")
        .thenCompose(
            r -> {
              swift.discard(r);
              int status = r.status().intValue();
              if (status == 200) {
                return CompletableFuture.completedFuture(true);
              }
              return missing(s3, status);
            });
  }

  /** PUT /bucket/key: an upload, or a copy with {@code x-amz-copy-source}. */
  CompletionStage<HttpResponse> put(S3Request s3) {
    if (s3.header("x-amz-copy-source").isPresent()) {
      return copy(s3);
    }
    rejectUnoffered(s3);
    List<HttpHeader> headers = new ArrayList<>(metadata(s3));
    for (String name : UPLOAD_HEADERS) {
      s3.header(name).ifPresent(v -> headers.add(RawHeader.create(name, v)));
    }
    s3.header("content-encoding")
        .map(ObjectHandler::withoutAwsChunked)
        .filter(e -> !e.isEmpty())
        .ifPresent(e -> headers.add(RawHeader.create("Content-Encoding", e)));
    s3.header("content-md5").ifPresent(md5 -> headers.add(RawHeader.create("ETag", md5Hex(md5))));
    S3Body body = S3Body.of(s3.http(), s3.headers(), s3.auth());
    return swift
        .send(s3, HttpMethods.PUT, s3.bucketName(), s3.keyName(), "", headers, body.entity())
        .thenApply(
            r -> {
              swift.discard(r);
              int status = r.status().intValue();
              if (status == 201) {
                HttpResponse ok = withVersionId(S3Answers.empty(200), r);
                return r.getHeader("ETag")
                    .map(e -> ok.addHeader(RawHeader.create("ETag", S3Answers.quoted(e.value()))))
                    .orElse(ok);
              }
              throw body.failure()
                  .orElseGet(() -> S3Statuses.failure(status, S3Statuses.Target.BUCKET));
            })
        .exceptionally(
            e -> {
              if (body.failure().isPresent()) {
                throw body.failure().get();
              }
              throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            });
  }

  /**
   * DELETE /bucket/key: 204 whether or not the key existed, as S3 answers. In a bucket with
   * versioning on it leaves a delete marker ({@code x-amz-delete-marker} and its version id); with
   * {@code versionId} it deletes that version (a delete marker too).
   */
  CompletionStage<HttpResponse> delete(S3Request s3) {
    Optional<String> versionId = s3.param("versionId");
    versionId.ifPresent(v -> BucketVersioning.checkVersionId(v, "versionId"));
    return deleteOne(s3, s3.keyName(), versionId)
        .thenCompose(
            deleted -> {
              int status = deleted.status();
              if (status == 204 || status == 200) {
                return BucketHandler.done(S3Answers.empty(204).addHeaders(deleted.headers()));
              }
              if (status != 404 && !(status == 400 && versionId.isPresent())) {
                throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
              }
              // a version that is not there (or a bucket that never had versioning) is gone
              return bucketExists(s3)
                  .thenApply(
                      exists ->
                          S3Answers.empty(204)
                              .addHeaders(
                                  versionId
                                      .map(
                                          v ->
                                              List.<HttpHeader>of(
                                                  RawHeader.create("x-amz-version-id", v)))
                                      .orElse(List.of())));
            });
  }

  /** POST /bucket?delete */
  CompletionStage<HttpResponse> deleteObjects(S3Request s3) {
    return deleteObjects.handle(s3);
  }

  /** The Swift status of deleting one key (or version) and the S3 headers of the answer. */
  record Deleted(int status, List<HttpHeader> headers) {
    boolean deleteMarker() {
      return headers.stream().anyMatch(h -> h.is("x-amz-delete-marker"));
    }

    Optional<String> versionId() {
      return headers.stream()
          .filter(h -> h.is("x-amz-version-id"))
          .map(HttpHeader::value)
          .findFirst();
    }
  }

  /**
   * Deletes one key, or one version of it. A static large object (a completed multipart upload)
   * goes with its segments, except in a bucket that keeps versions (older versions may share them).
   */
  CompletionStage<Deleted> deleteOne(S3Request s3, String key, Optional<String> versionId) {
    String versionQuery = versionQuery(versionId);
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), key, versionQuery)
        .thenCompose(
            head -> {
              swift.discard(head);
              boolean large =
                  head.getHeader("X-Static-Large-Object")
                      .map(h -> h.value().equalsIgnoreCase("true"))
                      .orElse(false);
              boolean versioned = head.getHeader("X-Object-Version-Id").isPresent();
              int headStatus = head.status().intValue();
              if (versionId.isPresent()) {
                if (headStatus >= 300 && headStatus != 404) {
                  return CompletableFuture.completedFuture(new Deleted(headStatus, List.of()));
                }
                boolean marker = headStatus == 404 && isDeleteMarker(head);
                return plainDelete(s3, key, versionQuery)
                    .thenCompose(
                        r ->
                            r.getHeader("X-Object-Current-Version-Id")
                                    .filter(c -> c.value().equals("null"))
                                    .isPresent()
                                ? restoreLatest(s3, key).thenApply(restored -> r)
                                : CompletableFuture.completedFuture(r))
                    .thenApply(
                        r -> {
                          List<HttpHeader> headers = new ArrayList<>();
                          headers.add(RawHeader.create("x-amz-version-id", versionId.get()));
                          if (marker) {
                            headers.add(RawHeader.create("x-amz-delete-marker", "true"));
                          }
                          return new Deleted(r.status().intValue(), headers);
                        });
              }
              if (headStatus == 404 && !versioned) {
                return CompletableFuture.completedFuture(new Deleted(404, List.of()));
              }
              if (!large || versioned) {
                return plainDelete(s3, key, "")
                    .thenApply(
                        r -> {
                          // with versioning on, Swift answers the delete marker's id
                          Optional<String> markerId =
                              r.getHeader("X-Object-Version-Id").map(HttpHeader::value);
                          if (markerId.isEmpty()) {
                            return new Deleted(r.status().intValue(), List.of());
                          }
                          int status = r.status().intValue();
                          return new Deleted(
                              status == 404 ? 204 : status,
                              List.of(
                                  RawHeader.create("x-amz-delete-marker", "true"),
                                  RawHeader.create("x-amz-version-id", markerId.get())));
                        });
              }
              return swift
                  .send(
                      s3,
                      HttpMethods.DELETE,
                      s3.bucketName(),
                      key,
                      "multipart-manifest=delete",
                      List.of(RawHeader.create("Accept", "application/json")),
                      HttpEntities.EMPTY)
                  .thenCompose(
                      r ->
                          swift
                              .text(r)
                              .thenApply(
                                  text -> {
                                    if (r.status().intValue() != 200) {
                                      return new Deleted(r.status().intValue(), List.of());
                                    }
                                    String status = reportStatus(text);
                                    int code = Integer.parseInt(status.split(" ")[0]);
                                    return new Deleted(code == 200 ? 204 : code, List.of());
                                  }));
            });
  }

  /**
   * After the current version (or the delete marker on top) went, the newest version left becomes
   * current again, as in S3 (Swift's s3api does the same); a delete marker on top keeps the key
   * deleted.
   */
  private CompletionStage<Boolean> restoreLatest(S3Request s3, String key) {
    String query = "versions&format=json&limit=2&prefix=" + SigV4.uriEncode(key, false);
    return swift
        .send(s3, HttpMethods.GET, s3.bucketName(), null, query)
        .thenCompose(
            r -> {
              if (r.status().intValue() != 200) {
                swift.discard(r);
                return CompletableFuture.completedFuture(Optional.<String>empty());
              }
              return swift.text(r).thenApply(Optional::of);
            })
        .thenCompose(
            listing -> {
              if (listing.isEmpty()) {
                return CompletableFuture.completedFuture(false);
              }
              for (var entry : BucketHandler.json(listing.get())) {
                if (!entry.path("name").asText().equals(key)) {
                  continue;
                }
                if (entry
                    .path("content_type")
                    .asText()
                    .equals(ObjectVersioning.DELETE_MARKER_CONTENT_TYPE)) {
                  return CompletableFuture.completedFuture(false);
                }
                String id = entry.path("version_id").asText("null");
                return swift
                    .send(
                        s3,
                        HttpMethods.PUT,
                        s3.bucketName(),
                        key,
                        versionQuery(Optional.of(id)),
                        List.of(),
                        HttpEntities.EMPTY)
                    .thenApply(
                        put -> {
                          swift.discard(put);
                          return put.status().isSuccess();
                        });
              }
              return CompletableFuture.completedFuture(false);
            });
  }

  private CompletionStage<HttpResponse> plainDelete(S3Request s3, String key, String query) {
    return swift
        .send(s3, HttpMethods.DELETE, s3.bucketName(), key, query)
        .thenApply(
            r -> {
              swift.discard(r);
              return r;
            });
  }

  /**
   * PUT with {@code x-amz-copy-source}: Swift's server-side copy, across buckets and backends;
   * {@code x-amz-metadata-directive: REPLACE} takes the request's metadata instead of the source's.
   */
  private CompletionStage<HttpResponse> copy(S3Request s3) {
    CopySource copySource = copySource(s3);
    String sourceBucket = copySource.bucket();
    String sourceKey = copySource.key();
    String directive =
        s3.header("x-amz-metadata-directive").orElse("COPY").strip().toUpperCase(Locale.ROOT);
    if (!directive.equals("COPY") && !directive.equals("REPLACE")) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Unknown metadata directive.");
    }
    for (String name : s3.headers().keySet()) {
      if ((name.startsWith("x-amz-copy-source-") && !COPY_SOURCE_CONDITIONS.containsKey(name))
          || name.equals("x-amz-tagging-directive")) {
        throw new S3Exception(
            S3ErrorCode.NOT_IMPLEMENTED, name + " is not offered through S3 here");
      }
    }
    rejectUnoffered(s3);
    if (directive.equals("COPY")
        && copySource.versionId().isEmpty()
        && sourceBucket.equals(s3.bucketName())
        && sourceKey.equals(s3.keyName())) {
      throw new S3Exception(
          S3ErrorCode.INVALID_REQUEST,
          "This copy request is illegal because it is trying to copy an "
              + "object to itself without changing the object's metadata, storage class, website redirect location or "
              + "encryption attributes.");
    }
    // the source's conditions are checked on a HEAD of it first, as Swift's s3api does: on the
    // copy itself Swift would take If-None-Match as a condition of the destination
    List<HttpHeader> conditions = copySourceConditions(s3);
    List<HttpHeader> headers = new ArrayList<>();
    if (copySource.versionId().isEmpty()) {
      headers.add(RawHeader.create("X-Copy-From", copySource.swiftPath()));
    } else {
      headers.add(
          RawHeader.create(
              "Destination",
              SigV4.uriEncode(s3.bucketName(), false) + "/" + SigV4.uriEncode(s3.keyName(), true)));
    }
    var contentType = s3.http().entity().getContentType();
    if (directive.equals("REPLACE")) {
      headers.add(RawHeader.create("X-Fresh-Metadata", "true"));
      headers.addAll(metadata(s3));
      for (String name :
          List.of(
              "cache-control",
              "content-disposition",
              "content-language",
              "expires",
              "content-encoding")) {
        s3.header(name).ifPresent(v -> headers.add(RawHeader.create(name, v)));
      }
    }
    var entity =
        directive.equals("REPLACE")
            ? HttpEntities.create(contentType, ByteString.emptyByteString())
            : HttpEntities.EMPTY;
    // a version is copied as Swift copies one: COPY of the source with its version-id
    CompletionStage<HttpResponse> copied =
        checkSourceConditions(s3, copySource, conditions)
            .thenCompose(
                checked ->
                    copySource.versionId().isEmpty()
                        ? swift.send(
                            s3, HttpMethods.PUT, s3.bucketName(), s3.keyName(), "", headers, entity)
                        : swift.send(
                            s3,
                            COPY,
                            sourceBucket,
                            sourceKey,
                            copySource.query(),
                            headers,
                            entity));
    return copied.thenCompose(
        r -> {
          swift.discard(r);
          int status = r.status().intValue();
          if (status == 400 && copySource.versionId().isPresent()) {
            throw new S3Exception(
                S3ErrorCode.NO_SUCH_VERSION,
                S3ErrorCode.NO_SUCH_VERSION.message(),
                Map.of("Key", sourceKey, "VersionId", copySource.versionId().get()));
          }
          if (status == 201) {
            String etag = r.getHeader("ETag").map(HttpHeader::value).orElse("");
            String modified =
                r.getHeader("Last-Modified")
                    .map(h -> isoFromHttpDate(h.value()))
                    .orElseGet(() -> ZonedDateTime.now().format(DateTimeFormatter.ISO_INSTANT));
            StringBuilder sb =
                new StringBuilder("<CopyObjectResult xmlns=\"")
                    .append(S3Xml.NAMESPACE)
                    .append("\">");
            S3Xml.element(sb, "LastModified", modified);
            S3Xml.element(sb, "ETag", S3Answers.quoted(etag));
            sb.append("</CopyObjectResult>");
            HttpResponse answer = withVersionId(S3Answers.xml(sb.toString()), r);
            return BucketHandler.done(
                copySource
                    .versionId()
                    .map(v -> answer.addHeader(RawHeader.create("x-amz-copy-source-version-id", v)))
                    .orElse(answer));
          }
          if (status == 404) {
            // the source or the destination bucket is missing
            return swift
                .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
                .thenApply(
                    h -> {
                      swift.discard(h);
                      throw new S3Exception(
                          h.status().intValue() == 404
                              ? S3ErrorCode.NO_SUCH_BUCKET
                              : S3ErrorCode.NO_SUCH_KEY);
                    });
          }
          throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
        });
  }

  /**
   * Completes when the copy source meets the request's {@code x-amz-copy-source-if-*} conditions
   * (at once without any); PreconditionFailed if not. A missing source is left to the copy.
   */
  private CompletionStage<Boolean> checkSourceConditions(
      S3Request s3, CopySource source, List<HttpHeader> conditions) {
    if (conditions.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    return swift
        .send(
            s3,
            HttpMethods.HEAD,
            source.bucket(),
            source.key(),
            source.query(),
            conditions,
            HttpEntities.EMPTY)
        .thenApply(
            head -> {
              swift.discard(head);
              int status = head.status().intValue();
              if (status == 304 || status == 412) {
                throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
              }
              return true;
            });
  }

  /**
   * The bucket, key and version of {@code x-amz-copy-source}, and the X-Copy-From that names them.
   */
  record CopySource(String bucket, String key, Optional<String> versionId) {
    String swiftPath() {
      return "/" + SigV4.uriEncode(bucket, false) + "/" + SigV4.uriEncode(key, true);
    }

    /** The Swift query that reads the source's version. */
    String query() {
      return versionQuery(versionId);
    }
  }

  /** The copy-source conditions of S3, as the HTTP conditions Swift applies to the source. */
  static final Map<String, String> COPY_SOURCE_CONDITIONS =
      Map.of(
          "x-amz-copy-source-if-match", "If-Match",
          "x-amz-copy-source-if-none-match", "If-None-Match",
          "x-amz-copy-source-if-modified-since", "If-Modified-Since",
          "x-amz-copy-source-if-unmodified-since", "If-Unmodified-Since");

  /** The request's copy-source conditions as the headers of the Swift copy. */
  static List<HttpHeader> copySourceConditions(S3Request s3) {
    List<HttpHeader> conditions = new ArrayList<>();
    COPY_SOURCE_CONDITIONS.forEach(
        (amz, http) -> s3.header(amz).ifPresent(v -> conditions.add(RawHeader.create(http, v))));
    return conditions;
  }

  /** {@code x-amz-copy-source}: {@code [/]bucket/key}, URL-encoded, of the current version. */
  static CopySource copySource(S3Request s3) {
    String source = s3.header("x-amz-copy-source").orElseThrow().strip();
    int q = source.indexOf('?');
    Optional<String> versionId = Optional.empty();
    if (q >= 0) {
      String rest = source.substring(q + 1);
      if (!rest.isEmpty()
          && (!rest.startsWith("versionId=") || rest.contains("&") || rest.equals("versionId="))) {
        throw new S3Exception(
            S3ErrorCode.INVALID_ARGUMENT,
            "Unsupported copy source parameter.",
            Map.of("ArgumentName", "X-Amz-Copy-Source", "ArgumentValue", source));
      }
      if (!rest.isEmpty()) {
        String id = SigV4.decode(rest.substring("versionId=".length()));
        BucketVersioning.checkVersionId(id, "x-amz-copy-source");
        // null is the current version where the bucket never had versioning
        versionId = Optional.of(id).filter(v -> !v.equals("null"));
      }
      source = source.substring(0, q);
    }
    String decoded = SigV4.decode(source.startsWith("/") ? source.substring(1) : source);
    int slash = decoded.indexOf('/');
    if (slash <= 0 || slash == decoded.length() - 1) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
          Map.of("ArgumentName", "x-amz-copy-source", "ArgumentValue", source));
    }
    return new CopySource(decoded.substring(0, slash), decoded.substring(slash + 1), versionId);
  }

  /** The "Response Status" of Swift's bulk report, as in "200 OK". */
  private static String reportStatus(String report) {
    try {
      return JSON.readTree(report).path("Response Status").asText("500");
    } catch (IOException e) {
      return "500";
    }
  }

  /** A Swift 404 (or other failure) of an object request: which S3 error it is. */
  private <T> CompletionStage<T> missing(S3Request s3, int status) {
    if (status != 404) {
      throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
    }
    return bucketExists(s3)
        .thenApply(
            exists -> {
              throw new S3Exception(S3ErrorCode.NO_SUCH_KEY);
            });
  }

  /** Completes when the bucket exists; fails with NoSuchBucket (or what else Swift says) if not. */
  private CompletionStage<Boolean> bucketExists(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenApply(
            h -> {
              swift.discard(h);
              int bucketStatus = h.status().intValue();
              if (bucketStatus >= 300) {
                throw S3Statuses.failure(bucketStatus, S3Statuses.Target.BUCKET);
              }
              return true;
            });
  }

  /** Swift's COPY, the server-side copy that can read a version. */
  static final HttpMethod COPY =
      HttpMethods.custom("COPY", false, false, RequestEntityAcceptances.Tolerated, true);

  /** An answer with the version id Swift gave the written object (versioning on). */
  static HttpResponse withVersionId(HttpResponse answer, HttpResponse swiftAnswer) {
    return swiftAnswer
        .getHeader("X-Object-Version-Id")
        .map(v -> answer.addHeader(RawHeader.create("x-amz-version-id", v.value())))
        .orElse(answer);
  }

  /** A Swift object answer with S3's header names; the body streams through untouched. */
  private static HttpResponse s3Answer(HttpResponse swiftAnswer, S3Request s3) {
    List<HttpHeader> headers = new ArrayList<>();
    for (HttpHeader h : swiftAnswer.getHeaders()) {
      String name = h.lowercaseName();
      if (name.startsWith("x-object-meta-")) {
        headers.add(
            RawHeader.create("x-amz-meta-" + name.substring("x-object-meta-".length()), h.value()));
      } else if (name.equals("etag")) {
        // a completed multipart upload shows S3's ETag of it, as S3 and Swift's s3api do
        String etag = MultipartEtag.of(swiftAnswer).orElse(h.value());
        headers.add(RawHeader.create("ETag", S3Answers.quoted(etag)));
      } else if (name.equals("x-object-version-id")) {
        headers.add(RawHeader.create("x-amz-version-id", h.value()));
      } else if (SWIFT_ONLY_PREFIXES.stream().noneMatch(name::startsWith)) {
        headers.add(h);
      }
    }
    // GET's response-* parameters name the headers of the answer
    RESPONSE_OVERRIDES.forEach(
        (param, header) ->
            s3.param(param)
                .ifPresent(
                    value -> {
                      headers.removeIf(h -> h.lowercaseName().equals(header));
                      headers.add(RawHeader.create(header, value));
                    }));
    HttpResponse answer = swiftAnswer.withHeaders(headers);
    Optional<ContentType> type = s3.param("response-content-type").flatMap(ObjectHandler::parsed);
    if (type.isPresent()) {
      headers.removeIf(h -> h.lowercaseName().startsWith("x-raw-content-type-"));
      answer =
          answer
              .withHeaders(headers)
              .withEntity((ResponseEntity) answer.entity().withContentType(type.get()));
    }
    return answer;
  }

  private static Optional<ContentType> parsed(String contentType) {
    try {
      return Optional.of(ContentTypes.parse(contentType));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** GET's {@code response-*} parameters and the answer headers they set. */
  private static final Map<String, String> RESPONSE_OVERRIDES =
      Map.of(
          "response-cache-control", "cache-control",
          "response-content-disposition", "content-disposition",
          "response-content-encoding", "content-encoding",
          "response-content-language", "content-language",
          "response-expires", "expires");

  /** User metadata as Swift object metadata. */
  static List<HttpHeader> metadata(S3Request s3) {
    List<HttpHeader> headers = new ArrayList<>();
    s3.headers()
        .forEach(
            (name, value) -> {
              if (name.startsWith("x-amz-meta-") && name.length() > "x-amz-meta-".length()) {
                headers.add(
                    RawHeader.create(
                        "X-Object-Meta-" + name.substring("x-amz-meta-".length()), value));
              }
            });
    return headers;
  }

  /** Features S3 clients may ask for that are not offered: refused, never silently ignored. */
  private static void rejectUnoffered(S3Request s3) {
    s3.header("x-amz-acl")
        .filter(acl -> !acl.strip().equals("private"))
        .ifPresent(
            acl -> {
              throw new S3Exception(
                  S3ErrorCode.NOT_IMPLEMENTED, "Canned ACLs other than private are not supported");
            });
    for (String name :
        List.of(
            "x-amz-server-side-encryption",
            "x-amz-server-side-encryption-customer-algorithm",
            "x-amz-website-redirect-location",
            "x-amz-object-lock-mode",
            "x-amz-object-lock-legal-hold",
            "x-amz-grant-read",
            "x-amz-grant-write",
            "x-amz-grant-full-control",
            "x-amz-tagging")) {
      if (s3.header(name).isPresent()) {
        throw new S3Exception(
            S3ErrorCode.NOT_IMPLEMENTED, name + " is not offered through S3 here");
      }
    }
    s3.header("x-amz-storage-class")
        .filter(c -> !c.strip().equals("STANDARD"))
        .ifPresent(
            c -> {
              throw new S3Exception(
                  S3ErrorCode.NOT_IMPLEMENTED, "Only the STANDARD storage class is offered");
            });
  }

  private static String withoutAwsChunked(String encoding) {
    List<String> kept = new ArrayList<>();
    for (String e : encoding.split(",")) {
      if (!e.strip().equalsIgnoreCase("aws-chunked") && !e.isBlank()) {
        kept.add(e.strip());
      }
    }
    return String.join(", ", kept);
  }

  /** Content-MD5 (base64 of 16 bytes) as the hex ETag Swift compares the body with. */
  static String md5Hex(String contentMd5) {
    try {
      byte[] md5 = Base64.getDecoder().decode(contentMd5.strip());
      if (md5.length != 16) {
        throw new IllegalArgumentException();
      }
      return HexFormat.of().formatHex(md5);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(S3ErrorCode.INVALID_DIGEST);
    }
  }

  static String isoFromHttpDate(String value) {
    try {
      return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
          .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.000'Z'", Locale.ROOT));
    } catch (DateTimeParseException e) {
      return ZonedDateTime.now().format(DateTimeFormatter.ISO_INSTANT);
    }
  }
}
