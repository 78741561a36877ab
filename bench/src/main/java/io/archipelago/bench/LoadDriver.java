package io.archipelago.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one request function from many threads for a fixed time (or a fixed count) and keeps every
 * latency, so that throughput, p50 and p99 come from the same run.
 */
final class LoadDriver {

  /** One request; answers true when it succeeded. {@code i} counts requests of this worker. */
  @FunctionalInterface
  interface Request {
    boolean run(int worker, long i) throws Exception;
  }

  /** What a run measured; {@code sortedNanos} holds the latencies of its successful requests. */
  record Result(long ok, long failed, double seconds, long[] sortedNanos) {
    double opsPerSecond() {
      return ok / seconds;
    }

    double p50Millis() {
      return percentile(sortedNanos, 0.50);
    }

    double p99Millis() {
      return percentile(sortedNanos, 0.99);
    }

    /**
     * Several runs of the same load taken as one (their turns alternated with another side's):
     * requests and time added up, percentiles over all their latencies.
     */
    static Result combined(List<Result> runs) {
      long[] all =
          runs.stream().flatMapToLong(r -> Arrays.stream(r.sortedNanos())).sorted().toArray();
      return new Result(
          runs.stream().mapToLong(Result::ok).sum(),
          runs.stream().mapToLong(Result::failed).sum(),
          runs.stream().mapToDouble(Result::seconds).sum(),
          all);
    }
  }

  private LoadDriver() {}

  static Result run(int threads, double seconds, long maxRequests, Request request)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    AtomicLong issued = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<long[]> latencies = new ArrayList<>();
    List<int[]> counts = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    long started = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      long[] mine = new long[1 << 20];
      int[] count = new int[1];
      latencies.add(mine);
      counts.add(count);
      int worker = t;
      Thread thread =
          new Thread(
              () -> {
                long i = 0;
                while (System.nanoTime() < deadline && issued.incrementAndGet() <= maxRequests) {
                  long t0 = System.nanoTime();
                  boolean ok;
                  try {
                    ok = request.run(worker, i++);
                  } catch (Exception e) {
                    ok = false;
                  }
                  if (ok) {
                    if (count[0] < mine.length) {
                      mine[count[0]] = System.nanoTime() - t0;
                    }
                    count[0]++;
                  } else {
                    failed.incrementAndGet();
                  }
                }
              },
              "bench-" + t);
      workers.add(thread);
      thread.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    long ok = counts.stream().mapToLong(c -> c[0]).sum();
    long kept = 0;
    for (int i = 0; i < threads; i++) {
      kept += Math.min(counts.get(i)[0], latencies.get(i).length);
    }
    long[] all = new long[(int) kept];
    int at = 0;
    for (int i = 0; i < threads; i++) {
      int n = Math.min(counts.get(i)[0], latencies.get(i).length);
      System.arraycopy(latencies.get(i), 0, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    return new Result(ok, failed.get(), elapsed, all);
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }
}
