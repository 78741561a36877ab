package io.archipelago.http.admin;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests this node answered, by method and status class: {@code archipelago_http_requests_total}
 * in {@code /metrics} and {@code /admin/metrics}, whose rates the console charts.
 */
public final class RequestMetrics {

  private static final List<String> METHODS =
      List.of("GET", "HEAD", "PUT", "POST", "DELETE", "COPY", "OPTIONS", "other");
  private static final List<String> CLASSES = List.of("1xx", "2xx", "3xx", "4xx", "5xx");

  private final LongAdder[][] counts = new LongAdder[METHODS.size()][CLASSES.size()];

  public RequestMetrics() {
    for (LongAdder[] row : counts) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new LongAdder();
      }
    }
  }

  /** Counts one answered request. */
  public void record(String method, int status) {
    int m = METHODS.indexOf(method);
    int c = Math.min(Math.max(status / 100 - 1, 0), CLASSES.size() - 1);
    counts[m < 0 ? METHODS.size() - 1 : m][c].increment();
  }

  /** The counter in Prometheus' text format; series that are still zero are left out. */
  void render(StringBuilder sb) {
    sb.append("# HELP archipelago_http_requests_total Requests this node answered.\n");
    sb.append("# TYPE archipelago_http_requests_total counter\n");
    for (int m = 0; m < METHODS.size(); m++) {
      for (int c = 0; c < CLASSES.size(); c++) {
        long n = counts[m][c].sum();
        if (n > 0) {
          sb.append("archipelago_http_requests_total{method=\"")
              .append(METHODS.get(m))
              .append("\",code=\"")
              .append(CLASSES.get(c))
              .append("\"} ")
              .append(n)
              .append('\n');
        }
      }
    }
  }
}
