package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.migration.TimeWindows;
import io.archipelago.engine.ops.MigrationOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The admin API of live migrations:
 *
 * <ul>
 *   <li>{@code POST /admin/containers/{a}/{c}/migrate} {@code {"target": backend}} or {@code
 *       {"policy": name}}, optional {@code "throttle": {"bytesPerSecond", "requestsPerSecond",
 *       "parallelism", "windows": ["HH:MM-HH:MM" (UTC), ...]}}, optional {@code "replica": backend}
 *       (one of the container's replicas moves instead of its primary): 202 with the migration;
 *   <li>{@code GET /admin/containers/{a}/{c}/migration}: the latest migration;
 *   <li>{@code DELETE /admin/containers/{a}/{c}/migration}: cancel (before the cut-over);
 *   <li>{@code GET /admin/migrations}: running ones and those ended in the last day.
 * </ul>
 */
final class MigrationController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> BODY_FIELDS = Set.of("target", "policy", "throttle", "replica");

  private static final Set<String> THROTTLE_FIELDS =
      Set.of("bytesPerSecond", "requestsPerSecond", "parallelism", "windows");

  private final ArchipelagoEngine engine;
  private final Function<HttpRequest, CompletionStage<JsonNode>> body;

  MigrationController(
      ArchipelagoEngine engine, Function<HttpRequest, CompletionStage<JsonNode>> body) {
    this.engine = engine;
    this.body = body;
  }

  /** Whether the path (below {@code /admin/}, split on '/') is one of these routes. */
  static boolean handles(String[] parts) {
    return (parts.length == 1 && parts[0].equals("migrations"))
        || (parts.length == 4
            && parts[0].equals("containers")
            && (parts[3].equals("migrate") || parts[3].equals("migration")));
  }

  CompletionStage<HttpResponse> handle(
      HttpRequest request, String[] parts, RequestContext context) {
    var method = request.method();
    if (parts.length == 1) {
      if (!method.equals(HttpMethods.GET)) {
        return notFound();
      }
      return engine.migrations().list().thenApply(this::listJson);
    }
    String account = AdminController.account(parts[1]);
    String container = AdminController.container(parts[2]);
    if (parts[3].equals("migrate") && method.equals(HttpMethods.POST)) {
      return body.apply(request)
          .thenCompose(json -> start(account, container, json, context))
          .thenApply(m -> json(StatusCodes.ACCEPTED, migrationJson(account, container, m)));
    }
    if (parts[3].equals("migration") && method.equals(HttpMethods.GET)) {
      return engine
          .migrations()
          .get(account, container)
          .thenApply(m -> json(StatusCodes.OK, migrationJson(account, container, m)));
    }
    if (parts[3].equals("migration") && method.equals(HttpMethods.DELETE)) {
      return engine
          .migrations()
          .cancel(account, container, context)
          .thenApply(m -> json(StatusCodes.OK, migrationJson(account, container, m)));
    }
    return notFound();
  }

  private CompletionStage<Migration> start(
      String account, String container, JsonNode json, RequestContext context) {
    if (!json.isObject()) {
      throw bad("Body must be a JSON object: {\"target\": backend} or {\"policy\": name}");
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!BODY_FIELDS.contains(name)) {
        throw bad(
            "Unknown field '" + name + "'; expected target or policy, and throttle or replica");
      }
    }
    Optional<String> target = text(json, "target");
    Optional<String> policy = text(json, "policy");
    if (target.isPresent() == policy.isPresent()) {
      throw bad("Body must name exactly one of \"target\" (a backend) or \"policy\"");
    }
    Optional<String> replica = text(json, "replica");
    Migration.Throttle throttle = throttle(json.get("throttle"));
    if (target.isPresent() && engine.registry().descriptor(target.get()).isEmpty()) {
      throw SwiftException.plain(SwiftError.NOT_FOUND, "Unknown backend " + target.get());
    }
    if (policy.isPresent() && !engine.policies().containsKey(policy.get())) {
      throw SwiftException.plain(SwiftError.NOT_FOUND, "Unknown policy " + policy.get());
    }
    if (replica.isPresent() && engine.registry().descriptor(replica.get()).isEmpty()) {
      throw SwiftException.plain(SwiftError.NOT_FOUND, "Unknown backend " + replica.get());
    }
    return engine
        .migrations()
        .start(account, container, target, policy, replica, throttle, context);
  }

  private static Optional<String> text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isTextual() || node.asText().isEmpty() || node.asText().length() > 256) {
      throw bad("\"" + field + "\" must be a non-empty string");
    }
    return Optional.of(node.asText());
  }

  static Migration.Throttle throttle(JsonNode node) {
    if (node == null || node.isNull()) {
      return Migration.Throttle.UNLIMITED;
    }
    if (!node.isObject()) {
      throw bad("\"throttle\" must be an object");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!THROTTLE_FIELDS.contains(name)) {
        throw bad("Unknown throttle field '" + name + "'");
      }
    }
    long bytes = limit(node, "bytesPerSecond", Long.MAX_VALUE);
    long requests = limit(node, "requestsPerSecond", Long.MAX_VALUE);
    long parallelism = limit(node, "parallelism", 1024);
    return new Migration.Throttle(bytes, requests, (int) parallelism, windows(node.get("windows")));
  }

  private static List<String> windows(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    String expected = "throttle \"windows\" must be an array of \"HH:MM-HH:MM\" strings (UTC)";
    if (!node.isArray()) {
      throw bad(expected);
    }
    List<String> windows = new ArrayList<>();
    for (JsonNode w : node) {
      if (!w.isTextual()) {
        throw bad(expected + ", not " + w);
      }
      windows.add(w.asText());
    }
    try {
      TimeWindows.parse(windows);
    } catch (IllegalArgumentException e) {
      throw bad("throttle \"windows\": " + e.getMessage());
    }
    return windows;
  }

  /** The throttle as the migration and drain JSON show it. */
  static ObjectNode throttleJson(Migration.Throttle t) {
    ObjectNode node = JSON.createObjectNode();
    node.put("bytesPerSecond", t.bytesPerSecond());
    node.put("requestsPerSecond", t.requestsPerSecond());
    node.put("parallelism", t.parallelism());
    ArrayNode windows = node.putArray("windows");
    t.windows().forEach(windows::add);
    return node;
  }

  static long limit(JsonNode throttle, String field, long max) {
    JsonNode n = throttle.get(field);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > max) {
      throw bad("throttle \"" + field + "\" must be an integer from 0 (unlimited) to " + max);
    }
    return n.asLong();
  }

  private static SwiftException bad(String message) {
    return SwiftException.plain(SwiftError.BAD_REQUEST, message);
  }

  private HttpResponse listJson(List<MigrationOps.Listed> listed) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("migrations");
    listed.forEach(l -> list.add(migrationJson(l.account(), l.container(), l.migration())));
    return json(StatusCodes.OK, root);
  }

  /** The migration JSON of the admin API (the CLI and the console read exactly these fields). */
  static ObjectNode migrationJson(String account, String container, Migration m) {
    ObjectNode node = JSON.createObjectNode();
    node.put("account", account);
    node.put("container", container);
    node.put("id", m.id());
    node.put("source", m.source());
    node.put("target", m.target());
    if (m.isReplicaMove()) {
      node.put("replica", m.replica());
    } else {
      node.putNull("replica");
    }
    node.put("phase", m.phase().wireName());
    node.set("throttle", throttleJson(m.throttle()));
    node.put("objectsCopied", m.objectsCopied());
    node.put("bytesCopied", m.bytesCopied());
    node.put("objectsTotal", m.objectsTotal());
    node.put("bytesTotal", m.bytesTotal());
    node.put("objectsLeft", m.objectsLeft());
    node.put("bytesLeft", m.bytesLeft());
    long rate = bytesPerSecond(m);
    node.put("bytesPerSecond", rate);
    Optional<Long> eta = etaSeconds(m, rate);
    if (eta.isPresent()) {
      node.put("etaSeconds", eta.get());
    } else {
      node.putNull("etaSeconds");
    }
    ArrayNode errors = node.putArray("errors");
    for (Migration.MigrationError e : m.errors()) {
      errors
          .addObject()
          .put("object", e.object())
          .put("message", e.message())
          .put("at", String.valueOf(e.at()));
    }
    node.put("startedBy", m.startedBy());
    node.put("startedAt", String.valueOf(m.startedAt()));
    node.put("updatedAt", String.valueOf(m.updatedAt()));
    Migration.Verification v = m.verification();
    if (v == null) {
      node.putNull("verification");
    } else {
      ObjectNode vn = node.putObject("verification");
      vn.put("passed", v.passed());
      vn.put("compared", v.compared());
      vn.put("missing", v.missing());
      vn.put("mismatched", v.mismatched());
      vn.put("sampled", v.sampled());
      vn.put("sampleMismatches", v.sampleMismatches());
      vn.put("rounds", v.rounds());
      ArrayNode differences = vn.putArray("differences");
      v.differences().forEach(differences::add);
      vn.put("at", String.valueOf(v.at()));
    }
    return node;
  }

  /** The copy's average rate from the start to the last recorded progress. */
  private static long bytesPerSecond(Migration m) {
    if (m.startedAt() == null || m.updatedAt() == null) {
      return 0;
    }
    long millis = Duration.between(m.startedAt(), m.updatedAt()).toMillis();
    return millis <= 0 ? 0 : m.bytesCopied() * 1000 / millis;
  }

  /** Unknown (empty) unless the copy runs and has a rate; 0 once nothing is left to copy. */
  private static Optional<Long> etaSeconds(Migration m, long rate) {
    if (m.phase() == MigrationPhase.COMPLETED) {
      return Optional.of(0L);
    }
    if (m.phase() != MigrationPhase.COPYING) {
      return Optional.empty();
    }
    if (m.bytesLeft() == 0) {
      return Optional.of(0L);
    }
    return rate <= 0 ? Optional.empty() : Optional.of((m.bytesLeft() + rate - 1) / rate);
  }

  private static HttpResponse json(StatusCode status, ObjectNode node) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }

  private static CompletionStage<HttpResponse> notFound() {
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.NOT_FOUND));
  }
}
