package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Draining filesystem backends through the admin API: every container moves to the other backends
 * of its tier and the backend ends drained and removable; a cancel mid-way leaves the backend
 * active with its containers intact; pause stops new moves and resume finishes; a container with
 * nowhere to go is listed as failed and moves on retry once a backend can take it; a replica on the
 * drained backend moves as a replica (a replica migration) to a backend on a site the container
 * does not use.
 */
class DrainTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval", "200ms",
              "archipelago.migration.progress-interval", "200ms",
              "archipelago.migration.drain.tick-interval", "200ms",
              "archipelago.migration.drain.settle", "1s"));

  static SwiftClient client;
  static DrainAdmin drains;

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    drains =
        new DrainAdmin(
            new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin")), client);
    drains.addBackend("spare-1", "standard");
    drains.addBackend("spare-2", "standard");
  }

  private static Path files(String backend) {
    return gateway.dataDir().resolve("backends").resolve(backend);
  }

  private static String primary(String container) {
    return drains.api.container("AUTH_test", container).path("assignment").path("primary").asText();
  }

  private static void assertReadable(Map<String, byte[]> bodies) {
    bodies.forEach(
        (path, body) -> {
          HttpResponse<byte[]> get = client.bytes("GET", "/" + path, Map.of(), null);
          assertEquals(200, get.statusCode(), path);
          assertArrayEquals(body, get.body(), path);
        });
  }

  @Test
  void aBackendIsNotRemovableTheMomentAContainerIsPlacedThere() {
    drains.addBackend("fresh-a", "standard");
    // no objects and no pause: the DELETE follows the container's creation at once, before this
    // node's subscription to the replicated route view has heard of it
    drains.placeOn("fresh-a", "standard", "standard", List.of("fresh-1"), 0);
    HttpResponse<String> refused = drains.api.call("DELETE", "backends/fresh-a", null);
    assertEquals(409, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("AUTH_test/fresh-1"), refused.body());
  }

  @Test
  void aDrainMovesEveryContainerAwayAndTheBackendEndsDrainedAndRemovable() throws Exception {
    drains.addBackend("old-a", "standard");
    List<String> containers = List.of("da-1", "da-2", "da-3", "da-4", "da-5", "da-6");
    Map<String, byte[]> bodies = drains.placeOn("old-a", "standard", "standard", containers, 5);
    for (byte[] body : bodies.values()) {
      assertTrue(FsObjectFiles.holds(files("old-a"), body));
    }
    HttpResponse<String> refused = drains.api.call("DELETE", "backends/old-a", null);
    assertEquals(409, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("drain it first"), refused.body());
    assertEquals(404, drains.call("GET", "old-a", null, null).statusCode());

    // windows that together are the whole day: the drain's migrations carry them and still run
    JsonNode started =
        drains.start(
            "old-a",
            "{\"concurrency\":2,\"throttle\":{\"windows\":[\"00:00-23:59\",\"23:59-00:00\"]}}");
    assertEquals("draining", started.path("state").asText(), started.toPrettyString());
    assertEquals(
        "[\"00:00-23:59\",\"23:59-00:00\"]",
        started.path("throttle").path("windows").toString(),
        started.toPrettyString());
    assertEquals("old-a", started.path("backend").asText());
    assertEquals(2, started.path("concurrency").asInt());
    assertEquals("admin:admin", started.path("startedBy").asText());
    assertEquals("draining", drains.state("old-a"));
    // placement takes it out at once: a new container goes elsewhere
    assertEquals(201, client.call("PUT", "/da-new").statusCode());
    assertNotEquals("old-a", primary("da-new"));

    JsonNode done =
        drains.await(
            "old-a", d -> d.path("state").asText().equals("drained"), Duration.ofSeconds(90));
    assertEquals(6, done.path("containersTotal").asInt(), done.toPrettyString());
    assertEquals(6, done.path("containersDone").asInt());
    assertEquals(0, done.path("containersFailed").size());
    assertEquals(0, done.path("bytesLeft").asLong());
    assertEquals(0, done.path("objectsLeft").asLong());
    assertEquals(30, done.path("objectsCopied").asLong());
    for (String c : containers) {
      JsonNode moved = drains.api.migration("AUTH_test", c);
      assertEquals(
          "[\"00:00-23:59\",\"23:59-00:00\"]",
          moved.path("throttle").path("windows").toString(),
          moved.toPrettyString());
    }
    assertEquals(0, done.path("etaSeconds").asLong());
    Set<String> targets = new HashSet<>();
    for (String c : containers) {
      String now = primary(c);
      assertNotEquals("old-a", now, c);
      targets.add(now);
    }
    assertTrue(targets.size() > 1, "spread over the other backends: " + targets);
    assertReadable(bodies);
    bodies.forEach(
        (path, body) -> assertFalse(FsObjectFiles.holds(files("old-a"), body), "left " + path));

    // listed, audited with who started it, and the backend can go
    HttpResponse<String> list = drains.api.call("GET", "drains", null);
    assertEquals(200, list.statusCode());
    assertTrue(list.body().contains("\"old-a\""), list.body());
    HttpResponse<String> audit = drains.api.call("GET", "audit", null);
    List<String> types = new ArrayList<>();
    for (String line : audit.body().split("\n")) {
      if (line.contains("Drain|old-a")) {
        JsonNode e = MigrationAdmin.json(line);
        types.add(e.path("type").asText());
        if (e.path("type").asText().equals("DrainStarted")) {
          assertEquals("admin:admin", e.path("principal").asText(), line);
        }
      }
    }
    assertTrue(
        types.containsAll(
            List.of(
                "DrainStarted",
                "DrainContainersQueued",
                "DrainContainerMoving",
                "DrainContainerMoved",
                "DrainCompleted")),
        types.toString());
    assertEquals(200, drains.api.call("DELETE", "backends/old-a", null).statusCode());
    assertEquals(null, drains.state("old-a"));
  }

  @Test
  void aCancelMidwayLeavesTheBackendActiveWithItsContainersIntact() throws Exception {
    drains.addBackend("old-b", "standard");
    List<String> containers = List.of("db-1", "db-2", "db-3");
    Map<String, byte[]> bodies = drains.placeOn("old-b", "standard", "standard", containers, 30);
    drains.start(
        "old-b", "{\"concurrency\":1,\"throttle\":{\"requestsPerSecond\":5,\"parallelism\":1}}");
    drains.await(
        "old-b",
        d ->
            d.path("containersRunning").asInt() == 1
                && d.path("running").path(0).path("objectsCopied").asLong() > 0,
        Duration.ofSeconds(30));
    HttpResponse<String> cancelled = drains.call("DELETE", "old-b", null, null);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    JsonNode c = MigrationAdmin.json(cancelled.body());
    assertEquals("cancelled", c.path("state").asText(), c.toPrettyString());
    assertEquals(0, c.path("containersDone").asInt());
    assertEquals("active", drains.state("old-b"));
    for (String name : containers) {
      assertEquals("old-b", primary(name), name);
    }
    assertReadable(bodies);
    for (byte[] body : bodies.values()) {
      assertTrue(FsObjectFiles.holds(files("old-b"), body));
    }
    // nothing moves any more; a cancelled drain cannot be paused, and may start again
    Thread.sleep(1500);
    assertEquals("cancelled", drains.drain("old-b").path("state").asText());
    for (String name : containers) {
      assertEquals("old-b", primary(name), name);
    }
    assertEquals(409, drains.call("POST", "old-b", "pause", null).statusCode());
  }

  @Test
  void pauseStopsNewMovesAndResumeFinishesTheDrain() throws Exception {
    drains.addBackend("old-c", "standard");
    List<String> containers = List.of("dc-1", "dc-2", "dc-3", "dc-4");
    Map<String, byte[]> bodies = drains.placeOn("old-c", "standard", "standard", containers, 10);
    drains.start(
        "old-c", "{\"concurrency\":1,\"throttle\":{\"requestsPerSecond\":10,\"parallelism\":1}}");
    HttpResponse<String> paused = drains.call("POST", "old-c", "pause", null);
    assertEquals(200, paused.statusCode(), paused.body());
    assertEquals("paused", MigrationAdmin.json(paused.body()).path("state").asText());
    assertEquals(200, drains.call("POST", "old-c", "pause", null).statusCode());
    Thread.sleep(4000);
    JsonNode still = drains.drain("old-c");
    assertEquals("paused", still.path("state").asText());
    // at most the move that was running when it paused went on
    assertTrue(
        still.path("containersDone").asInt() + still.path("containersRunning").asInt() <= 1,
        still.toPrettyString());
    long onOld = containers.stream().filter(c -> primary(c).equals("old-c")).count();
    assertTrue(onOld >= 3, "moved while paused: " + (4 - onOld));

    HttpResponse<String> resumed = drains.call("POST", "old-c", "resume", null);
    assertEquals(200, resumed.statusCode(), resumed.body());
    assertEquals("draining", MigrationAdmin.json(resumed.body()).path("state").asText());
    drains.await("old-c", d -> d.path("state").asText().equals("drained"), Duration.ofSeconds(90));
    for (String c : containers) {
      assertNotEquals("old-c", primary(c), c);
    }
    assertReadable(bodies);
    assertEquals(409, drains.call("POST", "old-c", "resume", null).statusCode());
  }

  @Test
  void aContainerWithNowhereToGoFailsAndMovesOnRetry() throws Exception {
    drains.addBackend("old-d", "archive");
    Map<String, byte[]> bodies =
        drains.placeOn("old-d", "archive", "archive", List.of("dd-archived"), 3);
    // the only other archive backend is out of placement: nowhere to go
    drains.setState("local-archive", "down");
    try {
      drains.start("old-d", null);
      JsonNode failed =
          drains.await(
              "old-d", d -> d.path("state").asText().equals("failed"), Duration.ofSeconds(30));
      assertEquals(
          "AUTH_test/dd-archived", failed.path("containersFailed").path(0).asText(), "" + failed);
      assertTrue(
          failed.path("failures").path(0).path("error").asText().contains("tier archive"),
          failed.toPrettyString());
      assertEquals("old-d", primary("dd-archived"));
      assertEquals(
          400,
          drains
              .call("POST", "old-d", "retry", "{\"containers\":\"AUTH_test/dd-archived\"}")
              .statusCode());
      assertEquals(
          409,
          drains
              .call("POST", "old-d", "retry", "{\"containers\":[\"AUTH_test/other\"]}")
              .statusCode());
    } finally {
      drains.setState("local-archive", "active");
    }
    HttpResponse<String> retried =
        drains.call("POST", "old-d", "retry", "{\"containers\":[\"AUTH_test/dd-archived\"]}");
    assertEquals(200, retried.statusCode(), retried.body());
    assertEquals("draining", MigrationAdmin.json(retried.body()).path("state").asText());
    drains.await("old-d", d -> d.path("state").asText().equals("drained"), Duration.ofSeconds(60));
    assertEquals("local-archive", primary("dd-archived"));
    assertReadable(bodies);
  }

  @Test
  void aReplicaOnTheDrainedBackendMovesAsAReplicaToAnotherSite() throws Exception {
    drains.addBackend("old-rep", "standard-replica", "site-r");
    // the replica lands on old-rep: site-b, the other replica backend, is parked meanwhile
    drains.setState("site-b", "draining");
    try {
      assertEquals(
          201,
          client.call("PUT", "/dr-rep", Map.of("X-Storage-Policy", "replicated"), "").statusCode());
    } finally {
      drains.setState("site-b", "active");
    }
    JsonNode before = drains.api.container("AUTH_test", "dr-rep").path("assignment");
    assertEquals("old-rep", before.path("replicas").path(0).asText(), before.toPrettyString());
    String primary = before.path("primary").asText();
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      byte[] body = ("dr-rep object " + i + " ").repeat(9 + i).getBytes(StandardCharsets.UTF_8);
      assertEquals(201, client.bytes("PUT", "/dr-rep/obj-" + i, Map.of(), body).statusCode());
      bodies.put("dr-rep/obj-" + i, body);
    }

    // the sync brings the objects to the replica first: that is what the drain has to move
    awaitHeld("old-rep", bodies);

    drains.start("old-rep", "{\"concurrency\":1}");
    JsonNode done =
        drains.await(
            "old-rep", d -> d.path("state").asText().equals("drained"), Duration.ofSeconds(60));
    assertEquals(1, done.path("containersDone").asInt(), done.toPrettyString());
    assertEquals(0, done.path("containersFailed").size(), done.toPrettyString());
    // the replica moved (a replica migration), to the only other replica backend on a free site;
    // the primary stayed where it was
    JsonNode migration = drains.api.migration("AUTH_test", "dr-rep");
    assertEquals("old-rep", migration.path("replica").asText(), migration.toPrettyString());
    assertEquals("site-b", migration.path("target").asText(), migration.toPrettyString());
    JsonNode after = drains.api.container("AUTH_test", "dr-rep").path("assignment");
    assertEquals(primary, after.path("primary").asText(), after.toPrettyString());
    assertEquals(1, after.path("replicas").size(), after.toPrettyString());
    assertEquals("site-b", after.path("replicas").path(0).asText(), after.toPrettyString());
    awaitHeld("site-b", bodies);
    assertReadable(bodies);
    assertEquals(200, drains.api.call("DELETE", "backends/old-rep", null).statusCode());
  }

  private static void awaitHeld(String backend, Map<String, byte[]> bodies)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!bodies.values().stream().allMatch(b -> FsObjectFiles.holds(files(backend), b))) {
      assertTrue(System.nanoTime() < deadline, backend + " does not hold every object");
      Thread.sleep(200);
    }
  }

  @Test
  void badRequestsGetClearAnswers() {
    assertEquals(404, drains.call("POST", "no-such-backend", null, "{}").statusCode());
    assertEquals(404, drains.call("GET", "no-such-backend", null, null).statusCode());
    assertEquals(404, drains.call("DELETE", "no-such-backend", null, null).statusCode());
    assertEquals(400, drains.call("POST", "spare-1", null, "{\"concurrency\":0}").statusCode());
    assertEquals(400, drains.call("POST", "spare-1", null, "{\"speed\":1}").statusCode());
    assertEquals(400, drains.call("POST", "spare-1", null, "[1]").statusCode());
    assertEquals(400, drains.call("POST", "spare-1", null, "{\"throttle\":5}").statusCode());
    assertEquals(404, drains.call("POST", "spare-1", "pause", null).statusCode());
    assertEquals("active", drains.state("spare-1"));
  }
}
