package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.expiry.DeleteAtHeaders;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.MultipartEtag;
import io.archipelago.http.protocol.RequestTimestamp;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code /v1/<account>/<container>/<object>}: PUT, GET, HEAD, POST, DELETE. Runs the request
 * through the object middlewares in front of it (copy, slo), then dispatches on the verb: reads to
 * {@link ObjectReader} (which lets SLO and DLO show their manifests), writes and deletes to {@link
 * ObjectWriter} (which archives versions).
 */
public final class ObjectController {

  private final LiveObjects objects;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final ObjectPuts puts;
  private final HeadLength headLength;
  private final Reach.Authorizer authorizer;
  private final List<ObjectMiddleware> middlewares;

  /**
   * @param authorizer decides what a request may reach besides its path (copy sources and
   *     destinations, large object segments), as the same client's own requests are decided
   * @param middlewares the stages in front of this controller, in pipeline order
   */
  public ObjectController(
      LiveObjects objects,
      ObjectReader reader,
      ObjectWriter writer,
      ObjectPuts puts,
      HeadLength headLength,
      Reach.Authorizer authorizer,
      List<ObjectMiddleware> middlewares) {
    this.objects = objects;
    this.reader = reader;
    this.writer = writer;
    this.puts = puts;
    this.headLength = headLength;
    this.authorizer = authorizer;
    this.middlewares = List.copyOf(middlewares);
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    return stage(0).handle(request, Reach.of(request, authorizer));
  }

  /** The pipeline from middleware {@code index} on; past the last, this controller. */
  private ObjectMiddleware.Next stage(int index) {
    if (index == middlewares.size()) {
      return this::dispatch;
    }
    return (request, reach) -> middlewares.get(index).handle(request, reach, stage(index + 1));
  }

  private CompletionStage<HttpResponse> dispatch(SwiftRequest request, Reach reach) {
    String method = request.http().method().value();
    return switch (method) {
      case "PUT" -> put(request);
      case "GET" -> get(request, false, reach);
      case "HEAD" -> get(request, true, reach);
      case "POST" -> post(request);
      case "DELETE" -> delete(request);
      default ->
          CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
    };
  }

