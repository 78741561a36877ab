package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.ops.ClusterOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.http.swift.RequestPath;
import io.archipelago.http.swift.SwiftException;
import io.archipelago.http.swift.SwiftError;
import io.archipelago.http.swift.SwiftErrors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The operators' API under {@code /admin} (reseller admins only; the caller checks): where a
 * container lives and in which state, and the backends.
 */
public final class AdminController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final long MAX_BODY = 64 * 1024;

  private final ArchipelagoEngine engine;
  private final akka.stream.Materializer materializer;
  private final AuditController audit;

  public AdminController(ArchipelagoEngine engine) {
    this.engine = engine;
    this.materializer = akka.stream.Materializer.matFromSystem(engine.system());
    this.audit = new AuditController(engine);
  }

  /** @param rawPath the path below {@code /admin/}, still percent-encoded */
  public CompletionStage<HttpResponse> handle(HttpRequest request, String rawPath, RequestContext context) {
    String[] parts = rawPath.split("/", -1);
    var method = request.method();
    if (method.equals(HttpMethods.GET) && parts.length == 1 && parts[0].equals("audit")) {
      return audit.log(request);
    }
    if (method.equals(HttpMethods.GET) && parts.length == 4 && parts[0].equals("containers")
        && parts[3].equals("history")) {
      return audit.history(request, RequestPath.decode(parts[1], false), RequestPath.decode(parts[2], false));
    }
    if (parts[0].equals("cluster") && parts.length == 1 && method.equals(HttpMethods.GET)) {
      return engine.cluster().members().thenApply(this::clusterJson);
    }
    if (parts[0].equals("backends")) {
      if (parts.length == 1 && method.equals(HttpMethods.POST)) {
        return body(request).thenCompose(json -> engine.backends().add(BackendJson.descriptor(json), context))
            .thenApply(state -> backendsJson());
      }
      if (parts.length == 2 && method.equals(HttpMethods.DELETE)) {
        return engine.backends().remove(RequestPath.decode(parts[1], false), context)
            .thenApply(state -> backendsJson());
      }
      if (parts.length == 3 && parts[2].equals("state") && method.equals(HttpMethods.POST)) {
        return body(request).thenCompose(json -> engine.backends().changeState(
                RequestPath.decode(parts[1], false), BackendJson.state(json), context))
            .thenApply(state -> backendsJson());
      }
    }
    if (request.method().equals(HttpMethods.GET) && parts.length == 3 && parts[0].equals("containers")) {
      String account = RequestPath.decode(parts[1], false);
      String container = RequestPath.decode(parts[2], false);
      return engine.containers().get(account, container).thenApply(this::containerJson);
    }
    if (request.method().equals(HttpMethods.GET) && parts.length == 1 && parts[0].equals("backends")) {
      return CompletableFuture.completedFuture(backendsJson());
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.NOT_FOUND));
  }

  private HttpResponse containerJson(ContainerState s) {
    ObjectNode root = JSON.createObjectNode();
    root.put("account", s.account());
    root.put("container", s.container());
    root.put("state", s.lifecycle().name().toLowerCase(java.util.Locale.ROOT));
    root.put("policy", s.policy());
    ObjectNode assignment = root.putObject("assignment");
    assignment.put("primary", s.primaryBackend());
    ArrayNode replicas = assignment.putArray("replicas");
    s.replicaBackends().forEach(replicas::add);
    engine.registry().descriptor(s.primaryBackend()).ifPresent(b -> root.set("primaryBackend", backend(b)));
    root.put("objectCount", s.objectCount());
    root.put("bytesUsed", s.bytesUsed());
    root.put("createdAt", s.createdAt().internal());
    root.put("modifiedAt", s.modifiedAt().internal());
    ObjectNode metadata = root.putObject("metadata");
    s.metadata().forEach(metadata::put);
    return json(root);
  }

  private CompletionStage<com.fasterxml.jackson.databind.JsonNode> body(HttpRequest request) {
    return request.entity().withSizeLimit(MAX_BODY).toStrict(10_000, materializer)
        .thenApply(strict -> {
          try {
            return JSON.readTree(strict.getData().utf8String());
          } catch (java.io.IOException e) {
            throw new SwiftException(SwiftError.BAD_REQUEST, "Body is not valid JSON: " + e.getMessage());
          }
        });
  }

  private HttpResponse clusterJson(java.util.List<ClusterOps.MemberView> members) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("members");
    for (ClusterOps.MemberView m : members) {
      ObjectNode node = list.addObject();
      node.put("address", m.address());
      node.put("status", m.status());
      node.put("self", m.self());
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
        .sorted(java.util.Comparator.comparing(BackendDescriptor::id))
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
    node.put("state", b.state().name().toLowerCase(java.util.Locale.ROOT));
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
