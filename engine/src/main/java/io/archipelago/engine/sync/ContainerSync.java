package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.PostStop;
import akka.actor.typed.Signal;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.GroupedProjection;
import akka.projection.javadsl.SourceProvider;
import akka.projection.jdbc.javadsl.JdbcProjection;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.persistence.audit.AuditInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Multi-site containers on this node: starts the sync projection (one per container tag slice) and
 * the reconciler (one per slice), both spread over the cluster with ShardedDaemonProcess, and
 * offers on-demand reconciles, sync status and metrics.
 */
public final class ContainerSync {

  /** Projection and daemon names; the offset store keys offsets by {@code container-sync/<tag>}. */
  public static final String PROJECTION = "container-sync";

  public static final String RECONCILER = "container-reconcile";

  private final ActorSystem<?> system;
  private final SyncSettings settings;
  private final SyncMetrics metrics = new SyncMetrics();
  private final Set<Integer> localSlices = ConcurrentHashMap.newKeySet();
  private final SyncDatabase db;
  private final ObjectSync objects;
  private final CopyPermits permits;
  private final ProgressReporter reporter;
  private final Reconciler reconciler;
  private final BackendHealth health;
  private final ExternalSync external;
  private final SyncTargets targets;

  private ContainerSync(
      ActorSystem<?> system, BackendRegistry registry, SyncSettings settings, String node) {
    this.system = system;
    this.settings = settings;
    this.db = new SyncDatabase(system, settings.dbConnections());
    this.health = new BackendHealth(settings.backendFailureThreshold(), settings.backendCooldown());
    Retrying retrying =
        new Retrying(
            system,
            health,
            settings.attempts(),
            settings.retryMinBackoff(),
            settings.retryMaxBackoff());
    this.objects = new ObjectSync(system, registry, this::containerState, retrying, metrics);
    this.targets = SyncTargets.of(system);
    this.external = new ExternalSync(system, registry, retrying, targets);
    this.permits = new CopyPermits(settings.maxParallelCopies());
    this.reporter =
        new ProgressReporter(system, settings.progressInterval(), settings.askTimeout(), node);
    this.reconciler =
        new Reconciler(
            system, registry, objects, permits, reporter, retrying, metrics, settings, node);
    // Before the system counts as terminated (not after, as getWhenTerminated().thenRun would):
    // whoever waits for termination may then copy or reopen the embedded journal.
    Adapter.toClassic(system).registerOnTermination(db::close);
  }

  /** Starts sync and reconciler daemons (unless {@code archipelago.sync.enabled = off}). */
  public static ContainerSync start(ActorSystem<?> system, BackendRegistry registry, String node) {
    SyncSettings settings = SyncSettings.fromConfig(system.settings().config());
    ContainerSync sync = new ContainerSync(system, registry, settings, node);
    if (settings.enabled()) {
      sync.startDaemons();
    }
    return sync;
  }

