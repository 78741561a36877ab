package io.archipelago.engine.ops;

import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.migration.Migrations;
import io.archipelago.engine.migration.ObjectMover;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.BackendContainer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Live migrations as the admin API offers them: start one (to a backend, or to the backend
 * placement picks for a policy), read it, cancel it, list them. The work itself is the migration
 * daemons' (see {@link Migrations}).
 */
public final class MigrationOps {

  /** Ended migrations stay in the list this long. */
  private static final Duration RECENT = Duration.ofHours(24);

  private final EngineContext ctx;
  private final ContainerOps containers;
  private final Migrations migrations;
  private final PlacementOps placement;
  private final ObjectMover mover;

  public MigrationOps(EngineContext ctx, ContainerOps containers, Migrations migrations) {
    this.ctx = ctx;
    this.containers = containers;
    this.migrations = migrations;
    this.placement = new PlacementOps(ctx);
    this.mover = new ObjectMover(ctx.registry());
  }

  /**
   * Starts a migration of the container to {@code backend}, or to the backend placement picks for
   * {@code policy} among those other than the container's primary. The target container is created
   * before the migration is recorded, so that writes can go there at once.
   */
  public CompletionStage<Migration> start(
      String account,
      String container,
      Optional<String> backend,
      Optional<String> policy,
      Migration.Throttle throttle,
      RequestContext request) {
    return start(account, container, backend, policy, Optional.empty(), throttle, request);
  }

  /**
   * As {@link #start(String, String, Optional, Optional, Migration.Throttle, RequestContext)}, but
   * when {@code replica} names one of the container's replica backends, that replica moves instead
   * of the primary (placement then picks among backends holding neither the primary nor a replica).
   */
  public CompletionStage<Migration> start(
      String account,
      String container,
      Optional<String> backend,
      Optional<String> policy,
      Optional<String> replica,
      Migration.Throttle throttle,
      RequestContext request) {
    return containers
        .get(account, container)
        .thenCompose(
            state -> {
              List<String> holders = new ArrayList<>(state.replicaBackends());
              holders.add(state.primaryBackend());
              String target =
                  backend.orElseGet(
                      () ->
                          placed(
                              policy.orElseThrow(),
                              replica.isPresent() ? holders : List.of(state.primaryBackend())));
              return ctx.store(target)
                  .createContainer(new BackendContainer(account, container))
                  .thenCompose(
                      created ->
                          EntityAsk.translated(
                              ctx.<Migration>askContainer(
                                  account,
                                  container,
                                  replyTo ->
                                      new ContainerEntity.StartMigration(
                                          UUID.randomUUID().toString(),
                                          target,
                                          throttle,
                                          replica,
                                          request.audit(),
                                          replyTo))))
                  .thenApply(
                      migration -> {
                        migrations.started(ContainerEntity.entityId(account, container));
                        return migration;
                      });
            });
  }

  private String placed(String policyName, List<String> excluded) {
    PlacementPolicy policy = ctx.policies().get(policyName);
    if (policy == null) {
      throw new GatewayException(
          GatewayException.Reason.MIGRATION_NOT_FOUND, "Unknown policy " + policyName);
    }
    return placement
        .forMigration(policy, excluded)
        .decision()
        .map(Placement.Decision::primary)
        .orElseThrow(
            () ->
                new GatewayException(
                    GatewayException.Reason.MIGRATION_CONFLICT,
                    "No backend other than " + excluded + " fits policy " + policyName));
  }

  /** The container's latest migration. */
  public CompletionStage<Migration> get(String account, String container) {
    return EntityAsk.translated(
        ctx.<Migration>askContainer(account, container, ContainerEntity.GetMigration::new));
  }

  /** Cancels the container's migration (only before its cut-over). */
  public CompletionStage<Migration> cancel(
      String account, String container, RequestContext request) {
    return EntityAsk.translated(
        ctx.<Migration>askContainer(
            account,
            container,
            replyTo -> new ContainerEntity.CancelMigration(request.audit(), replyTo)));
  }

  /** A migration with its container's names. */
  public record Listed(String account, String container, Migration migration) {}

