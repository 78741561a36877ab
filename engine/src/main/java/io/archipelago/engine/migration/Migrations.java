package io.archipelago.engine.migration;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.pubsub.Topic;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.Migration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live migrations on this node: starts the migration daemons ({@link MigrationDaemon}, spread over
 * the cluster with ShardedDaemonProcess as the sync's are) and tells which migrations the cluster
 * knows (from the replicated route view).
 */
public final class Migrations {

  public static final String DAEMON = "container-migrate";

  /** The topic on which the daemons hear that a migration started. */
  static final String STARTED_TOPIC = "container-migration-started";

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final MigrationSettings settings;
  private final String node;
  private final BackendLimits backendLimits;
  private final ActorRef<Topic.Command<MigrationDaemon.Command>> started;

  private static final AtomicInteger TOPIC_ACTORS = new AtomicInteger();

  private Migrations(
      ActorSystem<?> system, BackendRegistry registry, MigrationSettings settings, String node) {
    this.system = system;
    this.registry = registry;
    this.settings = settings;
    this.node = node;
    // one per node: every migration (and drain) this node runs shares its backends' limits
    this.backendLimits = new BackendLimits(settings.backendLimits());
    this.started =
        system.systemActorOf(
            Topic.create(MigrationDaemon.Command.class, STARTED_TOPIC),
            // unique: tests start a second engine over one actor system
            "migration-started-" + TOPIC_ACTORS.incrementAndGet(),
            Props.empty());
  }

  /**
   * Tells the daemons that a migration of the container ({@code account/container}) was recorded,
   * so that its copy starts now rather than at the next tick (which finds it all the same when this
   * message is lost).
   */
  public void started(String entityId) {
    started.tell(Topic.publish(new MigrationDaemon.Started(entityId)));
  }

  /** Starts the daemons (unless {@code archipelago.migration.enabled = off}). */
  public static Migrations start(ActorSystem<?> system, BackendRegistry registry, String node) {
    MigrationSettings settings = MigrationSettings.fromConfig(system.settings().config());
    Migrations migrations = new Migrations(system, registry, settings, node);
    if (settings.enabled()) {
      ShardedDaemonProcess.get(system)
          .init(
              MigrationDaemon.Command.class,
              DAEMON,
              settings.workers(),
              slice -> MigrationDaemon.create(slice, migrations),
              ShardedDaemonProcessSettings.create(system),
              Optional.of(MigrationDaemon.Stop.INSTANCE));
    }
    return migrations;
  }

  MigrationSettings settings() {
    return settings;
  }

  /**
   * The daemon that runs the migration of a container, by entity id ({@code account/container}).
   */
  int sliceOf(String entityId) {
    return Math.floorMod(entityId.hashCode(), settings.workers());
  }

  CompletionStage<Done> run(String entityId) {
    int slash = entityId.indexOf('/');
    return new MigrationRun(
            system,
            registry,
            settings,
            backendLimits,
            node,
            entityId.substring(0, slash),
            entityId.substring(slash + 1))
        .run();
  }

  /** Every container whose latest migration this node's route view knows, by entity id. */
  public Map<String, Migration.MigrationRoute> known() {
    return ContainerRouteView.get(system).migrations();
  }
}
