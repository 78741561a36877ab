package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * DeleteObjects ({@code POST /bucket?delete}): up to 1000 keys, each deleted as a Swift object
 * DELETE; a missing key counts as deleted, as in S3.
 */
final class DeleteObjects {

  static final int MAX_KEYS = 1000;
  private static final int MAX_BODY = 2 * 1024 * 1024;
  private static final int PARALLEL_DELETES = 4;

  /** Deletes one key or one version of it. */
  interface DeleteOne {
    CompletionStage<ObjectHandler.Deleted> delete(
        S3Request s3, String key, Optional<String> versionId);
  }

  private final SwiftBridge swift;
  private final DeleteOne deleteOne;

  DeleteObjects(SwiftBridge swift, DeleteOne deleteOne) {
    this.swift = swift;
    this.deleteOne = deleteOne;
  }

  private record Entry(String key, Optional<String> versionId) {}

  private record Outcome(Entry entry, ObjectHandler.Deleted deleted) {
    int status() {
      return deleted.status();
    }

    String key() {
      return entry.key();
    }
  }

  CompletionStage<HttpResponse> handle(S3Request s3) {
    return s3.http()
        .entity()
        .getDataBytes()
        // a body past the limit is read to its end and dropped (the client gets its answer, not
        // a broken pipe), then refused
        .runFold(
            Optional.of(ByteString.emptyByteString()),
            (kept, chunk) ->
                kept.filter(k -> k.size() + chunk.size() <= MAX_BODY).map(k -> k.concat(chunk)),
            swift.materializer())
        .thenCompose(
            read -> {
              ByteString body = read.orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_XML));
              Document doc = parse(body.toArray());
              Element root = doc.getDocumentElement();
              if (!root.getLocalName().equals("Delete")) {
                throw new S3Exception(S3ErrorCode.MALFORMED_XML);
              }
              boolean quiet =
                  text(root, "Quiet").map(q -> q.strip().equalsIgnoreCase("true")).orElse(false);
              List<Entry> keys = new ArrayList<>();
              NodeList objects = root.getElementsByTagNameNS("*", "Object");
              for (int i = 0; i < objects.getLength(); i++) {
                Element object = (Element) objects.item(i);
                String key =
                    text(object, "Key")
                        .orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_XML));
                if (key.isEmpty()) {
                  throw new S3Exception(S3ErrorCode.USER_KEY_MUST_BE_SPECIFIED);
                }
                Optional<String> versionId = text(object, "VersionId").map(String::strip);
                versionId.ifPresent(v -> BucketVersioning.checkVersionId(v, "VersionId"));
                keys.add(new Entry(key, versionId));
              }
              if (keys.isEmpty() || keys.size() > MAX_KEYS) {
                throw new S3Exception(S3ErrorCode.MALFORMED_XML);
              }
              // a missing bucket is NoSuchBucket, not a result of keys deleted from nothing
              return swift
                  .send(s3, HttpMethods.HEAD, s3.bucketName(), null, "")
                  .thenCompose(
                      bucket -> {
                        swift.discard(bucket);
                        if (bucket.status().intValue() >= 300) {
                          throw S3Statuses.failure(
                              bucket.status().intValue(), S3Statuses.Target.BUCKET);
                        }
                        return deleteAll(s3, keys, quiet);
                      });
            });
  }

  private CompletionStage<HttpResponse> deleteAll(S3Request s3, List<Entry> keys, boolean quiet) {
    return Source.from(keys)
        .mapAsync(
            PARALLEL_DELETES,
            entry ->
                deleteOne
                    .delete(s3, entry.key(), entry.versionId())
                    .thenApply(deleted -> new Outcome(entry, deleted)))
        .runFold(
            new ArrayList<Outcome>(),
            (all, o) -> {
              all.add(o);
              return all;
            },
            swift.materializer())
        .thenApply(outcomes -> result(outcomes, quiet));
  }

  private static HttpResponse result(List<Outcome> outcomes, boolean quiet) {
    StringBuilder sb =
        new StringBuilder("<DeleteResult xmlns=\"").append(S3Xml.NAMESPACE).append("\">");
    for (Outcome o : outcomes) {
      boolean deleted = o.status() == 204 || o.status() == 200 || o.status() == 404;
      if (deleted && !quiet) {
        sb.append("<Deleted>");
        S3Xml.element(sb, "Key", o.key());
        o.entry().versionId().ifPresent(v -> S3Xml.element(sb, "VersionId", v));
        if (o.deleted().deleteMarker()) {
          S3Xml.element(sb, "DeleteMarker", "true");
          if (o.entry().versionId().isEmpty()) {
            o.deleted().versionId().ifPresent(v -> S3Xml.element(sb, "DeleteMarkerVersionId", v));
          }
        }
        sb.append("</Deleted>");
      } else if (!deleted) {
        S3Exception e = S3Statuses.failure(o.status(), S3Statuses.Target.OBJECT);
        sb.append("<Error>");
        S3Xml.element(sb, "Key", o.key());
        S3Xml.element(sb, "Code", e.code().code());
        S3Xml.element(sb, "Message", e.getMessage());
        sb.append("</Error>");
      }
    }
    sb.append("</DeleteResult>");
    return S3Answers.xml(sb.toString());
  }

  private static Optional<String> text(Element parent, String name) {
    NodeList nodes = parent.getElementsByTagNameNS("*", name);
    return nodes.getLength() == 0 ? Optional.empty() : Optional.of(nodes.item(0).getTextContent());
  }

  /** Parses without DTDs or external entities. */
  static Document parse(byte[] xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(null);
      return builder.parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML);
    }
  }
}
