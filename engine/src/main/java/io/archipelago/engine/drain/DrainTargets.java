package io.archipelago.engine.drain;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.Capacity;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a container of a drained backend goes: an active, healthy backend other than the drained
 * one and the container's replicas, carrying its policy's tier, with room for its bytes once the
 * moves already under way to it are counted; the most free space first (ties by id), as placement
 * chooses. Pure, so that it can be tested.
 */
final class DrainTargets {

  private DrainTargets() {}

  static Optional<String> choose(
      PlacementPolicy policy,
      long bytes,
      Set<String> excluded,
      Collection<BackendDescriptor> healthy,
      Map<String, Capacity> capacities,
      Map<String, Long> reserved) {
    return healthy.stream()
        .filter(b -> b.state() == BackendState.ACTIVE)
        .filter(b -> b.tiers().contains(policy.tier()))
        .filter(b -> !excluded.contains(b.id()))
        .filter(b -> free(b, capacities, reserved) >= bytes)
        .sorted(
            Comparator.<BackendDescriptor>comparingLong(b -> free(b, capacities, reserved))
                .reversed()
                .thenComparing(BackendDescriptor::id))
        .map(BackendDescriptor::id)
        .findFirst();
  }

  /**
   * Free bytes less those reserved by running moves; a backend whose capacity is not known yet (no
   * quota, not polled) counts as roomy rather than full.
   */
  static long free(
      BackendDescriptor b, Map<String, Capacity> capacities, Map<String, Long> reserved) {
    Capacity reported = capacities.get(b.id());
    long free;
    if (b.capacityBytes() > 0) {
      free = Math.max(0, b.capacityBytes() - (reported == null ? 0 : reported.usedBytes()));
    } else if (reported != null) {
      free = reported.free();
    } else {
      free = Long.MAX_VALUE / 2;
    }
    return free - reserved.getOrDefault(b.id(), 0L);
  }
}
