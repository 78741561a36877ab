package io.archipelago.engine.integrity;

import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.persistence.CborSerializable;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The scrubber, run by ShardedDaemonProcess as one instance in the cluster: every tick it starts a
 * pass over each backend of a scrubbed kind that has none running (the pass itself waits until one
 * is due), and tries again the repairs that found no good copy before. Stopping it stops the passes
 * between two objects; their checkpoints let the next incarnation resume.
 */
final class ScrubDaemon {

  sealed interface Command extends CborSerializable {}

  enum Tick implements Command {
    INSTANCE
  }

  record PassDone(String backend) implements Command {}

  enum RepairsDone implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  private ScrubDaemon() {}

  static Behavior<Command> create(
      Integrity integrity,
      Scrubber scrubber,
      BackendRegistry registry,
      IntegritySettings settings) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(
                      "tick", Tick.INSTANCE, settings.scrubStartDelay(), settings.scrubTick());
                  AtomicBoolean stopped = new AtomicBoolean();
                  Set<String> running = new HashSet<>();
                  boolean[] repairing = {false};
                  return Behaviors.receive(Command.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            for (BackendDescriptor b : registry.backends()) {
                              if (!settings.scrubKinds().contains(b.kind())
                                  || b.state() == BackendState.DOWN
                                  || registry.store(b.id()).isEmpty()
                                  || !running.add(b.id())) {
                                continue;
                              }
                              ctx.pipeToSelf(
                                  scrubber.runIfDue(b.id(), stopped::get),
                                  (ok, failure) -> {
                                    if (failure != null) {
                                      ctx.getLog()
                                          .info(
                                              "scrub pass over {} failed: {}",
                                              b.id(),
                                              failure.toString());
                                    }
                                    return new PassDone(b.id());
                                  });
                            }
                            if (!repairing[0]) {
                              repairing[0] = true;
                              ctx.pipeToSelf(
                                  integrity.retryRepairs(), (ok, f) -> RepairsDone.INSTANCE);
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          PassDone.class,
                          done -> {
                            running.remove(done.backend());
                            return Behaviors.same();
                          })
                      .onMessageEquals(
                          RepairsDone.INSTANCE,
                          () -> {
                            repairing[0] = false;
                            return Behaviors.same();
                          })
                      .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                      .onSignal(
                          PostStop.class,
                          signal -> {
                            stopped.set(true);
                            return Behaviors.same();
                          })
                      .build();
                }));
  }
}
