package io.archipelago.engine.migration;

import io.archipelago.engine.backend.ClientActivity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * How many of one migration's copies (or clean-up removals) run at once: at most its parallelism,
 * fewer while the backends need it, so that a migration never costs clients more than a bounded
 * share of the backends it moves between.
 *
 * <ul>
 *   <li>Clients first: while this node sends clients' requests to the source or the target, the
 *       migration runs at most {@code client-share} of its parallelism (at least one copy); a copy
 *       at full parallelism takes the backend's whole capacity and the clients' latency doubles.
 *   <li>Errors: a failed copy halves the limit (at least one).
 *   <li>Latency: every round (as many completions as the limit), the round's median time per object
 *       (per MiB beyond the first, divided by the copies running beside it) is compared with the
 *       lowest median seen in the last minute; beyond {@code latency-factor} times it the limit
 *       halves (the backend slowed down: other load, a degraded disk).
 *   <li>Otherwise each round without errors adds one copy, up to the parallelism.
 * </ul>
 *
 * A task waits without a thread until a permit is free, as {@link
 * io.archipelago.engine.sync.CopyPermits} does.
 */
final class CopyGovernor {

  /** The knobs ({@code archipelago.migration.backoff}). */
  record Backoff(double clientShare, long clientWindowNanos, double latencyFactor) {}

  private static final long BASELINE_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long MIB = 1 << 20;

  private final int parallelism;
  private final List<String> backends;
  private final ClientActivity clients;
  private final Backoff backoff;
  private final LongSupplier nanoClock;
  private final BackendLimits.Lane lane;
  private final ArrayDeque<CompletableFuture<Integer>> waiting = new ArrayDeque<>();

  private int limit;
  private int running;
  private long[] round = new long[0];
  private int inRound;
  private boolean failedInRound;
  private long baseline = Long.MAX_VALUE;
  private long baselineSince;

  CopyGovernor(int parallelism, List<String> backends, ClientActivity clients, Backoff backoff) {
    this(parallelism, backends, clients, backoff, System::nanoTime, null);
  }

  /**
   * @param lane the backends' node-wide limits and the windows a task waits for once it holds a
   *     permit here; null for none
   */
  CopyGovernor(
      int parallelism,
      List<String> backends,
      ClientActivity clients,
      Backoff backoff,
      LongSupplier nanoClock,
      BackendLimits.Lane lane) {
    this.parallelism = Math.max(1, parallelism);
    this.backends = List.copyOf(backends);
    this.clients = clients;
    this.backoff = backoff;
    this.nanoClock = nanoClock;
    this.lane = lane;
    this.limit = this.parallelism;
    this.baselineSince = nanoClock.getAsLong();
  }

  /**
   * Runs {@code task} when a permit is free. {@code bytes} tells what it moves (its time is read
   * per MiB beyond the first); {@code failed} tells a result that counts as an error.
   */
  <T> CompletionStage<T> run(long bytes, Supplier<CompletionStage<T>> task, Predicate<T> failed) {
    return acquire()
        .thenCompose(
            slots -> {
              // timed from the task's own start: a wait for a window or for the backends' shared
              // limits is not the backend slowing down
              long[] started = {nanoClock.getAsLong()};
              Supplier<CompletionStage<T>> timed =
                  () -> {
                    started[0] = nanoClock.getAsLong();
                    return task.get();
                  };
              CompletionStage<T> running;
              try {
                running = lane == null ? timed.get() : lane.run(bytes, timed);
              } catch (RuntimeException e) {
                running = CompletableFuture.failedFuture(e);
              }
              return running.whenComplete(
                  (r, failure) -> {
                    // per slot (Little's law: the time per object of each of the slots): the
                    // migration's own parallelism on a busy backend does not read as a slowdown
                    long perObject =
                        (nanoClock.getAsLong() - started[0])
                            / (1 + bytes / MIB)
                            / Math.max(1, slots);
                    release(failure == null && !failed.test(r), perObject);
                  });
            });
  }

  /** The number of copies allowed at once now. */
  synchronized int limit() {
    return Math.min(limit, clientCap());
  }

  private int clientCap() {
    for (String backend : backends) {
      if (clients.seenWithin(backend, backoff.clientWindowNanos())) {
        return Math.max(1, (int) Math.floor(parallelism * backoff.clientShare()));
      }
    }
    return parallelism;
  }

  /** Completes with the number of tasks running once this one runs. */
  private synchronized CompletableFuture<Integer> acquire() {
    if (running < limit()) {
      running++;
      return CompletableFuture.completedFuture(running);
    }
    CompletableFuture<Integer> ticket = new CompletableFuture<>();
    waiting.add(ticket);
    return ticket;
  }

  private void release(boolean ok, long nanosPerObject) {
    List<CompletableFuture<Integer>> next = new ArrayList<>();
    int slots;
    synchronized (this) {
      record(ok, nanosPerObject);
      running--;
      while (!waiting.isEmpty() && running < limit()) {
        running++;
        next.add(waiting.poll());
      }
      slots = running;
    }
    // Outside the lock: the next tasks start on a pool thread, not inside this completion.
    next.forEach(t -> t.completeAsync(() -> slots));
  }

  private void record(boolean ok, long nanosPerObject) {
    if (!ok) {
      limit = Math.max(1, limit / 2);
      failedInRound = true;
      return;
    }
    if (round.length < parallelism) {
      round = new long[parallelism];
    }
    round[inRound++] = nanosPerObject;
    if (inRound < Math.max(1, limit())) {
      return;
    }
    long[] sorted = Arrays.copyOf(round, inRound);
    Arrays.sort(sorted);
    long median = sorted[sorted.length / 2];
    long now = nanoClock.getAsLong();
    if (now - baselineSince > BASELINE_NANOS) {
      // the backend may have become slower for good (more data, other tenants): follow it
      baseline = median;
      baselineSince = now;
    } else {
      baseline = Math.min(baseline, median);
    }
    if (median > baseline * backoff.latencyFactor()) {
      limit = Math.max(1, limit / 2);
    } else if (!failedInRound && limit < parallelism) {
      limit++;
    }
    inRound = 0;
    failedInRound = false;
  }
}
