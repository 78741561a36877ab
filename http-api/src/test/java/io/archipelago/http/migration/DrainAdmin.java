package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The drain admin API for tests, and a way to put containers on one chosen backend: the other
 * backends of its tier leave placement (draining) while they are created.
 */
final class DrainAdmin {

  final MigrationAdmin api;
  private final SwiftClient client;

  DrainAdmin(MigrationAdmin api, SwiftClient client) {
    this.api = api;
    this.client = client;
  }

  void addBackend(String id, String tier) {
    addBackend(id, tier, "default");
  }

  void addBackend(String id, String tier, String site) {
    HttpResponse<String> r =
        api.call(
            "POST",
            "backends",
            "{\"id\":\""
                + id
                + "\",\"kind\":\"filesystem\",\"tiers\":[\""
                + tier
                + "\"],\"site\":\""
                + site
                + "\",\"settings\":{\"root\":\"backends/"
                + id
                + "\"}}");
    assertEquals(200, r.statusCode(), r.body());
  }

  void setState(String id, String state) {
    HttpResponse<String> r =
        api.call("POST", "backends/" + id + "/state", "{\"state\":\"" + state + "\"}");
    assertEquals(200, r.statusCode(), r.body());
  }

  JsonNode backends() {
    HttpResponse<String> r = api.call("GET", "backends", null);
    assertEquals(200, r.statusCode(), r.body());
    return MigrationAdmin.json(r.body()).path("backends");
  }

  String state(String id) {
    for (JsonNode b : backends()) {
      if (b.path("id").asText().equals(id)) {
        return b.path("state").asText();
      }
    }
    return null;
  }

  /** Creates the containers (policy {@code policy}) on {@code backend}; returns their bodies. */
  Map<String, byte[]> placeOn(
      String backend, String tier, String policy, List<String> containers, int objects) {
    List<String> parked = new ArrayList<>();
    for (JsonNode b : backends()) {
      String id = b.path("id").asText();
      boolean sameTier = false;
      for (JsonNode t : b.path("tiers")) {
        sameTier |= t.asText().equals(tier);
      }
      if (!id.equals(backend) && sameTier && b.path("state").asText().equals("active")) {
        setState(id, "draining");
        parked.add(id);
      }
    }
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    try {
      for (String c : containers) {
        assertEquals(
            201, client.call("PUT", "/" + c, Map.of("X-Storage-Policy", policy), "").statusCode());
        assertEquals(
            backend, api.container("AUTH_test", c).path("assignment").path("primary").asText(), c);
        for (int i = 0; i < objects; i++) {
          byte[] body = (c + " object " + i + " ").repeat(5 + i).getBytes(StandardCharsets.UTF_8);
          HttpResponse<byte[]> put = client.bytes("PUT", "/" + c + "/obj-" + i, Map.of(), body);
          assertEquals(201, put.statusCode());
          bodies.put(c + "/obj-" + i, body);
        }
      }
    } finally {
      parked.forEach(id -> setState(id, "active"));
    }
    return bodies;
  }

  HttpResponse<String> call(String method, String backend, String action, String body) {
    return api.call(
        method, "backends/" + backend + "/drain" + (action == null ? "" : "/" + action), body);
  }

  JsonNode start(String backend, String body) {
    HttpResponse<String> r = call("POST", backend, null, body);
    assertEquals(202, r.statusCode(), r.body());
    return MigrationAdmin.json(r.body());
  }

  JsonNode drain(String backend) {
    HttpResponse<String> r = call("GET", backend, null, null);
    assertEquals(200, r.statusCode(), r.body());
    return MigrationAdmin.json(r.body());
  }

  JsonNode await(String backend, Predicate<JsonNode> until, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = drain(backend);
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    fail("drain did not get there in " + within + "; last: " + last);
    return last;
  }
}
