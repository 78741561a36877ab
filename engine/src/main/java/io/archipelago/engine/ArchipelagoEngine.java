package io.archipelago.engine;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.backend.BackendConfig;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.backend.BackendRegistryEntity;
import io.archipelago.engine.backend.ObjectStoreFactory;
import io.archipelago.engine.backend.RegistrySync;
import io.archipelago.engine.cluster.ClusterGuard;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.drain.DrainEntity;
import io.archipelago.engine.drain.Drains;
import io.archipelago.engine.integrity.Integrity;
import io.archipelago.engine.migration.Migrations;
import io.archipelago.engine.ops.AccountOps;
import io.archipelago.engine.ops.BackendOps;
import io.archipelago.engine.ops.ClusterOps;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.DrainOps;
import io.archipelago.engine.ops.EngineContext;
import io.archipelago.engine.ops.MigrationOps;
import io.archipelago.engine.ops.ObjectOps;
import io.archipelago.engine.ops.PlacementOps;
import io.archipelago.engine.ops.RebalanceOps;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.sync.ContainerSync;
import io.archipelago.engine.sync.SyncLagHistory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The engine of one gateway node: joins the cluster, starts sharding for the container and account
 * entities, builds the backend registry and keeps its capacity figures fresh, starts the sync of
 * multi-site containers, and offers the operations the HTTP layer calls.
 */
public final class ArchipelagoEngine {

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final Map<String, PlacementPolicy> policies;
  private final String defaultPolicy;
  private final ContainerOps containers;
  private final ObjectOps objects;
  private final AccountOps accounts;
  private final BackendOps backends;
  private final ClusterOps cluster;
  private final String nodeAddress;
  private final ContainerSync sync;
  private final MigrationOps migrations;
  private final DrainOps drains;
  private final PlacementOps placement;
  private final RebalanceOps rebalance;
  private final SyncLagHistory syncHistory;
  private final Integrity integrity;

  /** Backends new to this node whose first capacity poll is under way. */
  private final Set<String> pollingNew = ConcurrentHashMap.newKeySet();

  private ArchipelagoEngine(ActorSystem<?> system) {
    this.system = system;
    Config config = system.settings().config();
    Path dataDir = Path.of(config.getString("archipelago.data-dir")).toAbsolutePath();
    List<BackendDescriptor> initial = BackendConfig.fromConfig(config);
    ObjectStoreFactory factory = new ObjectStoreFactory(system, dataDir);
    this.registry = new BackendRegistry(initial, factory::create);
    this.policies = PlacementPolicy.fromConfig(config);
    this.defaultPolicy = config.getString("archipelago.placement.default-policy");
    if (!policies.containsKey(defaultPolicy)) {
      throw new IllegalArgumentException(
          "archipelago.placement.default-policy '"
              + defaultPolicy
              + "' is not a configured policy");
    }
    Duration askTimeout = config.getDuration("archipelago.engine.ask-timeout");
    EngineContext ctx =
        new EngineContext(
            system,
            registry,
            policies,
            defaultPolicy,
            askTimeout,
            config.getDuration("archipelago.engine.ask-retry-budget"),
            EngineContext.ReadFallback.fromConfig(config));
    this.containers = new ContainerOps(ctx);
    this.integrity = Integrity.start(system, registry, dataDir);
    this.objects = new ObjectOps(ctx, containers, integrity);
    this.accounts = new AccountOps(ctx);
    this.nodeAddress = Cluster.get(system).selfMember().address().hostPort();
    RegistrySync sync =
        RegistrySync.start(
            system,
            registry,
            initial,
            nodeAddress,
            config.getDuration("archipelago.engine.registry-refresh-interval"),
            askTimeout);
    this.backends = new BackendOps(ctx, sync);
    this.cluster =
        new ClusterOps(system, config.getDuration("archipelago.engine.cluster-stats-timeout"));
    this.sync = ContainerSync.start(system, registry, nodeAddress);
    this.migrations =
        new MigrationOps(ctx, containers, Migrations.start(system, registry, nodeAddress));
    this.drains =
        new DrainOps(ctx, backends, Drains.start(system, registry, policies, nodeAddress));
    this.placement = new PlacementOps(ctx);
    this.rebalance = new RebalanceOps(ctx, containers, migrations, placement);
    rebalance.startAutoAccept(nodeAddress);
    this.syncHistory = SyncLagHistory.start(system, this.sync);
  }

