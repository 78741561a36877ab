package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.ops.RebalanceOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.placement.RebalancePlan;
import io.archipelago.engine.placement.RebalanceSettings;
import io.archipelago.engine.sync.SyncLagHistory;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Placement and capacity as operators steer them (errors as JSON {@code {"error": ...}}):
 *
 * <ul>
 *   <li>{@code GET /admin/placement?policy=P[&account=A]}: where a new container of policy P (the
 *       default policy without one) would go and why: every backend with its tier, site, state,
 *       breaker, capacity and verdict (the reason when it is not eligible), and the chosen primary
 *       and replicas, from the very rules container creation applies. 400 for an unknown policy.
 *   <li>{@code GET /admin/rebalance/plan}: the capacity rebalance plan of this moment: its id, the
 *       moves (account, container, bytes, from, to, reason), every backend's fill before and after.
 *   <li>{@code POST /admin/rebalance/plan/{id}/accept}: starts each move as a live migration (202);
 *       409 when the plan of this moment has another id (read it again), is empty or was rejected;
 *       404 when rebalance is off.
 *   <li>{@code POST /admin/rebalance/plan/{id}/reject}: the plan is not carried out (nor accepted
 *       by itself), on this node, until the figures change.
 *   <li>{@code GET /admin/sync/history}: this node's recent samples of the replicas' sync lag.
 * </ul>
 */
final class PlacementController {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PLACEMENT_PARAMS = Set.of("policy", "account");

  private final ArchipelagoEngine engine;

  PlacementController(ArchipelagoEngine engine) {
    this.engine = engine;
  }

  /** Whether the path (below {@code /admin/}, split on '/') is one of these routes. */
  static boolean handles(String[] parts) {
    return (parts.length == 1 && parts[0].equals("placement"))
        || (parts.length >= 2 && parts[0].equals("rebalance") && parts[1].equals("plan"))
        || (parts.length == 2 && parts[0].equals("sync") && parts[1].equals("history"));
  }

  CompletionStage<HttpResponse> handle(
      HttpRequest request, String[] parts, RequestContext context) {
    try {
      return route(request, parts, context).exceptionally(PlacementController::error);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(error(e));
    }
  }

  private CompletionStage<HttpResponse> route(
      HttpRequest request, String[] parts, RequestContext context) {
    var method = request.method();
    if (parts[0].equals("placement") && method.equals(HttpMethods.GET)) {
      return done(json(StatusCodes.OK, dryRun(query(request))));
    }
    if (parts[0].equals("sync") && method.equals(HttpMethods.GET)) {
      return done(json(StatusCodes.OK, history(engine.syncHistory())));
    }
    if (parts.length == 2 && method.equals(HttpMethods.GET)) {
      return engine.rebalance().plan().thenApply(p -> json(StatusCodes.OK, planJson(p)));
    }
    if (parts.length == 4 && method.equals(HttpMethods.POST)) {
      String id = RequestPath.decode(parts[2], false);
      if (parts[3].equals("accept")) {
        return engine
            .rebalance()
            .accept(id, context)
            .thenApply(outcomes -> json(StatusCodes.ACCEPTED, accepted(id, outcomes)));
      }
      if (parts[3].equals("reject")) {
        return engine
            .rebalance()
            .reject(id)
            .thenApply(
                plan ->
                    json(
                        StatusCodes.OK,
                        JSON.createObjectNode()
                            .put("id", plan.id())
                            .put("status", "rejected")
                            .put("moves", plan.moves().size())));
      }
    }
    return done(SwiftErrors.response(SwiftError.NOT_FOUND));
  }

  private Map<String, String> query(HttpRequest request) {
    Map<String, String> query =
        RequestPath.parseQuery(request.getUri().rawQueryString().orElse(""));
    for (String key : query.keySet()) {
      if (!PLACEMENT_PARAMS.contains(key)) {
        throw SwiftException.plain(
            SwiftError.BAD_REQUEST, "unknown parameter '" + key + "' (known: account, policy)");
      }
    }
    return query;
  }

  private ObjectNode dryRun(Map<String, String> query) {
    String policyName = query.getOrDefault("policy", "");
    if (policyName.isEmpty()) {
      policyName = engine.defaultPolicy();
    }
    Optional<String> account =
        Optional.ofNullable(query.get("account"))
            .filter(a -> !a.isEmpty())
            .map(AdminController::account);
    Placement.Explanation e = engine.placement().dryRun(policyName);
    ObjectNode root = JSON.createObjectNode();
    root.set("policy", policyJson(e.policy()));
    if (account.isPresent()) {
      // placement does not depend on the account today; echoed so that the answer says what
      // was asked
      root.put("account", account.get());
    } else {
      root.putNull("account");
    }
    RebalanceSettings rebalance = engine.placement().rebalanceSettings();
    if (rebalance.newContainerHighWater() > 0) {
      root.put("highWater", rebalance.newContainerHighWater());
    } else {
      root.putNull("highWater");
    }
    if (e.decision().isPresent()) {
      ObjectNode chosen = root.putObject("chosen");
      chosen.put("primary", e.decision().get().primary());
      ArrayNode replicas = chosen.putArray("replicas");
      e.decision().get().replicas().forEach(replicas::add);
      root.putNull("reason");
    } else {
      root.putNull("chosen");
      root.put(
          "reason",
          "No backend fits policy "
              + e.policy().name()
              + (e.candidates().stream().anyMatch(Placement.Candidate::eligible)
                  ? ": too few sites for its " + e.policy().replicas() + " replica(s)"
                  : ": no backend is eligible for the primary")
              + "; a container of this policy cannot be created now");
    }
    ArrayNode list = root.putArray("candidates");
    for (Placement.Candidate c : e.candidates()) {
      ObjectNode node = list.addObject();
      var b = c.backend();
      node.put("id", b.id());
      node.put("kind", b.kind().configValue());
      ArrayNode tiers = node.putArray("tiers");
      b.tiers().stream().sorted().forEach(tiers::add);
      node.put("site", b.site());
      node.put("state", b.state().name().toLowerCase(Locale.ROOT));
      node.put(
          "breaker",
          engine
              .registry()
              .breakerOpen(b.id())
              .map(open -> open ? "open" : "closed")
              .orElse("none"));
      node.put("totalBytes", c.load().totalBytes());
      node.put("usedBytes", c.load().usedBytes());
      node.put("freeBytes", c.load().free());
      verdict(node, c.asPrimary(), e.policy().tier());
      if (e.policy().replicas() > 0) {
        verdict(node.putObject("asReplica"), c.asReplica(), e.policy().replicaTier());
      }
      if (c.chosen().isPresent()) {
        node.put("chosen", c.chosen().get());
      } else {
        node.putNull("chosen");
      }
    }
    return root;
  }

