package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FederatedBackends.Kind;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Net;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A backend that goes down mid-run: its containers answer 503 with Retry-After and a body naming
 * the backend, containers on the other backends keep working, and its containers work again once it
 * is back.
 */
class BackendOutageIT {

  static RealBackends servers;

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(BackendOutageIT::config);

  static SwiftClient tester;

  /** The node's config overrides. */
  private static Map<String, Object> config() {
    servers = RealBackends.get();
    Map<String, Object> config = new HashMap<>(new FederatedBackends(servers).config());
    config.put("archipelago.engine.backend-health.max-failures", 2);
    config.put("archipelago.engine.backend-health.reset-timeout", "2s");
    config.put("archipelago.engine.backend-health.probe-interval", "500ms");
    config.put("archipelago.engine.backend-health.call-timeout", "5s");
    return config;
  }

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    for (Kind kind : Kind.values()) {
      String c = "/outage-" + kind.policy();
      assertEquals(
          201, tester.call("PUT", c, Map.of("X-Storage-Policy", kind.policy()), null).statusCode());
      assertEquals(201, tester.call("PUT", c + "/o", Map.of(), "before").statusCode());
    }
  }

  @Test
  void swiftClusterOutage() {
    servers.swiftB().stopProxy();
    try {
      assertOnlyThisBackendFails(Kind.SWIFT_B);
    } finally {
      servers.swiftB().startProxy();
    }
    assertRecovers(Kind.SWIFT_B);
  }

  @Test
  void s3Outage() {
    servers.s3().stop();
    try {
      assertOnlyThisBackendFails(Kind.S3);
    } finally {
      servers.s3().restart();
    }
    assertRecovers(Kind.S3);
  }

  private static void assertOnlyThisBackendFails(Kind down) {
    String c = "/outage-" + down.policy();
    for (String method : new String[] {"GET", "HEAD"}) {
      HttpResponse<String> r = tester.call(method, c + "/o");
      assertEquals(503, r.statusCode(), method);
      assertEquals("5", r.headers().firstValue("Retry-After").orElseThrow());
    }
    HttpResponse<String> get = tester.call("GET", c + "/o");
    assertTrue(get.body().contains("backend " + down.policy() + " is unavailable"), get.body());
    assertEquals(503, tester.call("PUT", c + "/new", Map.of(), "x").statusCode());
    assertEquals(503, tester.call("GET", c).statusCode());
    // The breaker opens: later requests fail at once instead of waiting for the backend.
    assertTrue(
        Net.await(
            Duration.ofSeconds(10),
            () -> tester.call("GET", c + "/o").body().contains("circuit breaker open")));
    long started = System.nanoTime();
    assertEquals(503, tester.call("GET", c + "/o").statusCode());
    // generous bound: the machine running the tests may be busy
    assertTrue(System.nanoTime() - started < 5_000_000_000L);
    // No new container is placed on it (or, once half-open, created there).
    HttpResponse<String> create =
        tester.call("PUT", c + "-new", Map.of("X-Storage-Policy", down.policy()), null);
    assertEquals(503, create.statusCode(), create.body());
    assertEquals(404, tester.call("HEAD", c + "-new").statusCode());
    for (Kind other : EnumSet.complementOf(EnumSet.of(down))) {
      String oc = "/outage-" + other.policy();
      assertEquals(200, tester.call("GET", oc + "/o").statusCode(), other.toString());
      assertEquals(
          201,
          tester.call("PUT", oc + "/during", Map.of(), "during").statusCode(),
          other.toString());
      assertEquals(200, tester.call("GET", oc).statusCode(), other.toString());
    }
  }

  private static void assertRecovers(Kind kind) {
    String c = "/outage-" + kind.policy();
    assertTrue(
        Net.await(Duration.ofSeconds(20), () -> tester.call("GET", c + "/o").statusCode() == 200),
        "no recovery: " + tester.call("GET", c + "/o").body());
    assertEquals("before", tester.call("GET", c + "/o").body());
    assertEquals(201, tester.call("PUT", c + "/after", Map.of(), "after").statusCode());
    assertEquals(200, tester.call("GET", c).statusCode());
  }
}
