package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Admin state changes from another origin are refused before anything is done (the console's CSRF
 * defence besides its token header); reads, and clients that send no Origin, are not affected.
 */
class AdminOriginTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient admin;

  @BeforeAll
  static void start() {
    admin = gateway.login("admin:admin", "admin");
  }

  @Test
  void aStateChangeFromAForeignOriginIsRefusedAndChangesNothing() {
    HttpResponse<String> refused = drain("local-archive", "http://evil.example");
    assertEquals(403, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("gateway's own origin"), refused.body());
    assertEquals(403, drain("local-archive", "null").statusCode());
    // same host, another port: another origin
    String otherPort = gateway.baseUrl().replaceFirst(":(\\d+)$", ":1");
    assertEquals(403, drain("local-archive", otherPort).statusCode());
    assertTrue(backends().contains("\"state\" : \"active\""), backends());
    assertFalse(backends().contains("draining"), backends());
  }

  @Test
  void theGatewaysOwnOriginAndNoOriginAreAccepted() {
    HttpResponse<String> own = drain("local-archive", gateway.baseUrl());
    assertEquals(200, own.statusCode(), own.body());
    assertTrue(backends().contains("draining"), backends());
    HttpResponse<String> none = drain("local-archive", null, "active");
    assertEquals(200, none.statusCode(), none.body());
    assertFalse(backends().contains("draining"), backends());
  }

  @Test
  void readsFromAnyOriginAreNotRefused() {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .header("Origin", "http://evil.example")
                .GET()
                .build());
    assertEquals(200, r.statusCode());
  }

  @Test
  void sameAuthorityComparesHostAndPortWithDefaultPorts() {
    assertTrue(AdminOrigin.sameAuthority("http://gw.example", "gw.example"));
    assertTrue(AdminOrigin.sameAuthority("http://gw.example:80", "gw.example"));
    assertTrue(AdminOrigin.sameAuthority("https://GW.example", "gw.example:443"));
    assertTrue(AdminOrigin.sameAuthority("http://127.0.0.1:8080", "127.0.0.1:8080"));
    assertTrue(AdminOrigin.sameAuthority("http://[::1]:8080", "[::1]:8080"));
    assertFalse(AdminOrigin.sameAuthority("http://gw.example:8080", "gw.example"));
    assertFalse(AdminOrigin.sameAuthority("http://gw.example.evil", "gw.example"));
    assertFalse(AdminOrigin.sameAuthority("null", "gw.example"));
    assertFalse(AdminOrigin.sameAuthority("file://gw.example", "gw.example"));
    assertFalse(AdminOrigin.sameAuthority("http://gw.example/x", "gw.example"));
    assertFalse(AdminOrigin.sameAuthority("not a uri", "gw.example"));
  }

  private static HttpResponse<String> drain(String backend, String origin) {
    return drain(backend, origin, "draining");
  }

  private static HttpResponse<String> drain(String backend, String origin, String state) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(gateway.baseUrl() + "/admin/backends/" + backend + "/state"))
            .header("X-Auth-Token", admin.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"state\":\"" + state + "\"}"));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return admin.send(b.build());
  }

  private static String backends() {
    return admin
        .send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build())
        .body();
  }
}