  private static void verdict(ObjectNode node, Optional<Placement.Ineligibility> why, String tier) {
    node.put("eligible", why.isEmpty());
    if (why.isEmpty()) {
      node.putNull("reason");
      node.putNull("reasonText");
    } else {
      node.put("reason", why.get().wireName());
      node.put(
          "reasonText",
          why.get().text() + (why.get() == Placement.Ineligibility.WRONG_TIER ? " " + tier : ""));
    }
  }

  private static ObjectNode policyJson(PlacementPolicy p) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", p.name());
    node.put("tier", p.tier());
    node.put("replicas", p.replicas());
    node.put("replicaTier", p.replicaTier());
    ArrayNode sites = node.putArray("sites");
    p.sites().stream().sorted().forEach(sites::add);
    return node;
  }

  private static ObjectNode planJson(RebalanceOps.Proposal proposal) {
    RebalancePlan plan = proposal.plan();
    RebalanceSettings s = proposal.settings();
    ObjectNode root = JSON.createObjectNode();
    root.put("id", plan.id());
    root.put(
        "status",
        !s.enabled()
            ? "off"
            : plan.isEmpty() ? "empty" : proposal.rejected() ? "rejected" : "open");
    root.put("enabled", s.enabled());
    root.put("autoAccept", s.autoAccept());
    root.put("highWater", s.highWater());
    root.put("lowWater", s.lowWater());
    root.put("bytesToMove", plan.moves().stream().mapToLong(RebalancePlan.Move::bytes).sum());
    ArrayNode moves = root.putArray("moves");
    for (RebalancePlan.Move m : plan.moves()) {
      moves.add(moveJson(m));
    }
    ArrayNode backends = root.putArray("backends");
    for (RebalancePlan.BackendFill f : plan.backends()) {
      ObjectNode node = backends.addObject();
      node.put("id", f.id());
      node.put("totalBytes", f.totalBytes());
      node.put("usedBefore", f.usedBefore());
      node.put("usedAfter", f.usedAfter());
      node.put("highWaterBytes", f.highWaterBytes());
      node.put("lowWaterBytes", f.lowWaterBytes());
      node.put("overHighWater", f.overHighWater());
    }
    ArrayNode notes = root.putArray("notes");
    plan.notes().forEach(notes::add);
    return root;
  }

  private static ObjectNode moveJson(RebalancePlan.Move m) {
    ObjectNode node = JSON.createObjectNode();
    node.put("account", m.account());
    node.put("container", m.container());
    node.put("bytes", m.bytes());
    node.put("from", m.from());
    node.put("to", m.to());
    node.put("reason", m.reason());
    return node;
  }

  private static ObjectNode accepted(String id, List<RebalanceOps.Outcome> outcomes) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", id);
    root.put("status", "accepted");
    ArrayNode list = root.putArray("migrations");
    for (RebalanceOps.Outcome o : outcomes) {
      ObjectNode node = moveJson(o.move());
      node.put("started", o.migration().isPresent());
      if (o.migration().isPresent()) {
        node.set(
            "migration",
            MigrationController.migrationJson(
                o.move().account(), o.move().container(), o.migration().get()));
        node.putNull("error");
      } else {
        node.put("error", o.error());
      }
      list.add(node);
    }
    return root;
  }

  private static ObjectNode history(SyncLagHistory history) {
    ObjectNode root = JSON.createObjectNode();
    root.put("intervalSeconds", history.interval().toMillis() / 1000.0);
    ArrayNode list = root.putArray("samples");
    for (SyncLagHistory.Sample s : history.samples()) {
      list.addObject()
          .put("at", s.at().toString())
          .put("maxLagSeconds", s.maxLagSeconds())
          .put("pendingChanges", s.pendingChanges())
          .put("replicas", s.replicas())
          .put("laggingReplicas", s.laggingReplicas())
          .put("unanswered", s.unanswered());
    }
    return root;
  }

  /** A client error as JSON, with the status the gateway's one error mapping gives it. */
  private static HttpResponse error(Throwable failure) {
    Throwable cause = SwiftErrors.unwrap(failure);
    HttpResponse mapped = SwiftErrors.toResponse(cause, "");
    if (mapped.status().intValue() >= 500) {
      return mapped;
    }
    String message =
        cause instanceof SwiftException s && s.body() != null && !s.body().isEmpty()
            ? s.body().trim()
            : cause.getMessage() == null ? mapped.status().reason() : cause.getMessage();
    ObjectNode body = JSON.createObjectNode().put("error", message);
    body.put("status", mapped.status().intValue());
    return json(mapped.status(), body);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static HttpResponse json(StatusCode status, ObjectNode node) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }
}
