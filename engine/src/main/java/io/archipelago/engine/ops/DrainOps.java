package io.archipelago.engine.ops;

import akka.actor.typed.ActorRef;
import akka.japi.function.Function;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerReply;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.drain.ContainerDrain;
import io.archipelago.engine.drain.DrainEntity;
import io.archipelago.engine.drain.DrainRejectedException;
import io.archipelago.engine.drain.DrainState;
import io.archipelago.engine.drain.DrainStatus;
import io.archipelago.engine.drain.Drains;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Backend drains as the admin API offers them: start one (the backend leaves placement, then its
 * containers move away), read its progress, pause, resume, retry failed containers, cancel, list.
 * The work itself is the drain daemon's (see {@link Drains}).
 */
public final class DrainOps {

  private final EngineContext ctx;
  private final BackendOps backends;
  private final Drains drains;

  public DrainOps(EngineContext ctx, BackendOps backends, Drains drains) {
    this.ctx = ctx;
    this.backends = backends;
    this.drains = drains;
  }

  /**
   * A drain and, for each container whose migration runs, that migration (its bytes and objects
   * copied so far).
   */
  public record Progress(DrainState drain, Map<String, Migration> running) {}

  /**
   * Marks the backend draining (placement stops choosing it), then starts the drain; {@code
   * concurrency} empty means the configured one.
   */
  public CompletionStage<Progress> start(
      String backend,
      Optional<Integer> concurrency,
      Migration.Throttle throttle,
      RequestContext request) {
    if (ctx.registry().descriptor(backend).isEmpty()) {
      return CompletableFuture.failedFuture(unknown(backend));
    }
    int n = concurrency.orElse(drains.settings().concurrency());
    return backends
        .changeState(backend, BackendState.DRAINING, request)
        .thenCompose(
            registry ->
                ask(
                    backend,
                    r ->
                        new DrainEntity.Start(
                            UUID.randomUUID().toString(), n, throttle, request.audit(), r)))
        .thenCompose(this::progress);
  }

  public CompletionStage<Progress> get(String backend) {
    return ask(backend, DrainEntity.Get::new)
        .thenCompose(
            state -> {
              if (state.status() == DrainStatus.NONE) {
                throw new GatewayException(
                    GatewayException.Reason.DRAIN_NOT_FOUND,
                    "Backend " + backend + " was never drained");
              }
              return progress(state);
            });
  }

  public CompletionStage<Progress> pause(String backend, RequestContext request) {
    return ask(backend, r -> new DrainEntity.Pause(request.audit(), r)).thenCompose(this::progress);
  }

  public CompletionStage<Progress> resume(String backend, RequestContext request) {
    return ask(backend, r -> new DrainEntity.Resume(request.audit(), r))
        .thenCompose(this::progress);
  }

  /** Puts failed containers back in the queue: those named, or all when none is named. */
  public CompletionStage<Progress> retry(
      String backend, List<String> entityIds, RequestContext request) {
    return ask(backend, r -> new DrainEntity.Retry(List.copyOf(entityIds), request.audit(), r))
        .thenCompose(this::progress);
  }

  /**
   * Cancels the drain: the running container migrations are cancelled (their sources untouched; one
   * past its cut-over completes) and the backend is active again. Cancelling a cancelled drain does
   * both again, for a node that stopped halfway.
   */
  public CompletionStage<Progress> cancel(String backend, RequestContext request) {
    return ask(backend, r -> new DrainEntity.Cancel(request.audit(), r))
        .handle(
            (state, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(state);
              }
              return ask(backend, DrainEntity.Get::new)
                  .thenApply(
                      now -> {
                        if (now.status() != DrainStatus.CANCELLED) {
                          throw new CompletionException(EntityAsk.unwrap(failure));
                        }
                        return now;
                      });
            })
        .thenCompose(stage -> stage)
        .thenCompose(state -> cancelMigrations(state, request).thenApply(done -> state))
        .thenCompose(
            state ->
                backends
                    .changeState(backend, BackendState.ACTIVE, request)
                    .thenApply(registry -> state))
        .thenCompose(this::progress);
  }

  /** Every backend's latest drain, those never drained left out. */
  public CompletionStage<List<DrainState>> list() {
    List<CompletableFuture<Optional<DrainState>>> asks = new ArrayList<>();
    for (BackendDescriptor b : ctx.registry().backends()) {
      asks.add(
          drains
              .ask(b.id(), DrainEntity.Get::new)
              .thenApply(
                  s ->
                      s.status() == DrainStatus.NONE
                          ? Optional.<DrainState>empty()
                          : Optional.of(s))
              .exceptionally(failure -> Optional.empty())
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            d ->
                asks.stream()
                    .map(CompletableFuture::join)
                    .flatMap(Optional::stream)
                    .sorted(Comparator.comparing(DrainState::backend))
                    .toList());
  }

  private CompletionStage<Void> cancelMigrations(DrainState state, RequestContext request) {
    List<CompletableFuture<Migration>> cancels = new ArrayList<>();
    for (ContainerDrain c : state.containers().values()) {
      if (c.phase() == ContainerDrain.Phase.MOVING) {
        cancels.add(
            ctx.<Migration>askContainer(
                    c.account(),
                    c.container(),
                    (ActorRef<ContainerReply<Migration>> r) ->
                        new ContainerEntity.CancelMigration(request.audit(), r))
                // past its cut-over, or cancelled already: it ends by itself
                .exceptionally(failure -> null)
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(cancels.toArray(CompletableFuture[]::new));
  }

  /** The drain with the migrations of its running containers. */
  private CompletionStage<Progress> progress(DrainState state) {
    Map<String, CompletableFuture<Optional<Migration>>> asks = new TreeMap<>();
    if (state.status().holdsBackend()) {
      for (ContainerDrain c : state.containers().values()) {
        if (c.phase() == ContainerDrain.Phase.MOVING) {
          asks.put(
              c.entityId(),
              ContainerEntity.<Migration>ask(
                      ctx.container(c.account(), c.container()),
                      ContainerEntity.GetMigration::new,
                      ctx.askTimeout())
                  .thenApply(Optional::of)
                  .exceptionally(failure -> Optional.empty())
                  .toCompletableFuture());
        }
      }
    }
    return CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new))
        .thenApply(
            d -> {
              Map<String, Migration> running = new TreeMap<>();
              asks.forEach(
                  (id, f) ->
                      f.join()
                          .filter(m -> m.id().equals(state.containers().get(id).migrationId()))
                          .ifPresent(m -> running.put(id, m)));
              return new Progress(state, running);
            });
  }

  private static GatewayException unknown(String backend) {
    return new GatewayException(
        GatewayException.Reason.DRAIN_NOT_FOUND, "Unknown backend " + backend);
  }

  private CompletionStage<DrainState> ask(
      String backend, Function<ActorRef<DrainEntity.Reply>, DrainEntity.Command> message) {
    if (ctx.registry().descriptor(backend).isEmpty()) {
      return CompletableFuture.failedFuture(unknown(backend));
    }
    return ctx.retrying(() -> drains.ask(backend, message))
        .exceptionally(
            failure -> {
              Throwable cause = EntityAsk.unwrap(failure);
              if (cause instanceof DrainRejectedException rejected) {
                throw new GatewayException(
                    rejected.rejection() == DrainEntity.Rejection.NO_DRAIN
                        ? GatewayException.Reason.DRAIN_NOT_FOUND
                        : GatewayException.Reason.DRAIN_CONFLICT,
                    rejected.getMessage());
              }
              throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
            });
  }
}
