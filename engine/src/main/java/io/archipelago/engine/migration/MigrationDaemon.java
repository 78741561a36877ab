package io.archipelago.engine.migration;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.pubsub.Topic;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.Migration;
import io.archipelago.persistence.CborSerializable;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The migration worker of one slice, run by ShardedDaemonProcess on one node of the cluster (as the
 * sync's reconcilers): every tick, and when told that a migration started, it looks in the
 * replicated route view for migrations of its slice that still route requests, and runs each (at
 * most a few at once, one run per container) from the phase its container recorded. When a node
 * leaves or crashes its slices restart on another node, whose runs take up each migration from its
 * last recorded checkpoint.
 */
final class MigrationDaemon {

  sealed interface Command extends CborSerializable {}

  enum Tick implements Command {
    INSTANCE
  }

  /**
   * A migration of this container was just recorded: its copy starts now, before the route view
   * (whose replicator tells subscribers every half second or so) shows it.
   */
  record Started(String entityId) implements Command {}

  record RunEnded(String entityId) implements Command {}

  enum Stop implements Command {
    INSTANCE
  }

  /** When a daemon that just started looks at the route view once, before its first tick. */
  static final Duration FIRST_LOOK = Duration.ofSeconds(2);

  private MigrationDaemon() {}

  static Behavior<Command> create(int slice, Migrations migrations) {
    MigrationSettings settings = migrations.settings();
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay("tick", Tick.INSTANCE, settings.tickInterval());
                  // A migration recorded while this daemon starts is missed by the topic (the
                  // publishers learn of a new subscriber through the receptionist, within about a
                  // second): one early look at the route view finds it, whatever the tick interval.
                  if (settings.tickInterval().compareTo(FIRST_LOOK) > 0) {
                    timers.startSingleTimer("first-look", Tick.INSTANCE, FIRST_LOOK);
                  }
                  // a migration just started need not wait for the next tick
                  ActorRef<Topic.Command<Command>> started =
                      ctx.spawn(Topic.create(Command.class, Migrations.STARTED_TOPIC), "started");
                  started.tell(Topic.subscribe(ctx.getSelf()));
                  Set<String> running = new HashSet<>();
                  ContainerRouteView view = ContainerRouteView.get(ctx.getSystem());
                  Consumer<String> start =
                      id -> {
                        running.add(id);
                        ctx.pipeToSelf(
                            migrations.run(id),
                            (ok, failure) -> {
                              if (failure != null
                                  && !(ObjectMover.unwrap(failure)
                                      instanceof MigrationRun.Superseded)) {
                                ctx.getLog()
                                    .info(
                                        "migration of {} stopped, taken up again later: {}",
                                        id,
                                        ObjectMover.unwrap(failure).toString());
                              }
                              return new RunEnded(id);
                            });
                      };
                  return Behaviors.receive(Command.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            for (Map.Entry<String, Migration.MigrationRoute> e :
                                view.migrations().entrySet()) {
                              String id = e.getKey();
                              if (running.size() >= settings.concurrentPerWorker()) {
                                break;
                              }
                              if (!e.getValue().toMigration().routesBoth()
                                  || running.contains(id)
                                  || migrations.sliceOf(id) != slice) {
                                continue;
                              }
                              start.accept(id);
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          Started.class,
                          recorded -> {
                            // the run reads the phase the container recorded, as after a tick
                            String id = recorded.entityId();
                            if (migrations.sliceOf(id) == slice
                                && !running.contains(id)
                                && running.size() < settings.concurrentPerWorker()) {
                              start.accept(id);
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          RunEnded.class,
                          ended -> {
                            running.remove(ended.entityId());
                            return Behaviors.same();
                          })
                      .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                      .build();
                }));
  }
}
