package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.ReplicaSync;
import io.archipelago.engine.sync.SyncLag;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Read-only admin endpoints for the operators' overview (the console uses them):
 *
 * <ul>
 *   <li>{@code GET /admin/containers?account=&name=&limit=&deleted=}: containers whose account and
 *       name contain the given text (case-insensitive), from this node's replicated route view, so
 *       no entity is asked and every node answers for the whole cluster: where each lives, its
 *       policy and counts (counts may be a few seconds old). Sorted by account and name; at most
 *       {@code limit} (100 by default, 1000 at most), {@code "truncated": true} when more matched.
 *   <li>{@code GET /admin/backend-health}: per backend, whether its circuit breaker is open on this
 *       node ({@code "none"} for drivers without one) and this node's last probe (capacity poll):
 *       when and its error.
 *   <li>{@code GET /admin/sync?limit=}: every replica of the replicated containers (from the route
 *       view; at most {@code limit} containers, 200 by default), asked of their entities: lag in
 *       changes and seconds, failed objects, last error.
 * </ul>
 */
public final class InventoryController {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SEARCH_PARAMS = Set.of("account", "name", "limit", "deleted");
  private static final Set<String> SYNC_PARAMS = Set.of("limit");

  private final ArchipelagoEngine engine;
  private final ContainerRouteView routes;

  public InventoryController(ArchipelagoEngine engine) {
    this.engine = engine;
    this.routes = ContainerRouteView.get(engine.system());
  }

  /** Whether this controller answers the request ({@code parts}: the path below /admin/). */
  public boolean handles(HttpRequest request, String[] parts) {
    return request.method().equals(HttpMethods.GET)
        && parts.length == 1
        && (parts[0].equals("containers")
            || parts[0].equals("backend-health")
            || parts[0].equals("sync"));
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request, String[] parts) {
    Map<String, String> query =
        RequestPath.parseQuery(request.getUri().rawQueryString().orElse(""));
    return switch (parts[0]) {
      case "containers" -> CompletableFuture.completedFuture(search(checked(query, SEARCH_PARAMS)));
      case "backend-health" -> CompletableFuture.completedFuture(backendHealth());
      default -> sync(checked(query, SYNC_PARAMS));
    };
  }

  private HttpResponse search(Map<String, String> query) {
    String account = query.getOrDefault("account", "").toLowerCase(Locale.ROOT);
    String name = query.getOrDefault("name", "").toLowerCase(Locale.ROOT);
    int limit = limit(query, 100, 1000);
    boolean deleted = bool(query, "deleted");
    List<Map.Entry<String, ContainerRoute>> found =
        routes.routes().entrySet().stream()
            .filter(e -> deleted || !e.getValue().deleted())
            .filter(
                e -> {
                  String[] id = split(e.getKey());
                  return id[0].toLowerCase(Locale.ROOT).contains(account)
                      && id[1].toLowerCase(Locale.ROOT).contains(name);
                })
            .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
            .toList();
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("containers");
    for (Map.Entry<String, ContainerRoute> e : found.subList(0, Math.min(limit, found.size()))) {
      String[] id = split(e.getKey());
      ContainerRoute r = e.getValue();
      ObjectNode node = list.addObject();
      node.put("account", id[0]);
      node.put("container", id[1]);
      node.put("state", r.deleted() ? "deleted" : "active");
      node.put("policy", r.policy());
      node.put("primary", r.primaryBackend());
      ArrayNode replicas = node.putArray("replicas");
      r.replicaBackends().forEach(replicas::add);
      node.put("objectCount", r.objectCount());
      node.put("bytesUsed", r.bytesUsed());
      node.put("modifiedAt", r.modifiedAt().internal());
    }
    root.put("truncated", found.size() > limit);
    return json(root);
  }

