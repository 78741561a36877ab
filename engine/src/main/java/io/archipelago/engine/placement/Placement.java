package io.archipelago.engine.placement;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.store.Capacity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses backends for a new container, and says why. Pure and deterministic: the same registry and
 * capacity figures always give the same answer, so it can be tested and reasoned about. Every
 * placement (container creation, a migration to a policy, a rebalance target, the admin dry-run)
 * goes through {@link #explain}, so the dry-run shows exactly the rules creation applies.
 */
public final class Placement {

  /** The chosen backends: the primary and the replicas, on other sites than the primary. */
  public record Decision(String primary, List<String> replicas) {}

  /** Why a backend cannot take the role asked of it. */
  public enum Ineligibility {
    WRONG_TIER("does not carry the tier"),
    WRONG_SITE("stands on a site the policy does not allow"),
    DRAINING("is draining"),
    DOWN("is down"),
    BREAKER_OPEN("has its circuit breaker open"),
    NO_DRIVER("has no working driver on this node"),
    OVER_CAPACITY("has no room below its high-water mark"),
    EXCLUDED("already holds the container"),
    SITE_TAKEN("stands on a site the container already uses");

    private final String text;

    Ineligibility(String text) {
      this.text = text;
    }

    /** The admin API's name: lower case, words joined by '-'. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String text() {
      return text;
    }
  }

  /**
   * A backend's capacity as placement counts it: the configured quota when there is one, else the
   * total it reports; used bytes as reported (0 before the first report).
   */
  public record Load(long totalBytes, long usedBytes) {
    public long free() {
      return Math.max(0, totalBytes - usedBytes);
    }

    /** Used over total; 0 when the total is unknown. */
    public double fill() {
      return totalBytes <= 0 ? 0 : (double) usedBytes / totalBytes;
    }

    public Load plus(long bytes) {
      return new Load(totalBytes, usedBytes + bytes);
    }
  }

  /**
   * Whether a backend serves requests from this node: empty when it does, else the reason (an open
   * circuit breaker, no driver).
   */
  @FunctionalInterface
  public interface Health {
    Optional<Ineligibility> problem(String backendId);

    Health ALL_SERVING = id -> Optional.empty();

    /** What this node's registry knows: no driver, or a driver whose breaker is open. */
    static Health of(BackendRegistry registry) {
      return id -> {
        if (registry.store(id).isEmpty()) {
          return Optional.of(Ineligibility.NO_DRIVER);
        }
        return registry.breakerOpen(id).orElse(false)
            ? Optional.of(Ineligibility.BREAKER_OPEN)
            : Optional.empty();
      };
    }
  }

  /**
   * Extra conditions of a placement beyond the policy's.
   *
   * @param exclude backends that may not be chosen (the container's current ones)
   * @param excludeSites sites the primary may not stand on (its replicas' sites)
   * @param bytes what the container brings along (0 for a new one)
   * @param highWater the fill (used over total) a chosen backend may reach with those bytes; 0: no
   *     limit. A backend of unknown total takes no bytes under a limit.
   * @param planned bytes already promised to backends by earlier moves of the same plan
   */
  public record Constraints(
      Set<String> exclude,
      Set<String> excludeSites,
      long bytes,
      double highWater,
      Map<String, Long> planned) {

    public static final Constraints NONE = new Constraints(Set.of(), Set.of(), 0, 0, Map.of());

    public Constraints {
      exclude = Set.copyOf(exclude);
      excludeSites = Set.copyOf(excludeSites);
      planned = Map.copyOf(planned);
    }

    /** New containers: no backend may be filled beyond {@code highWater} (0: no limit). */
    public static Constraints newContainer(double highWater) {
      return new Constraints(Set.of(), Set.of(), 0, highWater, Map.of());
    }
  }

  /**
   * One backend as placement saw it.
   *
   * @param asPrimary empty when it may be the primary, else why not
   * @param asReplica empty when it may be a replica, else why not (the policy has no replicas:
   *     {@link Ineligibility#WRONG_TIER} unless it carries the replica tier)
   * @param chosen "primary", "replica" or empty
   */
  public record Candidate(
      BackendDescriptor backend,
      Load load,
      Optional<Ineligibility> asPrimary,
      Optional<Ineligibility> asReplica,
      Optional<String> chosen) {

    public boolean eligible() {
      return asPrimary.isEmpty();
    }
  }

  /** Every backend with its verdict, sorted by id, and the decision (empty when none fits). */
  public record Explanation(
      PlacementPolicy policy, List<Candidate> candidates, Optional<Decision> decision) {}

  private Placement() {}

  /**
   * Among active, serving backends carrying the policy's tier (on an allowed site), prefers the
   * most free capacity (ties by id). Replicas come from the replica tier on sites not used yet.
   * Empty when no primary fits.
   */
  public static Optional<Decision> choose(
      PlacementPolicy policy,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities) {
    return explain(policy, backends, capacities, Health.ALL_SERVING, Constraints.NONE).decision();
  }

  /** The decision and, for every backend, whether it could take the primary or a replica. */
  public static Explanation explain(
      PlacementPolicy policy,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      Health health,
      Constraints constraints) {
    Map<String, Load> loads = new LinkedHashMap<>();
    for (BackendDescriptor b : backends) {
      Load load = load(b, capacities);
      loads.put(b.id(), load.plus(constraints.planned().getOrDefault(b.id(), 0L)));
    }
    Comparator<BackendDescriptor> byFreeSpace =
        Comparator.<BackendDescriptor>comparingLong(b -> loads.get(b.id()).free())
            .reversed()
            .thenComparing(BackendDescriptor::id);
    List<BackendDescriptor> sorted = backends.stream().sorted(byFreeSpace).toList();

    Map<String, Optional<Ineligibility>> asPrimary = new LinkedHashMap<>();
    for (BackendDescriptor b : sorted) {
      Optional<Ineligibility> problem =
          common(b, policy.tier(), loads.get(b.id()), health, constraints);
      if (problem.isEmpty() && !policy.allowsSite(b.site())) {
        problem = Optional.of(Ineligibility.WRONG_SITE);
      }
      if (problem.isEmpty() && constraints.excludeSites().contains(b.site())) {
        problem = Optional.of(Ineligibility.SITE_TAKEN);
      }
      asPrimary.put(b.id(), problem);
    }
    Optional<BackendDescriptor> primary =
        sorted.stream().filter(b -> asPrimary.get(b.id()).isEmpty()).findFirst();

    Map<String, Optional<Ineligibility>> asReplica = new LinkedHashMap<>();
    List<String> replicas = new ArrayList<>();
    Set<String> usedSites = new HashSet<>();
    primary.ifPresent(p -> usedSites.add(p.site()));
    for (BackendDescriptor b : sorted) {
      Optional<Ineligibility> problem =
          common(b, policy.replicaTier(), loads.get(b.id()), health, constraints);
      if (problem.isEmpty() && primary.isPresent() && b.id().equals(primary.get().id())) {
        problem = Optional.of(Ineligibility.SITE_TAKEN);
      }
      if (problem.isEmpty() && replicas.size() < policy.replicas()) {
        if (usedSites.add(b.site())) {
          replicas.add(b.id());
        } else {
          problem = Optional.of(Ineligibility.SITE_TAKEN);
        }
      }
      asReplica.put(b.id(), problem);
    }

    Optional<Decision> decision =
        primary.isEmpty() || replicas.size() < policy.replicas()
            ? Optional.empty()
            : Optional.of(new Decision(primary.get().id(), List.copyOf(replicas)));
    List<Candidate> candidates =
        backends.stream()
            .sorted(Comparator.comparing(BackendDescriptor::id))
            .map(
                b ->
                    new Candidate(
                        b,
                        loads.get(b.id()),
                        asPrimary.get(b.id()),
                        asReplica.get(b.id()),
                        decision.flatMap(d -> role(d, b.id()))))
            .toList();
    return new Explanation(policy, candidates, decision);
  }

  private static Optional<String> role(Decision d, String id) {
    if (d.primary().equals(id)) {
      return Optional.of("primary");
    }
    return d.replicas().contains(id) ? Optional.of("replica") : Optional.empty();
  }

  /** The conditions of both roles, in the order an operator would check them. */
  private static Optional<Ineligibility> common(
      BackendDescriptor b, String tier, Load load, Health health, Constraints constraints) {
    if (!b.tiers().contains(tier)) {
      return Optional.of(Ineligibility.WRONG_TIER);
    }
    if (constraints.exclude().contains(b.id())) {
      return Optional.of(Ineligibility.EXCLUDED);
    }
    if (b.state() == BackendState.DRAINING) {
      return Optional.of(Ineligibility.DRAINING);
    }
    if (b.state() != BackendState.ACTIVE) {
      return Optional.of(Ineligibility.DOWN);
    }
    Optional<Ineligibility> problem = health.problem(b.id());
    if (problem.isPresent()) {
      return problem;
    }
    if (constraints.highWater() > 0 && !fits(load, constraints.bytes(), constraints.highWater())) {
      return Optional.of(Ineligibility.OVER_CAPACITY);
    }
    return Optional.empty();
  }

  /** Whether {@code bytes} more keep the backend at or below {@code highWater} of its total. */
  static boolean fits(Load load, long bytes, double highWater) {
    if (load.totalBytes() <= 0) {
      // unknown total: nothing to measure a new container against; no room for bytes
      return bytes == 0;
    }
    return load.usedBytes() + bytes <= (long) Math.floor(highWater * load.totalBytes());
  }

  /** The backend's capacity as placement counts it. */
  public static Load load(BackendDescriptor b, Map<String, Capacity> capacities) {
    Capacity reported = capacities.get(b.id());
    long used = reported == null ? 0 : reported.usedBytes();
    if (b.capacityBytes() > 0) {
      return new Load(b.capacityBytes(), used);
    }
    return new Load(reported == null ? 0 : reported.totalBytes(), used);
  }
}
