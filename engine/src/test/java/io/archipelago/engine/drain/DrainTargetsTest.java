package io.archipelago.engine.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendKind;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.Capacity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The drain's choice of a target through placement's rules: the role the drained backend plays
 * (primary or replica) decides the tier, the container's other backends' sites are taken, and the
 * bytes must fit counting the moves under way.
 */
class DrainTargetsTest {

  private static final PlacementPolicy REPLICATED =
      new PlacementPolicy("replicated", "standard", 1, "standard-replica");

  private static BackendDescriptor backend(
      String id, String site, long capacity, BackendState state, String... tiers) {
    return new BackendDescriptor(
        id, BackendKind.FILESYSTEM, Set.of(tiers), site, capacity, state, Map.of());
  }

  private static BackendDescriptor active(String id, String site, String... tiers) {
    return backend(id, site, 0, BackendState.ACTIVE, tiers);
  }

  private static Placement.Explanation explain(
      List<BackendDescriptor> backends,
      String moving,
      long bytes,
      Map<String, Capacity> capacities,
      Map<String, Long> reserved) {
    return DrainTargets.explain(
        REPLICATED,
        "p1",
        List.of("r1"),
        moving,
        bytes,
        backends,
        capacities,
        Placement.Health.ALL_SERVING,
        reserved);
  }

  private static Optional<Placement.Ineligibility> verdict(Placement.Explanation e, String id) {
    return e.candidates().stream()
        .filter(c -> c.backend().id().equals(id))
        .findFirst()
        .orElseThrow()
        .asPrimary();
  }

  @Test
  void aPrimaryGoesToTheTierOnASiteNoReplicaUsesWithRoom() {
    List<BackendDescriptor> backends =
        List.of(
            active("p1", "a", "standard"),
            active("r1", "b", "standard-replica"),
            active("same-site-as-replica", "b", "standard"),
            backend("draining", "c", 0, BackendState.DRAINING, "standard"),
            backend("small", "d", 1000, BackendState.ACTIVE, "standard"),
            active("roomy", "c", "standard"));
    Placement.Explanation e = explain(backends, "p1", 5000, Map.of(), Map.of());
    assertEquals(
        Optional.of(Placement.Ineligibility.SITE_TAKEN), verdict(e, "same-site-as-replica"));
    assertEquals(Optional.of(Placement.Ineligibility.DRAINING), verdict(e, "draining"));
    assertEquals(Optional.of(Placement.Ineligibility.EXCLUDED), verdict(e, "p1"));
    assertEquals(Optional.of(Placement.Ineligibility.WRONG_TIER), verdict(e, "r1"));
    // "small" is eligible and has the most known free space, but not room for 5000 bytes
    assertEquals(Optional.empty(), verdict(e, "small"));
    assertEquals(Optional.of("roomy"), DrainTargets.choose(e, 5000));
    assertEquals(Optional.of("small"), DrainTargets.choose(e, 500));
  }

  @Test
  void aReplicaGoesToTheReplicaTierOnASiteTheContainerDoesNotUse() {
    List<BackendDescriptor> backends =
        List.of(
            active("p1", "a", "standard"),
            active("r1", "b", "standard-replica"),
            active("primary-site", "a", "standard-replica"),
            active("standard-only", "c", "standard"),
            active("elsewhere", "c", "standard-replica"));
    Placement.Explanation e = explain(backends, "r1", 10, Map.of(), Map.of());
    assertEquals(Optional.of(Placement.Ineligibility.SITE_TAKEN), verdict(e, "primary-site"));
    assertEquals(Optional.of(Placement.Ineligibility.WRONG_TIER), verdict(e, "standard-only"));
    assertEquals(Optional.of(Placement.Ineligibility.EXCLUDED), verdict(e, "r1"));
    assertEquals(Optional.of("elsewhere"), DrainTargets.choose(e, 10));
  }

  @Test
  void movesUnderWayCountAgainstRoomAndNowhereSaysWhy() {
    List<BackendDescriptor> backends =
        List.of(
            active("p1", "a", "standard"),
            active("r1", "b", "standard-replica"),
            active("x", "c", "standard"),
            active("y", "d", "standard"));
    Map<String, Capacity> capacities =
        Map.of("x", new Capacity(10_000, 1_000), "y", new Capacity(10_000, 2_000));
    assertEquals(
        Optional.of("x"),
        DrainTargets.choose(explain(backends, "p1", 4000, capacities, Map.of()), 4000));
    // 6000 bytes already on their way to x: y has more room now
    Placement.Explanation reserved = explain(backends, "p1", 4000, capacities, Map.of("x", 6000L));
    assertEquals(Optional.of("y"), DrainTargets.choose(reserved, 4000));
    Placement.Explanation full = explain(backends, "p1", 9500, capacities, Map.of());
    assertEquals(Optional.empty(), DrainTargets.choose(full, 9500));
    String why = DrainTargets.nowhere(full, "p1", 9500);
    assertTrue(why.contains("tier standard"), why);
    assertTrue(why.contains("x has no room for 9500 bytes"), why);
    assertTrue(why.contains("r1 does not carry the tier"), why);
  }
}
