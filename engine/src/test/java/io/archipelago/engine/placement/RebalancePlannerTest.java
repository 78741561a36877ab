package io.archipelago.engine.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendKind;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.store.Capacity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {

  private static final RebalanceSettings ON =
      new RebalanceSettings(true, 0.85, 0.70, false, Duration.ofMinutes(1));

  private static final Map<String, PlacementPolicy> POLICIES =
      Map.of(
          "standard", new PlacementPolicy("standard", "standard", 0, "standard"),
          "archive", new PlacementPolicy("archive", "archive", 0, "archive"),
          "paris", new PlacementPolicy("paris", "standard", 0, "standard", false, Set.of("paris")));

  private static BackendDescriptor backend(String id, String site, long capacity, String tier) {
    return new BackendDescriptor(
        id, BackendKind.FILESYSTEM, Set.of(tier), site, capacity, BackendState.ACTIVE, Map.of());
  }

  private static RebalancePlanner.Placed placed(String name, String primary, long bytes) {
    return placed(name, "standard", primary, bytes);
  }

  private static RebalancePlanner.Placed placed(
      String name, String policy, String primary, long bytes) {
    return new RebalancePlanner.Placed("AUTH_a", name, policy, primary, List.of(), bytes);
  }

  private static RebalancePlan plan(
      List<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      List<RebalancePlanner.Placed> containers) {
    return RebalancePlanner.plan(
        ON, POLICIES, backends, capacities, Placement.Health.ALL_SERVING, containers, List.of());
  }

  private static Map<String, RebalancePlan.BackendFill> fills(RebalancePlan plan) {
    return plan.backends().stream()
        .collect(Collectors.toMap(RebalancePlan.BackendFill::id, f -> f));
  }

  @Test
  void anOverFullBackendComesUnderLowWaterWithTheFewestMoves() {
    // full: 950 of 1000 used (above 850); low-water 700: 250 bytes must go. One container of
    // 300 does it alone; the largest (500) would move more bytes, three small ones more moves.
    var backends =
        List.of(
            backend("full", "s1", 1000, "standard"), backend("roomy", "s1", 10_000, "standard"));
    var capacities = Map.of("full", new Capacity(1000, 950), "roomy", new Capacity(10_000, 1000));
    var containers =
        List.of(
            placed("big", "full", 500),
            placed("fits", "full", 300),
            placed("s1", "full", 50),
            placed("s2", "full", 50),
            placed("s3", "full", 50));

    RebalancePlan plan = plan(backends, capacities, containers);

    assertEquals(1, plan.moves().size(), plan.toString());
    RebalancePlan.Move move = plan.moves().get(0);
    assertEquals("fits", move.container());
    assertEquals("full", move.from());
    assertEquals("roomy", move.to());
    assertEquals(300, move.bytes());
    var fills = fills(plan);
    assertTrue(fills.get("full").overHighWater());
    assertEquals(950, fills.get("full").usedBefore());
    assertEquals(650, fills.get("full").usedAfter());
    assertTrue(fills.get("full").usedAfter() <= fills.get("full").lowWaterBytes());
    assertEquals(1300, fills.get("roomy").usedAfter());
  }

  @Test
  void whenNoSingleContainerSufficesTheLargestGoFirst() {
    var backends =
        List.of(
            backend("full", "s1", 1000, "standard"), backend("roomy", "s1", 10_000, "standard"));
    var capacities = Map.of("full", new Capacity(1000, 990), "roomy", new Capacity(10_000, 0));
    var containers = new ArrayList<RebalancePlanner.Placed>();
    for (int i = 0; i < 9; i++) {
      containers.add(placed("c" + i, "full", 100 + i));
    }

    RebalancePlan plan = plan(backends, capacities, containers);

    // 290 must go: 108 + 107 and then the smallest that covers the remaining 75 (100)
    assertEquals(
        List.of("c8", "c7", "c0"),
        plan.moves().stream().map(RebalancePlan.Move::container).toList());
    assertTrue(fills(plan).get("full").usedAfter() <= 700);
  }

  @Test
  void targetsHonourTheContainersPolicyTierAndSites() {
    var backends =
        List.of(
            backend("full", "paris", 1000, "standard"),
            backend("tape", "paris", 100_000, "archive"),
            backend("lyon", "lyon", 100_000, "standard"),
            backend("paris2", "paris", 5_000, "standard"));
    var capacities =
        Map.of(
            "full", new Capacity(1000, 900),
            "tape", new Capacity(100_000, 0),
            "lyon", new Capacity(100_000, 0),
            "paris2", new Capacity(5_000, 0));
    var containers = List.of(placed("p", "paris", "full", 300));

    RebalancePlan plan = plan(backends, capacities, containers);

    // most free space is lyon's (or tape's), but policy "paris" allows only the paris site and
    // the standard tier
    assertEquals(1, plan.moves().size(), plan.toString());
    assertEquals("paris2", plan.moves().get(0).to());
  }

  @Test
  void noTargetIsPushedOverItsHighWaterMark() {
    // the only other backend has 200 bytes of room below its high-water (850 of 1000, 650 used)
    var backends =
        List.of(backend("full", "s1", 1000, "standard"), backend("other", "s1", 1000, "standard"));
    var capacities = Map.of("full", new Capacity(1000, 1000), "other", new Capacity(1000, 650));
    var containers =
        List.of(
            placed("huge", "full", 400), placed("mid", "full", 150), placed("tiny", "full", 40));

    RebalancePlan plan = plan(backends, capacities, containers);

    assertEquals(
        List.of("mid", "tiny"), plan.moves().stream().map(RebalancePlan.Move::container).toList());
    var fills = fills(plan);
    assertTrue(fills.get("other").usedAfter() <= fills.get("other").highWaterBytes());
    // it could not reach low-water: the plan says so
    assertTrue(fills.get("full").usedAfter() > fills.get("full").lowWaterBytes());
    assertTrue(plan.notes().stream().anyMatch(n -> n.contains("stays above its low-water")));
  }

  @Test
  void nothingMovesBelowTheHighWaterMarkOrWhenOff() {
    var backends =
        List.of(backend("a", "s1", 1000, "standard"), backend("b", "s1", 1000, "standard"));
    var capacities = Map.of("a", new Capacity(1000, 850), "b", new Capacity(1000, 0));
    var containers = List.of(placed("c", "a", 300));

    assertTrue(plan(backends, capacities, containers).isEmpty());
    var overFull = Map.of("a", new Capacity(1000, 900), "b", new Capacity(1000, 0));
    RebalancePlan off =
        RebalancePlanner.plan(
            new RebalanceSettings(false, 0.85, 0.7, false, Duration.ofMinutes(1)),
            POLICIES,
            backends,
            overFull,
            Placement.Health.ALL_SERVING,
            List.of(),
            List.of());
    assertTrue(off.isEmpty());
  }

  @Test
  void runningMigrationsCountAsDoneAndContainersWithReplicasStay() {
    var backends =
        List.of(
            backend("full", "s1", 1000, "standard"), backend("roomy", "s1", 10_000, "standard"));
    var capacities = Map.of("full", new Capacity(1000, 950), "roomy", new Capacity(10_000, 0));
    var replicated =
        new RebalancePlanner.Placed("AUTH_a", "r", "standard", "full", List.of("roomy"), 600);
    var containers = List.of(replicated, placed("c", "full", 100));

    RebalancePlan inFlight =
        RebalancePlanner.plan(
            ON,
            POLICIES,
            backends,
            capacities,
            Placement.Health.ALL_SERVING,
            containers,
            List.of(new RebalancePlanner.InFlight("full", "roomy", 300)));
    assertTrue(inFlight.isEmpty(), inFlight.toString());

    RebalancePlan plan = plan(backends, capacities, containers);
    assertEquals(List.of("c"), plan.moves().stream().map(RebalancePlan.Move::container).toList());
    assertTrue(plan.notes().stream().anyMatch(n -> n.contains("with replicas")));
  }

  @Test
  void theSameFiguresGiveTheSameIdOthersAnother() {
    var backends =
        List.of(
            backend("full", "s1", 1000, "standard"), backend("roomy", "s1", 10_000, "standard"));
    var containers = List.of(placed("a", "full", 300), placed("b", "full", 200));
    var capacities = Map.of("full", new Capacity(1000, 950), "roomy", new Capacity(10_000, 0));

    String id = plan(backends, capacities, containers).id();
    assertEquals(id, plan(backends, capacities, containers).id());
    var fuller = Map.of("full", new Capacity(1000, 1010), "roomy", new Capacity(10_000, 0));
    assertNotEquals(id, plan(backends, fuller, containers).id());
  }
}