  /** Running migrations and those that ended lately, newest first. */
  public CompletionStage<List<Listed>> list() {
    Instant since = Instant.now().minus(RECENT);
    List<CompletableFuture<Optional<Listed>>> asks = new ArrayList<>();
    for (Map.Entry<String, Migration.MigrationRoute> e : migrations.known().entrySet()) {
      Migration.MigrationRoute route = e.getValue();
      if (!route.toMigration().routesBoth()
          && route.updatedAt() != null
          && route.updatedAt().isBefore(since)) {
        continue;
      }
      int slash = e.getKey().indexOf('/');
      String account = e.getKey().substring(0, slash);
      String container = e.getKey().substring(slash + 1);
      asks.add(
          ContainerEntity.<Migration>ask(
                  ctx.container(account, container),
                  ContainerEntity.GetMigration::new,
                  ctx.askTimeout())
              .thenApply(m -> Optional.of(new Listed(account, container, m)))
              .exceptionally(failure -> Optional.empty())
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            d ->
                asks.stream()
                    .map(CompletableFuture::join)
                    .flatMap(Optional::stream)
                    .sorted(
                        Comparator.comparing(
                                (Listed l) -> l.migration().startedAt(),
                                Comparator.nullsLast(Comparator.naturalOrder()))
                            .reversed())
                    .toList());
  }

  /**
   * A copy of a migration that failed and is not repaired yet: the newest error the migration
   * recorded for the object, while the migration still copies (its verification repairs, or an
   * operator's retry; once verified every object is on the target).
   */
  public record CopyFailure(
      String account, String container, Migration migration, Migration.MigrationError error) {}

  /** The failed copies of every migration still copying, newest first. */
  public CompletionStage<List<CopyFailure>> failures() {
    return list()
        .thenApply(
            listed ->
                listed.stream()
                    .flatMap(l -> failures(l.account(), l.container(), l.migration()).stream())
                    .sorted(Comparator.comparing((CopyFailure f) -> f.error().at()).reversed())
                    .toList());
  }

  private static List<CopyFailure> failures(String account, String container, Migration m) {
    if (m.phase() != MigrationPhase.STARTED && m.phase() != MigrationPhase.COPYING) {
      return List.of();
    }
    Map<String, Migration.MigrationError> newest = new LinkedHashMap<>();
    for (Migration.MigrationError e : m.errors()) {
      if (!e.object().isEmpty()) {
        newest.merge(e.object(), e, (a, b) -> b.at().isAfter(a.at()) ? b : a);
      }
    }
    return newest.values().stream().map(e -> new CopyFailure(account, container, m, e)).toList();
  }

  /** What a retry of one failed copy did: the object is on the target, or the new error. */
  public record Retried(String account, String container, String object, Optional<String> error) {}

  /**
   * Copies the container's failed objects (or only {@code object}) of its running migration again
   * now, one after the other, and records the outcome in the container as the operator's (audit).
   */
  public CompletionStage<List<Retried>> retry(
      String account, String container, Optional<String> object, RequestContext request) {
    return get(account, container)
        .thenCompose(
            m -> {
              List<CopyFailure> open = failures(account, container, m);
              if (m.phase() != MigrationPhase.STARTED && m.phase() != MigrationPhase.COPYING) {
                throw new GatewayException(
                    GatewayException.Reason.MIGRATION_CONFLICT,
                    "The migration of "
                        + account
                        + "/"
                        + container
                        + " is "
                        + m.phase().wireName()
                        + ", not copying: it has no failed copies to retry");
              }
              List<String> names =
                  open.stream()
                      .map(f -> f.error().object())
                      .filter(n -> object.isEmpty() || object.get().equals(n))
                      .toList();
              if (object.isPresent() && names.isEmpty()) {
                throw new GatewayException(
                    GatewayException.Reason.MIGRATION_NOT_FOUND,
                    "No failed copy of "
                        + object.get()
                        + " in the migration of "
                        + account
                        + "/"
                        + container);
              }
              return retryEach(m, account, container, names, 0, new ArrayList<>())
                  .thenCompose(results -> record(m, account, container, results, request));
            });
  }

  /** Retries every failed copy of every migration still copying. */
  public CompletionStage<List<Retried>> retryAll(RequestContext request) {
    return failures()
        .thenCompose(
            failures -> {
              Map<String, CopyFailure> containers = new LinkedHashMap<>();
              failures.forEach(f -> containers.putIfAbsent(f.account() + "/" + f.container(), f));
              CompletionStage<List<Retried>> all =
                  CompletableFuture.completedFuture(new ArrayList<>());
              for (CopyFailure f : containers.values()) {
                all =
                    all.thenCompose(
                        done ->
                            retry(f.account(), f.container(), Optional.empty(), request)
                                .thenApply(
                                    results -> {
                                      done.addAll(results);
                                      return done;
                                    }));
              }
              return all;
            });
  }

  private CompletionStage<List<Retried>> retryEach(
      Migration m,
      String account,
      String container,
      List<String> names,
      int i,
      List<Retried> results) {
    if (i >= names.size()) {
      return CompletableFuture.completedFuture(results);
    }
    String name = names.get(i);
    CompletionStage<Retried> one;
    try {
      one =
          mover
              .move(m.source(), m.target(), new BackendContainer(account, container), name)
              .handle(
                  (moved, failure) ->
                      new Retried(
                          account,
                          container,
                          name,
                          failure == null
                              ? Optional.empty()
                              : Optional.of(String.valueOf(unwrap(failure).getMessage()))));
    } catch (RuntimeException e) {
      one =
          CompletableFuture.completedFuture(
              new Retried(account, container, name, Optional.of(String.valueOf(e.getMessage()))));
    }
    return one.thenCompose(
        r -> {
          results.add(r);
          return retryEach(m, account, container, names, i + 1, results);
        });
  }

  private CompletionStage<List<Retried>> record(
      Migration m,
      String account,
      String container,
      List<Retried> results,
      RequestContext request) {
    if (results.isEmpty()) {
      return CompletableFuture.completedFuture(results);
    }
    Instant now = Instant.now();
    List<String> repaired = new ArrayList<>();
    List<Migration.MigrationError> failed = new ArrayList<>();
    for (Retried r : results) {
      if (r.error().isEmpty()) {
        repaired.add(r.object());
      } else {
        failed.add(new Migration.MigrationError(r.object(), r.error().get(), now));
      }
    }
    return EntityAsk.translated(
            ctx.<Migration>askContainer(
                account,
                container,
                replyTo ->
                    new ContainerEntity.RecordMigrationRetry(
                        m.id(), repaired, failed, request.audit(), replyTo)))
        .thenApply(after -> results);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
