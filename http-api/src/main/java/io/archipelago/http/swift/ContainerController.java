package io.archipelago.http.swift;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.SwiftTimestamp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /v1/<account>/<container>}: PUT, HEAD, GET (object listing), POST, DELETE. */
public final class ContainerController {

  static final int MAX_CONTAINER_NAME_LENGTH = 256;

  private final ContainerOps containers;

  public ContainerController(ContainerOps containers) {
    this.containers = containers;
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    var method = request.http().method();
    if (method.equals(HttpMethods.PUT)) {
      return put(request);
    }
    if (method.equals(HttpMethods.HEAD)) {
      return containers.get(request.account(), request.container())
          .thenApply(state -> Responses.empty(StatusCodes.NO_CONTENT, headers(state)));
    }
    if (method.equals(HttpMethods.GET)) {
      return list(request);
    }
    if (method.equals(HttpMethods.POST)) {
      return containers.updateMetadata(
              request.account(), request.container(),
              SwiftHeaders.containerMetadataChanges(request.headers()), SwiftTimestamp.now(),
              request.context())
          .thenApply(state -> Responses.empty(StatusCodes.NO_CONTENT, List.of()));
    }
    if (method.equals(HttpMethods.DELETE)) {
      return containers.delete(request.account(), request.container(), SwiftTimestamp.now(), request.context())
          .thenApply(done -> Responses.empty(StatusCodes.NO_CONTENT, List.of()));
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
  }

  private CompletionStage<HttpResponse> put(SwiftRequest request) {
    String name = request.container();
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_CONTAINER_NAME_LENGTH) {
      throw new SwiftException(SwiftError.BAD_REQUEST,
          "Container name length of " + length + " longer than " + MAX_CONTAINER_NAME_LENGTH);
    }
    return containers.create(
            request.account(), name,
            request.header("x-storage-policy").map(String::trim).filter(p -> !p.isEmpty()),
            SwiftHeaders.containerMetadataChanges(request.headers()),
            SwiftTimestamp.now(), request.context())
        .thenApply(outcome -> Responses.empty(
            outcome.created() ? StatusCodes.CREATED : StatusCodes.ACCEPTED,
            Responses.headers().add("X-Storage-Policy", outcome.state().policy()).list()));
  }

  private CompletionStage<HttpResponse> list(SwiftRequest request) {
    ListingParams p = ListingParams.of(request);
    ListingFormat format = ListingFormat.of(request);
    ListingQuery query = new ListingQuery(p.prefix(), p.delimiter(), p.marker(), p.endMarker(), p.limit(), p.reverse());
    return containers.list(request.account(), request.container(), query)
        .thenApply(listing -> {
          List<HttpHeader> headers = headers(listing.state());
          if (listing.page().entries().isEmpty() && format == ListingFormat.PLAIN) {
            return Responses.empty(StatusCodes.NO_CONTENT, headers);
          }
          return HttpResponse.create()
              .withStatus(StatusCodes.OK)
              .withEntity(HttpEntities.create(
                  format.contentType(), akka.util.ByteString.fromString(ListingRenderer.objects(request.container(), listing.page(), format))))
              .addHeaders(headers);
        });
  }

  static List<HttpHeader> headers(ContainerState s) {
    return Responses.headers()
        .add("X-Container-Object-Count", s.objectCount())
        .add("X-Container-Bytes-Used", s.bytesUsed())
        .add("X-Timestamp", s.createdAt().internal())
        .add("X-Put-Timestamp", s.modifiedAt().internal())
        .add("Last-Modified", s.modifiedAt().toHttpDate())
        .add("X-Storage-Policy", s.policy())
        .add("Accept-Ranges", "bytes")
        .addAll(SwiftHeaders.render(s.metadata()))
        .list();
  }
}
