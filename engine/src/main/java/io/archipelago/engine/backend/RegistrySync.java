package io.archipelago.engine.backend;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's {@link BackendRegistry} equal to the cluster-wide {@link
 * BackendRegistryEntity}: seeds it once with the configured backends, then reads it at a fixed
 * interval. Until the first read succeeds the node knows only its configuration and is not ready
 * ({@link RegistryRecovery}).
 */
public final class RegistrySync {

  private static final Logger log = LoggerFactory.getLogger(RegistrySync.class);

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final Duration askTimeout;

  private RegistrySync(ActorSystem<?> system, BackendRegistry registry, Duration askTimeout) {
    this.system = system;
    this.registry = registry;
    this.askTimeout = askTimeout;
  }

  public static RegistrySync start(
      ActorSystem<?> system,
      BackendRegistry registry,
      List<BackendDescriptor> configured,
      String node,
      Duration interval,
      Duration askTimeout) {
    RegistrySync sync = new RegistrySync(system, registry, askTimeout);
    sync.seed(configured, node, interval);
    return sync;
  }

  EntityRef<BackendRegistryEntity.Command> entity() {
    return ClusterSharding.get(system)
        .entityRefFor(BackendRegistryEntity.TYPE_KEY, BackendRegistryEntity.ID);
  }

  private void seed(List<BackendDescriptor> configured, String node, Duration interval) {
    CompletionStage<RegistryState> seeded =
        entity()
            .askWithStatus(
                replyTo ->
                    new BackendRegistryEntity.SeedFromConfig(
                        configured, AuditInfo.system(node, "config-seed"), replyTo),
                askTimeout);
    seeded.whenComplete(
        (state, failure) -> {
          if (failure != null) {
            log.info("backend registry not reachable yet ({}); trying again", failure.getMessage());
            system
                .scheduler()
                .scheduleOnce(
                    interval, () -> seed(configured, node, interval), system.executionContext());
            return;
          }
          apply(state);
          system
              .scheduler()
              .scheduleWithFixedDelay(interval, interval, this::refresh, system.executionContext());
        });
  }

  /** Reads the registry now; used by the schedule and after an admin change on this node. */
  public void refresh() {
    entity()
        .askWithStatus(BackendRegistryEntity.Get::new, askTimeout)
        .whenComplete(
            (state, failure) -> {
              if (failure != null) {
                log.debug("backend registry refresh failed: {}", failure.getMessage());
              } else {
                apply(state);
              }
            });
  }

  void apply(RegistryState state) {
    registry.update(state.backends().values());
    RegistryRecovery.get(system).markRecovered();
  }
}
