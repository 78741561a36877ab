package io.archipelago.http.swift;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.sync.SyncTargets;
import io.archipelago.http.middleware.etagquoter.EtagQuoter;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import io.archipelago.http.middleware.versioning.Versioning;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** {@code /v1/<account>/<container>}: PUT, HEAD, GET (object listing), POST, DELETE. */
public final class ContainerController {

  private static final String SYNC_TO = "x-container-sync-to";

  private final ContainerOps containers;
  private final SyncTargets syncTargets;

  public ContainerController(ContainerOps containers, SyncTargets syncTargets) {
    this.containers = containers;
    this.syncTargets = syncTargets;
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    var method = request.http().method();
    if (method.equals(HttpMethods.PUT)) {
      return put(request);
    }
    if (method.equals(HttpMethods.HEAD)) {
      return containers
          .read(request.account(), request.container())
          .thenApply(
              state ->
                  Responses.empty(
                          StatusCodes.NO_CONTENT,
                          headers(state),
                          ListingFormat.of(request).contentType())
                      .addHeaders(ListingFormat.vary(request)));
    }
    if (method.equals(HttpMethods.GET)) {
      return list(request);
    }
    if (method.equals(HttpMethods.POST)) {
      Map<String, String> changes = metadataChanges(request);
      checkSyncTo(changes);
      return containers
          .get(request.account(), request.container())
          .thenCompose(
              state -> {
                Constraints.checkResultingMetadata(merged(state.metadata(), changes), "container");
                return containers.updateMetadata(
                    request.account(),
                    request.container(),
                    changes,
                    SwiftTimestamp.now(),
                    request.context());
              })
          .thenApply(state -> Responses.empty(StatusCodes.NO_CONTENT, List.of()));
    }
    if (method.equals(HttpMethods.DELETE)) {
      return containers
          .delete(request.account(), request.container(), SwiftTimestamp.now(), request.context())
          .thenApply(done -> Responses.empty(StatusCodes.NO_CONTENT, List.of()));
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
  }

  private CompletionStage<HttpResponse> put(SwiftRequest request) {
    String name = request.container();
    Constraints.checkContainerName(name);
    Map<String, String> changes = metadataChanges(request);
    checkSyncTo(changes);
    CompletionStage<Map<String, String>> existing =
        containers
            .get(request.account(), name)
            .thenApply(ContainerState::metadata)
            .exceptionally(
                failure -> {
                  if (SwiftErrors.unwrap(failure) instanceof GatewayException g
                      && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                    return Map.of();
                  }
                  throw failure instanceof RuntimeException r
                      ? r
                      : new CompletionException(failure);
                });
    return existing
        .thenCompose(
            current -> {
              Constraints.checkResultingMetadata(merged(current, changes), "container");
              return containers.create(
                  request.account(),
                  name,
                  request.header("x-storage-policy").map(String::trim).filter(p -> !p.isEmpty()),
                  changes,
                  SwiftTimestamp.now(),
                  request.context());
            })
        .thenApply(
            outcome ->
                Responses.empty(
                    outcome.created() ? StatusCodes.CREATED : StatusCodes.ACCEPTED,
                    Responses.headers().add("X-Storage-Policy", outcome.state().policy()).list()));
  }

  private CompletionStage<HttpResponse> list(SwiftRequest request) {
    ListingParams p = ListingParams.of(request);
    ListingFormat format = ListingFormat.of(request);
    ListingQuery query =
        new ListingQuery(
            p.prefix(), p.delimiter(), p.marker(), p.endMarker(), p.limit(), p.reverse());
    CompletionStage<ContainerOps.Listing> listed =
        containers.list(request.account(), request.container(), query);
    if (p.path().isPresent()) {
      listed = listed.thenCompose(listing -> pathListing(request, p.path().get(), listing));
    }
    return listed.thenApply(
        listing -> {
          List<HttpHeader> headers = new ArrayList<>(headers(listing.state()));
          headers.addAll(ListingFormat.vary(request));
          if (listing.page().entries().isEmpty() && format == ListingFormat.PLAIN) {
            return Responses.empty(StatusCodes.NO_CONTENT, headers, format.contentType());
          }
          return HttpResponse.create()
              .withStatus(StatusCodes.OK)
              .withEntity(
                  HttpEntities.create(
                      format.contentType(),
                      ByteString.fromString(
                          ListingRenderer.objects(
                              request.account(), request.container(), listing.page(), format))))
              .addHeaders(headers);
        });
  }

  /**
   * Swift's legacy {@code path=} listing (container broker): the objects directly under the path,
   * where a deeper name shows only as its directory marker object (a name ending in '/'), if one
   * exists, and the path's own marker is left out. The delimiter listing gives the candidates; each
   * rolled-up subdir is kept as the marker object's row when that object exists (it sorts first
   * under its own prefix). A dropped subdir leaves the page shorter than the limit.
   */
  private CompletionStage<ContainerOps.Listing> pathListing(
      SwiftRequest request, String path, ContainerOps.Listing listing) {
    List<CompletableFuture<Optional<ListingEntry>>> rows = new ArrayList<>();
    for (ListingEntry entry : listing.page().entries()) {
      if (entry instanceof ListingEntry.ObjectRow row) {
        rows.add(
            CompletableFuture.completedFuture(
                row.name().equals(path) ? Optional.empty() : Optional.of(row)));
      } else if (entry instanceof ListingEntry.SubdirRow subdir) {
        ListingQuery marker =
            new ListingQuery(
                Optional.of(subdir.prefix()),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                1,
                false);
        rows.add(
            containers
                .list(request.account(), request.container(), marker)
                .thenApply(
                    found ->
                        found.page().entries().stream()
                            .filter(
                                e ->
                                    e instanceof ListingEntry.ObjectRow o
                                        && o.name().equals(subdir.prefix()))
                            .findFirst())
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new ContainerOps.Listing(
                    listing.state(),
                    new ListingPage(
                        rows.stream()
                            .map(CompletableFuture::join)
                            .flatMap(Optional::stream)
                            .toList())));
  }

  /**
   * The metadata changes of a container PUT or POST, checked as Swift checks them: the request's
   * metadata within the limits, then the versioning headers ({@link Versioning}, {@link
   * ObjectVersioning}).
   */
  static Map<String, String> metadataChanges(SwiftRequest request) {
    Constraints.checkMetadata(request.headers(), "container");
    Map<String, String> changes =
        new HashMap<>(SwiftHeaders.containerMetadataChanges(request.headers()));
    Versioning.containerChanges(request, changes);
    ObjectVersioning.containerChanges(request, changes);
    EtagQuoter.containerChanges(request.headers(), changes);
    return changes;
  }

  /**
   * X-Container-Sync-To checked as Swift's container server checks it on PUT and POST, before
   * anything is stored: a configured realm and cluster, or a full URL whose host is allowed.
   */
  private void checkSyncTo(Map<String, String> changes) {
    String syncTo = changes.get(SYNC_TO);
    if (syncTo == null || syncTo.isEmpty()) {
      return;
    }
    syncTargets
        .check(syncTo)
        .ifPresent(
            rejection -> {
              throw new SwiftException(SwiftError.BAD_REQUEST, syncToMessage(rejection));
            });
  }

  /** Swift's wording ({@code swift.common.utils.validate_sync_to}). */
  static String syncToMessage(SyncTargets.Rejection rejection) {
    List<String> v = rejection.values();
    return switch (rejection.reason()) {
      case INVALID_FORMAT -> "Invalid X-Container-Sync-To format " + PyText.repr(v.get(0));
      case NO_REALM_KEY -> "No realm key for " + PyText.repr(v.get(0));
      case NO_CLUSTER_ENDPOINT ->
          "No cluster endpoint for " + PyText.repr(v.get(0)) + " " + PyText.repr(v.get(1));
      case INVALID_SCHEME ->
          "Invalid scheme "
              + PyText.repr(v.get(0))
              + " in X-Container-Sync-To, must be \"//\", \"http\", or \"https\".";
      case PATH_REQUIRED -> "Path required in X-Container-Sync-To";
      case PARAMS_NOT_ALLOWED ->
          "Params, queries, and fragments not allowed in X-Container-Sync-To";
      case INVALID_HOST -> "Invalid host " + PyText.repr(v.get(0)) + " in X-Container-Sync-To";
      case GATEWAY_ITSELF -> "X-Container-Sync-To may not name a port of this gateway";
    };
  }

  private static Map<String, String> merged(
      Map<String, String> current, Map<String, String> changes) {
    Map<String, String> result = new HashMap<>(current);
    changes.forEach(
        (k, v) -> {
          if (v.isEmpty()) {
            result.remove(k);
          } else {
            result.put(k, v);
          }
        });
    return result;
  }

  public static List<HttpHeader> headers(ContainerState s) {
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
