package io.archipelago.engine.drain;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.persistence.CborSerializable;
import java.util.HashSet;
import java.util.Set;

/**
 * The drain worker, run by ShardedDaemonProcess on one node of the cluster: every tick it takes
 * each backend the registry shows draining and runs one pass of its drain ({@link DrainRun}), one
 * pass per backend at a time. The copying itself is the migration daemons', spread over the nodes.
 * When its node leaves or crashes the daemon restarts on another node and carries on from what the
 * drain entities recorded.
 */
final class DrainDaemon {

  sealed interface Command extends CborSerializable {}

  enum Tick implements Command {
    INSTANCE
  }

  record PassEnded(String backend) implements Command {}

  enum Stop implements Command {
    INSTANCE
  }

  private DrainDaemon() {}

  static Behavior<Command> create(Drains drains) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(
                      "tick", Tick.INSTANCE, drains.settings().tickInterval());
                  Set<String> running = new HashSet<>();
                  return Behaviors.receive(Command.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            for (BackendDescriptor b : drains.registry().backends()) {
                              if (b.state() != BackendState.DRAINING || !running.add(b.id())) {
                                continue;
                              }
                              ctx.pipeToSelf(
                                  drains.pass(b.id()),
                                  (ok, failure) -> {
                                    if (failure != null) {
                                      ctx.getLog()
                                          .info(
                                              "drain pass over {} stopped, taken up again: {}",
                                              b.id(),
                                              DrainRun.reason(failure));
                                    }
                                    return new PassEnded(b.id());
                                  });
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          PassEnded.class,
                          ended -> {
                            running.remove(ended.backend());
                            return Behaviors.same();
                          })
                      .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                      .build();
                }));
  }
}
