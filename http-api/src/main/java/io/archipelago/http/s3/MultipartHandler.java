package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.MultipartEtag;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Multipart uploads stored as Swift static large objects, as Swift's s3api stores them: an upload
 * is a marker object {@code <key>/<upload id>} in the bucket's segments container {@code
 * <bucket>+segments} (placed by the bucket's policy), carrying the object's content type and
 * metadata; each part is a segment {@code <key>/<upload id>/<part number>} there; Complete writes
 * the SLO manifest of the parts at the key (so Swift clients read it too) and removes the marker;
 * Abort removes parts and marker.
 */
final class MultipartHandler {

  static final String SEGMENTS_SUFFIX = "+segments";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_PART_NUMBER = MultipartEtag.MAX_PARTS;
  private static final int MAX_COMPLETE_BODY = 4 * 1024 * 1024;

  /** The name of an upload's marker in the segments container: key, then the upload id. */
  private static final Pattern UPLOAD_MARKER = Pattern.compile("(.+)/([0-9a-f]{32})");

  private final SwiftBridge swift;
  private final long minPartSize;
  private final HeadLength headLength;

  /**
   * @param minPartSize the least size of every part but the last ({@code
   *     archipelago.s3.min-part-size}, S3's 5 MiB by default; Swift's s3api has it as {@code
   *     min_segment_size})
   */
  MultipartHandler(SwiftBridge swift, long minPartSize, HeadLength headLength) {
    this.swift = swift;
    this.minPartSize = minPartSize;
    this.headLength = headLength;
  }

  static String segments(String bucket) {
    return bucket + SEGMENTS_SUFFIX;
  }

  private static String marker(S3Request s3, String uploadId) {
    return s3.keyName() + "/" + uploadId;
  }

  /**
   * Where an upload's parts go: beside its marker, not under it, so that no name is both an object
   * and a directory on backends that keep names as file paths (S3Proxy's filesystem provider,
   * MinIO, file servers), where {@code key/uploadId} and {@code key/uploadId/00001} cannot both
   * exist. Swift clients listing {@code key/uploadId} as a prefix see both, as with Swift's s3api.
   */
  private static String partsPrefix(S3Request s3, String uploadId) {
    return marker(s3, uploadId) + ".parts/";
  }

  private static String part(S3Request s3, String uploadId, int number) {
    return partsPrefix(s3, uploadId) + String.format(Locale.ROOT, "%05d", number);
  }

  /** POST /bucket/key?uploads */
  CompletionStage<HttpResponse> create(S3Request s3) {
    String uploadId = HexFormat.of().formatHex(randomBytes());
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenCompose(
            bucket -> {
              swift.discard(bucket);
              if (bucket.status().intValue() >= 300) {
                throw S3Statuses.failure(bucket.status().intValue(), S3Statuses.Target.BUCKET);
              }
              List<HttpHeader> policy =
                  bucket
                      .getHeader("X-Storage-Policy")
                      .map(
                          h -> List.<HttpHeader>of(RawHeader.create("X-Storage-Policy", h.value())))
                      .orElse(List.of());
              return swift.send(
                  s3,
                  HttpMethods.PUT,
                  segments(s3.bucketName()),
                  null,
                  "",
                  policy,
                  HttpEntities.EMPTY);
            })
        .thenCompose(
            container -> {
              swift.discard(container);
              int status = container.status().intValue();
              if (status != 201 && status != 202) {
                throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
              }
              List<HttpHeader> headers = new ArrayList<>(ObjectHandler.metadata(s3));
              for (String name :
                  List.of(
                      "cache-control",
                      "content-disposition",
                      "content-language",
                      "expires",
                      "content-encoding")) {
                s3.header(name).ifPresent(v -> headers.add(RawHeader.create(name, v)));
              }
              var contentType = s3.http().entity().getContentType();
              return swift.send(
                  s3,
                  HttpMethods.PUT,
                  segments(s3.bucketName()),
                  marker(s3, uploadId),
                  "",
                  headers,
                  HttpEntities.create(
                      contentType.equals(ContentTypes.NO_CONTENT_TYPE)
                          ? ContentTypes.APPLICATION_OCTET_STREAM
                          : contentType,
                      ByteString.emptyByteString()));
            })
        .thenApply(
            markerPut -> {
              swift.discard(markerPut);
              if (markerPut.status().intValue() != 201) {
                throw S3Statuses.failure(markerPut.status().intValue(), S3Statuses.Target.BUCKET);
              }
              StringBuilder sb =
                  new StringBuilder("<InitiateMultipartUploadResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Bucket", s3.bucketName());
              S3Xml.element(sb, "Key", s3.keyName());
              S3Xml.element(sb, "UploadId", uploadId);
              sb.append("</InitiateMultipartUploadResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  /** PUT /bucket/key?partNumber=N&uploadId=U */
  CompletionStage<HttpResponse> uploadPart(S3Request s3) {
    String uploadId = s3.param("uploadId").orElseThrow();
    int number = partNumber(s3.param("partNumber").orElse(""));
    if (s3.header("x-amz-copy-source").isPresent()) {
      return uploadPartCopy(s3, uploadId, number);
    }
    List<HttpHeader> headers = new ArrayList<>();
    s3.header("content-md5")
        .ifPresent(md5 -> headers.add(RawHeader.create("ETag", ObjectHandler.md5Hex(md5))));
    S3Body body = S3Body.of(s3.http(), s3.headers(), s3.auth());
    return existingUpload(s3, uploadId)
        .thenCompose(
            marker ->
                swift.send(
                    s3,
                    HttpMethods.PUT,
                    segments(s3.bucketName()),
                    part(s3, uploadId, number),
                    "",
                    headers,
                    body.entity()))
        .thenApply(
            r -> {
              swift.discard(r);
              if (r.status().intValue() == 201) {
                // the part's ETag and Last-Modified, as Swift's s3api passes on the PUT's
                HttpResponse ok =
                    S3Answers.emptyAsSwob(200)
                        .addHeaders(
                            r.getHeader("Last-Modified")
                                .map(lm -> List.<HttpHeader>of(lm))
                                .orElse(List.of()));
                return r.getHeader("ETag")
                    .map(e -> ok.addHeader(RawHeader.create("ETag", S3Answers.quoted(e.value()))))
                    .orElse(ok);
              }
              throw body.failure()
                  .orElseGet(
                      () -> S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET));
            })
        .exceptionally(
            e -> {
              if (body.failure().isPresent()) {
                throw body.failure().get();
              }
              throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            });
  }

  private static final Pattern COPY_SOURCE_RANGE = Pattern.compile("bytes=(\\d{1,19})-(\\d{1,19})");

  /**
   * PUT /bucket/key?partNumber=N&uploadId=U with {@code x-amz-copy-source}: UploadPartCopy, the
   * part a server-side copy of the source (or of {@code x-amz-copy-source-range} of it), from any
   * bucket of the account whichever backend holds it; the source HEAD first, as Swift's s3api, for
   * its conditions and size.
   */
  private CompletionStage<HttpResponse> uploadPartCopy(S3Request s3, String uploadId, int number) {
    ObjectHandler.CopySource source = ObjectHandler.copySource(s3);
    Optional<String> range = s3.header("x-amz-copy-source-range").map(String::strip);
    Optional<long[]> bounds =
        range.map(
            r -> {
              Matcher m = COPY_SOURCE_RANGE.matcher(r);
              long first = m.matches() ? Long.parseLong(m.group(1)) : -1;
              long last = m.matches() ? Long.parseLong(m.group(2)) : -1;
              if (first < 0 || last < first) {
                throw new S3Exception(
                    S3ErrorCode.INVALID_ARGUMENT,
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where"
                        + " first and last are the zero-based offsets of the first and last bytes"
                        + " to copy",
                    Map.of("ArgumentName", "x-amz-source-range", "ArgumentValue", r));
              }
              return new long[] {first, last};
            });
    List<HttpHeader> conditions = ObjectHandler.copySourceConditions(s3);
    return existingUpload(s3, uploadId)
        .thenCompose(
            marker ->
                swift.send(
                    s3,
                    HttpMethods.HEAD,
                    source.bucket(),
                    source.key(),
                    source.query(),
                    conditions,
                    HttpEntities.EMPTY))
        .thenCompose(
            head -> {
              swift.discard(head);
              int status = head.status().intValue();
              if (status == 304 || status == 412) {
                throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
              }
              if (status == 404) {
                return swift
                    .send(s3, HttpMethods.HEAD, source.bucket(), null, "")
                    .thenApply(
                        bucket -> {
                          swift.discard(bucket);
                          throw new S3Exception(
                              bucket.status().intValue() == 404
                                  ? S3ErrorCode.NO_SUCH_BUCKET
                                  : S3ErrorCode.NO_SUCH_KEY);
                        });
              }
              if (status >= 300) {
                throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
              }
              long size = headLength.contentLength(head).orElse(0L);
              List<HttpHeader> headers = new ArrayList<>(conditions);
              String segment = part(s3, uploadId, number);
              if (source.versionId().isEmpty()) {
                headers.add(RawHeader.create("X-Copy-From", source.swiftPath()));
              } else {
                headers.add(
                    RawHeader.create(
                        "Destination",
                        SigV4.uriEncode(segments(s3.bucketName()), false)
                            + "/"
                            + SigV4.uriEncode(segment, true)));
              }
              if (bounds.isPresent()) {
                if (bounds.get()[0] >= size) {
                  throw new S3Exception(
                      S3ErrorCode.INVALID_ARGUMENT,
                      "Range specified is not valid for source object of size: " + size,
                      Map.of("ArgumentName", "x-amz-source-range", "ArgumentValue", range.get()));
                }
                headers.add(RawHeader.create("Range", range.get()));
              }
              // a version is copied as Swift copies one: COPY of the source with its version-id
              return source.versionId().isEmpty()
                  ? swift.send(
                      s3,
                      HttpMethods.PUT,
                      segments(s3.bucketName()),
                      segment,
                      "",
                      headers,
                      HttpEntities.EMPTY)
                  : swift.send(
                      s3,
                      ObjectHandler.COPY,
                      source.bucket(),
                      source.key(),
                      source.query(),
                      headers,
                      HttpEntities.EMPTY);
            })
        .thenApply(
            put -> {
              swift.discard(put);
              int status = put.status().intValue();
              if (status == 412) {
                throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
              }
              if (status != 201) {
                throw S3Statuses.failure(status, S3Statuses.Target.OBJECT);
              }
              String etag = put.getHeader("ETag").map(HttpHeader::value).orElse("");
              String modified =
                  put.getHeader("Last-Modified")
                      .map(h -> ObjectHandler.isoFromHttpDate(h.value()))
                      .orElseGet(() -> Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
              StringBuilder sb =
                  new StringBuilder("<CopyPartResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "LastModified", modified);
              S3Xml.element(sb, "ETag", S3Answers.quoted(etag));
              sb.append("</CopyPartResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  private record Uploaded(int number, long bytes, String etag, String lastModified) {}

  /** POST /bucket/key?uploadId=U: the parts become the object, a static large object. */
  CompletionStage<HttpResponse> complete(S3Request s3) {
    String uploadId = s3.param("uploadId").orElseThrow();
    return s3.http()
        .entity()
        .getDataBytes()
        .limitWeighted(MAX_COMPLETE_BODY, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, swift.materializer())
        .exceptionally(
            e -> {
              throw new S3Exception(S3ErrorCode.MALFORMED_XML);
            })
        .thenCompose(
            xml ->
                existingUpload(s3, uploadId)
                    .handle(
                        (marker, failure) ->
                            failure == null
                                ? CompletableFuture.completedFuture(Optional.of(marker))
                                : completedBefore(s3, uploadId, failure))
                    .thenCompose(stage -> stage)
                    .thenCompose(
                        found ->
                            found.isEmpty()
                                ? completedAnswer(s3)
                                : completeParts(s3, uploadId, xml, found.get())));
  }

  /**
   * A complete whose upload is gone already: when the object at the key is the manifest this upload
   * became (its segments are the upload's parts), the complete succeeded before and is answered
   * again, so that a client may retry it (as S3 and Swift's s3api allow); otherwise the failure.
   */
  private CompletionStage<Optional<HttpResponse>> completedBefore(
      S3Request s3, String uploadId, Throwable failure) {
    Throwable cause = S3Errors.unwrap(failure);
    if (!(cause instanceof S3Exception e) || e.code() != S3ErrorCode.NO_SUCH_UPLOAD) {
      return CompletableFuture.failedFuture(cause);
    }
    String manifestPrefix = "/" + segments(s3.bucketName()) + "/" + partsPrefix(s3, uploadId);
    return swift
        .send(s3, HttpMethods.GET, s3.bucketName(), s3.keyName(), "multipart-manifest=get")
        .thenCompose(
            r -> {
              if (r.status().intValue() != 200 || r.getHeader("X-Static-Large-Object").isEmpty()) {
                swift.discard(r);
                return CompletableFuture.failedFuture(cause);
              }
              return swift
                  .text(r)
                  .thenCompose(
                      text -> {
                        if (!manifestOf(text, manifestPrefix)) {
                          return CompletableFuture.failedFuture(cause);
                        }
                        return CompletableFuture.completedFuture(Optional.<HttpResponse>empty());
                      });
            });
  }

  /** Whether a manifest (Swift's {@code multipart-manifest=get} JSON) lists only these parts. */
  private static boolean manifestOf(String manifestJson, String partsPrefix) {
    try {
      JsonNode segments = JSON.readTree(manifestJson);
      if (!segments.isArray() || segments.isEmpty()) {
        return false;
      }
      for (JsonNode segment : segments) {
        String name = segment.path("name").asText(segment.path("path").asText(""));
        if (!name.startsWith(partsPrefix)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The answer to a complete that succeeded before: the object's S3 ETag, from a HEAD. */
  private CompletionStage<HttpResponse> completedAnswer(S3Request s3) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), s3.keyName(), "")
        .thenApply(
            head -> {
              swift.discard(head);
              if (head.status().intValue() != 200) {
                throw S3Statuses.failure(head.status().intValue(), S3Statuses.Target.OBJECT);
              }
              String etag =
                  MultipartEtag.of(head)
                      .or(() -> head.getHeader("ETag").map(HttpHeader::value))
                      .orElse("");
              return completeResult(s3, S3Answers.quoted(etag));
            });
  }

  private static HttpResponse completeResult(S3Request s3, String quotedEtag) {
    StringBuilder sb =
        new StringBuilder("<CompleteMultipartUploadResult xmlns=\"")
            .append(S3Xml.NAMESPACE)
            .append("\">");
    S3Xml.element(sb, "Location", location(s3));
    S3Xml.element(sb, "Bucket", s3.bucketName());
    S3Xml.element(sb, "Key", s3.keyName());
    S3Xml.element(sb, "ETag", quotedEtag);
    sb.append("</CompleteMultipartUploadResult>");
    return S3Answers.xml(sb.toString());
  }

  private CompletionStage<HttpResponse> completeParts(
      S3Request s3, String uploadId, ByteString xml, HttpResponse found) {
    return CompletableFuture.completedFuture(found)
        .thenCompose(
            marker ->
                listParts(s3, uploadId)
                    .thenCompose(
                        uploaded -> {
                          List<int[]> order = new ArrayList<>();
                          List<String> etags = new ArrayList<>();
                          requested(xml.toArray(), order, etags);
                          ArrayNode manifest = JSON.createArrayNode();
                          MessageDigest md5s = md5();
                          int previous = 0;
                          for (int i = 0; i < order.size(); i++) {
                            int number = order.get(i)[0];
                            if (number <= previous) {
                              throw new S3Exception(S3ErrorCode.INVALID_PART_ORDER);
                            }
                            previous = number;
                            Uploaded got = uploaded.get(number);
                            String etag = unquoted(etags.get(i));
                            if (got == null || !got.etag().equalsIgnoreCase(etag)) {
                              throw new S3Exception(
                                  S3ErrorCode.INVALID_PART,
                                  S3ErrorCode.INVALID_PART.message(),
                                  Map.of(
                                      "PartNumber",
                                      Integer.toString(number),
                                      "ETag",
                                      etags.get(i)));
                            }
                            if (got.bytes() < minPartSize && i < order.size() - 1) {
                              throw new S3Exception(
                                  S3ErrorCode.ENTITY_TOO_SMALL,
                                  S3ErrorCode.ENTITY_TOO_SMALL.message(),
                                  Map.of(
                                      "PartNumber",
                                      Integer.toString(number),
                                      "ProposedSize",
                                      Long.toString(got.bytes()),
                                      "MinSizeAllowed",
                                      Long.toString(minPartSize)));
                            }
                            manifest
                                .addObject()
                                .put(
                                    "path",
                                    "/"
                                        + segments(s3.bucketName())
                                        + "/"
                                        + part(s3, uploadId, number))
                                .put("etag", got.etag())
                                .put("size_bytes", got.bytes());
                            md5s.update(HexFormat.of().parseHex(got.etag()));
                          }
                          String s3Etag =
                              HexFormat.of().formatHex(md5s.digest()) + "-" + order.size();
                          List<HttpHeader> headers = new ArrayList<>();
                          for (HttpHeader h : marker.getHeaders()) {
                            String name = h.lowercaseName();
                            if (name.startsWith("x-object-meta-")
                                || List.of(
                                        "cache-control",
                                        "content-disposition",
                                        "content-language",
                                        "expires",
                                        "content-encoding")
                                    .contains(name)) {
                              headers.add(h);
                            }
                          }
                          headers.add(RawHeader.create("Content-Type", contentType(marker)));
                          return swift
                              .send(
                                  s3,
                                  HttpMethods.PUT,
                                  s3.bucketName(),
                                  s3.keyName(),
                                  "multipart-manifest=put",
                                  headers,
                                  HttpEntities.create(ByteString.fromString(manifest.toString())),
                                  put -> put.addAttribute(MultipartEtag.ATTRIBUTE, s3Etag))
                              .thenCompose(
                                  put -> {
                                    swift.discard(put);
                                    int status = put.status().intValue();
                                    if (status != 201) {
                                      throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
                                    }
                                    return swift.send(
                                        s3,
                                        HttpMethods.DELETE,
                                        segments(s3.bucketName()),
                                        marker(s3, uploadId),
                                        "");
                                  })
                              .thenApply(
                                  deleted -> {
                                    swift.discard(deleted);
                                    return completeResult(s3, "\"" + s3Etag + "\"");
                                  });
                        }));
  }

  /**
   * The completed object's URL, as Swift's s3api writes it: the client's scheme and Host (boto 2's
   * doubled port dropped) and the path, percent-encoded.
   */
  static String location(S3Request s3) {
    String host = ClientHead.host(s3.http()).orElse("");
    String[] parts = host.split(":", -1);
    if (parts.length > 2 && !host.startsWith("[")) {
      host = parts[0] + ":" + parts[1];
    }
    return s3.http().getUri().scheme()
        + "://"
        + host
        + "/"
        + SigV4.uriEncode(s3.bucketName(), false)
        + "/"
        + SigV4.uriEncode(s3.keyName(), true);
  }

  /** DELETE /bucket/key?uploadId=U: every part and the upload go, the parts listed page by page. */
  CompletionStage<HttpResponse> abort(S3Request s3) {
    String uploadId = s3.param("uploadId").orElseThrow();
    return existingUpload(s3, uploadId)
        .thenCompose(
            marker ->
                swift
                    .listing(s3, segments(s3.bucketName()), partsPrefix(s3, uploadId), "")
                    .mapAsync(
                        4,
                        entry ->
                            swift
                                .send(
                                    s3,
                                    HttpMethods.DELETE,
                                    segments(s3.bucketName()),
                                    entry.path("name").asText(),
                                    "")
                                .thenApply(
                                    r -> {
                                      swift.discard(r);
                                      int status = r.status().intValue();
                                      if (status >= 300 && status != 404) {
                                        throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
                                      }
                                      return status;
                                    }))
                    .runWith(Sink.ignore(), swift.materializer()))
        .thenCompose(
            done ->
                swift.send(
                    s3, HttpMethods.DELETE, segments(s3.bucketName()), marker(s3, uploadId), ""))
        .thenApply(
            r -> {
              swift.discard(r);
              return S3Answers.emptyAsSwob(204);
            });
  }

  /** GET /bucket/key?uploadId=U: ListParts, by part number. */
  CompletionStage<HttpResponse> listParts(S3Request s3) {
    String uploadId = s3.param("uploadId").orElseThrow();
    int maxParts = bounded(s3, "max-parts");
    int after =
        s3.param("part-number-marker")
            .map(
                m -> {
                  try {
                    return Integer.parseInt(m.strip());
                  } catch (NumberFormatException e) {
                    throw new S3Exception(
                        S3ErrorCode.INVALID_ARGUMENT, "part-number-marker must be an integer");
                  }
                })
            .orElse(0);
    String prefix = partsPrefix(s3, uploadId);
    String from = after <= 0 ? "" : part(s3, uploadId, Math.min(after, MAX_PART_NUMBER));
    return existingUpload(s3, uploadId)
        .thenCompose(
            marker ->
                swift
                    .listing(s3, segments(s3.bucketName()), prefix, from)
                    .map(entry -> uploaded(prefix, entry))
                    .filter(Optional::isPresent)
                    .map(Optional::get)
                    .take(maxParts + 1L)
                    .runWith(Sink.seq(), swift.materializer()))
        .thenApply(
            listed -> {
              Map<Integer, Uploaded> parts = new HashMap<>();
              listed.forEach(p -> parts.put(p.number(), p));
              List<Integer> numbers = listed.stream().map(Uploaded::number).toList();
              boolean truncated = numbers.size() > maxParts;
              List<Integer> page = numbers.subList(0, Math.min(maxParts, numbers.size()));
              StringBuilder sb =
                  new StringBuilder("<ListPartsResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Bucket", s3.bucketName());
              S3Xml.element(sb, "Key", s3.keyName());
              S3Xml.element(sb, "UploadId", uploadId);
              sb.append("<Initiator>");
              S3Xml.element(sb, "ID", S3Answers.ownerId(s3));
              S3Xml.element(sb, "DisplayName", S3Answers.ownerId(s3));
              sb.append("</Initiator>");
              S3Answers.owner(sb, s3);
              S3Xml.element(sb, "StorageClass", "STANDARD");
              S3Xml.element(sb, "PartNumberMarker", Integer.toString(after));
              // always there, as S3's schema has it: the last part listed, else the marker
              S3Xml.element(
                  sb,
                  "NextPartNumberMarker",
                  Integer.toString(page.isEmpty() ? after : page.get(page.size() - 1)));
              S3Xml.element(sb, "MaxParts", Integer.toString(maxParts));
              S3Xml.element(sb, "IsTruncated", Boolean.toString(truncated));
              for (int n : page) {
                Uploaded part = parts.get(n);
                sb.append("<Part>");
                S3Xml.element(sb, "PartNumber", Integer.toString(n));
                S3Xml.element(sb, "LastModified", S3Answers.isoDate(part.lastModified()));
                S3Xml.element(sb, "ETag", S3Answers.quoted(part.etag()));
                S3Xml.element(sb, "Size", Long.toString(part.bytes()));
                sb.append("</Part>");
              }
              sb.append("</ListPartsResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  /** An upload begun and not completed or aborted, from its marker in the segments container. */
  private record Upload(String key, String uploadId, String initiated) {}

  /**
   * GET /bucket?uploads: ListMultipartUploads, by key then upload id, from {@code key-marker} and
   * {@code upload-id-marker} on; the segments container is read page by page up to one more upload
   * than the page holds.
   */
  CompletionStage<HttpResponse> listUploads(S3Request s3) {
    int maxUploads = bounded(s3, "max-uploads");
    String prefix = s3.param("prefix").orElse("");
    String keyMarker = s3.param("key-marker").orElse("");
    String uploadIdMarker = keyMarker.isEmpty() ? "" : s3.param("upload-id-marker").orElse("");
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenCompose(
            bucket -> {
              swift.discard(bucket);
              if (bucket.status().intValue() >= 300) {
                throw S3Statuses.failure(bucket.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return swift
                  .listing(s3, segments(s3.bucketName()), prefix, keyMarker)
                  .map(
                      entry -> {
                        Matcher m = UPLOAD_MARKER.matcher(entry.path("name").asText());
                        return m.matches()
                            ? Optional.of(
                                new Upload(
                                    m.group(1), m.group(2), entry.path("last_modified").asText()))
                            : Optional.<Upload>empty();
                      })
                  .filter(Optional::isPresent)
                  .map(Optional::get)
                  .filter(
                      u ->
                          u.key().compareTo(keyMarker) > 0
                              || (u.key().equals(keyMarker)
                                  && !uploadIdMarker.isEmpty()
                                  && u.uploadId().compareTo(uploadIdMarker) > 0))
                  .take(maxUploads + 1L)
                  .runWith(Sink.seq(), swift.materializer());
            })
        .thenApply(
            uploads -> {
              boolean truncated = uploads.size() > maxUploads;
              List<Upload> page = uploads.subList(0, Math.min(maxUploads, uploads.size()));
              StringBuilder sb =
                  new StringBuilder("<ListMultipartUploadsResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Bucket", s3.bucketName());
              S3Xml.element(sb, "KeyMarker", keyMarker);
              S3Xml.element(sb, "UploadIdMarker", uploadIdMarker);
              // always there, as S3's schema has it; empty, as Swift's s3api has them, when at most
              // one upload is listed and nothing is left (a truncated page always names its last)
              boolean named = !page.isEmpty() && (truncated || page.size() > 1);
              S3Xml.element(sb, "NextKeyMarker", named ? page.get(page.size() - 1).key() : "");
              S3Xml.element(
                  sb, "NextUploadIdMarker", named ? page.get(page.size() - 1).uploadId() : "");
              S3Xml.element(sb, "Prefix", prefix);
              S3Xml.element(sb, "MaxUploads", Integer.toString(maxUploads));
              S3Xml.element(sb, "IsTruncated", Boolean.toString(truncated));
              for (Upload upload : page) {
                sb.append("<Upload>");
                S3Xml.element(sb, "Key", upload.key());
                S3Xml.element(sb, "UploadId", upload.uploadId());
                sb.append("<Initiator>");
                S3Xml.element(sb, "ID", S3Answers.ownerId(s3));
                S3Xml.element(sb, "DisplayName", S3Answers.ownerId(s3));
                sb.append("</Initiator>");
                S3Answers.owner(sb, s3);
                S3Xml.element(sb, "StorageClass", "STANDARD");
                S3Xml.element(sb, "Initiated", S3Answers.isoDate(upload.initiated()));
                sb.append("</Upload>");
              }
              sb.append("</ListMultipartUploadsResult>");
              return S3Answers.xml(sb.toString());
            });
  }

  private static int bounded(S3Request s3, String param) {
    String text = s3.param(param).orElse("1000");
    try {
      int value = Integer.parseInt(text.strip());
      if (value < 0) {
        throw new NumberFormatException();
      }
      return Math.min(value, 1000);
    } catch (NumberFormatException e) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          param + " must be a non-negative integer",
          Map.of("ArgumentName", param, "ArgumentValue", text));
    }
  }

  /** The upload's marker (its content type and metadata), or NoSuchUpload. */
  private CompletionStage<HttpResponse> existingUpload(S3Request s3, String uploadId) {
    if (!uploadId.matches("[0-9a-f]{32}")) {
      return noSuchUpload(s3, "");
    }
    return swift
        .send(s3, HttpMethods.HEAD, segments(s3.bucketName()), marker(s3, uploadId), "")
        .thenCompose(
            r -> {
              swift.discard(r);
              if (r.status().intValue() == 404) {
                return noSuchUpload(s3, uploadId);
              }
              if (r.status().intValue() >= 300) {
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return CompletableFuture.completedFuture(r);
            });
  }

  /** NoSuchUpload, or NoSuchBucket when the bucket is missing too (as Swift's s3api answers). */
  private CompletionStage<HttpResponse> noSuchUpload(S3Request s3, String uploadId) {
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenApply(
            bucket -> {
              swift.discard(bucket);
              if (bucket.status().intValue() == 404) {
                throw new S3Exception(S3ErrorCode.NO_SUCH_BUCKET);
              }
              throw new S3Exception(
                  S3ErrorCode.NO_SUCH_UPLOAD,
                  S3ErrorCode.NO_SUCH_UPLOAD.message(),
                  Map.of("UploadId", uploadId));
            });
  }

  /**
   * The content type a Swift HEAD answer carries: the gateway's server passes a stored type on in a
   * marker header (see HeadLength#rawContentType), else on the entity.
   */
  private static String contentType(HttpResponse head) {
    for (HttpHeader h : head.getHeaders()) {
      if (h.lowercaseName().startsWith("x-raw-content-type-")) {
        return h.value();
      }
    }
    var type = head.entity().getContentType();
    return type.equals(ContentTypes.NO_CONTENT_TYPE) ? "application/octet-stream" : type.toString();
  }

  /** The uploaded parts by number, from the segments container's listing, page by page. */
  private CompletionStage<Map<Integer, Uploaded>> listParts(S3Request s3, String uploadId) {
    String prefix = partsPrefix(s3, uploadId);
    return swift
        .listing(s3, segments(s3.bucketName()), prefix, "")
        .map(entry -> uploaded(prefix, entry))
        .filter(Optional::isPresent)
        .map(Optional::get)
        .runFold(
            new HashMap<Integer, Uploaded>(),
            (parts, part) -> {
              parts.put(part.number(), part);
              return parts;
            },
            swift.materializer())
        .thenApply(parts -> parts);
  }

  /** A listed part of an upload; other names under its prefix are not parts. */
  private static Optional<Uploaded> uploaded(String prefix, JsonNode entry) {
    String name = entry.path("name").asText();
    if (!name.startsWith(prefix)) {
      return Optional.empty();
    }
    String number = name.substring(prefix.length());
    if (!number.matches("\\d{5}")) {
      return Optional.empty();
    }
    return Optional.of(
        new Uploaded(
            Integer.parseInt(number),
            entry.path("bytes").asLong(),
            entry.path("hash").asText(),
            entry.path("last_modified").asText()));
  }

  private static void requested(byte[] xml, List<int[]> order, List<String> etags) {
    Document doc = DeleteObjects.parse(xml);
    Element root = doc.getDocumentElement();
    if (!root.getLocalName().equals("CompleteMultipartUpload")) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML);
    }
    NodeList parts = root.getElementsByTagNameNS("*", "Part");
    if (parts.getLength() == 0 || parts.getLength() > MAX_PART_NUMBER) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML);
    }
    for (int i = 0; i < parts.getLength(); i++) {
      Element part = (Element) parts.item(i);
      NodeList number = part.getElementsByTagNameNS("*", "PartNumber");
      NodeList etag = part.getElementsByTagNameNS("*", "ETag");
      if (number.getLength() != 1 || etag.getLength() != 1) {
        throw new S3Exception(S3ErrorCode.MALFORMED_XML);
      }
      order.add(new int[] {partNumber(number.item(0).getTextContent().strip())});
      etags.add(etag.item(0).getTextContent().strip());
    }
  }

  private static int partNumber(String text) {
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= MAX_PART_NUMBER) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new S3Exception(
        S3ErrorCode.INVALID_ARGUMENT,
        "Part number must be an integer between 1 and 10000, inclusive",
        Map.of("ArgumentName", "partNumber", "ArgumentValue", text));
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ETag text without its quotes. */
  static String unquoted(String etag) {
    String e = etag.strip();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
        ? e.substring(1, e.length() - 1)
        : e;
  }
}
