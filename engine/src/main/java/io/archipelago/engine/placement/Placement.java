package io.archipelago.engine.placement;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.store.Capacity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses backends for a new container. Pure and deterministic: the same registry and capacity
 * figures always give the same answer, so it can be tested and reasoned about.
 */
public final class Placement {

  /** The chosen backends: the primary and the replicas, on other sites than the primary. */
  public record Decision(String primary, List<String> replicas) {}

  private Placement() {}

  /**
   * Among active backends carrying the policy's tier, prefers the most free capacity (ties by id).
   * Replicas come from the replica tier on sites not used yet. Empty when no primary fits.
   */
  public static Optional<Decision> choose(
      PlacementPolicy policy,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities) {
    Comparator<BackendDescriptor> byFreeSpace =
        Comparator.<BackendDescriptor>comparingLong(b -> free(b, capacities))
            .reversed()
            .thenComparing(BackendDescriptor::id);
    List<BackendDescriptor> candidates =
        backends.stream()
            .filter(b -> b.state() == BackendState.ACTIVE && b.tiers().contains(policy.tier()))
            .sorted(byFreeSpace)
            .toList();
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    BackendDescriptor primary = candidates.get(0);
    Set<String> usedSites = new HashSet<>(Set.of(primary.site()));
    List<String> replicas = new ArrayList<>();
    List<BackendDescriptor> replicaCandidates =
        backends.stream()
            .filter(
                b -> b.state() == BackendState.ACTIVE && b.tiers().contains(policy.replicaTier()))
            .filter(b -> !b.id().equals(primary.id()))
            .sorted(byFreeSpace)
            .toList();
    for (BackendDescriptor b : replicaCandidates) {
      if (replicas.size() == policy.replicas()) {
        break;
      }
      if (usedSites.add(b.site())) {
        replicas.add(b.id());
      }
    }
    if (replicas.size() < policy.replicas()) {
      return Optional.empty();
    }
    return Optional.of(new Decision(primary.id(), List.copyOf(replicas)));
  }

  private static long free(BackendDescriptor b, Map<String, Capacity> capacities) {
    Capacity reported = capacities.get(b.id());
    if (b.capacityBytes() > 0) {
      long used = reported == null ? 0 : reported.usedBytes();
      return Math.max(0, b.capacityBytes() - used);
    }
    return reported == null ? 0 : reported.free();
  }
}
