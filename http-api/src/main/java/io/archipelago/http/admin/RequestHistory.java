package io.archipelago.http.admin;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A short in-memory history of this node's request rates and latencies, for the console's charts
 * ({@code GET /admin/metrics/history}): every {@code archipelago.http.request-history.interval} it
 * takes the difference of {@link RequestMetrics}' counters since the last sample, the rates per
 * status class and the p50/p99 latency per route class and over all (estimated within the
 * histogram's buckets), and keeps the last {@code samples}. Nothing is persisted.
 */
public final class RequestHistory {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The latency of one route class (or of all) in one interval; empty without requests. */
  record Latency(long requests, OptionalDouble p50Ms, OptionalDouble p99Ms) {}

  /**
   * One sample.
   *
   * @param perSecond requests per second per status class ({@link RequestMetrics#STATUS_CLASSES})
   * @param byRoute per route class ({@link RequestMetrics#ROUTE_CLASSES})
   */
  record Sample(
      Instant at, double seconds, double[] perSecond, Latency all, List<Latency> byRoute) {}

  private final RequestMetrics metrics;
  private final Duration interval;
  private final int capacity;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private long[] lastStatus;
  private long[][] lastLatency;
  private long lastNanos;

  RequestHistory(RequestMetrics metrics, Duration interval, int capacity) {
    this.metrics = metrics;
    this.interval = interval;
    this.capacity = Math.max(1, capacity);
    this.lastStatus = metrics.statusCounts();
    this.lastLatency = metrics.latencyBuckets();
    this.lastNanos = System.nanoTime();
  }

  /** Starts sampling {@code metrics} on this node's scheduler. */
  public static RequestHistory start(ActorSystem<?> system, RequestMetrics metrics) {
    Config c = system.settings().config().getConfig("archipelago.http.request-history");
    RequestHistory history =
        new RequestHistory(metrics, c.getDuration("interval"), c.getInt("samples"));
    system
        .scheduler()
        .scheduleWithFixedDelay(
            history.interval, history.interval, history::sample, system.executionContext());
    return history;
  }

  synchronized void sample() {
    long now = System.nanoTime();
    long[] status = metrics.statusCounts();
    long[][] latency = metrics.latencyBuckets();
    double seconds = Math.max(0.001, (now - lastNanos) / 1e9);
    double[] perSecond = new double[status.length];
    for (int i = 0; i < status.length; i++) {
      perSecond[i] = (status[i] - lastStatus[i]) / seconds;
    }
    long[] all = new long[RequestMetrics.BUCKET_MS.length + 1];
    List<Latency> byRoute = new ArrayList<>();
    for (int r = 0; r < latency.length; r++) {
      long[] delta = new long[latency[r].length];
      for (int b = 0; b < delta.length; b++) {
        delta[b] = latency[r][b] - lastLatency[r][b];
        all[b] += delta[b];
      }
      byRoute.add(latency(delta));
    }
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    samples.addLast(new Sample(Instant.now(), seconds, perSecond, latency(all), byRoute));
    lastStatus = status;
    lastLatency = latency;
    lastNanos = now;
  }

  static Latency latency(long[] buckets) {
    long total = 0;
    for (long n : buckets) {
      total += n;
    }
    if (total == 0) {
      return new Latency(0, OptionalDouble.empty(), OptionalDouble.empty());
    }
    return new Latency(
        total,
        OptionalDouble.of(quantile(buckets, total, 0.50)),
        OptionalDouble.of(quantile(buckets, total, 0.99)));
  }

  /**
   * The quantile, interpolated linearly inside the bucket that holds it (as Prometheus'
   * histogram_quantile); in the last, unbounded bucket: the highest bound.
   */
  static double quantile(long[] buckets, long total, double q) {
    double rank = q * total;
    long below = 0;
    for (int b = 0; b < buckets.length; b++) {
      if (below + buckets[b] >= rank && buckets[b] > 0) {
        if (b == RequestMetrics.BUCKET_MS.length) {
          return RequestMetrics.BUCKET_MS[b - 1];
        }
        double lower = b == 0 ? 0 : RequestMetrics.BUCKET_MS[b - 1];
        double upper = RequestMetrics.BUCKET_MS[b];
        return lower + (upper - lower) * ((rank - below) / buckets[b]);
      }
      below += buckets[b];
    }
    return RequestMetrics.BUCKET_MS[RequestMetrics.BUCKET_MS.length - 1];
  }

  /** The samples, oldest first, as the admin API's JSON. */
  synchronized ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("intervalSeconds", interval.toMillis() / 1000.0);
    ArrayNode routes = root.putArray("routeClasses");
    RequestMetrics.ROUTE_CLASSES.forEach(routes::add);
    ArrayNode list = root.putArray("samples");
    for (Sample s : samples) {
      ObjectNode node = list.addObject();
      node.put("at", s.at().toString());
      node.put("seconds", round(s.seconds()));
      ObjectNode rates = node.putObject("requestsPerSecond");
      double total = 0;
      for (int i = 0; i < s.perSecond().length; i++) {
        rates.put(RequestMetrics.STATUS_CLASSES.get(i), round(s.perSecond()[i]));
        total += s.perSecond()[i];
      }
      rates.put("all", round(total));
      latencyJson(node.putObject("latency"), s.all());
      ObjectNode byRoute = node.putObject("latencyByRoute");
      for (int r = 0; r < s.byRoute().size(); r++) {
        if (s.byRoute().get(r).requests() > 0) {
          latencyJson(byRoute.putObject(RequestMetrics.ROUTE_CLASSES.get(r)), s.byRoute().get(r));
        }
      }
    }
    return root;
  }

  private static void latencyJson(ObjectNode node, Latency l) {
    node.put("requests", l.requests());
    if (l.p50Ms().isPresent()) {
      node.put("p50Ms", round(l.p50Ms().getAsDouble()));
      node.put("p99Ms", round(l.p99Ms().getAsDouble()));
    } else {
      node.putNull("p50Ms");
      node.putNull("p99Ms");
    }
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
