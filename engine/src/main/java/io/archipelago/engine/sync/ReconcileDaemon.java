package io.archipelago.engine.sync;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.archipelago.persistence.CborSerializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The reconciler of one tag slice, run by ShardedDaemonProcess on one node of the cluster: every
 * repair interval it reconciles the replicas that missed changes (when their backends are up),
 * every reconcile interval all replicas of all replicated containers of the slice. One pass at a
 * time; containers one after the other, objects in parallel.
 */
final class ReconcileDaemon {

  sealed interface Command extends CborSerializable {}

  /** Timer: a pass; {@code full} compares every replicated container, else only failed ones. */
  record Tick(boolean full) implements Command {}

  record PassDone(boolean full) implements Command {}

  enum Stop implements Command {
    INSTANCE
  }

  private ReconcileDaemon() {}

  static Behavior<Command> create(
      int slice, SyncDatabase db, Reconciler reconciler, SyncSettings settings) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(
                      "repair", new Tick(false), settings.repairInterval());
                  timers.startTimerWithFixedDelay(
                      "full", new Tick(true), settings.reconcileInterval());
                  boolean[] running = {false};
                  boolean[] fullWanted = {false};
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Tick.class,
                          tick -> {
                            if (running[0]) {
                              fullWanted[0] |= tick.full();
                              return Behaviors.same();
                            }
                            running[0] = true;
                            ctx.pipeToSelf(
                                pass(slice, db, reconciler, tick.full()),
                                (ok, failure) -> {
                                  if (failure != null) {
                                    ctx.getLog()
                                        .info(
                                            "reconcile pass of slice {} failed: {}",
                                            slice,
                                            failure.toString());
                                  }
                                  return new PassDone(tick.full());
                                });
                            return Behaviors.same();
                          })
                      .onMessage(
                          PassDone.class,
                          done -> {
                            running[0] = false;
                            if (fullWanted[0]) {
                              fullWanted[0] = false;
                              ctx.getSelf().tell(new Tick(true));
                            }
                            return Behaviors.same();
                          })
                      .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                      .build();
                }));
  }

  private static CompletionStage<Void> pass(
      int slice, SyncDatabase db, Reconciler reconciler, boolean full) {
    return db.slice(slice)
        .thenCompose(
            containers -> {
              CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
              for (ReplicatedContainer rc : List.copyOf(containers)) {
                chain =
                    chain.thenCompose(
                        ok ->
                            reconciler
                                .reconcile(rc.account(), rc.container(), !full)
                                .handle((reports, failure) -> null));
              }
              return chain;
            });
  }
}
