package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The request latency histogram, its route classes and the history the console charts. */
class RequestHistoryTest {

  private static final long MS = 1_000_000;

  @Test
  void requestsAreClassedByWhatTheyAddress() {
    assertEquals("account", route("/v1/AUTH_test"));
    assertEquals("account", route("/v1/AUTH_test/"));
    assertEquals("container", route("/v1/AUTH_test/photos"));
    assertEquals("container", route("/v1/AUTH_test/photos/"));
    assertEquals("object", route("/v1/AUTH_test/photos/cat.jpg"));
    assertEquals("object", route("/v1/AUTH_test/photos/a/b"));
    assertEquals("admin", route("/admin/backends"));
    assertEquals("other", route("/auth/v1.0"));
    assertEquals("other", route("/console/"));
  }

  private static String route(String path) {
    return RequestMetrics.ROUTE_CLASSES.get(RequestMetrics.routeClass(path));
  }

  @Test
  void eachSampleHoldsTheRatesAndPercentilesOfItsInterval() {
    RequestMetrics metrics = new RequestMetrics();
    RequestHistory history = new RequestHistory(metrics, Duration.ofSeconds(5), 3);
    // 98 fast object reads (0-1 ms bucket), 2 slow ones (1-2.5 s bucket)
    for (int i = 0; i < 98; i++) {
      metrics.record("GET", 200, "/v1/AUTH_test/c/o", MS / 2);
    }
    metrics.record("GET", 500, "/v1/AUTH_test/c/o", 2000 * MS);
    metrics.record("PUT", 201, "/v1/AUTH_test/c/o", 2000 * MS);
    history.sample();
    // nothing in the next interval: no latency, rate 0
    history.sample();
    JsonNode json = history.json();
    assertEquals(2, json.path("samples").size());
    JsonNode first = json.path("samples").get(0);
    assertEquals(100, first.path("latency").path("requests").asLong());
    // p50 is in the first bucket (0..1 ms): the 50th of 98 there
    assertEquals(50.0 / 98, first.path("latency").path("p50Ms").asDouble(), 0.001);
    // p99 is the 99th of 100: the first of the two in 1000..2500 ms, halfway up that bucket
    assertEquals(1750, first.path("latency").path("p99Ms").asDouble(), 0.001);
    assertEquals(100, first.path("latencyByRoute").path("object").path("requests").asLong());
    assertTrue(first.path("requestsPerSecond").path("2xx").asDouble() > 0);
    assertTrue(first.path("requestsPerSecond").path("5xx").asDouble() > 0);
    JsonNode second = json.path("samples").get(1);
    assertTrue(second.path("latency").path("p99Ms").isNull(), second.toString());
    assertEquals(0, second.path("requestsPerSecond").path("all").asDouble());
    // the ring keeps the newest samples only
    history.sample();
    history.sample();
    assertEquals(3, history.json().path("samples").size());
  }

  @Test
  void prometheusHasTheHistogramPerRouteClass() {
    RequestMetrics metrics = new RequestMetrics();
    metrics.record("GET", 200, "/v1/AUTH_test/c/o", 3 * MS);
    metrics.record("GET", 200, "/admin/backends", 30 * MS);
    StringBuilder sb = new StringBuilder();
    metrics.render(sb);
    String text = sb.toString();
    assertTrue(text.contains("# TYPE archipelago_http_request_duration_seconds histogram"), text);
    assertTrue(
        text.contains(
            "archipelago_http_request_duration_seconds_bucket{class=\"object\",le=\"0.0025\"} 0"),
        text);
    assertTrue(
        text.contains(
            "archipelago_http_request_duration_seconds_bucket{class=\"object\",le=\"0.0050\"} 1"),
        text);
    assertTrue(
        text.contains("archipelago_http_request_duration_seconds_count{class=\"admin\"} 1"), text);
    assertTrue(
        text.contains("archipelago_http_request_duration_seconds_sum{class=\"object\"} 0.003000"),
        text);
    assertTrue(text.contains("archipelago_http_requests_total{method=\"GET\",code=\"2xx\"} 2"));
  }
}
