package io.archipelago.engine.sync;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Bounds the object copies (and replica deletes) running at once on this node, over every container
 * and slice: a task waits, without a thread, until a permit is free.
 */
public final class CopyPermits {

  private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
  private int free;

  public CopyPermits(int permits) {
    this.free = Math.max(1, permits);
  }

  public <T> CompletionStage<T> run(Supplier<CompletionStage<T>> task) {
    return acquire()
        .thenCompose(
            ok -> {
              CompletionStage<T> running;
              try {
                running = task.get();
              } catch (RuntimeException e) {
                running = CompletableFuture.failedFuture(e);
              }
              return running.whenComplete((r, f) -> release());
            });
  }

  private synchronized CompletableFuture<Void> acquire() {
    if (free > 0) {
      free--;
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> ticket = new CompletableFuture<>();
    waiting.add(ticket);
    return ticket;
  }

  private void release() {
    CompletableFuture<Void> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        free++;
        return;
      }
    }
    next.completeAsync(() -> null);
  }
}
