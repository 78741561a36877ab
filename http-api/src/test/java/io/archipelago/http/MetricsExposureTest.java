package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} answers without a TempAuth token (scrapers have none) and so names no tenant:
 * its series are per primary and replica backend. The per-container series are for reseller admins
 * at {@code /admin/metrics}. With {@code archipelago.http.metrics-token} set, /metrics wants that
 * bearer token.
 */
class MetricsExposureTest {

  private static final String CONTAINER = "tenant-secret-project";

  @TempDir Path dataDir;

  @Test
  void metricsNameBackendsButNoAccountOrContainer() throws Exception {
    try (TestGateway gateway = TestGateway.start(dataDir)) {
      String base = gateway.baseUrl();
      SwiftClient tester = SwiftClient.login(base, "test:tester", "testing");
      SwiftClient admin = SwiftClient.login(base, "admin:admin", "admin");
      assertEquals(
          201,
          tester
              .call("PUT", "/" + CONTAINER, Map.of("X-Storage-Policy", "replicated"), null)
              .statusCode());
      assertEquals(201, tester.call("PUT", "/" + CONTAINER + "/o", Map.of(), "bytes").statusCode());

      String perContainer = "container=\"" + CONTAINER + "\"";
      long deadline = System.currentTimeMillis() + 60_000;
      HttpResponse<String> adminView;
      while (true) {
        adminView =
            PlainHttp.send("GET", base + "/admin/metrics", Map.of("X-Auth-Token", admin.token()));
        if (adminView.statusCode() == 200 && adminView.body().contains(perContainer)) {
          break;
        }
        assertTrue(
            System.currentTimeMillis() < deadline,
            "no per-container series for admins: "
                + adminView.statusCode()
                + " "
                + adminView.body());
        Thread.sleep(200);
      }
      assertTrue(
          adminView
              .body()
              .contains(
                  "archipelago_sync_lag_events{account=\"AUTH_test\","
                      + perContainer
                      + ",primary=\"local-standard\",replica=\"site-b\"}"),
          adminView.body());

      HttpResponse<String> open = PlainHttp.send("GET", base + "/metrics");
      assertEquals(200, open.statusCode());
      assertFalse(open.body().contains(CONTAINER), open.body());
      assertFalse(open.body().contains("AUTH_test"), open.body());
      assertFalse(open.body().contains("account="), open.body());
      assertTrue(
          open.body()
              .contains(
                  "archipelago_sync_containers{primary=\"local-standard\",replica=\"site-b\"} 1"),
          open.body());
      assertTrue(
          open.body()
              .contains(
                  "archipelago_sync_lag_seconds{primary=\"local-standard\",replica=\"site-b\"}"),
          open.body());

      assertEquals(401, PlainHttp.send("GET", base + "/admin/metrics").statusCode());
      assertEquals(
          403,
          PlainHttp.send("GET", base + "/admin/metrics", Map.of("X-Auth-Token", tester.token()))
              .statusCode());
    }
  }

  @Test
  void aConfiguredBearerTokenGuardsMetrics() {
    try (TestGateway gateway =
        TestGateway.start(dataDir, Map.of("archipelago.http.metrics-token", "scrape-me"))) {
      String url = gateway.baseUrl() + "/metrics";
      HttpResponse<String> none = PlainHttp.send("GET", url);
      assertEquals(401, none.statusCode());
      assertEquals("Bearer realm=\"metrics\"", PlainHttp.header(none, "WWW-Authenticate"));
      assertEquals(
          401,
          PlainHttp.send("GET", url, Map.of("Authorization", "Bearer scrape-you")).statusCode());
      HttpResponse<String> ok =
          PlainHttp.send("GET", url, Map.of("Authorization", "Bearer scrape-me"));
      assertEquals(200, ok.statusCode());
      assertTrue(
          ok.body().contains("# TYPE archipelago_sync_copied_bytes_total counter"), ok.body());
    }
  }
}
