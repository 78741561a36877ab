package io.archipelago.engine.migration;

import io.archipelago.engine.sync.CopyPermits;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The limits of a backend over every migration (and so every drain) that copies from or to it on
 * this node ({@code archipelago.migration.backend-limits}): objects moved at once, bytes and
 * requests per second, and time windows. Limits are per node: each node running migrations holds
 * its own. A migration obeys these besides its own throttle; nothing waits on a thread.
 */
public final class BackendLimits {

  /**
   * One backend's limits; 0 means unlimited, no windows means always.
   *
   * @param parallelism objects moved at once to or from the backend
   * @param bytesPerSecond object bytes moved per second
   * @param requestsPerSecond objects moved (or removed) per second
   */
  public record Limit(
      int parallelism, long bytesPerSecond, long requestsPerSecond, List<String> windows) {
    public Limit {
      windows = windows == null ? List.of() : List.copyOf(windows);
    }
  }

  /** Waits without a thread (a seam for tests with a fake clock). */
  interface Delay {
    CompletionStage<Void> after(Duration wait);
  }

  static final Delay REAL_DELAY =
      wait ->
          CompletableFuture.runAsync(
              () -> {}, CompletableFuture.delayedExecutor(wait.toNanos(), TimeUnit.NANOSECONDS));

  public static final BackendLimits NONE = new BackendLimits(Map.of());

  private final Map<String, Backend> backends = new ConcurrentHashMap<>();
  private final Clock clock;
  private final LongSupplier nanoClock;
  private final Delay delay;

  public BackendLimits(Map<String, Limit> limits) {
    this(limits, Clock.systemUTC(), System::nanoTime, REAL_DELAY);
  }

  BackendLimits(Map<String, Limit> limits, Clock clock, LongSupplier nanoClock, Delay delay) {
    this.clock = clock;
    this.nanoClock = nanoClock;
    this.delay = delay;
    limits.forEach((id, limit) -> backends.put(id, new Backend(limit)));
  }

  /** The node-wide state of one backend's limits. */
  private final class Backend {
    final Optional<CopyPermits> permits;
    final Optional<TokenBucket> bytes;
    final Optional<TokenBucket> requests;
    final TimeWindows windows;

    Backend(Limit limit) {
      permits =
          limit.parallelism() > 0
              ? Optional.of(new CopyPermits(limit.parallelism()))
              : Optional.empty();
      bytes =
          limit.bytesPerSecond() > 0
              ? Optional.of(new TokenBucket(limit.bytesPerSecond(), nanoClock))
              : Optional.empty();
      requests =
          limit.requestsPerSecond() > 0
              ? Optional.of(new TokenBucket(limit.requestsPerSecond(), nanoClock))
              : Optional.empty();
      windows = TimeWindows.parse(limit.windows());
    }
  }

  /**
   * Where one run of a migration moves objects: between these backends, within its own windows as
   * well as theirs.
   *
   * @param stillWanted asked every {@code recheck} while the windows are closed; fails (the
   *     migration moved on: cancelled, say) to end the wait with that failure
   */
  Lane lane(
      List<String> backendIds,
      TimeWindows own,
      Supplier<CompletionStage<Void>> stillWanted,
      Duration recheck) {
    List<Backend> used = new ArrayList<>();
    List<TimeWindows> windows = new ArrayList<>();
    windows.add(own);
    // sorted, so that two lanes over the same backends take their permits in the same order
    for (String id : new TreeSet<>(backendIds)) {
      Backend b = backends.get(id);
      if (b != null) {
        used.add(b);
        windows.add(b.windows);
      }
    }
    return new Lane(used, windows, stillWanted, recheck);
  }

  /** The backends' limits as one migration run meets them. */
  final class Lane {
    private final List<Backend> backends;
    private final List<TimeWindows> windows;
    private final Supplier<CompletionStage<Void>> stillWanted;
    private final Duration recheck;
    private CompletableFuture<Void> opening;

    private Lane(
        List<Backend> backends,
        List<TimeWindows> windows,
        Supplier<CompletionStage<Void>> stillWanted,
        Duration recheck) {
      this.backends = backends;
      this.windows = windows;
      this.stillWanted = stillWanted;
      this.recheck = recheck.isZero() || recheck.isNegative() ? Duration.ofSeconds(1) : recheck;
    }

    /**
     * Runs {@code task} (moving {@code bytes}) once the windows are open, the backends' rates allow
     * it and a permit of each backend is free.
     */
    <T> CompletionStage<T> run(long bytes, Supplier<CompletionStage<T>> task) {
      return open().thenCompose(o -> paced(bytes)).thenCompose(p -> permitted(0, task));
    }

    /** Completes when every window is open; one wait shared by all the lane's tasks. */
    CompletionStage<Void> open() {
      CompletableFuture<Void> wait;
      synchronized (this) {
        if (opening != null) {
          return opening;
        }
        if (closedFor().isEmpty()) {
          return CompletableFuture.completedFuture(null);
        }
        opening = new CompletableFuture<>();
        wait = opening;
      }
      waitStep(wait);
      return wait;
    }

    /** How long the windows stay closed from now; empty when they are open. */
    private Optional<Duration> closedFor() {
      Optional<Duration> until = TimeWindows.untilAllOpen(windows, clock.instant());
      // windows that never overlap: wait, looking again every recheck (the clock may jump)
      return until.isEmpty() ? Optional.of(recheck) : until.filter(d -> !d.isZero());
    }

    private void waitStep(CompletableFuture<Void> wait) {
      Optional<Duration> closed = closedFor();
      if (closed.isEmpty()) {
        synchronized (this) {
          opening = null;
        }
        // the waiting tasks start on a pool thread, not inside this completion
        wait.completeAsync(() -> null);
        return;
      }
      Duration step = closed.get().compareTo(recheck) < 0 ? closed.get() : recheck;
      delay
          .after(step)
          .thenCompose(d -> stillWanted.get())
          .whenComplete(
              (ok, failure) -> {
                if (failure != null) {
                  synchronized (this) {
                    opening = null;
                  }
                  wait.completeExceptionally(failure);
                } else {
                  waitStep(wait);
                }
              });
    }

    private CompletionStage<Void> paced(long bytes) {
      long wait = 0;
      for (Backend b : backends) {
        if (b.requests.isPresent()) {
          wait = Math.max(wait, b.requests.get().reserve(1));
        }
        if (b.bytes.isPresent() && bytes > 0) {
          wait = Math.max(wait, b.bytes.get().reserve(bytes));
        }
      }
      return wait == 0
          ? CompletableFuture.completedFuture(null)
          : delay.after(Duration.ofNanos(wait));
    }

    /** Takes the permits in the backends' order (the same in every lane: no deadlock). */
    private <T> CompletionStage<T> permitted(int i, Supplier<CompletionStage<T>> task) {
      if (i == backends.size()) {
        return task.get();
      }
      Optional<CopyPermits> permits = backends.get(i).permits;
      if (permits.isEmpty()) {
        return permitted(i + 1, task);
      }
      return permits.get().run(() -> permitted(i + 1, task));
    }
  }
}
