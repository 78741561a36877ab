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
import io.archipelago.engine.drain.ContainerDrain;
import io.archipelago.engine.drain.DrainState;
import io.archipelago.engine.drain.DrainStatus;
import io.archipelago.engine.ops.DrainOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.time.Duration;
import java.time.Instant;
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
 * The admin API of backend drains:
 *
 * <ul>
 *   <li>{@code POST /admin/backends/{id}/drain}, optional body {@code {"concurrency": n,
 *       "throttle": {"bytesPerSecond", "requestsPerSecond", "parallelism", "windows"}}}: the
 *       backend leaves placement and its containers move away; 202 with the drain;
 *   <li>{@code GET /admin/backends/{id}/drain}: its state ({@code draining}, {@code paused}, {@code
 *       drained}, {@code failed}, {@code cancelled}), containers total, done, running and failed
 *       (names and errors), bytes and objects copied and left, rate and ETA;
 *   <li>{@code POST .../drain/pause} and {@code .../drain/resume}: no new container moves start
 *       while paused (running ones finish);
 *   <li>{@code POST .../drain/retry}, optional body {@code {"containers": ["account/container"]}}:
 *       failed containers (all of them without a body) move again;
 *   <li>{@code DELETE .../drain}: cancel; running moves are cancelled, the backend is active again;
 *   <li>{@code GET /admin/drains}: every backend's latest drain.
 * </ul>
 */
