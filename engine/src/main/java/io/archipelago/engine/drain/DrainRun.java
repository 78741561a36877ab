package io.archipelago.engine.drain;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.japi.function.Function;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerReply;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One pass of the daemon over one draining backend: finds the containers the replicated route view
 * shows on it, records the end of the moves that ended, starts moves up to the drain's concurrency
 * and ends the drain when nothing is left. Everything it decides starts from what the drain entity
 * and the route view say, so a pass that stops anywhere (node lost) is simply followed by another.
 */
final class DrainRun {

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final Map<String, PlacementPolicy> policies;
  private final DrainSettings settings;
  private final String node;
  private final String backend;

  DrainRun(
      ActorSystem<?> system,
      BackendRegistry registry,
      Map<String, PlacementPolicy> policies,
      DrainSettings settings,
      String node,
      String backend) {
    this.system = system;
    this.registry = registry;
    this.policies = policies;
    this.settings = settings;
    this.node = node;
    this.backend = backend;
  }

  CompletionStage<Done> run() {
    return ask(DrainEntity.Get::new)
        .thenCompose(
            state ->
                state.status().holdsBackend()
                    ? step(state)
                    : CompletableFuture.completedFuture(Done.getInstance()));
  }

  private CompletionStage<Done> step(DrainState state) {
    Map<String, ContainerRoute> onBackend = new HashMap<>();
    Map<String, ContainerRoute> routes = ContainerRouteView.get(system).routes();
    routes.forEach(
        (id, route) -> {
          if (holds(route)) {
            onBackend.put(id, route);
          }
        });
    Instant now = Instant.now();
    AuditInfo audit = audit(state);
    List<CompletableFuture<ContainerDrain>> found = new ArrayList<>();
    onBackend.forEach(
        (id, route) -> {
          if (!state.containers().containsKey(id)) {
            found.add(counted(id, route, now).toCompletableFuture());
          }
        });
    List<DrainEntity.Outcome> outcomes = new ArrayList<>();
    for (ContainerDrain c : state.containers().values()) {
      ContainerRoute route = routes.get(c.entityId());
      if (route == null && c.phase() != ContainerDrain.Phase.MOVED) {
        // its entity publishes its route when it starts: wake it
        container(c).tell(new ContainerEntity.GetMigration(system.ignoreRef()));
      }
      outcome(c, route, now).ifPresent(outcomes::add);
    }
    CompletionStage<DrainState> recorded = CompletableFuture.completedFuture(state);
    if (!found.isEmpty()) {
      recorded =
          CompletableFuture.allOf(found.toArray(CompletableFuture[]::new))
              .thenCompose(
                  d -> {
                    List<ContainerDrain> queued =
                        found.stream().map(CompletableFuture::join).toList();
                    return ask(r -> new DrainEntity.Queue(state.id(), queued, audit, r));
                  });
    }
    if (!outcomes.isEmpty()) {
      recorded =
          recorded.thenCompose(
              s ->
                  ask(
                      r ->
                          new DrainEntity.RecordOutcomes(
                              state.id(), List.copyOf(outcomes), audit, r)));
    }
    return recorded
        .thenCompose(s -> startMoves(s, routes, audit))
        .thenCompose(s -> finish(s, audit));
  }

  /**
   * A container found on the backend with its counts from its entity (the route view's counts may
   * lag behind), or from the view when the entity does not answer.
   */
  private CompletionStage<ContainerDrain> counted(String id, ContainerRoute route, Instant now) {
    int slash = id.indexOf('/');
    String account = id.substring(0, slash);
    String name = id.substring(slash + 1);
    return ContainerEntity.<ContainerState>ask(
            ClusterSharding.get(system)
                .entityRefFor(ContainerEntity.TYPE_KEY, ContainerEntity.entityId(account, name)),
            ContainerEntity.Get::new,
            settings.askTimeout())
        .handle(
            (state, failure) ->
                failure == null
                    ? ContainerDrain.pending(
                        account, name, state.objectCount(), state.bytesUsed(), now)
                    : ContainerDrain.pending(
                        account, name, route.objectCount(), route.bytesUsed(), now));
  }

