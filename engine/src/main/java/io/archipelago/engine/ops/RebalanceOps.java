package io.archipelago.engine.ops;

import akka.cluster.typed.Cluster;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.RebalancePlan;
import io.archipelago.engine.placement.RebalancePlanner;
import io.archipelago.engine.placement.RebalanceSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capacity rebalance: the plan of this moment (from the backends' reported capacities and the
 * containers' counts in the replicated route view, running migrations counted as done), its accept
 * (each move a live migration through {@link MigrationOps}) and reject, and the periodic check that
 * accepts by itself when configured.
 */
public final class RebalanceOps {

  private static final Logger log = LoggerFactory.getLogger(RebalanceOps.class);

  /** Who an automatic accept is audited as. */
  public static final String AUTO_PRINCIPAL = "rebalance";

  /** A plan with what became of it on this node. */
  public record Proposal(RebalancePlan plan, RebalanceSettings settings, boolean rejected) {}

  /** What an accept started: per move, the migration or why it did not start. */
  public record Outcome(RebalancePlan.Move move, Optional<Migration> migration, String error) {}

  private final EngineContext ctx;
  private final MigrationOps migrations;
  private final RebalanceSettings settings;
  private final ContainerRouteView routes;
  private final ContainerOps containers;

  /** Containers asked for fresh counts per plan at most. */
  private static final int MAX_ASKED = 2000;

  /**
   * Plans rejected on this node (by id): not shown as open, never accepted automatically. An id
   * names its moves, so a rejected plan stays rejected until the figures change.
   */
  private final Set<String> rejected = ConcurrentHashMap.newKeySet();

  private final AtomicBoolean autoRunning = new AtomicBoolean();

  public RebalanceOps(
      EngineContext ctx, ContainerOps containers, MigrationOps migrations, PlacementOps placement) {
    this.ctx = ctx;
    this.containers = containers;
    this.migrations = migrations;
    this.settings = placement.rebalanceSettings();
    this.routes = ContainerRouteView.get(ctx.system());
  }

  public RebalanceSettings settings() {
    return settings;
  }

  /**
   * The plan of this moment (no moves when rebalance is off or nothing is over its high-water). The
   * route view's counts may be seconds old (they are refreshed as containers are read), so the
   * containers of the backends beyond their high-water mark are asked for their counts first (at
   * most {@link #MAX_ASKED}; the others count as the view has them).
   */
  public CompletionStage<Proposal> plan() {
    List<RebalancePlanner.Placed> containers = new ArrayList<>();
    List<RebalancePlanner.InFlight> inFlight = new ArrayList<>();
    for (Map.Entry<String, ContainerRoute> e : routes.routes().entrySet()) {
      ContainerRoute r = e.getValue();
      if (r.deleted()) {
        continue;
      }
      Migration.MigrationRoute m = r.migration();
      if (m != null && m.toMigration().routesBoth()) {
        inFlight.add(new RebalancePlanner.InFlight(m.source(), m.target(), r.bytesUsed()));
        continue;
      }
      int slash = e.getKey().indexOf('/');
      containers.add(
          new RebalancePlanner.Placed(
              e.getKey().substring(0, slash),
              e.getKey().substring(slash + 1),
              r.policy(),
              r.primaryBackend(),
              r.replicaBackends(),
              r.bytesUsed()));
    }
    if (!settings.enabled()) {
      // off: no moves, but the backends' fill all the same
      return CompletableFuture.completedFuture(proposal(List.of(), inFlight));
    }
    Set<String> overFull =
        compute(List.of(), inFlight).backends().stream()
            .filter(RebalancePlan.BackendFill::overHighWater)
            .map(RebalancePlan.BackendFill::id)
            .collect(Collectors.toSet());
    List<CompletableFuture<RebalancePlanner.Placed>> fresh = new ArrayList<>();
    int asked = 0;
    for (RebalancePlanner.Placed c : containers) {
      if (overFull.contains(c.primary()) && asked++ < MAX_ASKED) {
        fresh.add(
            this.containers
                .get(c.account(), c.container())
                .thenApply(
                    state ->
                        state.migration() != null && state.migration().routesBoth()
                            ? c
                            : new RebalancePlanner.Placed(
                                c.account(),
                                c.container(),
                                state.policy(),
                                state.primaryBackend(),
                                state.replicaBackends(),
                                state.bytesUsed()))
                .exceptionally(failure -> c)
                .toCompletableFuture());
      } else {
        fresh.add(CompletableFuture.completedFuture(c));
      }
    }
    return CompletableFuture.allOf(fresh.toArray(CompletableFuture[]::new))
        .thenApply(d -> proposal(fresh.stream().map(CompletableFuture::join).toList(), inFlight));
  }

  private Proposal proposal(
      List<RebalancePlanner.Placed> containers, List<RebalancePlanner.InFlight> inFlight) {
    RebalancePlan plan = compute(containers, inFlight);
    return new Proposal(plan, settings, rejected.contains(plan.id()));
  }

  private RebalancePlan compute(
      List<RebalancePlanner.Placed> containers, List<RebalancePlanner.InFlight> inFlight) {
    return RebalancePlanner.plan(
        settings,
        ctx.policies(),
        ctx.registry().backends(),
        ctx.registry().capacities(),
        Placement.Health.of(ctx.registry()),
        containers,
        inFlight);
  }

  /**
   * Starts every move of the plan named {@code id} as a live migration. Fails with {@code
   * MIGRATION_NOT_FOUND} when rebalance is off and {@code MIGRATION_CONFLICT} when the plan of this
   * moment has another id (the figures changed: read it again), is empty or was rejected.
   */
  public CompletionStage<List<Outcome>> accept(String id, RequestContext request) {
    return current(id).thenCompose(proposal -> start(proposal, request));
  }

  private CompletionStage<List<Outcome>> start(Proposal proposal, RequestContext request) {
    List<CompletableFuture<Outcome>> started = new ArrayList<>();
    for (RebalancePlan.Move move : proposal.plan().moves()) {
      started.add(
          migrations
              .start(
                  move.account(),
                  move.container(),
                  Optional.of(move.to()),
                  Optional.empty(),
                  Migration.Throttle.UNLIMITED,
                  request)
              .thenApply(m -> new Outcome(move, Optional.of(m), null))
              .exceptionally(
                  failure -> new Outcome(move, Optional.empty(), reason(EntityAsk.unwrap(failure))))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
        .thenApply(d -> started.stream().map(CompletableFuture::join).toList());
  }

  /** Marks the plan rejected on this node (see {@link #accept} for the refusals). */
  public CompletionStage<RebalancePlan> reject(String id) {
    return current(id)
        .thenApply(
            proposal -> {
              rejected.add(proposal.plan().id());
              return proposal.plan();
            });
  }

  private CompletionStage<Proposal> current(String id) {
    if (!settings.enabled()) {
      return CompletableFuture.failedFuture(
          new GatewayException(
              GatewayException.Reason.MIGRATION_NOT_FOUND,
              "Rebalance is off (archipelago.placement.rebalance.enabled)"));
    }
    return plan().thenApply(proposal -> check(id, proposal));
  }

  private static Proposal check(String id, Proposal proposal) {
    if (!proposal.plan().id().equals(id)) {
      throw new GatewayException(
          GatewayException.Reason.MIGRATION_CONFLICT,
          "No open plan "
              + id
              + "; the plan of this moment is "
              + proposal.plan().id()
              + " (the figures changed: read GET /admin/rebalance/plan again)");
    }
    if (proposal.plan().isEmpty()) {
      throw new GatewayException(
          GatewayException.Reason.MIGRATION_CONFLICT, "The plan " + id + " moves nothing");
    }
    if (proposal.rejected()) {
      throw new GatewayException(
          GatewayException.Reason.MIGRATION_CONFLICT, "The plan " + id + " was rejected");
    }
    return proposal;
  }

  /**
   * With auto-accept on, checks every check-interval on the cluster's leader only (one node
   * decides): while no migration runs, a non-empty plan not rejected is accepted as {@link
   * #AUTO_PRINCIPAL}.
   */
  public void startAutoAccept(String node) {
    if (!settings.enabled() || !settings.autoAccept()) {
      return;
    }
    ctx.system()
        .scheduler()
        .scheduleWithFixedDelay(
            settings.checkInterval(),
            settings.checkInterval(),
            () -> autoAccept(node),
            ctx.system().executionContext());
  }

  private void autoAccept(String node) {
    Cluster cluster = Cluster.get(ctx.system());
    if (cluster.state().getLeader() == null
        || !cluster.state().getLeader().equals(cluster.selfMember().address())) {
      return;
    }
    if (!autoRunning.compareAndSet(false, true)) {
      return;
    }
    boolean migrating =
        routes.routes().values().stream()
            .anyMatch(r -> r.migration() != null && r.migration().toMigration().routesBoth());
    if (migrating) {
      autoRunning.set(false);
      return;
    }
    plan()
        .thenCompose(
            proposal -> {
              if (proposal.plan().isEmpty() || proposal.rejected()) {
                return CompletableFuture.completedFuture(List.<Outcome>of());
              }
              RequestContext request =
                  new RequestContext(
                      AUTO_PRINCIPAL, "", "", node, "rebalance-" + proposal.plan().id());
              log.info(
                  "rebalance: accepting plan {} by itself ({} moves)",
                  proposal.plan().id(),
                  proposal.plan().moves().size());
              return start(proposal, request);
            })
        .whenComplete(
            (outcomes, failure) -> {
              autoRunning.set(false);
              if (failure != null) {
                log.warn("rebalance: check failed: {}", failure.toString());
              }
            });
  }

  private static String reason(Throwable failure) {
    return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
  }
}
