package io.archipelago.engine.ops;

import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.migration.Migrations;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.BackendContainer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

  public MigrationOps(EngineContext ctx, ContainerOps containers, Migrations migrations) {
    this.ctx = ctx;
    this.containers = containers;
    this.migrations = migrations;
    this.placement = new PlacementOps(ctx);
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
                        migrations.started();
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
}
