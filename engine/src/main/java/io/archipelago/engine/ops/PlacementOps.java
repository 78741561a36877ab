package io.archipelago.engine.ops;

import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.placement.RebalanceSettings;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Placement against this node's registry: where a new container goes, where a migration to a policy
 * goes, and the admin dry-run, all through {@link Placement#explain} with the same inputs (every
 * backend, the reported capacities, this node's view of their health).
 */
public final class PlacementOps {

  private final EngineContext ctx;
  private final RebalanceSettings rebalance;

  public PlacementOps(EngineContext ctx) {
    this.ctx = ctx;
    this.rebalance = RebalanceSettings.fromConfig(ctx.system().settings().config());
  }

  /** Where a new container of the policy would go and why (the dry-run shows exactly this). */
  public Placement.Explanation forNewContainer(PlacementPolicy policy) {
    return explain(policy, Placement.Constraints.newContainer(rebalance.newContainerHighWater()));
  }

  /** The dry-run of the admin API; 400 (POLICY_INVALID) for an unknown policy. */
  public Placement.Explanation dryRun(String policyName) {
    PlacementPolicy policy = ctx.policies().get(policyName);
    if (policy == null) {
      throw new GatewayException(
          GatewayException.Reason.POLICY_INVALID,
          "Unknown policy '"
              + policyName
              + "' (known: "
              + String.join(", ", ctx.policies().keySet())
              + ")");
    }
    return forNewContainer(policy);
  }

  /**
   * Where a container's primary would move for a migration to a policy: any backend but its own.
   */
  public Placement.Explanation forMigration(PlacementPolicy policy, Collection<String> excluded) {
    return explain(
        policy.primaryOnly(),
        new Placement.Constraints(Set.copyOf(excluded), Set.of(), 0, 0, Map.of()));
  }

  public RebalanceSettings rebalanceSettings() {
    return rebalance;
  }

  private Placement.Explanation explain(PlacementPolicy policy, Placement.Constraints constraints) {
    return Placement.explain(
        policy,
        ctx.registry().backends(),
        ctx.registry().capacities(),
        Placement.Health.of(ctx.registry()),
        constraints);
  }
}