  private void startDaemons() {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            PROJECTION,
            settings.slices(),
            slice -> local(slice, ProjectionBehavior.create(projection(slice))),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
    ShardedDaemonProcess.get(system)
        .init(
            ReconcileDaemon.Command.class,
            RECONCILER,
            settings.slices(),
            slice -> ReconcileDaemon.create(slice, db, reconciler, settings),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ReconcileDaemon.Stop.INSTANCE));
  }

  /**
   * A slice counts as this node's while its projection actor lives here. (Counting it from the
   * handler's start to its stop left a slice counted on the node it had been handed off from, seen
   * in SyncFailoverIT: five slices of four on two nodes.)
   */
  private Behavior<ProjectionBehavior.Command> local(
      int slice, Behavior<ProjectionBehavior.Command> projection) {
    return Behaviors.setup(
        ctx -> {
          localSlices.add(slice);
          return Behaviors.intercept(
              () ->
                  new BehaviorInterceptor<ProjectionBehavior.Command, ProjectionBehavior.Command>(
                      ProjectionBehavior.Command.class) {
                    @Override
                    public Behavior<ProjectionBehavior.Command> aroundReceive(
                        TypedActorContext<ProjectionBehavior.Command> c,
                        ProjectionBehavior.Command msg,
                        ReceiveTarget<ProjectionBehavior.Command> target) {
                      return target.apply(c, msg);
                    }

                    @Override
                    public Behavior<ProjectionBehavior.Command> aroundSignal(
                        TypedActorContext<ProjectionBehavior.Command> c,
                        Signal signal,
                        SignalTarget<ProjectionBehavior.Command> target) {
                      if (signal instanceof PostStop) {
                        localSlices.remove(slice);
                      }
                      return target.apply(c, signal);
                    }
                  },
              projection);
        });
  }

  private GroupedProjection<Offset, EventEnvelope<Object>> projection(int slice) {
    String tag = ContainerEntity.TYPE_KEY.name() + "-" + slice;
    // Typed Object: the journal may hold the events in an envelope (see SyncEvents).
    SourceProvider<Offset, EventEnvelope<Object>> events =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    return JdbcProjection.groupedWithinAsync(
            ProjectionId.of(PROJECTION, tag),
            events,
            db::newSession,
            () ->
                new SyncHandler(
                    system,
                    slice,
                    db,
                    objects,
                    permits,
                    reporter,
                    metrics,
                    settings,
                    external,
                    this::containerState),
            system)
        .withGroup(settings.batchSize(), settings.batchWindow());
  }

  /** Reconciles every replica of a container now, on this node; the reports per replica. */
  public CompletionStage<List<Reconciler.Report>> reconcile(String account, String container) {
    return reconciler.reconcile(account, container, false);
  }

  /** As {@link #reconcile(String, String)}, recorded in the container as {@code audit}'s. */
  public CompletionStage<List<Reconciler.Report>> reconcile(
      String account, String container, AuditInfo audit) {
    return reconciler.reconcile(account, container, false, audit);
  }

  /** The container's state with each replica's pending change count. */
  public CompletionStage<ContainerEntity.SyncStatus> status(String account, String container) {
    return ContainerEntity.ask(
        ClusterSharding.get(system)
            .entityRefFor(ContainerEntity.TYPE_KEY, ContainerEntity.entityId(account, container)),
        ContainerEntity.GetSyncStatus::new,
        settings.askTimeout());
  }

  /** The sync status of every replicated container whose slice this node runs. */
  public CompletionStage<List<ContainerEntity.SyncStatus>> localStatuses() {
    List<CompletableFuture<List<ReplicatedContainer>>> slices = new ArrayList<>();
    for (int slice : Set.copyOf(localSlices)) {
      slices.add(db.slice(slice).toCompletableFuture());
    }
    return CompletableFuture.allOf(slices.toArray(CompletableFuture[]::new))
        .thenCompose(
            d -> {
              List<CompletableFuture<Optional<ContainerEntity.SyncStatus>>> all = new ArrayList<>();
              for (CompletableFuture<List<ReplicatedContainer>> s : slices) {
                for (ReplicatedContainer rc : s.join()) {
                  all.add(
                      status(rc.account(), rc.container())
                          .thenApply(Optional::of)
                          .exceptionally(f -> Optional.empty())
                          .toCompletableFuture());
                }
              }
              return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                  .thenApply(
                      x ->
                          all.stream()
                              .map(CompletableFuture::join)
                              .flatMap(Optional::stream)
                              .toList());
            });
  }

  public Set<Integer> localSlices() {
    return Set.copyOf(localSlices);
  }

  /** Where X-Container-Sync-To may point: checked on the client's request and before sends. */
  public SyncTargets targets() {
    return targets;
  }

  public SyncMetrics metrics() {
    return metrics;
  }

  public SyncSettings settings() {
    return settings;
  }

  /** Whether sync considers a backend down (failing copies at once) right now. */
  public boolean backendDown(String backend) {
    return health.isDown(backend);
  }

  private CompletionStage<ContainerState> containerState(BackendContainer c) {
    return ContainerEntity.ask(
        ClusterSharding.get(system)
            .entityRefFor(
                ContainerEntity.TYPE_KEY, ContainerEntity.entityId(c.account(), c.container())),
        ContainerEntity.Get::new,
        settings.askTimeout());
  }
}