  // ---- PUT ----------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> put(SwiftRequest request) {
    ObjectPuts.requireLength(request);
    ObjectWriter.Write w =
        puts.write(request, request.account(), request.container(), request.object());
    ObjectPuts.checkContentType(request);
    return writer
        .write(
            w,
            request.context(),
            () ->
                InfoCache.forWrite(
                    writer.containers(), request.http(), request.account(), request.container()))
        .thenApply(ObjectController::created);
  }

  private static HttpResponse created(ObjectInfo info) {
    return Responses.empty(
        StatusCodes.CREATED,
        Responses.headers()
            .add("Etag", info.etag())
            .add("Last-Modified", info.timestamp().toHttpDate())
            .add("X-Timestamp", info.timestamp().internal())
            .list());
  }

  // ---- GET and HEAD -------------------------------------------------------------------------

  private CompletionStage<HttpResponse> get(SwiftRequest request, boolean head, Reach reach) {
    boolean manifestGet =
        request.queryParam("multipart-manifest").map(m -> m.equals("get")).orElse(false);
    boolean formatRaw =
        manifestGet && request.queryParam("format").map(f -> f.equals("raw")).orElse(false);
    ObjectReader.ReadRequest read =
        new ObjectReader.ReadRequest(
            request.account(),
            request.container(),
            request.object(),
            request.headers(),
            head,
            manifestGet,
            formatRaw,
            !head,
            request.context(),
            reach,
            request.queryParam("symlink").map(s -> s.equals("get")).orElse(false));
    return reader
        .read(read)
        .thenApply(
            outcome -> {
              if (outcome instanceof ObjectReader.Answered answered) {
                return answered.response();
              }
              ObjectReader.Served served = (ObjectReader.Served) outcome;
              // The object's own type goes out exactly as stored; a multi-range answer's is ours.
              boolean storedType =
                  served
                      .contentType()
                      .equals(ObjectReader.contentType(served.view().contentType()));
              // Swift writes a multi-range answer's type without a space before its boundary
              Optional<String> rawType =
                  storedType
                      ? Optional.of(SwiftHeaders.wire(served.view().contentType()))
                      : multipartRanges(served.contentType());
              ContentType entityType =
                  rawType.isPresent() ? ContentTypes.NO_CONTENT_TYPE : served.contentType();
              HttpResponse response;
              if (head) {
                response =
                    headLength.announce(
                        HttpResponse.create()
                            .withStatus(served.status())
                            .withEntity(
                                HttpEntities.create(entityType, ByteString.emptyByteString()))
                            .addHeaders(served.headers()),
                        served.contentLength());
              } else {
                response =
                    HttpResponse.create()
                        .withStatus(served.status())
                        .withEntity(body(served, entityType))
                        .addHeaders(served.headers());
              }
              // the S3 ETag of a completed multipart upload, for the S3 front end's reads only
              Optional<String> s3Etag =
                  MultipartEtag.ofContentType(served.view().stored().contentType());
              if (s3Etag.isPresent()) {
                response = response.addAttribute(MultipartEtag.ATTRIBUTE, s3Etag.get());
              }
              return rawType.isPresent()
                  ? headLength.rawContentType(response, rawType.get())
                  : response;
            });
  }

  /** {@code multipart/byteranges;boundary=...} as Swift's swob renders it. */
  private static Optional<String> multipartRanges(ContentType type) {
    String rendered = type.toString();
    return rendered.startsWith("multipart/byteranges; boundary=")
        ? Optional.of(rendered.replace("; boundary=", ";boundary="))
        : Optional.empty();
  }

  /** The response entity; an empty body is a strict one (Default needs a length > 0). */
  private ResponseEntity body(ObjectReader.Served served, ContentType type) {
    if (served.contentLength() == 0) {
      served.data().runWith(Sink.cancelled(), objects.materializer());
      return HttpEntities.create(type, ByteString.emptyByteString());
    }
    return HttpEntities.create(type, served.contentLength(), served.data());
  }

  // ---- POST ---------------------------------------------------------------------------------

  /**
   * Replaces the object's metadata (what is not sent is removed, as in Swift), keeping what makes
   * it an SLO manifest. 404 for a missing or expired object, 409 for a client timestamp not newer
   * than the object's.
   */
  private CompletionStage<HttpResponse> post(SwiftRequest request) {
    ObjectPuts.refuseReservedHeaders(request);
    Constraints.checkMetadata(request.headers(), "object");
    RequestTimestamp ts = RequestTimestamp.of(request);
    Map<String, String> metadata =
        new LinkedHashMap<>(SwiftHeaders.objectMetadata(request.headers()));
    DeleteAtHeaders.deleteAt(request, ts.timestamp())
        .ifPresent(at -> metadata.put("x-delete-at", at));
    Optional<String> contentType =
        request
            .header("content-type")
            .map(String::trim)
            .filter(c -> !c.isEmpty())
            .or(() -> ObjectPuts.declaredContentType(request));
    return objects
        .head(request.account(), request.container(), request.object(), request.context())
        .thenCompose(
            found -> {
              ObjectInfo current =
                  found.orElseThrow(
                      () ->
                          new GatewayException(
                              GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found"));
              if (ts.fromClient() && !ts.timestamp().isNewerThan(current.timestamp())) {
                throw new SwiftException(SwiftError.CONFLICT);
              }
              current
                  .metadata()
                  .forEach(
                      (k, v) -> {
                        if (k.equals(SwiftHeaders.STATIC_LARGE_OBJECT)
                            || k.startsWith(SwiftHeaders.OBJECT_SYSMETA_PREFIX)) {
                          metadata.put(k, v);
                        }
                      });
              Optional<String> newType =
                  contentType.map(
                      t -> {
                        String clean = SwiftHeaders.cleanContentType(t);
                        return clean + SwiftHeaders.swiftParams(current.contentType());
                      });
              return objects
                  .ops()
                  .replaceMetadata(
                      request.account(),
                      request.container(),
                      request.object(),
                      newType,
                      metadata,
                      ts.timestamp(),
                      request.context());
            })
        .thenApply(
            info ->
                Responses.text(
                    StatusCodes.ACCEPTED,
                    "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>",
                    List.of()));
  }

  // ---- DELETE -------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> delete(SwiftRequest request) {
    request.header("x-if-delete-at").ifPresent(DeleteAtHeaders::checkIfDeleteAt);
    RequestTimestamp ts = RequestTimestamp.of(request);
    return writer
        .delete(
            request.account(),
            request.container(),
            request.object(),
            ts.timestamp(),
            ts.fromClient(),
            request.context())
        .thenApply(
            deleted -> {
              if (!deleted) {
                throw new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
              }
              return Responses.empty(StatusCodes.NO_CONTENT, List.of());
            });
  }
}