final class DrainController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> START_FIELDS = Set.of("concurrency", "throttle");

  private static final int MAX_CONCURRENCY = 256;

  private static final int MAX_RETRY_NAMES = 10_000;

  private final ArchipelagoEngine engine;
  private final Function<HttpRequest, CompletionStage<JsonNode>> body;

  DrainController(ArchipelagoEngine engine, Function<HttpRequest, CompletionStage<JsonNode>> body) {
    this.engine = engine;
    this.body = body;
  }

  /** Whether the path (below {@code /admin/}, split on '/') is one of these routes. */
  static boolean handles(String[] parts) {
    return (parts.length == 1 && parts[0].equals("drains"))
        || (parts.length >= 3
            && parts.length <= 4
            && parts[0].equals("backends")
            && parts[2].equals("drain"));
  }

  CompletionStage<HttpResponse> handle(
      HttpRequest request, String[] parts, RequestContext context) {
    var method = request.method();
    if (parts.length == 1) {
      return engine.drains().list().thenApply(this::listJson);
    }
    String backend = AdminController.backendId(parts[1]);
    DrainOps drains = engine.drains();
    if (parts.length == 4) {
      return switch (parts[3]) {
        case "pause" -> drains.pause(backend, context).thenApply(p -> json(StatusCodes.OK, p));
        case "resume" -> drains.resume(backend, context).thenApply(p -> json(StatusCodes.OK, p));
        case "retry" ->
            optionalBody(request)
                .thenCompose(json -> drains.retry(backend, retried(json), context))
                .thenApply(p -> json(StatusCodes.OK, p));
        default -> notFound();
      };
    }
    if (method.equals(HttpMethods.POST)) {
      return optionalBody(request)
          .thenCompose(
              json -> {
                checkStart(json);
                Optional<Integer> concurrency =
                    json.has("concurrency")
                        ? Optional.of(
                            (int) MigrationController.limit(json, "concurrency", MAX_CONCURRENCY))
                        : Optional.empty();
                if (concurrency.isPresent() && concurrency.get() < 1) {
                  throw bad("\"concurrency\" must be an integer from 1 to " + MAX_CONCURRENCY);
                }
                return drains.start(
                    backend,
                    concurrency,
                    MigrationController.throttle(json.get("throttle")),
                    context);
              })
          .thenApply(p -> json(StatusCodes.ACCEPTED, p));
    }
    if (method.equals(HttpMethods.GET)) {
      return drains.get(backend).thenApply(p -> json(StatusCodes.OK, p));
    }
    if (method.equals(HttpMethods.DELETE)) {
      return drains.cancel(backend, context).thenApply(p -> json(StatusCodes.OK, p));
    }
    return notFound();
  }

  /** An empty body is an empty object: every field is optional. */
  private CompletionStage<JsonNode> optionalBody(HttpRequest request) {
    return body.apply(request)
        .thenApply(
            json -> {
              if (json == null || json.isMissingNode() || json.isNull()) {
                return JSON.createObjectNode();
              }
              if (!json.isObject()) {
                throw bad("Body must be a JSON object");
              }
              return json;
            });
  }

  private static void checkStart(JsonNode json) {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!START_FIELDS.contains(name)) {
        throw bad("Unknown field '" + name + "'; expected concurrency and throttle");
      }
    }
  }

  private static List<String> retried(JsonNode json) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> fields = json.fieldNames(); fields.hasNext(); ) {
      String name = fields.next();
      if (!name.equals("containers")) {
        throw bad("Unknown field '" + name + "'; expected containers");
      }
    }
    JsonNode containers = json.get("containers");
    if (containers == null || containers.isNull()) {
      return names;
    }
    if (!containers.isArray() || containers.size() > MAX_RETRY_NAMES) {
      throw bad("\"containers\" must be a list of \"account/container\" names");
    }
    for (JsonNode n : containers) {
      if (!n.isTextual() || n.asText().indexOf('/') <= 0) {
        throw bad("\"containers\" must be a list of \"account/container\" names");
      }
      names.add(n.asText());
    }
    return names;
  }

  private HttpResponse listJson(List<DrainState> drains) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("drains");
    drains.forEach(d -> list.add(drainJson(new DrainOps.Progress(d, Map.of()))));
    return json(StatusCodes.OK, root);
  }

  /** The drain JSON of the admin API (the CLI and the console read exactly these fields). */
  static ObjectNode drainJson(DrainOps.Progress progress) {
    DrainState d = progress.drain();
    ObjectNode node = JSON.createObjectNode();
    node.put("backend", d.backend());
    node.put("id", d.id());
    node.put("state", d.status().wireName());
    node.put("concurrency", d.concurrency());
    node.set("throttle", MigrationController.throttleJson(d.throttle()));
    long total = d.containers().size();
    long done = d.count(ContainerDrain.Phase.MOVED);
    long running = d.status().holdsBackend() ? d.count(ContainerDrain.Phase.MOVING) : 0;
    node.put("containersTotal", total);
    node.put("containersDone", done);
    node.put("containersRunning", running);
    node.put("containersPending", d.count(ContainerDrain.Phase.PENDING));
    ArrayNode failedNames = node.putArray("containersFailed");
    ArrayNode failures = node.putArray("failures");
    ArrayNode runningList = node.putArray("running");
    long bytesTotal = 0;
    long bytesCopied = 0;
    long objectsTotal = 0;
    long objectsCopied = 0;
    for (ContainerDrain c : d.sortedContainers()) {
      bytesTotal += c.bytes();
      objectsTotal += c.objects();
      switch (c.phase()) {
        case MOVED -> {
          bytesCopied += c.bytes();
          objectsCopied += c.objects();
        }
        case FAILED -> {
          failedNames.add(c.entityId());
          failures
              .addObject()
              .put("account", c.account())
              .put("container", c.container())
              .put("error", c.error())
              .put("attempts", c.attempts())
              .put("at", String.valueOf(c.updatedAt()));
        }
        case MOVING -> {
          Migration m = progress.running().get(c.entityId());
          ObjectNode r = runningList.addObject();
          r.put("account", c.account()).put("container", c.container()).put("target", c.target());
          r.put("migrationId", c.migrationId());
          if (m != null) {
            r.put("phase", m.phase().wireName());
            r.put("bytesCopied", Math.min(m.bytesCopied(), c.bytes()));
            r.put("objectsCopied", Math.min(m.objectsCopied(), c.objects()));
            bytesCopied += Math.min(m.bytesCopied(), c.bytes());
            objectsCopied += Math.min(m.objectsCopied(), c.objects());
          }
          r.put("bytesTotal", c.bytes());
          r.put("objectsTotal", c.objects());
        }
        default -> {}
      }
    }
    node.put("objectsCopied", objectsCopied);
    node.put("objectsTotal", objectsTotal);
    node.put("objectsLeft", Math.max(0, objectsTotal - objectsCopied));
    node.put("bytesCopied", bytesCopied);
    node.put("bytesTotal", bytesTotal);
    long bytesLeft = Math.max(0, bytesTotal - bytesCopied);
    node.put("bytesLeft", bytesLeft);
    long rate = 0;
    if (d.startedAt() != null) {
      Instant until = d.status().holdsBackend() ? Instant.now() : d.updatedAt();
      long millis = Duration.between(d.startedAt(), until).toMillis();
      rate = millis <= 0 ? 0 : bytesCopied * 1000 / millis;
    }
    node.put("bytesPerSecond", rate);
    if (d.status() == DrainStatus.DRAINED) {
      node.put("etaSeconds", 0);
    } else if (d.status() == DrainStatus.DRAINING && bytesLeft == 0) {
      node.put("etaSeconds", 0);
    } else if (d.status() == DrainStatus.DRAINING && rate > 0) {
      node.put("etaSeconds", (bytesLeft + rate - 1) / rate);
    } else {
      node.putNull("etaSeconds");
    }
    node.put("startedBy", d.startedBy());
    node.put("startedAt", String.valueOf(d.startedAt()));
    node.put("updatedAt", String.valueOf(d.updatedAt()));
    return node;
  }

  private static SwiftException bad(String message) {
    return SwiftException.plain(SwiftError.BAD_REQUEST, message);
  }

  private static HttpResponse json(StatusCode status, DrainOps.Progress progress) {
    return json(status, drainJson(progress));
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
