package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read-only admin endpoints the console needs: container search over the cluster's route view,
 * backend health (breaker, last probe), replicas' sync state, and the request counters of the
 * metrics. Admins only; bad parameters are 400.
 */
class InventoryApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.engine.capacity-poll-interval", "1s"));

  static SwiftClient admin;
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    admin = gateway.login("admin:admin", "admin");
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/inv-photos").statusCode());
    assertEquals(201, tester.call("PUT", "/inv-Music").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/inv-replicated", Map.of("X-Storage-Policy", "replicated"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/inv-replicated/o1", Map.of(), "hello").statusCode());
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    assertEquals(201, other.call("PUT", "/inv-photos").statusCode());
  }

  @Test
  void containersAreFoundByAccountAndNamePartsCaseInsensitively() throws Exception {
    JsonNode all = eventually("/admin/containers?name=inv-", r -> r.path("containers").size() >= 4);
    assertEquals(4, all.path("containers").size(), all.toString());
    assertFalse(all.path("truncated").asBoolean());
    JsonNode photos = get("/admin/containers?account=auth_test2&name=PHOTOS");
    assertEquals(List.of("AUTH_test2/inv-photos"), names(photos), photos.toString());
    JsonNode music = get("/admin/containers?account=AUTH_TEST&name=music");
    assertEquals(List.of("AUTH_test/inv-Music"), names(music), music.toString());
    JsonNode both = get("/admin/containers?name=inv-photos");
    assertEquals(List.of("AUTH_test/inv-photos", "AUTH_test2/inv-photos"), names(both));
    JsonNode replicated = get("/admin/containers?account=AUTH_test&name=inv-replicated");
    JsonNode row = replicated.path("containers").get(0);
    assertEquals("replicated", row.path("policy").asText());
    assertEquals("local-standard", row.path("primary").asText());
    assertEquals("site-b", row.path("replicas").get(0).asText());
    JsonNode limited = get("/admin/containers?name=inv-&limit=2");
    assertEquals(2, limited.path("containers").size());
    assertTrue(limited.path("truncated").asBoolean());
  }

  @Test
  void deletedContainersAreLeftOutUnlessAsked() throws Exception {
    assertEquals(201, tester.call("PUT", "/inv-gone").statusCode());
    eventually("/admin/containers?name=inv-gone", r -> r.path("containers").size() == 1);
    assertEquals(204, tester.call("DELETE", "/inv-gone").statusCode());
    eventually("/admin/containers?name=inv-gone", r -> r.path("containers").size() == 0);
    JsonNode withDeleted = get("/admin/containers?name=inv-gone&deleted=true");
    assertEquals("deleted", withDeleted.path("containers").get(0).path("state").asText());
  }

  @Test
  void backendHealthNamesTheBreakerAndTheLastProbe() throws Exception {
    JsonNode health =
        eventually(
            "/admin/backend-health",
            r -> {
              for (JsonNode b : r.path("backends")) {
                if (b.path("lastProbe").isNull()) {
                  return false;
                }
              }
              return true;
            });
    List<String> ids = new ArrayList<>();
    for (JsonNode b : health.path("backends")) {
      ids.add(b.path("id").asText());
      assertEquals("none", b.path("breaker").asText(), "filesystem backends have no breaker");
      assertTrue(b.path("lastProbe").path("ok").asBoolean(), b.toString());
      Instant at = Instant.parse(b.path("lastProbe").path("at").asText());
      assertTrue(at.isAfter(Instant.now().minus(Duration.ofMinutes(1))), at.toString());
    }
    assertEquals(List.of("local-archive", "local-standard", "site-b"), ids);
  }

  @Test
  void syncListsEachReplicaOfTheReplicatedContainers() throws Exception {
    JsonNode sync = eventually("/admin/sync", r -> r.path("replicas").size() >= 1);
    JsonNode replica = null;
    for (JsonNode r : sync.path("replicas")) {
      if (r.path("container").asText().equals("inv-replicated")) {
        replica = r;
      }
    }
    assertTrue(replica != null, sync.toString());
    assertEquals("AUTH_test", replica.path("account").asText());
    assertEquals("local-standard", replica.path("primary").asText());
    assertEquals("site-b", replica.path("replica").asText());
    assertTrue(replica.has("lagSeconds") && replica.has("lagEvents"), replica.toString());
    assertEquals(0, replica.path("failedObjects").asLong());
    assertEquals(0, sync.path("unanswered").asInt());
  }

  @Test
  void requestCountersAreInTheMetrics() {
    String metrics = admin.send(request("/admin/metrics").GET().build()).body();
    assertTrue(
        metrics.matches(
            "(?s).*archipelago_http_requests_total\\{method=\"PUT\",code=\"2xx\"} \\d+.*"),
        metrics);
    String open =
        admin
            .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/metrics")).build())
            .body();
    assertTrue(open.contains("archipelago_http_requests_total{method=\"GET\",code=\"2xx\"}"), open);
  }

  @Test
  void badParametersAre400AndNonAdminsAre403() {
    assertEquals(400, status(admin, "/admin/containers?limit=0"));
    assertEquals(400, status(admin, "/admin/containers?limit=x"));
    assertEquals(400, status(admin, "/admin/containers?color=blue"));
    assertEquals(400, status(admin, "/admin/containers?deleted=maybe"));
    assertEquals(400, status(admin, "/admin/sync?limit=100000"));
    assertEquals(403, status(tester, "/admin/containers"));
    assertEquals(403, status(tester, "/admin/backend-health"));
    assertEquals(403, status(tester, "/admin/sync"));
  }

  private static List<String> names(JsonNode result) {
    List<String> names = new ArrayList<>();
    for (JsonNode c : result.path("containers")) {
      names.add(c.path("account").asText() + "/" + c.path("container").asText());
    }
    return names;
  }

  private interface Check {
    boolean ok(JsonNode result);
  }

  /** The route view is gossiped: what an entity publishes arrives within moments. */
  private static JsonNode eventually(String path, Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode result = get(path);
    while (!check.ok(result) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      result = get(path);
    }
    return result;
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = admin.send(request(path).GET().build());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static int status(SwiftClient client, String path) {
    return client
        .send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("X-Auth-Token", client.token())
                .GET()
                .build())
        .statusCode();
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .header("X-Auth-Token", admin.token());
  }
}
