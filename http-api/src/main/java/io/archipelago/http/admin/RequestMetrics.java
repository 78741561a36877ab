package io.archipelago.http.admin;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests this node answered, by method and status class ({@code archipelago_http_requests_total})
 * and how long they took by route class ({@code archipelago_http_request_duration_seconds}, a
 * histogram), in {@code /metrics} and {@code /admin/metrics}; {@link RequestHistory} samples both
 * for the console's charts. Counting is a few {@link LongAdder} increments per request.
 */
public final class RequestMetrics {

  private static final List<String> METHODS =
      List.of("GET", "HEAD", "PUT", "POST", "DELETE", "COPY", "OPTIONS", "other");
  static final List<String> STATUS_CLASSES = List.of("1xx", "2xx", "3xx", "4xx", "5xx");

  /** What a request addressed: Swift's path depth, the admin API, or anything else. */
  static final List<String> ROUTE_CLASSES =
      List.of("object", "container", "account", "admin", "other");

  /** Upper bounds of the latency buckets in milliseconds; a last bucket takes the rest. */
  static final double[] BUCKET_MS = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

  private final LongAdder[][] counts = adders(METHODS.size(), STATUS_CLASSES.size());
  private final LongAdder[][] latency = adders(ROUTE_CLASSES.size(), BUCKET_MS.length + 1);
  private final LongAdder[] latencyMicros = adders(1, ROUTE_CLASSES.size())[0];

  private static LongAdder[][] adders(int rows, int columns) {
    LongAdder[][] adders = new LongAdder[rows][columns];
    for (LongAdder[] row : adders) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new LongAdder();
      }
    }
    return adders;
  }

  /**
   * Counts one answered request.
   *
   * @param rawPath the request's path, for its route class
   * @param nanos from the request's arrival to its answer's head
   */
  public void record(String method, int status, String rawPath, long nanos) {
    int m = METHODS.indexOf(method);
    counts[m < 0 ? METHODS.size() - 1 : m][statusClass(status)].increment();
    int route = routeClass(rawPath);
    double millis = nanos / 1_000_000.0;
    int bucket = 0;
    while (bucket < BUCKET_MS.length && millis > BUCKET_MS[bucket]) {
      bucket++;
    }
    latency[route][bucket].increment();
    latencyMicros[route].add(nanos / 1000);
  }

  static int statusClass(int status) {
    return Math.min(Math.max(status / 100 - 1, 0), STATUS_CLASSES.size() - 1);
  }

  /** {@code /v1/a} account, {@code /v1/a/c} container, deeper object; {@code /admin/} admin. */
  static int routeClass(String rawPath) {
    if (rawPath.startsWith("/v1/")) {
      String rest = rawPath.substring(4);
      int first = rest.indexOf('/');
      if (first < 0 || first == rest.length() - 1) {
        return ROUTE_CLASSES.indexOf("account");
      }
      int second = rest.indexOf('/', first + 1);
      return second < 0 || second == rest.length() - 1
          ? ROUTE_CLASSES.indexOf("container")
          : ROUTE_CLASSES.indexOf("object");
    }
    if (rawPath.startsWith("/admin/")) {
      return ROUTE_CLASSES.indexOf("admin");
    }
    return ROUTE_CLASSES.indexOf("other");
  }

  /** Requests so far per status class (summed over the methods). */
  long[] statusCounts() {
    long[] sums = new long[STATUS_CLASSES.size()];
    for (LongAdder[] row : counts) {
      for (int c = 0; c < row.length; c++) {
        sums[c] += row[c].sum();
      }
    }
    return sums;
  }

  /** Requests so far per route class and latency bucket (not cumulative). */
  long[][] latencyBuckets() {
    long[][] snapshot = new long[ROUTE_CLASSES.size()][BUCKET_MS.length + 1];
    for (int r = 0; r < snapshot.length; r++) {
      for (int b = 0; b < snapshot[r].length; b++) {
        snapshot[r][b] = latency[r][b].sum();
      }
    }
    return snapshot;
  }

  /** The counters in Prometheus' text format; series that are still zero are left out. */
  void render(StringBuilder sb) {
    sb.append("# HELP archipelago_http_requests_total Requests this node answered.\n");
    sb.append("# TYPE archipelago_http_requests_total counter\n");
    for (int m = 0; m < METHODS.size(); m++) {
      for (int c = 0; c < STATUS_CLASSES.size(); c++) {
        long n = counts[m][c].sum();
        if (n > 0) {
          sb.append("archipelago_http_requests_total{method=\"")
              .append(METHODS.get(m))
              .append("\",code=\"")
              .append(STATUS_CLASSES.get(c))
              .append("\"} ")
              .append(n)
              .append('\n');
        }
      }
    }
    sb.append("# HELP archipelago_http_request_duration_seconds Time to answer, by route class.\n");
    sb.append("# TYPE archipelago_http_request_duration_seconds histogram\n");
    long[][] buckets = latencyBuckets();
    for (int r = 0; r < ROUTE_CLASSES.size(); r++) {
      long total = 0;
      for (long n : buckets[r]) {
        total += n;
      }
      if (total == 0) {
        continue;
      }
      String label = "{class=\"" + ROUTE_CLASSES.get(r) + "\"";
      long cumulative = 0;
      for (int b = 0; b < BUCKET_MS.length; b++) {
        cumulative += buckets[r][b];
        sb.append("archipelago_http_request_duration_seconds_bucket")
            .append(label)
            .append(",le=\"")
            .append(String.format(Locale.ROOT, "%.4f", BUCKET_MS[b] / 1000))
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      sb.append("archipelago_http_request_duration_seconds_bucket")
          .append(label)
          .append(",le=\"+Inf\"} ")
          .append(total)
          .append('\n');
      sb.append("archipelago_http_request_duration_seconds_sum")
          .append(label)
          .append("} ")
          .append(String.format(Locale.ROOT, "%.6f", latencyMicros[r].sum() / 1_000_000.0))
          .append('\n');
      sb.append("archipelago_http_request_duration_seconds_count")
          .append(label)
          .append("} ")
          .append(total)
          .append('\n');
    }
  }
}
