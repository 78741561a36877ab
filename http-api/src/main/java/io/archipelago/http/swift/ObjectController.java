package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import io.archipelago.engine.ops.ObjectOps;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.server.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /v1/<account>/<container>/<object>}: PUT, GET, HEAD, POST, DELETE. */
public final class ObjectController {

  static final int MAX_OBJECT_NAME_LENGTH = 1024;

  private final ObjectOps objects;
  private final long maxObjectSize;

  private final HttpServer.HeadLength headLength;

  public ObjectController(ObjectOps objects, long maxObjectSize, HttpServer.HeadLength headLength) {
    this.objects = objects;
    this.maxObjectSize = maxObjectSize;
    this.headLength = headLength;
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    var method = request.http().method();
    if (method.equals(HttpMethods.PUT)) {
      return put(request);
    }
    if (method.equals(HttpMethods.GET)) {
      return get(request);
    }
    if (method.equals(HttpMethods.HEAD)) {
      return objects.head(request.account(), request.container(), request.object())
          .thenApply(info -> headLength.announce(HttpResponse.create()
              .withStatus(StatusCodes.OK)
              .withEntity(HttpEntities.create(contentType(info), akka.util.ByteString.emptyByteString()))
              .addHeaders(headers(info)), info.size()));
    }
    if (method.equals(HttpMethods.POST)) {
      return post(request);
    }
    if (method.equals(HttpMethods.DELETE)) {
      return objects.delete(request.account(), request.container(), request.object(),
              SwiftTimestamp.now(), request.context())
          .thenApply(deleted -> Responses.empty(StatusCodes.NO_CONTENT, List.of()));
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
  }

  private CompletionStage<HttpResponse> put(SwiftRequest request) {
    String name = request.object();
    checkName(name);
    var entity = request.http().entity();
    OptionalLong length = entity.getContentLengthOption();
    if (length.isPresent() && length.getAsLong() > maxObjectSize) {
      throw new SwiftException(SwiftError.REQUEST_ENTITY_TOO_LARGE);
    }
    ContentType declared = entity.getContentType();
    String contentType =
        declared.equals(ContentTypes.NO_CONTENT_TYPE)
                || declared.equals(ContentTypes.APPLICATION_OCTET_STREAM)
            ? ContentTypeGuess.forName(name)
            : declared.toString();
    Optional<String> expectedEtag =
        request.header("etag").map(e -> e.trim().replace("\"", "").toLowerCase(Locale.ROOT));
    ObjectAttributes attributes =
        new ObjectAttributes(
            contentType,
            SwiftTimestamp.now(),
            SwiftHeaders.objectMetadata(request.headers()),
            expectedEtag,
            length);
    return objects.put(request.account(), request.container(), name, attributes,
            entity.getDataBytes(), request.context())
        .thenApply(info -> Responses.empty(StatusCodes.CREATED, Responses.headers()
            .add("Etag", info.etag())
            .add("Last-Modified", info.timestamp().toHttpDate())
            .add("X-Timestamp", info.timestamp().internal())
            .list()));
  }

  private CompletionStage<HttpResponse> get(SwiftRequest request) {
    List<ByteRange> ranges = RangeHeader.parse(request.header("range"));
    Optional<ByteRange> range = ranges.size() == 1 ? Optional.of(ranges.get(0)) : Optional.empty();
    return objects.get(request.account(), request.container(), request.object(), range)
        .thenApply(this::contentResponse);
  }

  private HttpResponse contentResponse(ObjectContent content) {
    ObjectInfo info = content.info();
    if (content.rangeNotSatisfiable()) {
      return SwiftErrors.response(SwiftError.RANGE_NOT_SATISFIABLE)
          .addHeader(akka.http.javadsl.model.headers.RawHeader.create(
              "Content-Range", "bytes */" + info.size()))
          .addHeaders(headers(info));
    }
    // Akka's sized entity must not be empty: an empty body is a strict entity (the stores hand
    // out nothing to read for it, or clean up unread data themselves).
    HttpResponse response = HttpResponse.create()
        .withEntity(content.contentLength() == 0
            ? HttpEntities.create(contentType(info), akka.util.ByteString.emptyByteString())
            : HttpEntities.create(contentType(info), content.contentLength(), content.data()))
        .addHeaders(headers(info));
    if (content.range().isPresent()) {
      var r = content.range().get();
      return response.withStatus(StatusCodes.PARTIAL_CONTENT)
          .addHeader(akka.http.javadsl.model.headers.RawHeader.create(
              "Content-Range", "bytes " + r.first() + "-" + r.last() + "/" + info.size()));
    }
    return response.withStatus(StatusCodes.OK);
  }

  private CompletionStage<HttpResponse> post(SwiftRequest request) {
    Optional<String> contentType =
        request.header("content-type").map(String::trim).filter(c -> !c.isEmpty());
    var entityType = request.http().entity().getContentType();
    if (contentType.isEmpty() && !entityType.equals(ContentTypes.NO_CONTENT_TYPE)
        && !entityType.equals(ContentTypes.APPLICATION_OCTET_STREAM)) {
      contentType = Optional.of(entityType.toString());
    }
    return objects.replaceMetadata(request.account(), request.container(), request.object(),
            contentType, SwiftHeaders.objectMetadata(request.headers()), SwiftTimestamp.now())
        .thenApply(info -> Responses.text(StatusCodes.ACCEPTED,
            "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>", List.of()));
  }

  private static void checkName(String name) {
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_OBJECT_NAME_LENGTH) {
      throw new SwiftException(SwiftError.BAD_REQUEST,
          "Object name length of " + length + " longer than " + MAX_OBJECT_NAME_LENGTH);
    }
  }

  static ContentType contentType(ObjectInfo info) {
    try {
      return ContentTypes.parse(info.contentType());
    } catch (RuntimeException e) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  static List<HttpHeader> headers(ObjectInfo info) {
    return Responses.headers()
        .add("Etag", info.etag())
        .add("Last-Modified", info.timestamp().toHttpDate())
        .add("X-Timestamp", info.timestamp().internal())
        .add("Accept-Ranges", "bytes")
        .addAll(SwiftHeaders.render(info.metadata()))
        .list();
  }
}
