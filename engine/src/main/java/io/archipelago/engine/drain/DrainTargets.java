package io.archipelago.engine.drain;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.Capacity;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a container's primary or replica on a drained backend goes: placement's own rules ({@link
 * Placement#explain}, which the admin dry-run shows) for that one role. A primary takes the
 * policy's tier and allowed sites, a replica the replica tier; neither may be a backend that
 * already holds the container (the drained one included) or stand on a site that one of the
 * container's other backends uses; draining, down and unserved backends are out. On top, the
 * drain's own capacity rule: the container's bytes must fit in what is free once the moves already
 * under way are counted (a backend whose total is not known yet counts as roomy). Among those, the
 * most free space first (ties by id), as placement orders them. Pure, so that it can be tested.
 */
final class DrainTargets {

  private DrainTargets() {}

  /** Placement's verdict on every backend for the role {@code moving} plays in the container. */
  static Placement.Explanation explain(
      PlacementPolicy policy,
      String primary,
      List<String> replicas,
      String moving,
      long bytes,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      Placement.Health health,
      Map<String, Long> reserved) {
    Set<String> holders = new HashSet<>(replicas);
    holders.add(primary);
    Map<String, String> sites =
        backends.stream()
            .collect(Collectors.toMap(BackendDescriptor::id, BackendDescriptor::site, (a, b) -> a));
    Set<String> takenSites =
        holders.stream()
            .filter(id -> !id.equals(moving))
            .map(sites::get)
            .filter(site -> site != null)
            .collect(Collectors.toSet());
    PlacementPolicy role = moving.equals(primary) ? policy.primaryOnly() : policy.replicaOnly();
    return Placement.explain(
        role,
        backends,
        capacities,
        health,
        new Placement.Constraints(holders, takenSites, bytes, 0, reserved));
  }

  /** The eligible backend with the most free space that has room for the bytes. */
  static Optional<String> choose(Placement.Explanation explanation, long bytes) {
    return explanation.candidates().stream()
        .filter(Placement.Candidate::eligible)
        .filter(c -> roomy(c.load(), bytes))
        .sorted(
            Comparator.<Placement.Candidate>comparingLong(c -> c.load().free())
                .reversed()
                .thenComparing(c -> c.backend().id()))
        .map(c -> c.backend().id())
        .findFirst();
  }

  /** Why no backend can take the container: each other backend with placement's reason. */
  static String nowhere(Placement.Explanation explanation, String drained, long bytes) {
    String verdicts =
        explanation.candidates().stream()
            .filter(c -> !c.backend().id().equals(drained))
            .map(
                c ->
                    c.backend().id()
                        + " "
                        + c.asPrimary()
                            .map(Placement.Ineligibility::text)
                            .orElse("has no room for " + bytes + " bytes"))
            .collect(Collectors.joining("; "));
    return "no active backend other than "
        + drained
        + " offers tier "
        + explanation.policy().tier()
        + " with room for "
        + bytes
        + " bytes"
        + (verdicts.isEmpty() ? "" : " (" + verdicts + ")");
  }

  /** Room counted with the moves under way (in the load); an unknown total counts as roomy. */
  static boolean roomy(Placement.Load load, long bytes) {
    return load.totalBytes() <= 0 || load.free() >= bytes;
  }
}
