package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's X-Timestamp is checked as Swift checks it before anything reaches a backend or the
 * journal: out-of-range values used to overflow, be journaled, and make the container answer 503
 * after half a minute from the next recovery on, for good.
 */
class ClientTimestampTest {

  /** The three values of the report: journaled as an overflow, 503 with Jackson internals, 500. */
  private static final List<String> OVERFLOWING =
      List.of("9223372036854775807", "99999999999999", "92233720368548");

  /** The gateway honours and checks clients' X-Timestamp only with Swift's gatekeeper shunt off. */
  private static final Map<String, Object> CLIENT_TIMESTAMPS =
      Map.of("archipelago.http.shunt-inbound-x-timestamp", false);

  @TempDir Path dataDir;

  /**
   * By default, as Swift's gatekeeper: a tenant's X-Timestamp (far future, malformed, any) is
   * dropped and the write stamped now, so it cannot pin an object against later writes.
   */
  @Test
  void byDefaultAClientsTimestampIsIgnoredAsSwiftsGatekeeperDoes() {
    try (TestGateway gateway = TestGateway.start(dataDir)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals(201, tester.call("PUT", "/shunted").statusCode());
      for (String value : List.of("1900000000.00000", "99999999999.9999999999", "-1", "junk")) {
        double before = System.currentTimeMillis() / 1000.0 - 1;
        assertEquals(
            201,
            tester
                .call("PUT", "/shunted/o", Map.of("X-Timestamp", value), "v" + value)
                .statusCode(),
            value);
        double stored =
            Double.parseDouble(
                tester
                    .call("HEAD", "/shunted/o")
                    .headers()
                    .firstValue("X-Timestamp")
                    .orElseThrow());
        assertTrue(stored >= before && stored < before + 120, value + " -> " + stored);
      }
      // the far-future value did not pin the object: the last write won
      assertEquals("vjunk", tester.call("GET", "/shunted/o").body());
    }
  }

  @Test
  void outOfRangeTimestampsAnswer400AsSwiftAndNothingIsStoredOrJournaled() {
    try (TestGateway gateway = TestGateway.start(dataDir, CLIENT_TIMESTAMPS)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
      assertEquals(201, tester.call("PUT", "/stamps").statusCode());
      assertEquals(
          201,
          tester
              .call("PUT", "/stamps/kept", Map.of("X-Timestamp", "1700000000.5"), "kept")
              .statusCode());

      List<String> refused = new java.util.ArrayList<>(OVERFLOWING);
      refused.addAll(
          List.of(
              "10000000000",
              "-1",
              "nan",
              "inf",
              "1.5x",
              "1234567890.12345_xyz",
              "1234567890.12345_10000000000000000",
              "1234567890.12345_1_2",
              "it's"));
      for (String value : refused) {
        String expected =
            "X-Timestamp should be a UNIX timestamp float value; was "
                + (value.equals("it's") ? "\"it's\"" : "'" + value + "'");
        for (String method : List.of("PUT", "POST", "DELETE", "COPY")) {
          String path = method.equals("PUT") ? "/stamps/new" : "/stamps/kept";
          Map<String, String> headers =
              method.equals("COPY")
                  ? Map.of("X-Timestamp", value, "Destination", "stamps/copy")
                  : Map.of("X-Timestamp", value);
          HttpResponse<String> r =
              tester.call(method, path, headers, method.equals("PUT") ? "body" : null);
          assertEquals(400, r.statusCode(), method + " " + value + ": " + r.body());
          assertEquals(expected, r.body(), method + " " + value);
          assertTrue(
              r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"),
              method);
        }
      }

      assertEquals(404, tester.call("HEAD", "/stamps/new").statusCode());
      assertEquals(404, tester.call("HEAD", "/stamps/copy").statusCode());
      HttpResponse<String> kept = tester.call("HEAD", "/stamps/kept");
      assertEquals(200, kept.statusCode());
      assertEquals("1700000000.50000", kept.headers().firstValue("X-Timestamp").orElseThrow());
      assertEquals(
          "1",
          tester
              .call("HEAD", "/stamps")
              .headers()
              .firstValue("X-Container-Object-Count")
              .orElseThrow());
      // The journal holds the container's creation and the one good write, nothing else.
      HttpResponse<String> audit =
          admin.send(
              HttpRequest.newBuilder(
                      URI.create(
                          gateway.baseUrl() + "/admin/audit?account=AUTH_test&container=stamps"))
                  .header("X-Auth-Token", admin.token())
                  .timeout(Duration.ofSeconds(60))
                  .GET()
                  .build());
      assertEquals(200, audit.statusCode());
      List<String> lines = audit.body().lines().filter(l -> !l.isBlank()).toList();
      assertEquals(2, lines.size(), audit.body());
      assertTrue(
          lines.get(0).contains("ContainerCreated") && lines.get(1).contains("ObjectWritten"),
          audit.body());
      assertFalse(audit.body().contains("-1.00000"), audit.body());
    }

    // After such attempts a restarted node serves the container at once.
    try (TestGateway gateway = TestGateway.start(dataDir, CLIENT_TIMESTAMPS)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      long started = System.nanoTime();
      HttpResponse<String> head = tester.call("HEAD", "/stamps");
      assertEquals(204, head.statusCode(), head.body());
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "answered late");
      assertEquals("1", head.headers().firstValue("X-Container-Object-Count").orElseThrow());
      assertEquals(201, tester.call("PUT", "/stamps/after", Map.of(), "after").statusCode());
      assertEquals(200, tester.call("GET", "/stamps/kept").statusCode());
    }
  }

  @Test
  void acceptsSwiftsFormsWithAnOffsetAndKeepsTheBase() {
    try (TestGateway gateway = TestGateway.start(dataDir, CLIENT_TIMESTAMPS)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals(201, tester.call("PUT", "/offsets").statusCode());
      HttpResponse<String> put =
          tester.call(
              "PUT",
              "/offsets/o",
              Map.of("X-Timestamp", "1234567890.12345_000000000000000a"),
              "with offset");
      assertEquals(201, put.statusCode(), put.body());
      assertEquals("1234567890.12345", put.headers().firstValue("X-Timestamp").orElseThrow());
      // Swift's rounding to 10 microseconds, and an older timestamp losing as in Swift (202).
      HttpResponse<String> newer =
          tester.call("PUT", "/offsets/o", Map.of("X-Timestamp", "1234567890.123456"), "newer");
      assertEquals(201, newer.statusCode(), newer.body());
      assertEquals("1234567890.12346", newer.headers().firstValue("X-Timestamp").orElseThrow());
      assertEquals(
          202,
          tester
              .call("PUT", "/offsets/o", Map.of("X-Timestamp", "1234567890"), "older")
              .statusCode());
      assertEquals("newer", tester.call("GET", "/offsets/o").body());
    }
  }
}
