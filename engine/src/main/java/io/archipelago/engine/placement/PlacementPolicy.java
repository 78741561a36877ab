package io.archipelago.engine.placement;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A named placement policy: which tier the primary comes from, and how many replicas on other
 * sites. Clients choose one with {@code X-Storage-Policy} at container creation.
 *
 * @param writeFailover whether object writes go to a replica while the primary is down (else they
 *     answer 503); reads always fall back to a replica holding the object
 * @param sites the sites the primary may stand on; empty: any site
 */
public record PlacementPolicy(
    String name,
    String tier,
    int replicas,
    String replicaTier,
    boolean writeFailover,
    Set<String> sites) {

  public PlacementPolicy {
    sites = Set.copyOf(sites);
  }

  public PlacementPolicy(
      String name, String tier, int replicas, String replicaTier, boolean writeFailover) {
    this(name, tier, replicas, replicaTier, writeFailover, Set.of());
  }

  public PlacementPolicy(String name, String tier, int replicas, String replicaTier) {
    this(name, tier, replicas, replicaTier, false);
  }

  /** The same policy without replicas: where a primary alone may go (migrations, rebalance). */
  public PlacementPolicy primaryOnly() {
    return new PlacementPolicy(name, tier, 0, replicaTier, writeFailover, sites);
  }

  /**
   * Where one replica alone may go, as a policy whose primary is that replica: the replica tier,
   * any site (the sites the container already uses are the caller's constraint).
   */
  public PlacementPolicy replicaOnly() {
    return new PlacementPolicy(name, replicaTier, 0, replicaTier, writeFailover, Set.of());
  }

  /** Whether the policy lets the primary stand on this site. */
  public boolean allowsSite(String site) {
    return sites.isEmpty() || sites.contains(site);
  }

  /**
   * Reads {@code archipelago.placement.policies}, ordered by name (HOCON objects do not keep the
   * order they were written in).
   */
  public static Map<String, PlacementPolicy> fromConfig(Config config) {
    Config policies = config.getConfig("archipelago.placement.policies");
    Map<String, PlacementPolicy> result = new LinkedHashMap<>();
    for (String name : new TreeSet<>(policies.root().keySet())) {
      Config p = policies.getConfig("\"" + name + "\"");
      String tier = p.getString("tier");
      result.put(
          name,
          new PlacementPolicy(
              name,
              tier,
              p.hasPath("replicas") ? p.getInt("replicas") : 0,
              p.hasPath("replica-tier") ? p.getString("replica-tier") : tier,
              p.hasPath("write-failover") && p.getBoolean("write-failover"),
              p.hasPath("sites") ? Set.copyOf(p.getStringList("sites")) : Set.of()));
    }
    return result;
  }
}
