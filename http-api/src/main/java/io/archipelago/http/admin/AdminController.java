package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.ReplicaSync;
import io.archipelago.engine.ops.ClusterOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.sync.Reconciler;
import io.archipelago.engine.sync.SyncLag;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The operators' API under {@code /admin} (reseller admins only; the caller checks): where a
 * container lives, in which state and how far its replicas are, reconciles on demand, and the
 * backends.
 */
public final class AdminController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final long MAX_BODY = 64 * 1024;

  private final ArchipelagoEngine engine;
  private final Materializer materializer;
  private final AuditController audit;
  private final InventoryController inventory;
  private final MigrationController migrations;
  private final DrainController drains;
  private final PlacementController placement;
  private final IntegrityController integrity;
  private final FailuresController failures;

  public AdminController(ArchipelagoEngine engine) {
    this.engine = engine;
    this.materializer = Materializer.matFromSystem(engine.system());
    this.audit = new AuditController(engine);
    this.inventory = new InventoryController(engine);
    this.migrations = new MigrationController(engine, this::body);
    this.drains = new DrainController(engine, this::body);
    this.placement = new PlacementController(engine);
    this.integrity = new IntegrityController(engine.integrity());
    this.failures = new FailuresController(engine, this::body);
  }

  /**
   * @param rawPath the path below {@code /admin/}, still percent-encoded
   */
  public CompletionStage<HttpResponse> handle(
      HttpRequest request, String rawPath, RequestContext context) {
    String[] parts = rawPath.split("/", -1);
    var method = request.method();
    if (AdminRoute.match(method, parts).isEmpty()) {
      // only the declared routes, each with a row in the authorization matrix test
      return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.NOT_FOUND));
    }
    if (inventory.handles(request, parts)) {
      return inventory.handle(request, parts);
    }
    if (method.equals(HttpMethods.GET) && parts.length == 1 && parts[0].equals("audit")) {
      return audit.log(request);
    }
    if (method.equals(HttpMethods.GET)
        && parts.length == 4
        && parts[0].equals("containers")
        && parts[3].equals("history")) {
      return audit.history(request, account(parts[1]), container(parts[2]));
    }
    if (method.equals(HttpMethods.GET) && parts.length == 1 && parts[0].equals("integrity")) {
      return integrity.report();
    }
    if (FailuresController.handles(parts)) {
      return failures.handle(request, parts, context);
    }
    if (PlacementController.handles(parts)) {
      return placement.handle(request, parts, context);
    }
    if (MigrationController.handles(parts)) {
      return migrations.handle(request, parts, context);
    }
    if (DrainController.handles(parts)) {
      return drains.handle(request, parts, context);
    }
    if (parts[0].equals("cluster") && parts.length == 1 && method.equals(HttpMethods.GET)) {
      return engine.cluster().members().thenApply(this::clusterJson);
    }
    if (parts[0].equals("cluster")
        && parts.length == 2
        && parts[1].equals("leave")
        && method.equals(HttpMethods.POST)) {
      return body(request).thenApply(this::leave);
    }
    if (parts[0].equals("backends")) {
      if (parts.length == 1 && method.equals(HttpMethods.POST)) {
        return body(request)
            .thenCompose(json -> engine.backends().add(BackendJson.descriptor(json), context))
            .thenApply(state -> backendsJson());
      }
      if (parts.length == 2 && method.equals(HttpMethods.DELETE)) {
        return engine
            .backends()
            .remove(backendId(parts[1]), context)
            .thenApply(state -> backendsJson());
      }
      if (parts.length == 3 && parts[2].equals("state") && method.equals(HttpMethods.POST)) {
        String id = backendId(parts[1]);
        return body(request)
            .thenCompose(
                json -> engine.backends().changeState(id, BackendJson.state(json), context))
            .thenApply(state -> backendsJson());
      }
    }
    if (request.method().equals(HttpMethods.GET)
        && parts.length == 3
        && parts[0].equals("containers")) {
      String account = account(parts[1]);
      String container = container(parts[2]);
      return engine
          .containers()
          .get(account, container)
          .thenCompose(state -> engine.sync().status(account, container))
          .thenApply(this::containerJson);
    }
    if (method.equals(HttpMethods.POST)
        && parts.length == 4
        && parts[0].equals("containers")
        && parts[3].equals("reconcile")) {
      String account = account(parts[1]);
      String container = container(parts[2]);
      return engine
          .containers()
          .get(account, container)
          .thenCompose(state -> engine.sync().reconcile(account, container, context.audit()))
          .thenApply(this::reconcileJson);
    }
    if (method.equals(HttpMethods.POST)
        && parts.length == 4
        && parts[0].equals("containers")
        && parts[3].equals("skip-event")) {
      String account = RequestPath.decode(parts[1], false);
      String container = RequestPath.decode(parts[2], false);
      return body(request)
          .thenCompose(
              json -> {
                if (!json.path("sequenceNr").canConvertToLong()
                    || !json.path("sequenceNr").isIntegralNumber()) {
                  throw new SwiftException(
                      SwiftError.BAD_REQUEST, "Body must be {\"sequenceNr\": <damaged event>}");
                }
                long seqNr = json.path("sequenceNr").asLong();
                return engine
                    .containers()
                    .skipDamagedEvent(account, container, seqNr, context)
                    .thenApply(done -> json(JSON.createObjectNode().put("skipped", seqNr)));
              });
    }
    if (request.method().equals(HttpMethods.GET)
        && parts.length == 1
        && parts[0].equals("backends")) {
      return CompletableFuture.completedFuture(backendsJson());
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.NOT_FOUND));
  }

  /**
   * Names in admin paths are checked before any entity is asked: an empty or impossible name would
   * otherwise start an entity that can never exist, and the caller would wait for it.
   */
  static String account(String raw) {
    return name(raw, "account", Constraints.MAX_ACCOUNT_NAME_LENGTH);
  }

  static String container(String raw) {
    return name(raw, "container", Constraints.MAX_CONTAINER_NAME_LENGTH);
  }

  private static String name(String raw, String what, int maxBytes) {
    String name = RequestPath.decode(raw, false);
    if (name.isEmpty()) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "The " + what + " name is empty");
    }
    if (name.indexOf('/') >= 0) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "The " + what + " name contains '/'");
    }
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length > maxBytes) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST,
          "The " + what + " name is " + length + " bytes long, longer than " + maxBytes);
    }
    return name;
  }

  static String backendId(String raw) {
    return name(raw, "backend", 256);
  }

  private HttpResponse containerJson(ContainerEntity.SyncStatus status) {
    ContainerState s = status.state();
    ObjectNode root = JSON.createObjectNode();
    root.put("account", s.account());
    root.put("container", s.container());
    root.put("state", s.lifecycle().name().toLowerCase(Locale.ROOT));
    root.put("policy", s.policy());
    ObjectNode assignment = root.putObject("assignment");
    assignment.put("primary", s.primaryBackend());
    ArrayNode replicas = assignment.putArray("replicas");
    s.replicaBackends().forEach(replicas::add);
    engine
        .registry()
        .descriptor(s.primaryBackend())
        .ifPresent(b -> root.set("primaryBackend", backend(b)));
    root.put("objectCount", s.objectCount());
    root.put("bytesUsed", s.bytesUsed());
    root.put("createdAt", s.createdAt().internal());
    root.put("modifiedAt", s.modifiedAt().internal());
    ObjectNode metadata = root.putObject("metadata");
    s.metadata().forEach(metadata::put);
    root.set("sync", syncJson(status));
    return json(root);
  }

  /** Per replica: lag in changes and seconds, progress, the last error, conflicts. */
  private ObjectNode syncJson(ContainerEntity.SyncStatus status) {
    ContainerState s = status.state();
    ObjectNode sync = JSON.createObjectNode();
    sync.put("lastChangeSeqNr", s.sync().lastChangeSeqNr());
    ObjectNode replicas = sync.putObject("replicas");
    Instant now = Instant.now();
    for (String replica : s.replicaBackends()) {
      ReplicaSync r = s.sync().replica(replica);
      ObjectNode node = replicas.putObject(replica);
      node.put("lagEvents", status.pendingChanges().getOrDefault(replica, 0L));
      node.put("lagSeconds", SyncLag.seconds(r, now));
      node.put("syncedSeqNr", r.syncedSeqNr());
      node.put("failedObjects", r.failedObjects());
      node.put("needsReconcile", r.needsReconcile());
      if (r.lastError().isPresent()) {
        node.put("lastError", r.lastError().get());
      } else {
        node.putNull("lastError");
      }
      r.lastErrorAt().ifPresent(at -> node.put("lastErrorAt", at.toString()));
      r.lastReconciledAt().ifPresent(at -> node.put("lastReconciledAt", at.toString()));
      node.put("conflicts", r.conflicts());
    }
    ArrayNode failover = sync.putArray("failoverWrites");
    s.sync()
        .failoverWrites()
        .forEach(
            (name, w) ->
                failover
                    .addObject()
                    .put("name", name)
                    .put("backend", w.backend())
                    .put("timestamp", w.timestamp().internal()));
    return sync;
  }

  private HttpResponse reconcileJson(List<Reconciler.Report> reports) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("replicas");
    for (Reconciler.Report r : reports) {
      ObjectNode node = list.addObject();
      node.put("replica", r.replica());
      node.put("compared", r.compared());
      node.put("copied", r.copied());
      node.put("deleted", r.deleted());
      node.put("conflicts", r.conflicts());
      node.put("failed", r.failed());
      r.error().ifPresent(e -> node.put("error", e));
    }
    return json(root);
  }

  CompletionStage<JsonNode> body(HttpRequest request) {
    return request
        .entity()
        .withSizeLimit(MAX_BODY)
        .toStrict(10_000, materializer)
        .thenApply(
            strict -> {
              try {
                return JSON.readTree(strict.getData().utf8String());
              } catch (IOException e) {
                throw new SwiftException(
                    SwiftError.BAD_REQUEST, "Body is not valid JSON: " + e.getMessage());
              }
            });
  }

  /**
   * {@code {"address": "akka://..."}}: that member leaves the cluster (202); 404 if none has it.
   */
  private HttpResponse leave(JsonNode json) {
    String address = json.path("address").asText("");
    if (!address.startsWith("akka://") || address.indexOf('@') < 0) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST, "Body must be {\"address\": \"akka://system@host:port\"}");
    }
    if (!engine.cluster().leave(address)) {
      throw SwiftException.plain(SwiftError.NOT_FOUND, "No cluster member " + address);
    }
    ObjectNode root = JSON.createObjectNode().put("address", address).put("status", "leaving");
    return json(root).withStatus(StatusCodes.ACCEPTED);
  }

  private HttpResponse clusterJson(List<ClusterOps.MemberView> members) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("members");
    for (ClusterOps.MemberView m : members) {
      ObjectNode node = list.addObject();
      node.put("address", m.address());
      node.put("status", m.status());
      node.put("self", m.self());
      node.put("reachable", m.reachable());
      ArrayNode roles = node.putArray("roles");
      m.roles().forEach(roles::add);
      ObjectNode shards = node.putObject("shards");
      m.shards().forEach(shards::put);
      ObjectNode entities = node.putObject("entities");
      m.entities().forEach(entities::put);
    }
    return json(root);
  }

  private HttpResponse backendsJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("backends");
    engine.registry().backends().stream()
        .sorted(Comparator.comparing(BackendDescriptor::id))
        .forEach(b -> list.add(backend(b)));
    return json(root);
  }

  private ObjectNode backend(BackendDescriptor b) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", b.id());
    node.put("kind", b.kind().configValue());
    ArrayNode tiers = node.putArray("tiers");
    b.tiers().stream().sorted().forEach(tiers::add);
    node.put("site", b.site());
    node.put("state", b.state().name().toLowerCase(Locale.ROOT));
    node.put("configuredCapacity", b.capacityBytes());
    Capacity c = engine.registry().capacities().get(b.id());
    if (c != null) {
      node.put("totalBytes", c.totalBytes());
      node.put("usedBytes", c.usedBytes());
    }
    return node;
  }

  private static HttpResponse json(ObjectNode node) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }
}
