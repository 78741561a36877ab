package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.ReplicaSync;
import io.archipelago.engine.ops.MigrationOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.sync.Reconciler;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Failed copies and their retries, as the console's Failures view offers them:
 *
 * <ul>
 *   <li>{@code GET /admin/migrations/failures}: the copies of running migrations that failed (the
 *       newest error per object), newest first;
 *   <li>{@code POST /admin/migrations/failures/retry} {@code {"account", "container", "object"}}
 *       (without {@code object}: all of that container's): copies them again now;
 *   <li>{@code POST /admin/migrations/failures/retry-all}: every failed copy of every migration;
 *   <li>{@code POST /admin/sync/failures/retry-all}: reconciles every replicated container with
 *       failed copies, a last error or a reconcile pending, a few at once (one retry is {@code POST
 *       /admin/containers/{a}/{c}/reconcile}).
 * </ul>
 *
 * Retries are recorded in the containers as the operator's (audit log).
 */
final class FailuresController {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> RETRY_FIELDS = Set.of("account", "container", "object");
  private static final int MAX_OBJECT_NAME_BYTES = 1024;
  private static final int RECONCILES_AT_ONCE = 4;

  private final ArchipelagoEngine engine;
  private final Function<HttpRequest, CompletionStage<JsonNode>> body;
  private final ContainerRouteView routes;

  FailuresController(
      ArchipelagoEngine engine, Function<HttpRequest, CompletionStage<JsonNode>> body) {
    this.engine = engine;
    this.body = body;
    this.routes = ContainerRouteView.get(engine.system());
  }

  /** Whether the path (below {@code /admin/}, split on '/') is one of these routes. */
  static boolean handles(String[] parts) {
    return parts.length >= 2
        && parts[1].equals("failures")
        && (parts[0].equals("migrations") || parts[0].equals("sync"));
  }

  CompletionStage<HttpResponse> handle(
      HttpRequest request, String[] parts, RequestContext context) {
    var method = request.method();
    if (parts[0].equals("migrations") && parts.length == 2 && method.equals(HttpMethods.GET)) {
      return engine.migrations().failures().thenApply(this::failuresJson);
    }
    if (parts[0].equals("migrations") && parts.length == 3 && method.equals(HttpMethods.POST)) {
      if (parts[2].equals("retry")) {
        return body.apply(request)
            .thenCompose(
                json -> {
                  Retry retry = retry(json);
                  return engine
                      .migrations()
                      .retry(retry.account(), retry.container(), retry.object(), context);
                })
            .thenApply(this::retriedJson);
      }
      if (parts[2].equals("retry-all")) {
        return engine.migrations().retryAll(context).thenApply(this::retriedJson);
      }
    }
    if (parts[0].equals("sync")
        && parts.length == 3
        && parts[2].equals("retry-all")
        && method.equals(HttpMethods.POST)) {
      return retryAllSync(context);
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.NOT_FOUND));
  }

  private record Retry(String account, String container, Optional<String> object) {}

  private static Retry retry(JsonNode json) {
    if (!json.isObject()) {
      throw bad("Body must be {\"account\", \"container\"[, \"object\"]}");
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!RETRY_FIELDS.contains(name)) {
        throw bad("Unknown field '" + name + "'; expected account, container and object");
      }
    }
    String account = name(json, "account", Constraints.MAX_ACCOUNT_NAME_LENGTH).orElse("");
    String container = name(json, "container", Constraints.MAX_CONTAINER_NAME_LENGTH).orElse("");
    if (account.isEmpty() || container.isEmpty()) {
      throw bad("Body must name the \"account\" and the \"container\"");
    }
    return new Retry(account, container, name(json, "object", MAX_OBJECT_NAME_BYTES));
  }

  private static Optional<String> name(JsonNode json, String field, int maxBytes) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isTextual() || node.asText().isEmpty()) {
      throw bad("\"" + field + "\" must be a non-empty string");
    }
    String value = node.asText();
    if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw bad("\"" + field + "\" is longer than " + maxBytes + " bytes");
    }
    if (!field.equals("object") && value.indexOf('/') >= 0) {
      throw bad("\"" + field + "\" contains '/'");
    }
    return Optional.of(value);
  }

  private static SwiftException bad(String message) {
    return SwiftException.plain(SwiftError.BAD_REQUEST, message);
  }

  private HttpResponse failuresJson(List<MigrationOps.CopyFailure> failures) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("failures");
    for (MigrationOps.CopyFailure f : failures) {
      list.addObject()
          .put("account", f.account())
          .put("container", f.container())
          .put("migration", f.migration().id())
          .put("source", f.migration().source())
          .put("target", f.migration().target())
          .put("phase", f.migration().phase().wireName())
          .put("object", f.error().object())
          .put("error", f.error().message())
          .put("at", String.valueOf(f.error().at()));
    }
    return json(root);
  }

  private HttpResponse retriedJson(List<MigrationOps.Retried> results) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("retried");
    int repaired = 0;
    for (MigrationOps.Retried r : results) {
      ObjectNode node =
          list.addObject()
              .put("account", r.account())
              .put("container", r.container())
              .put("object", r.object())
              .put("ok", r.error().isEmpty());
      if (r.error().isPresent()) {
        node.put("error", r.error().get());
      } else {
        repaired++;
      }
    }
    root.put("repaired", repaired);
    root.put("failed", results.size() - repaired);
    return json(root);
  }

  /** Reconciles, one after the other, every replicated container whose sync failed. */
  private CompletionStage<HttpResponse> retryAllSync(RequestContext context) {
    List<String[]> replicated = new ArrayList<>();
    for (Map.Entry<String, ContainerRoute> e : routes.routes().entrySet()) {
      if (!e.getValue().deleted() && !e.getValue().replicaBackends().isEmpty()) {
        int slash = e.getKey().indexOf('/');
        replicated.add(
            new String[] {e.getKey().substring(0, slash), e.getKey().substring(slash + 1)});
      }
    }
    List<CompletableFuture<Optional<ContainerEntity.SyncStatus>>> asked = new ArrayList<>();
    for (String[] id : replicated) {
      asked.add(
          engine
              .sync()
              .status(id[0], id[1])
              .toCompletableFuture()
              .thenApply(Optional::of)
              .exceptionally(failure -> Optional.empty()));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenCompose(
            d -> {
              List<ContainerEntity.SyncStatus> failing =
                  asked.stream()
                      .map(CompletableFuture::join)
                      .flatMap(Optional::stream)
                      .filter(FailuresController::failing)
                      .toList();
              // a few at once: each reconcile compares whole listings
              return Source.from(failing)
                  .mapAsync(RECONCILES_AT_ONCE, status -> reconciled(status, context))
                  .runWith(Sink.seq(), engine.system());
            })
        .thenApply(
            results -> {
              ObjectNode root = JSON.createObjectNode();
              ArrayNode list = root.putArray("containers");
              int failed = 0;
              for (ObjectNode c : results) {
                list.add(c);
                boolean bad = c.has("error");
                for (JsonNode r : c.path("replicas")) {
                  bad |= r.path("failed").asLong() > 0 || r.has("error");
                }
                failed += bad ? 1 : 0;
              }
              root.put("retried", list.size());
              root.put("failed", failed);
              return json(root);
            });
  }

  /** One container reconciled as the operator's: its replicas' reports, or why it failed. */
  private CompletionStage<ObjectNode> reconciled(
      ContainerEntity.SyncStatus status, RequestContext context) {
    String account = status.state().account();
    String container = status.state().container();
    return engine
        .sync()
        .reconcile(account, container, context.audit())
        .handle(
            (reports, failure) -> {
              ObjectNode node =
                  JSON.createObjectNode().put("account", account).put("container", container);
              if (failure != null) {
                node.put("error", String.valueOf(failure.getMessage()));
                return node;
              }
              ArrayNode replicas = node.putArray("replicas");
              for (Reconciler.Report r : reports) {
                ObjectNode rn =
                    replicas
                        .addObject()
                        .put("replica", r.replica())
                        .put("copied", r.copied())
                        .put("deleted", r.deleted())
                        .put("failed", r.failed());
                r.error().ifPresent(e -> rn.put("error", e));
              }
              return node;
            });
  }

  private static boolean failing(ContainerEntity.SyncStatus status) {
    for (String replica : status.state().replicaBackends()) {
      ReplicaSync r = status.state().sync().replica(replica);
      if (r.failedObjects() > 0 || r.lastError().isPresent() || r.needsReconcile()) {
        return true;
      }
    }
    return false;
  }

  private static HttpResponse json(ObjectNode node) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }
}