  private HttpResponse backendHealth() {
    BackendRegistry registry = engine.registry();
    Map<String, BackendRegistry.Probe> probes = registry.probes();
    ObjectNode root = JSON.createObjectNode();
    root.put("node", engine.nodeAddress());
    ArrayNode list = root.putArray("backends");
    registry.backends().stream()
        .map(BackendDescriptor::id)
        .sorted()
        .forEach(
            id -> {
              ObjectNode node = list.addObject();
              node.put("id", id);
              node.put(
                  "breaker",
                  registry.breakerOpen(id).map(open -> open ? "open" : "closed").orElse("none"));
              BackendRegistry.Probe probe = probes.get(id);
              if (probe == null) {
                node.putNull("lastProbe");
              } else {
                ObjectNode p = node.putObject("lastProbe");
                p.put("at", probe.at().toString());
                p.put("ok", probe.error().isEmpty());
                p.put("error", probe.error().orElse(null));
              }
            });
    return json(root);
  }

  private CompletionStage<HttpResponse> sync(Map<String, String> query) {
    int limit = limit(query, 200, 1000);
    List<Map.Entry<String, ContainerRoute>> replicated =
        routes.routes().entrySet().stream()
            .filter(e -> !e.getValue().deleted() && !e.getValue().replicaBackends().isEmpty())
            .sorted(Map.Entry.comparingByKey())
            .toList();
    List<CompletableFuture<Optional<ContainerEntity.SyncStatus>>> asked = new ArrayList<>();
    for (Map.Entry<String, ContainerRoute> e :
        replicated.subList(0, Math.min(limit, replicated.size()))) {
      String[] id = split(e.getKey());
      asked.add(
          engine
              .sync()
              .status(id[0], id[1])
              .toCompletableFuture()
              .thenApply(Optional::of)
              // a container whose entity does not answer in time is left out, not the whole answer
              .exceptionally(failure -> Optional.empty()));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              ObjectNode root = JSON.createObjectNode();
              ArrayNode list = root.putArray("replicas");
              Instant now = Instant.now();
              int unanswered = 0;
              for (CompletableFuture<Optional<ContainerEntity.SyncStatus>> f : asked) {
                Optional<ContainerEntity.SyncStatus> status = f.join();
                if (status.isEmpty()) {
                  unanswered++;
                  continue;
                }
                var s = status.get().state();
                for (String replica : s.replicaBackends()) {
                  ReplicaSync r = s.sync().replica(replica);
                  ObjectNode node = list.addObject();
                  node.put("account", s.account());
                  node.put("container", s.container());
                  node.put("primary", s.primaryBackend());
                  node.put("replica", replica);
                  node.put("lagEvents", status.get().pendingChanges().getOrDefault(replica, 0L));
                  node.put("lagSeconds", SyncLag.seconds(r, now));
                  node.put("failedObjects", r.failedObjects());
                  node.put("needsReconcile", r.needsReconcile());
                  node.put("lastError", r.lastError().orElse(null));
                  node.put("lastErrorAt", r.lastErrorAt().map(Instant::toString).orElse(null));
                }
              }
              root.put("containers", asked.size());
              root.put("unanswered", unanswered);
              root.put("truncated", replicated.size() > limit);
              return json(root);
            });
  }

  private static String[] split(String entityId) {
    int slash = entityId.indexOf('/');
    return new String[] {entityId.substring(0, slash), entityId.substring(slash + 1)};
  }

  private static Map<String, String> checked(Map<String, String> query, Set<String> known) {
    for (String key : query.keySet()) {
      if (!known.contains(key)) {
        throw new SwiftException(
            SwiftError.BAD_REQUEST,
            "unknown parameter '"
                + key
                + "' (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
    return query;
  }

  private static int limit(Map<String, String> query, int byDefault, int max) {
    String text = query.get("limit");
    if (text == null || text.isEmpty()) {
      return byDefault;
    }
    try {
      int n = Integer.parseInt(text);
      if (n <= 0 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new SwiftException(SwiftError.BAD_REQUEST, "limit must be an integer from 1 to " + max);
    }
  }

  private static boolean bool(Map<String, String> query, String name) {
    String text = query.getOrDefault(name, "false");
    if (text.equals("true") || text.equals("false")) {
      return text.equals("true");
    }
    throw new SwiftException(SwiftError.BAD_REQUEST, name + " must be true or false");
  }

  private static HttpResponse json(ObjectNode node) {
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }
}
