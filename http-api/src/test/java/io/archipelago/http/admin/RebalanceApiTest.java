package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The placement dry-run and the capacity rebalance through the admin API of an in-process gateway:
 * {@code local-standard} gets a small capacity (10,000 bytes) and is filled to 90 % (above the 85 %
 * high-water mark); once a second standard backend is added, the plan moves the one container that
 * brings it under the 70 % low-water mark, a reject holds it back, and an accept moves that
 * container for real (its objects read back from the new backend's files).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebalanceApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(RebalanceApiTest::config);

  static SwiftClient admin;
  static SwiftClient tester;

  private static Map<String, Object> config() {
    Map<String, Object> c = new HashMap<>();
    c.put("archipelago.engine.capacity-poll-interval", "500ms");
    c.put("archipelago.backends.local-standard.capacity", 10_000);
    c.put("archipelago.placement.rebalance.enabled", true);
    c.put("archipelago.migration.tick-interval", "200ms");
    c.put("archipelago.migration.progress-interval", "200ms");
    return c;
  }

  private static byte[] body(String container, int i, int size) {
    byte[] b = new byte[size];
    byte[] seed = (container + "-" + i + "|").getBytes(StandardCharsets.UTF_8);
    for (int k = 0; k < size; k++) {
      b[k] = seed[k % seed.length];
    }
    return b;
  }

  @BeforeAll
  static void start() throws Exception {
    admin = gateway.login("admin:admin", "admin");
    tester = gateway.login("test:tester", "testing");
    // 4500 + 3000 + 1500 = 9000 of 10,000 bytes on local-standard, the only standard backend
    for (String c : new String[] {"rb-big", "rb-mid", "rb-small"}) {
      assertEquals(201, tester.call("PUT", "/" + c).statusCode());
    }
    put("rb-big", 3);
    put("rb-mid", 2);
    put("rb-small", 1);
    eventually(
        "/admin/backends", b -> backend(b, "local-standard").path("usedBytes").asLong() == 9000);
  }

  private static void put(String container, int objects) {
    for (int i = 0; i < objects; i++) {
      HttpResponse<byte[]> r =
          tester.bytes("PUT", "/" + container + "/o" + i, Map.of(), body(container, i, 1500));
      assertEquals(201, r.statusCode());
    }
  }

  @Test
  @Order(1)
  void withoutAnotherBackendOfItsTierThePlanMovesNothingAndSaysWhy() throws Exception {
    JsonNode plan = get("/admin/rebalance/plan");
    assertEquals("empty", plan.path("status").asText(), plan.toPrettyString());
    assertEquals(0, plan.path("moves").size());
    JsonNode full = backend(plan, "local-standard");
    assertTrue(full.path("overHighWater").asBoolean());
    assertEquals(8500, full.path("highWaterBytes").asLong());
    assertTrue(plan.path("notes").get(0).asText().contains("stays above its low-water"));
    HttpResponse<String> accept =
        call("POST", "/admin/rebalance/plan/" + plan.path("id").asText() + "/accept", null);
    assertEquals(409, accept.statusCode(), accept.body());
    assertTrue(JSON.readTree(accept.body()).path("error").asText().contains("moves nothing"));
  }

  @Test
  @Order(2)
  void theDryRunExplainsEveryBackendAndAnUnknownPolicyIs400() throws Exception {
    addSecondStandardBackend();
    JsonNode standard = get("/admin/placement?policy=standard&account=AUTH_test");
    assertEquals("standard", standard.path("policy").path("name").asText());
    assertEquals("AUTH_test", standard.path("account").asText());
    assertEquals(
        "roomy", standard.path("chosen").path("primary").asText(), standard.toPrettyString());
    JsonNode full = backend(standard.path("candidates"), "local-standard");
    assertFalse(full.path("eligible").asBoolean());
    assertEquals("over-capacity", full.path("reason").asText());
    assertEquals(9000, full.path("usedBytes").asLong());
    assertEquals(1000, full.path("freeBytes").asLong());
    JsonNode archive = backend(standard.path("candidates"), "local-archive");
    assertEquals("wrong-tier", archive.path("reason").asText());
    assertEquals("does not carry the tier standard", archive.path("reasonText").asText());
    assertEquals("primary", backend(standard.path("candidates"), "roomy").path("chosen").asText());
    assertEquals(4, standard.path("candidates").size());

    JsonNode replicated = get("/admin/placement?policy=replicated");
    assertEquals("roomy", replicated.path("chosen").path("primary").asText());
    assertEquals("site-b", replicated.path("chosen").path("replicas").get(0).asText());
    JsonNode siteB = backend(replicated.path("candidates"), "site-b");
    assertEquals("replica", siteB.path("chosen").asText());
    assertTrue(siteB.path("asReplica").path("eligible").asBoolean());

    // what creation does: a new container of the policy lands where the dry-run said
    assertEquals(201, tester.call("PUT", "/rb-new").statusCode());
    assertEquals(
        "roomy",
        get("/admin/containers/AUTH_test/rb-new").path("assignment").path("primary").asText());

    HttpResponse<String> unknown = call("GET", "/admin/placement?policy=nope", null);
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.headers().firstValue("Content-Type").orElse("").contains("json"));
    assertTrue(JSON.readTree(unknown.body()).path("error").asText().contains("nope"));
    assertEquals(400, call("GET", "/admin/placement?policy=standard&bogus=1", null).statusCode());
  }

  @Test
  @Order(3)
  void aRejectedPlanIsNotCarriedOut() throws Exception {
    JsonNode plan = eventually("/admin/rebalance/plan", p -> p.path("moves").size() == 1);
    String id = plan.path("id").asText();
    HttpResponse<String> reject = call("POST", "/admin/rebalance/plan/" + id + "/reject", null);
    assertEquals(200, reject.statusCode(), reject.body());
    assertEquals("rejected", get("/admin/rebalance/plan").path("status").asText());
    HttpResponse<String> accept = call("POST", "/admin/rebalance/plan/" + id + "/accept", null);
    assertEquals(409, accept.statusCode(), accept.body());
    assertEquals(
        "local-standard",
        get("/admin/containers/AUTH_test/rb-mid").path("assignment").path("primary").asText());
  }

  @Test
  @Order(4)
  void anAcceptedPlanMovesTheContainerForReal() throws Exception {
    String rejected = get("/admin/rebalance/plan").path("id").asText();
    // the figures change (rb-mid grows by 100 bytes): a new plan, with a new id
    assertEquals(
        201, tester.bytes("PUT", "/rb-mid/extra", Map.of(), body("rb-mid", 9, 100)).statusCode());
    JsonNode plan =
        eventually(
            "/admin/rebalance/plan",
            p ->
                !p.path("id").asText().equals(rejected)
                    && p.path("moves").size() == 1
                    && backend(p, "local-standard").path("usedBefore").asLong() == 9100);
    assertEquals("open", plan.path("status").asText(), plan.toPrettyString());
    JsonNode move = plan.path("moves").get(0);
    // 9100 bytes, 7000 allowed: rb-mid (3100) alone brings it there; rb-big (4500) would move more
    assertEquals("rb-mid", move.path("container").asText());
    assertEquals("AUTH_test", move.path("account").asText());
    assertEquals(3100, move.path("bytes").asLong());
    assertEquals("local-standard", move.path("from").asText());
    assertEquals("roomy", move.path("to").asText());
    assertFalse(move.path("reason").asText().isEmpty());
    JsonNode full = backend(plan, "local-standard");
    assertEquals(9100, full.path("usedBefore").asLong());
    assertEquals(6000, full.path("usedAfter").asLong());
    assertEquals(3100, backend(plan, "roomy").path("usedAfter").asLong());

    HttpResponse<String> stale =
        call("POST", "/admin/rebalance/plan/" + rejected + "/accept", null);
    assertEquals(409, stale.statusCode(), stale.body());
    HttpResponse<String> accepted =
        call("POST", "/admin/rebalance/plan/" + plan.path("id").asText() + "/accept", null);
    assertEquals(202, accepted.statusCode(), accepted.body());
    JsonNode started = JSON.readTree(accepted.body()).path("migrations").get(0);
    assertTrue(started.path("started").asBoolean(), accepted.body());
    assertEquals("roomy", started.path("migration").path("target").asText());

    eventually(
        "/admin/containers/AUTH_test/rb-mid",
        c -> c.path("assignment").path("primary").asText().equals("roomy"));
    eventually(
        "/admin/containers/AUTH_test/rb-mid/migration",
        m -> m.path("phase").asText().equals("completed"));
    Path roomy = gateway.dataDir().resolve("backends").resolve("roomy");
    Path standard = gateway.dataDir().resolve("backends").resolve("local-standard");
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> r = tester.bytes("GET", "/rb-mid/o" + i, Map.of(), null);
      assertEquals(200, r.statusCode());
      assertArrayEquals(body("rb-mid", i, 1500), r.body());
      assertTrue(FsObjectFiles.holds(roomy, body("rb-mid", i, 1500)), "o" + i + " on roomy");
      assertFalse(FsObjectFiles.holds(standard, body("rb-mid", i, 1500)), "o" + i + " left");
    }
    // under the low-water mark now: nothing more to move
    JsonNode after =
        eventually(
            "/admin/rebalance/plan",
            p -> backend(p, "local-standard").path("usedBefore").asLong() == 6000);
    assertEquals("empty", after.path("status").asText(), after.toPrettyString());
    assertFalse(backend(after, "local-standard").path("overHighWater").asBoolean());
  }

  @Test
  @Order(5)
  void unknownPlansAndRebalanceOffAnswerJsonErrors() throws Exception {
    HttpResponse<String> r = call("POST", "/admin/rebalance/plan/0123456789abcdef/reject", null);
    assertEquals(409, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).has("error"));
  }

  private static void addSecondStandardBackend() {
    String body =
        "{\"id\":\"roomy\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],\"site\":\"local\","
            + "\"capacity\":1000000,\"settings\":{\"root\":\"backends/roomy\"}}";
    HttpResponse<String> r = call("POST", "/admin/backends", body);
    assertEquals(200, r.statusCode(), r.body());
  }

  private static JsonNode backend(JsonNode root, String id) {
    JsonNode list = root.isArray() ? root : root.path("backends");
    for (JsonNode b : list) {
      if (b.path("id").asText().equals(id)) {
        return b;
      }
    }
    return JSON.createObjectNode();
  }

  private static HttpResponse<String> call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
            .header("X-Auth-Token", admin.token())
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return admin.send(b.build());
  }

  private static JsonNode get(String path) throws IOException {
    HttpResponse<String> r = call("GET", path, null);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private static JsonNode eventually(String path, Predicate<JsonNode> until) throws Exception {
    JsonNode last = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      last = get(path);
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    fail(path + " did not get there; last: " + last);
    return last;
  }
}
