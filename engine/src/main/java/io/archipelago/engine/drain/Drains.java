package io.archipelago.engine.drain;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.japi.function.Function;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.placement.PlacementPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Backend drains on this node: starts the drain daemon ({@link DrainDaemon}, one for the cluster,
 * placed by ShardedDaemonProcess) and asks drain entities.
 */
public final class Drains {

  public static final String DAEMON = "backend-drain";

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final Map<String, PlacementPolicy> policies;
  private final DrainSettings settings;
  private final String node;

  private Drains(
      ActorSystem<?> system,
      BackendRegistry registry,
      Map<String, PlacementPolicy> policies,
      DrainSettings settings,
      String node) {
    this.system = system;
    this.registry = registry;
    this.policies = policies;
    this.settings = settings;
    this.node = node;
  }

  /** Starts the daemon (unless {@code archipelago.migration.drain.enabled = off}). */
  public static Drains start(
      ActorSystem<?> system,
      BackendRegistry registry,
      Map<String, PlacementPolicy> policies,
      String node) {
    DrainSettings settings = DrainSettings.fromConfig(system.settings().config());
    Drains drains = new Drains(system, registry, policies, settings, node);
    if (settings.enabled()) {
      ShardedDaemonProcess.get(system)
          .init(
              DrainDaemon.Command.class,
              DAEMON,
              1,
              slice -> DrainDaemon.create(drains),
              ShardedDaemonProcessSettings.create(system),
              Optional.of(DrainDaemon.Stop.INSTANCE));
    }
    return drains;
  }

  public DrainSettings settings() {
    return settings;
  }

  BackendRegistry registry() {
    return registry;
  }

  CompletionStage<Done> pass(String backend) {
    return new DrainRun(system, registry, policies, settings, node, backend).run();
  }

  /**
   * Asks the drain entity of {@code backend}; a refusal fails the stage with {@link
   * DrainRejectedException}.
   */
  public CompletionStage<DrainState> ask(
      String backend, Function<ActorRef<DrainEntity.Reply>, DrainEntity.Command> message) {
    return ask(system, backend, message, settings.askTimeout());
  }

  static CompletionStage<DrainState> ask(
      ActorSystem<?> system,
      String backend,
      Function<ActorRef<DrainEntity.Reply>, DrainEntity.Command> message,
      Duration timeout) {
    return ClusterSharding.get(system)
        .entityRefFor(DrainEntity.TYPE_KEY, backend)
        .ask(message, timeout)
        .thenApply(
            reply -> {
              if (!reply.accepted()) {
                throw new DrainRejectedException(reply.rejection(), reply.detail());
              }
              return reply.state();
            });
  }
}
