package io.archipelago.persistence.journal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Runs a blocking flush (an fsync) for many callers at once: every caller waits for a flush that
 * starts after its request, and all callers that asked while one flush ran share the next. At most
 * one flush runs at a time, on {@code executor}; a failed flush fails its callers only.
 */
public final class GroupSync {

  /** The blocking flush. */
  @FunctionalInterface
  public interface Flush {
    void run() throws Exception;
  }

  private final Flush flush;
  private final Executor executor;
  private CompletableFuture<Void> waiting;
  private boolean running;

  public GroupSync(Flush flush, Executor executor) {
    this.flush = flush;
    this.executor = executor;
  }

  /** Completes once a flush that started after this call has finished. */
  public CompletionStage<Void> request() {
    CompletableFuture<Void> mine;
    boolean start;
    synchronized (this) {
      if (waiting == null) {
        waiting = new CompletableFuture<>();
      }
      mine = waiting;
      start = !running;
      if (start) {
        running = true;
        waiting = null;
      }
    }
    if (start) {
      executor.execute(() -> runFlush(mine));
    }
    return mine;
  }

  private void runFlush(CompletableFuture<Void> callers) {
    try {
      flush.run();
      callers.complete(null);
    } catch (Throwable e) {
      callers.completeExceptionally(e);
    }
    CompletableFuture<Void> next;
    synchronized (this) {
      next = waiting;
      waiting = null;
      running = next != null;
    }
    if (next != null) {
      executor.execute(() -> runFlush(next));
    }
  }
}