  /** Starts the engine on an actor system whose provider is {@code cluster}. */
  public static ArchipelagoEngine start(ActorSystem<?> system) {
    Config config = system.settings().config();
    ClusterGuard.start(system);
    ContainerEntity.init(system);
    AccountEntity.init(system);
    BackendRegistryEntity.init(system);
    DrainEntity.init(system);
    ArchipelagoEngine engine = new ArchipelagoEngine(system);
    engine.startCapacityPolling(
        config.getDuration("archipelago.engine.capacity-poll-interval"),
        config.getDuration("archipelago.engine.registry-refresh-interval"));
    return engine;
  }

  private void startCapacityPolling(Duration interval, Duration newBackendCheck) {
    Runnable poll = () -> registry.backends().forEach(b -> pollCapacity(b.id()));
    poll.run();
    system.scheduler().scheduleAtFixedRate(interval, interval, poll, system.executionContext());
    // A backend added at run time is polled as soon as this node knows it, not up to an interval
    // later: until then placement and drains know nothing of its room.
    Runnable pollNew =
        () ->
            registry.backends().stream()
                .filter(b -> !registry.probes().containsKey(b.id()))
                .filter(b -> pollingNew.add(b.id()))
                .forEach(
                    b -> pollCapacity(b.id()).whenComplete((d, e) -> pollingNew.remove(b.id())));
    system
        .scheduler()
        .scheduleWithFixedDelay(
            newBackendCheck, newBackendCheck, pollNew, system.executionContext());
  }

  /** Asks one backend for its capacity and records the answer and the probe's outcome. */
  private CompletionStage<Done> pollCapacity(String backendId) {
    return registry
        .store(backendId)
        .map(
            store ->
                store
                    .capacity()
                    .handle(
                        (c, failure) -> {
                          if (failure == null) {
                            registry.reportCapacity(backendId, c);
                          }
                          registry.reportProbe(
                              backendId,
                              new BackendRegistry.Probe(
                                  Instant.now(),
                                  Optional.ofNullable(failure).map(ArchipelagoEngine::reason)));
                          return Done.getInstance();
                        }))
        .orElseGet(() -> CompletableFuture.completedFuture(Done.getInstance()));
  }

  /** The innermost cause's message, for operators: what went wrong, not the wrappers. */
  private static String reason(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  public ActorSystem<?> system() {
    return system;
  }

  public BackendRegistry registry() {
    return registry;
  }

  public Map<String, PlacementPolicy> policies() {
    return policies;
  }

  public String defaultPolicy() {
    return defaultPolicy;
  }

  public ContainerOps containers() {
    return containers;
  }

  public ObjectOps objects() {
    return objects;
  }

  public AccountOps accounts() {
    return accounts;
  }

  public BackendOps backends() {
    return backends;
  }

  public ClusterOps cluster() {
    return cluster;
  }

  /** Multi-site containers: sync status, reconciles, metrics. */
  public ContainerSync sync() {
    return sync;
  }

  /** Live migrations of containers between backends. */
  public MigrationOps migrations() {
    return migrations;
  }

  /** Drains of backends: their containers moved away, a few at once. */
  public DrainOps drains() {
    return drains;
  }

  /** Placement's explanations (the admin dry-run). */
  public PlacementOps placement() {
    return placement;
  }

  /** Capacity rebalance: the plan, its accept and reject. */
  public RebalanceOps rebalance() {
    return rebalance;
  }

  /** This node's recent samples of the replicas' sync lag. */
  public SyncLagHistory syncHistory() {
    return syncHistory;
  }

  /** Checks of object bytes on read and by the scrubber, quarantine and repair. */
  public Integrity integrity() {
    return integrity;
  }

  /** {@code host:port} of this node, recorded in audit info. */
  public String nodeAddress() {
    return nodeAddress;
  }
}