  /** Whether a live container has its primary or a replica on the drained backend. */
  private boolean holds(ContainerRoute route) {
    return !route.deleted()
        && (route.primaryBackend().equals(backend) || route.replicaBackends().contains(backend));
  }

  /**
   * How a container's move ended, judged from its route; empty while it goes on, waits, or its
   * route is not in the view (after a restart of the whole cluster, until its entity starts).
   */
  private Optional<DrainEntity.Outcome> outcome(
      ContainerDrain c, ContainerRoute route, Instant now) {
    if (route == null) {
      return Optional.empty();
    }
    boolean gone = !holds(route);
    switch (c.phase()) {
      case PENDING, FAILED -> {
        // deleted, or moved by someone else meanwhile: nothing left here
        return gone ? Optional.of(new DrainEntity.Outcome(c.entityId(), "")) : Optional.empty();
      }
      case MOVING -> {
        if (route.deleted()) {
          return Optional.of(new DrainEntity.Outcome(c.entityId(), ""));
        }
        Migration.MigrationRoute m = route.migration();
        if (m != null && m.id().equals(c.migrationId())) {
          if (m.phase() == MigrationPhase.COMPLETED) {
            return Optional.of(new DrainEntity.Outcome(c.entityId(), ""));
          }
          if (m.phase() == MigrationPhase.CANCELLED || m.phase() == MigrationPhase.FAILED) {
            return Optional.of(
                new DrainEntity.Outcome(
                    c.entityId(), "the migration to " + m.target() + " " + m.phase().wireName()));
          }
          return Optional.empty();
        }
        // the route view may not show the migration yet: judge only once it had time to
        if (c.updatedAt() != null && c.updatedAt().plus(settings.settle()).isBefore(now)) {
          return Optional.of(
              new DrainEntity.Outcome(
                  c.entityId(), gone ? "" : "its migration " + c.migrationId() + " is gone"));
        }
        return Optional.empty();
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  /** Starts moves of waiting containers, one after the other, up to the drain's concurrency. */
  private CompletionStage<DrainState> startMoves(
      DrainState state, Map<String, ContainerRoute> routes, AuditInfo audit) {
    if (state.status() != DrainStatus.DRAINING) {
      return CompletableFuture.completedFuture(state);
    }
    long slots = state.concurrency() - state.count(ContainerDrain.Phase.MOVING);
    Map<String, Long> reserved = new HashMap<>();
    for (ContainerDrain c : state.containers().values()) {
      if (c.phase() == ContainerDrain.Phase.MOVING) {
        reserved.merge(c.target(), c.bytes(), Long::sum);
      }
    }
    CompletionStage<DrainState> chain = CompletableFuture.completedFuture(state);
    for (ContainerDrain c : state.sortedContainers()) {
      if (slots <= 0) {
        break;
      }
      if (c.phase() != ContainerDrain.Phase.PENDING) {
        continue;
      }
      ContainerRoute route = routes.get(c.entityId());
      if (route == null) {
        continue;
      }
      slots--;
      chain = chain.thenCompose(s -> startMove(state, c, route, reserved, audit));
    }
    return chain;
  }

  private CompletionStage<DrainState> startMove(
      DrainState state,
      ContainerDrain c,
      ContainerRoute route,
      Map<String, Long> reserved,
      AuditInfo audit) {
    Migration.MigrationRoute running = route.migration();
    if (running != null
        && running.toMigration().routesBoth()
        && running.source().equals(backend)
        && running.phase() != MigrationPhase.CANCELLED) {
      // started by an earlier pass that stopped before recording it (or by an operator)
      return markMoving(state, c, running.target(), running.id(), c.objects(), c.bytes(), audit);
    }
    PlacementPolicy policy = policies.get(route.policy());
    if (policy == null) {
      return failed(state, c, "its policy " + route.policy() + " is not configured", audit);
    }
    // the drained backend holds the primary, or one replica: that one moves
    Optional<String> replica =
        route.primaryBackend().equals(backend) ? Optional.empty() : Optional.of(backend);
    Placement.Explanation explained =
        DrainTargets.explain(
            policy,
            route.primaryBackend(),
            route.replicaBackends(),
            backend,
            c.bytes(),
            registry.backends(),
            registry.capacities(),
            Placement.Health.of(registry),
            reserved);
    Optional<String> target = DrainTargets.choose(explained, c.bytes());
    if (target.isEmpty()) {
      return failed(state, c, DrainTargets.nowhere(explained, backend, c.bytes()), audit);
    }
    String to = target.get();
    reserved.merge(to, c.bytes(), Long::sum);
    String migrationId = UUID.randomUUID().toString();
    return registry
        .store(to)
        .map(store -> store.createContainer(new BackendContainer(c.account(), c.container())))
        .orElseGet(
            () ->
                CompletableFuture.failedFuture(
                    new IllegalStateException("backend " + to + " has no driver on " + node)))
        .thenCompose(
            created ->
                ContainerEntity.<Migration>ask(
                    container(c),
                    (ActorRef<ContainerReply<Migration>> r) ->
                        new ContainerEntity.StartMigration(
                            migrationId, to, state.throttle(), replica, audit, r),
                    settings.askTimeout()))
        .handle(
            (migration, failure) -> {
              if (failure != null) {
                return failed(state, c, reason(failure), audit);
              }
              return markMoving(
                      state,
                      c,
                      to,
                      migration.id(),
                      migration.objectsTotal(),
                      migration.bytesTotal(),
                      audit)
                  .thenCompose(
                      after -> {
                        ContainerDrain now = after.containers().get(c.entityId());
                        boolean recorded =
                            after.status().holdsBackend()
                                && after.id().equals(state.id())
                                && now != null
                                && migration.id().equals(now.migrationId());
                        // cancelled meanwhile: the migration must not go on by itself
                        return recorded ? CompletableFuture.completedFuture(after) : undo(c, after);
                      });
            })
        .thenCompose(s -> s);
  }

  private CompletionStage<DrainState> undo(ContainerDrain c, DrainState after) {
    return ContainerEntity.<Migration>ask(
            container(c),
            (ActorRef<ContainerReply<Migration>> r) ->
                new ContainerEntity.CancelMigration(audit(after), r),
            settings.askTimeout())
        .handle((m, failure) -> after);
  }

  private CompletionStage<DrainState> markMoving(
      DrainState state,
      ContainerDrain c,
      String target,
      String migrationId,
      long objects,
      long bytes,
      AuditInfo audit) {
    return ask(
        r ->
            new DrainEntity.MarkMoving(
                state.id(), c.entityId(), target, migrationId, objects, bytes, audit, r));
  }

  private CompletionStage<DrainState> failed(
      DrainState state, ContainerDrain c, String error, AuditInfo audit) {
    return ask(
        r ->
            new DrainEntity.RecordOutcomes(
                state.id(), List.of(new DrainEntity.Outcome(c.entityId(), error)), audit, r));
  }

  /** Ends the drain once it started long enough ago and the backend shows nothing left to move. */
  private CompletionStage<Done> finish(DrainState state, AuditInfo audit) {
    if (state.status() != DrainStatus.DRAINING
        || state.startedAt() == null
        || state.startedAt().plus(settings.settle()).isAfter(Instant.now())
        || state.count(ContainerDrain.Phase.PENDING) > 0
        || state.count(ContainerDrain.Phase.MOVING) > 0) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return ask(r -> new DrainEntity.Finish(state.id(), audit, r))
        .thenApply(s -> Done.getInstance());
  }

  /** The drain's own steps are recorded as done on behalf of whoever started it. */
  private AuditInfo audit(DrainState state) {
    return new AuditInfo(
        state.startedBy().isEmpty() ? "system" : state.startedBy(),
        "",
        "",
        node,
        "drain-" + state.id(),
        Instant.now());
  }

  private EntityRef<ContainerEntity.Command> container(ContainerDrain c) {
    return ClusterSharding.get(system)
        .entityRefFor(
            ContainerEntity.TYPE_KEY, ContainerEntity.entityId(c.account(), c.container()));
  }

  private CompletionStage<DrainState> ask(
      Function<ActorRef<DrainEntity.Reply>, DrainEntity.Command> message) {
    return Drains.ask(system, backend, message, settings.askTimeout());
  }

  static String reason(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
