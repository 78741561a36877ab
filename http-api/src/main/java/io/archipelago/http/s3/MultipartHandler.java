package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  private static final long MIN_PART_SIZE = 5L * 1024 * 1024;
  private static final int MAX_PART_NUMBER = 10000;
  private static final int MAX_COMPLETE_BODY = 4 * 1024 * 1024;

  /** The name of an upload's marker in the segments container: key, then the upload id. */
  private static final Pattern UPLOAD_MARKER = Pattern.compile("(.+)/([0-9a-f]{32})");

  private final SwiftBridge swift;

  MultipartHandler(SwiftBridge swift) {
    this.swift = swift;
  }

  static String segments(String bucket) {
    return bucket + SEGMENTS_SUFFIX;
  }

  private static String marker(S3Request s3, String uploadId) {
    return s3.keyName() + "/" + uploadId;
  }

  private static String part(S3Request s3, String uploadId, int number) {
    return marker(s3, uploadId) + "/" + String.format(Locale.ROOT, "%05d", number);
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
    if (s3.header("x-amz-copy-source").isPresent()) {
      throw new S3Exception(
          S3ErrorCode.NOT_IMPLEMENTED,
          "UploadPartCopy is not offered by this gateway's S3 API yet");
    }
    String uploadId = s3.param("uploadId").orElseThrow();
    int number = partNumber(s3.param("partNumber").orElse(""));
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
                HttpResponse ok = S3Answers.empty(200);
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

  private record Uploaded(long bytes, String etag, String lastModified) {}

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
                                        if (got.bytes() < MIN_PART_SIZE && i < order.size() - 1) {
                                          throw new S3Exception(
                                              S3ErrorCode.ENTITY_TOO_SMALL,
                                              S3ErrorCode.ENTITY_TOO_SMALL.message(),
                                              Map.of(
                                                  "PartNumber",
                                                  Integer.toString(number),
                                                  "ProposedSize",
                                                  Long.toString(got.bytes()),
                                                  "MinSizeAllowed",
                                                  Long.toString(MIN_PART_SIZE)));
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
                                          HexFormat.of().formatHex(md5s.digest())
                                              + "-"
                                              + order.size();
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
                                      headers.add(
                                          RawHeader.create("Content-Type", contentType(marker)));
                                      return swift
                                          .send(
                                              s3,
                                              HttpMethods.PUT,
                                              s3.bucketName(),
                                              s3.keyName(),
                                              "multipart-manifest=put",
                                              headers,
                                              HttpEntities.create(
                                                  ByteString.fromString(manifest.toString())))
                                          .thenCompose(
                                              put -> {
                                                swift.discard(put);
                                                int status = put.status().intValue();
                                                if (status != 201) {
                                                  throw S3Statuses.failure(
                                                      status, S3Statuses.Target.BUCKET);
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
                                                StringBuilder sb =
                                                    new StringBuilder(
                                                            "<CompleteMultipartUploadResult xmlns=\"")
                                                        .append(S3Xml.NAMESPACE)
                                                        .append("\">");
                                                S3Xml.element(
                                                    sb,
                                                    "Location",
                                                    "/" + s3.bucketName() + "/" + s3.keyName());
                                                S3Xml.element(sb, "Bucket", s3.bucketName());
                                                S3Xml.element(sb, "Key", s3.keyName());
                                                S3Xml.element(sb, "ETag", "\"" + s3Etag + "\"");
                                                sb.append("</CompleteMultipartUploadResult>");
                                                return S3Answers.xml(sb.toString());
                                              });
                                    })));
  }

  /** DELETE /bucket/key?uploadId=U: the parts and the upload go. */
  CompletionStage<HttpResponse> abort(S3Request s3) {
    String uploadId = s3.param("uploadId").orElseThrow();
    return existingUpload(s3, uploadId)
        .thenCompose(marker -> listParts(s3, uploadId))
        .thenCompose(
            parts ->
                Source.from(new ArrayList<>(parts.keySet()))
                    .mapAsync(
                        4,
                        number ->
                            swift
                                .send(
                                    s3,
                                    HttpMethods.DELETE,
                                    segments(s3.bucketName()),
                                    part(s3, uploadId, number),
                                    "")
                                .thenApply(
                                    r -> {
                                      swift.discard(r);
                                      return r.status().intValue();
                                    }))
                    .runFold(0, (n, status) -> n + 1, swift.materializer()))
        .thenCompose(
            n ->
                swift.send(
                    s3, HttpMethods.DELETE, segments(s3.bucketName()), marker(s3, uploadId), ""))
        .thenApply(
            r -> {
              swift.discard(r);
              return S3Answers.empty(204);
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
    return existingUpload(s3, uploadId)
        .thenCompose(marker -> listParts(s3, uploadId))
        .thenApply(
            parts -> {
              List<Integer> numbers =
                  parts.keySet().stream().filter(n -> n > after).sorted().toList();
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
              S3Xml.element(sb, "ID", s3.account());
              S3Xml.element(sb, "DisplayName", s3.account());
              sb.append("</Initiator>");
              S3Answers.owner(sb, s3);
              S3Xml.element(sb, "StorageClass", "STANDARD");
              S3Xml.element(sb, "PartNumberMarker", Integer.toString(after));
              if (!page.isEmpty()) {
                S3Xml.element(
                    sb, "NextPartNumberMarker", Integer.toString(page.get(page.size() - 1)));
              }
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

  /** GET /bucket?uploads: ListMultipartUploads, the uploads begun and not completed or aborted. */
  CompletionStage<HttpResponse> listUploads(S3Request s3) {
    int maxUploads = bounded(s3, "max-uploads");
    String prefix = s3.param("prefix").orElse("");
    String keyMarker = s3.param("key-marker").orElse("");
    String query =
        "format=json&limit=10000"
            + (prefix.isEmpty() ? "" : "&prefix=" + SigV4.uriEncode(prefix, false));
    return swift
        .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
        .thenCompose(
            bucket -> {
              swift.discard(bucket);
              if (bucket.status().intValue() >= 300) {
                throw S3Statuses.failure(bucket.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return swift.send(s3, HttpMethods.GET, segments(s3.bucketName()), null, query);
            })
        .thenCompose(
            r -> {
              if (r.status().intValue() == 404) {
                swift.discard(r);
                return CompletableFuture.completedFuture("[]");
              }
              if (r.status().intValue() >= 300) {
                swift.discard(r);
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return swift.text(r);
            })
        .thenApply(
            text -> {
              List<String[]> uploads = new ArrayList<>();
              try {
                for (JsonNode entry : JSON.readTree(text)) {
                  Matcher m = UPLOAD_MARKER.matcher(entry.path("name").asText());
                  if (m.matches() && m.group(1).compareTo(keyMarker) > 0) {
                    uploads.add(
                        new String[] {
                          m.group(1), m.group(2), entry.path("last_modified").asText()
                        });
                  }
                }
              } catch (IOException e) {
                throw new IllegalStateException("unreadable Swift listing", e);
              }
              boolean truncated = uploads.size() > maxUploads;
              List<String[]> page = uploads.subList(0, Math.min(maxUploads, uploads.size()));
              StringBuilder sb =
                  new StringBuilder("<ListMultipartUploadsResult xmlns=\"")
                      .append(S3Xml.NAMESPACE)
                      .append("\">");
              S3Xml.element(sb, "Bucket", s3.bucketName());
              S3Xml.element(sb, "KeyMarker", keyMarker);
              S3Xml.element(sb, "UploadIdMarker", "");
              if (truncated) {
                S3Xml.element(sb, "NextKeyMarker", page.get(page.size() - 1)[0]);
                S3Xml.element(sb, "NextUploadIdMarker", page.get(page.size() - 1)[1]);
              }
              S3Xml.element(sb, "Prefix", prefix);
              S3Xml.element(sb, "MaxUploads", Integer.toString(maxUploads));
              S3Xml.element(sb, "IsTruncated", Boolean.toString(truncated));
              for (String[] upload : page) {
                sb.append("<Upload>");
                S3Xml.element(sb, "Key", upload[0]);
                S3Xml.element(sb, "UploadId", upload[1]);
                sb.append("<Initiator>");
                S3Xml.element(sb, "ID", s3.account());
                S3Xml.element(sb, "DisplayName", s3.account());
                sb.append("</Initiator>");
                S3Answers.owner(sb, s3);
                S3Xml.element(sb, "StorageClass", "STANDARD");
                S3Xml.element(sb, "Initiated", S3Answers.isoDate(upload[2]));
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
      throw new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD);
    }
    return swift
        .send(s3, HttpMethods.HEAD, segments(s3.bucketName()), marker(s3, uploadId), "")
        .thenApply(
            r -> {
              swift.discard(r);
              if (r.status().intValue() == 404) {
                throw new S3Exception(
                    S3ErrorCode.NO_SUCH_UPLOAD,
                    S3ErrorCode.NO_SUCH_UPLOAD.message(),
                    Map.of("UploadId", uploadId));
              }
              if (r.status().intValue() >= 300) {
                throw S3Statuses.failure(r.status().intValue(), S3Statuses.Target.BUCKET);
              }
              return r;
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

  /** The uploaded parts by number, from the segments container's listing. */
  private CompletionStage<Map<Integer, Uploaded>> listParts(S3Request s3, String uploadId) {
    String prefix = marker(s3, uploadId) + "/";
    String query = "format=json&limit=10000&prefix=" + SigV4.uriEncode(prefix, false);
    return swift
        .send(s3, HttpMethods.GET, segments(s3.bucketName()), null, query)
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
              Map<Integer, Uploaded> parts = new HashMap<>();
              try {
                for (JsonNode entry : JSON.readTree(text)) {
                  String name = entry.path("name").asText();
                  String number = name.substring(prefix.length());
                  if (number.matches("\\d{5}")) {
                    parts.put(
                        Integer.parseInt(number),
                        new Uploaded(
                            entry.path("bytes").asLong(),
                            entry.path("hash").asText(),
                            entry.path("last_modified").asText()));
                  }
                }
              } catch (IOException e) {
                throw new IllegalStateException("unreadable Swift listing", e);
              }
              return parts;
            });
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
  private static String unquoted(String etag) {
    String e = etag.strip();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
        ? e.substring(1, e.length() - 1)
        : e;
  }
}
