package io.archipelago.engine.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendKind;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.store.Capacity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {

  private static final long GB = 1L << 30;
  private static final PlacementPolicy STANDARD =
      new PlacementPolicy("standard", "standard", 0, "standard");

  private static BackendDescriptor backend(
      String id, String site, long capacity, BackendState state, String... tiers) {
    return new BackendDescriptor(
        id, BackendKind.FILESYSTEM, Set.of(tiers), site, capacity, state, Map.of());
  }

  private static BackendDescriptor active(String id, String site, String... tiers) {
    return backend(id, site, 0, BackendState.ACTIVE, tiers);
  }

  private static Capacity free(long bytes) {
    return new Capacity(100 * GB, 100 * GB - bytes);
  }

  private static Optional<Placement.Decision> choose(
      PlacementPolicy policy, List<BackendDescriptor> backends, Map<String, Capacity> capacities) {
    return Placement.choose(policy, backends, capacities);
  }

  @Test
  void onlyBackendsOfThePolicysTierQualify() {
    var backends = List.of(active("arch", "s1", "archive"), active("std", "s1", "standard"));
    var capacities = Map.of("arch", free(90 * GB), "std", free(1 * GB));

    assertEquals(
        Optional.of(new Placement.Decision("std", List.of())),
        choose(STANDARD, backends, capacities));
    assertEquals(
        Optional.of(new Placement.Decision("arch", List.of())),
        choose(new PlacementPolicy("archive", "archive", 0, "archive"), backends, capacities));
    assertEquals(
        Optional.empty(),
        choose(new PlacementPolicy("gold", "gold", 0, "gold"), backends, capacities));
  }

  @Test
  void onlyActiveBackendsQualify() {
    var backends =
        List.of(
            backend("draining", "s1", 0, BackendState.DRAINING, "standard"),
            backend("down", "s1", 0, BackendState.DOWN, "standard"),
            active("up", "s1", "standard"));
    var capacities = Map.of("draining", free(90 * GB), "down", free(80 * GB), "up", free(1 * GB));

    assertEquals("up", choose(STANDARD, backends, capacities).orElseThrow().primary());
    assertEquals(Optional.empty(), choose(STANDARD, backends.subList(0, 2), capacities));
  }

  @Test
  void mostFreeCapacityWins() {
    var backends =
        List.of(
            active("a", "s1", "standard"),
            active("b", "s1", "standard"),
            active("c", "s1", "standard"));

    assertEquals(
        "b",
        choose(STANDARD, backends, Map.of("a", free(5 * GB), "b", free(9 * GB), "c", free(7 * GB)))
            .orElseThrow()
            .primary());
    assertEquals(
        "c",
        choose(STANDARD, backends, Map.of("a", free(5 * GB), "b", free(1 * GB), "c", free(7 * GB)))
            .orElseThrow()
            .primary());
  }

  @Test
  void tiesGoToTheSmallestId() {
    var backends =
        List.of(
            active("zeta", "s1", "standard"),
            active("alpha", "s1", "standard"),
            active("mid", "s1", "standard"));
    var capacities = Map.of("zeta", free(5 * GB), "alpha", free(5 * GB), "mid", free(5 * GB));

    assertEquals("alpha", choose(STANDARD, backends, capacities).orElseThrow().primary());
    // Nothing reported: all have 0 free, still a deterministic choice.
    assertEquals("alpha", choose(STANDARD, backends, Map.of()).orElseThrow().primary());
  }

  @Test
  void theSameInputAlwaysGivesTheSameDecision() {
    List<BackendDescriptor> backends = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      backends.add(active("b" + i, "site" + (i % 4), "standard"));
    }
    var capacities =
        Map.of("b3", free(10 * GB), "b7", free(10 * GB), "b11", free(10 * GB), "b1", free(2 * GB));
    PlacementPolicy replicated = new PlacementPolicy("r2", "standard", 2, "standard");
    Placement.Decision first = choose(replicated, backends, capacities).orElseThrow();

    Random random = new Random(3L);
    for (int i = 0; i < 50; i++) {
      List<BackendDescriptor> shuffled = new ArrayList<>(backends);
      Collections.shuffle(shuffled, random);
      assertEquals(first, choose(replicated, shuffled, capacities).orElseThrow());
    }
    // b11, b3 and b7 tie on free space and "b11" sorts first. The other two share its site
    // (site3), so the replicas are b1 (2 GB free) and then, among the backends that reported
    // nothing, the smallest id on a new site.
    assertEquals(new Placement.Decision("b11", List.of("b1", "b0")), first);
  }

  @Test
  void configuredCapacityMinusReportedUseIsTheFreeSpace() {
    // "small" has a 10 GB quota of which 9 are used: 1 GB free, although its disk has much more.
    // "big" has a 50 GB quota with 20 used: 30 GB free. "disk" has no quota: what it reports.
    var backends =
        List.of(
            backend("small", "s1", 10 * GB, BackendState.ACTIVE, "standard"),
            backend("big", "s1", 50 * GB, BackendState.ACTIVE, "standard"),
            active("disk", "s1", "standard"));
    var capacities =
        Map.of(
            "small", new Capacity(1_000 * GB, 9 * GB),
            "big", new Capacity(60 * GB, 20 * GB),
            "disk", new Capacity(100 * GB, 75 * GB));

    assertEquals("big", choose(STANDARD, backends, capacities).orElseThrow().primary());
    // Disk reports 40 GB free now: more than big's 30.
    var more =
        Map.of(
            "small", new Capacity(1_000 * GB, 9 * GB),
            "big", new Capacity(60 * GB, 20 * GB),
            "disk", new Capacity(100 * GB, 60 * GB));
    assertEquals("disk", choose(STANDARD, backends, more).orElseThrow().primary());
    // A quota backend that has not reported yet counts its whole quota as free.
    assertEquals(
        "big",
        choose(STANDARD, backends, Map.of("disk", new Capacity(100 * GB, 60 * GB)))
            .orElseThrow()
            .primary());
    // Used beyond the quota is no free space, not negative space.
    var over =
        List.of(
            backend("over", "s1", 10 * GB, BackendState.ACTIVE, "standard"),
            active("zero", "s1", "standard"));
    assertEquals(
        "over",
        choose(
                STANDARD,
                over,
                Map.of("over", new Capacity(100 * GB, 20 * GB), "zero", new Capacity(0, 0)))
            .orElseThrow()
            .primary());
  }

  @Test
  void replicasGoToOtherSites() {
    var backends =
        List.of(
            active("p1", "paris", "standard"),
            active("p2", "paris", "standard"),
            active("l1", "lyon", "standard"),
            active("l2", "lyon", "standard"),
            active("b1", "berlin", "standard"));
    var capacities =
        Map.of(
            "p1",
            free(90 * GB),
            "p2",
            free(80 * GB),
            "l1",
            free(10 * GB),
            "l2",
            free(20 * GB),
            "b1",
            free(5 * GB));

    Placement.Decision one =
        choose(new PlacementPolicy("r1", "standard", 1, "standard"), backends, capacities)
            .orElseThrow();
    assertEquals(new Placement.Decision("p1", List.of("l2")), one);

    Placement.Decision two =
        choose(new PlacementPolicy("r2", "standard", 2, "standard"), backends, capacities)
            .orElseThrow();
    assertEquals(new Placement.Decision("p1", List.of("l2", "b1")), two);
  }

  @Test
  void replicasComeFromTheReplicaTier() {
    var backends =
        List.of(
            active("fast", "paris", "standard"),
            active("tape-paris", "paris", "archive"),
            active("tape-lyon", "lyon", "archive"),
            active("std-lyon", "lyon", "standard"));
    var capacities =
        Map.of("fast", free(50 * GB), "std-lyon", free(40 * GB), "tape-lyon", free(1 * GB));

    assertEquals(
        Optional.of(new Placement.Decision("fast", List.of("tape-lyon"))),
        choose(new PlacementPolicy("hybrid", "standard", 1, "archive"), backends, capacities));
  }

  @Test
  void noDecisionWhenReplicasCannotBeSpread() {
    var backends = List.of(active("a", "paris", "standard"), active("b", "paris", "standard"));
    var capacities = Map.of("a", free(10 * GB), "b", free(20 * GB));

    assertEquals(
        Optional.empty(),
        choose(new PlacementPolicy("r1", "standard", 1, "standard"), backends, capacities));
    // A replica on a down backend does not count either.
    var withDown =
        List.of(
            active("a", "paris", "standard"),
            backend("c", "lyon", 0, BackendState.DOWN, "standard"));
    assertEquals(
        Optional.empty(),
        choose(new PlacementPolicy("r1", "standard", 1, "standard"), withDown, capacities));
    assertEquals(Optional.empty(), choose(STANDARD, List.of(), Map.of()));
  }

  @Test
  void theExplanationGivesEveryBackendsVerdictAndTheSameDecision() {
    var backends =
        List.of(
            active("best", "paris", "standard"),
            active("tape", "paris", "archive"),
            backend("drain", "paris", 0, BackendState.DRAINING, "standard"),
            backend("dead", "paris", 0, BackendState.DOWN, "standard"),
            active("broken", "paris", "standard"),
            active("lyon", "lyon", "standard"),
            backend("full", "paris", 10 * GB, BackendState.ACTIVE, "standard"));
    var capacities =
        Map.of(
            "best", free(50 * GB),
            "lyon", free(40 * GB),
            "broken", free(90 * GB),
            "full", new Capacity(100 * GB, 9 * GB));
    PlacementPolicy r1 = new PlacementPolicy("r1", "standard", 1, "standard");
    Placement.Health health =
        id ->
            id.equals("broken")
                ? Optional.of(Placement.Ineligibility.BREAKER_OPEN)
                : Optional.empty();

    Placement.Explanation e =
        Placement.explain(
            r1, backends, capacities, health, Placement.Constraints.newContainer(0.85));

    assertEquals(Optional.of(new Placement.Decision("best", List.of("lyon"))), e.decision());
    Map<String, Placement.Candidate> byId = new HashMap<>();
    e.candidates().forEach(c -> byId.put(c.backend().id(), c));
    assertEquals(
        List.of("best", "broken", "dead", "drain", "full", "lyon", "tape"),
        e.candidates().stream().map(c -> c.backend().id()).toList());
    assertEquals(Optional.of("primary"), byId.get("best").chosen());
    assertEquals(Optional.of("replica"), byId.get("lyon").chosen());
    assertEquals(Optional.of(Placement.Ineligibility.WRONG_TIER), byId.get("tape").asPrimary());
    assertEquals(Optional.of(Placement.Ineligibility.DRAINING), byId.get("drain").asPrimary());
    assertEquals(Optional.of(Placement.Ineligibility.DOWN), byId.get("dead").asPrimary());
    assertEquals(Optional.of(Placement.Ineligibility.BREAKER_OPEN), byId.get("broken").asPrimary());
    // 9 of its 10 GB quota used: beyond the 85 % high-water mark
    assertEquals(Optional.of(Placement.Ineligibility.OVER_CAPACITY), byId.get("full").asPrimary());
    assertEquals(new Placement.Load(10 * GB, 9 * GB), byId.get("full").load());
    // as the decision without the dry-run's extras
    assertEquals(choose(r1, List.of(backends.get(0), backends.get(5)), capacities), e.decision());
  }

  @Test
  void aPolicysSitesBindThePrimary() {
    var backends =
        List.of(active("paris", "paris", "standard"), active("lyon", "lyon", "standard"));
    var capacities = Map.of("paris", free(1 * GB), "lyon", free(90 * GB));
    PlacementPolicy inParis =
        new PlacementPolicy("p", "standard", 0, "standard", false, Set.of("paris"));

    Placement.Explanation e =
        Placement.explain(
            inParis,
            backends,
            capacities,
            Placement.Health.ALL_SERVING,
            Placement.Constraints.NONE);

    assertEquals("paris", e.decision().orElseThrow().primary());
    assertEquals(
        Optional.of(Placement.Ineligibility.WRONG_SITE),
        e.candidates().stream()
            .filter(c -> c.backend().id().equals("lyon"))
            .findFirst()
            .orElseThrow()
            .asPrimary());
  }

  // ---- policies from configuration ------------------------------------------------------

  @Test
  void policiesParseFromConfig() {
    var config =
        ConfigFactory.parseString(
            """
            archipelago.placement.policies {
              standard { tier = standard }
              replicated { tier = standard, replicas = 2 }
              hybrid { tier = standard, replicas = 1, replica-tier = archive }
              "gold.v2" { tier = gold }
              local { tier = standard, sites = [paris] }
            }
            """);

    Map<String, PlacementPolicy> policies = PlacementPolicy.fromConfig(config);

    assertEquals(
        Map.of(
            "standard", new PlacementPolicy("standard", "standard", 0, "standard"),
            "replicated", new PlacementPolicy("replicated", "standard", 2, "standard"),
            "hybrid", new PlacementPolicy("hybrid", "standard", 1, "archive"),
            "gold.v2", new PlacementPolicy("gold.v2", "gold", 0, "gold"),
            "local",
                new PlacementPolicy("local", "standard", 0, "standard", false, Set.of("paris"))),
        policies);
  }

  @Test
  void policiesAreOrderedByName() {
    var config =
        ConfigFactory.parseString(
            "archipelago.placement.policies { zeta { tier = a }, standard { tier = a }, gold { tier = a },"
                + " alpha { tier = a }, mid { tier = a }, archive { tier = a }, x1 { tier = a } }");

    assertEquals(
        List.of("alpha", "archive", "gold", "mid", "standard", "x1", "zeta"),
        List.copyOf(PlacementPolicy.fromConfig(config).keySet()));
  }

  @Test
  void referenceConfHasTheDefaultPolicies() {
    Map<String, PlacementPolicy> policies = PlacementPolicy.fromConfig(ConfigFactory.load());

    assertEquals(
        new PlacementPolicy("standard", "standard", 0, "standard"), policies.get("standard"));
    assertEquals(new PlacementPolicy("archive", "archive", 0, "archive"), policies.get("archive"));
    assertEquals(
        "standard", ConfigFactory.load().getString("archipelago.placement.default-policy"));
  }

  @Test
  void aPolicyWithoutTierIsAConfigurationError() {
    var config =
        ConfigFactory.parseString("archipelago.placement.policies { broken { replicas = 1 } }");

    assertThrows(ConfigException.Missing.class, () -> PlacementPolicy.fromConfig(config));
  }
}
