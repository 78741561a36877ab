package io.archipelago.engine.placement;

import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.store.Capacity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Computes a {@link RebalancePlan}. Pure and deterministic, like {@link Placement}, whose {@link
 * Placement#explain} picks every target (the container's policy, its tier and sites, a target that
 * stays at or below its own high-water mark with the bytes it receives).
 *
 * <p>Per backend beyond its high-water mark (fullest first), a greedy choice: while it is above its
 * low-water mark, move the smallest container that alone brings it there, else the largest one
 * (then look again). This gives the fewest moves in the usual cases and, among plans of that many
 * moves, few bytes; it is not an exact minimum (that is a knapsack problem), which operators do not
 * need to accept a plan.
 */
public final class RebalancePlanner {

  /**
   * A container as the planner sees it.
   *
   * @param bytes the container's bytes as its entity counts them
   */
  public record Placed(
      String account,
      String container,
      String policy,
      String primary,
      List<String> replicas,
      long bytes) {}

  /** A migration already running: its bytes count as moved. */
  public record InFlight(String source, String target, long bytes) {}

  private RebalancePlanner() {}

  public static RebalancePlan plan(
      RebalanceSettings settings,
      Map<String, PlacementPolicy> policies,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      Placement.Health health,
      Collection<Placed> containers,
      Collection<InFlight> inFlight) {
    Map<String, Long> planned = new HashMap<>();
    for (InFlight f : inFlight) {
      planned.merge(f.source(), -f.bytes(), Long::sum);
      planned.merge(f.target(), f.bytes(), Long::sum);
    }
    Map<String, Long> before = new HashMap<>(planned);
    Map<String, BackendDescriptor> byId =
        backends.stream().collect(Collectors.toMap(BackendDescriptor::id, b -> b));
    List<RebalancePlan.Move> moves = new ArrayList<>();
    List<String> notes = new ArrayList<>();

    List<BackendDescriptor> overFull =
        backends.stream()
            .filter(b -> b.state() == BackendState.ACTIVE)
            .filter(b -> over(load(b, capacities, before), settings.highWater()))
            .sorted(
                Comparator.<BackendDescriptor>comparingDouble(
                        b -> -load(b, capacities, before).fill())
                    .thenComparing(BackendDescriptor::id))
            .toList();
    for (BackendDescriptor source : overFull) {
      Placement.Load start = load(source, capacities, planned);
      long goal = (long) Math.floor(settings.lowWater() * start.totalBytes());
      long need = start.usedBytes() - goal;
      List<Placed> pool = new ArrayList<>();
      long withReplicas = 0;
      for (Placed c : containers) {
        if (!c.primary().equals(source.id()) || c.bytes() <= 0) {
          continue;
        }
        if (!c.replicas().isEmpty()) {
          withReplicas++;
        } else if (policies.containsKey(c.policy())) {
          pool.add(c);
        }
      }
      pool.sort(
          Comparator.comparingLong(Placed::bytes)
              .reversed()
              .thenComparing(Placed::account)
              .thenComparing(Placed::container));
      String why =
          String.format(
              "%s is %.0f%% full, above its high-water mark of %.0f%%",
              source.id(), 100 * start.fill(), 100 * settings.highWater());
      while (need > 0 && !pool.isEmpty()) {
        Optional<Choice> choice =
            choose(pool, need, settings, policies, backends, capacities, health, planned, byId);
        if (choice.isEmpty()) {
          break;
        }
        Placed c = choice.get().container();
        String to = choice.get().target();
        moves.add(
            new RebalancePlan.Move(
                c.account(),
                c.container(),
                c.bytes(),
                source.id(),
                to,
                why
                    + "; "
                    + to
                    + " fits policy "
                    + c.policy()
                    + " with room below its high-water"));
        planned.merge(source.id(), -c.bytes(), Long::sum);
        planned.merge(to, c.bytes(), Long::sum);
        need -= c.bytes();
        pool.remove(c);
      }
      if (need > 0) {
        notes.add(
            source.id()
                + " stays above its low-water mark by "
                + need
                + " bytes: no other container of it fits a backend its policy allows with room"
                + " below that backend's high-water mark");
      }
      if (withReplicas > 0) {
        notes.add(
            source.id()
                + " holds "
                + withReplicas
                + " container(s) with replicas, which a live migration does not move");
      }
    }

    List<RebalancePlan.BackendFill> fills =
        backends.stream()
            .sorted(Comparator.comparing(BackendDescriptor::id))
            .map(
                b -> {
                  Placement.Load was = load(b, capacities, before);
                  Placement.Load after = load(b, capacities, planned);
                  return new RebalancePlan.BackendFill(
                      b.id(),
                      was.totalBytes(),
                      was.usedBytes(),
                      after.usedBytes(),
                      (long) Math.floor(settings.highWater() * was.totalBytes()),
                      (long) Math.floor(settings.lowWater() * was.totalBytes()),
                      b.state() == BackendState.ACTIVE && over(was, settings.highWater()));
                })
            .toList();
    return new RebalancePlan(id(moves), moves, fills, notes);
  }

  private record Choice(Placed container, String target) {}

  /**
   * The smallest container that alone covers {@code need} and has a target, else the largest that
   * has one.
   */
  private static Optional<Choice> choose(
      List<Placed> pool,
      long need,
      RebalanceSettings settings,
      Map<String, PlacementPolicy> policies,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      Placement.Health health,
      Map<String, Long> planned,
      Map<String, BackendDescriptor> byId) {
    for (int i = pool.size() - 1; i >= 0; i--) {
      Placed c = pool.get(i);
      if (c.bytes() >= need) {
        Optional<String> target =
            target(c, settings, policies, backends, capacities, health, planned, byId);
        if (target.isPresent()) {
          return Optional.of(new Choice(c, target.get()));
        }
      }
    }
    for (Placed c : pool) {
      Optional<String> target =
          target(c, settings, policies, backends, capacities, health, planned, byId);
      if (target.isPresent()) {
        return Optional.of(new Choice(c, target.get()));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> target(
      Placed c,
      RebalanceSettings settings,
      Map<String, PlacementPolicy> policies,
      Collection<BackendDescriptor> backends,
      Map<String, Capacity> capacities,
      Placement.Health health,
      Map<String, Long> planned,
      Map<String, BackendDescriptor> byId) {
    Set<String> replicaSites =
        c.replicas().stream()
            .map(byId::get)
            .filter(b -> b != null)
            .map(BackendDescriptor::site)
            .collect(Collectors.toSet());
    Placement.Constraints constraints =
        new Placement.Constraints(
            Set.of(c.primary()), replicaSites, c.bytes(), settings.highWater(), planned);
    return Placement.explain(
            policies.get(c.policy()).primaryOnly(), backends, capacities, health, constraints)
        .decision()
        .map(Placement.Decision::primary);
  }

  private static Placement.Load load(
      BackendDescriptor b, Map<String, Capacity> capacities, Map<String, Long> planned) {
    return Placement.load(b, capacities).plus(planned.getOrDefault(b.id(), 0L));
  }

  private static boolean over(Placement.Load load, double highWater) {
    return load.totalBytes() > 0
        && load.usedBytes() > (long) Math.floor(highWater * load.totalBytes());
  }

  /** A digest of the moves: the same moves, the same id, on every node. */
  static String id(List<RebalancePlan.Move> moves) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (RebalancePlan.Move m : moves) {
        String line =
            m.account() + "\n" + m.container() + "\n" + m.bytes() + "\n" + m.from() + "\n" + m.to();
        sha.update(line.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
