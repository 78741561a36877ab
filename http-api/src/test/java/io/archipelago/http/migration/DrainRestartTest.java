package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drain survives a restart of the gateway: stopped while its containers move, the node started
 * again on the same data directory (journal, backends) carries on from what the drain recorded and
 * ends drained, with every object readable.
 */
class DrainRestartTest {

  private static final Map<String, Object> FAST =
      Map.of(
          "archipelago.migration.tick-interval", "200ms",
          "archipelago.migration.progress-interval", "200ms",
          "archipelago.migration.drain.tick-interval", "200ms",
          "archipelago.migration.drain.settle", "1s");

  @TempDir Path dataDir;

  @Test
  void aDrainStoppedByARestartGoesOnAndEndsDrained() throws Exception {
    Map<String, byte[]> bodies;
    try (TestGateway first = TestGateway.start(dataDir, FAST)) {
      DrainAdmin drains = admin(first);
      drains.addBackend("spare-r", "standard");
      drains.addBackend("old-r", "standard");
      bodies = drains.placeOn("old-r", "standard", "standard", List.of("dr-1", "dr-2", "dr-3"), 20);
      drains.start(
          "old-r", "{\"concurrency\":1,\"throttle\":{\"requestsPerSecond\":10,\"parallelism\":1}}");
      drains.await(
          "old-r",
          d -> d.path("running").path(0).path("objectsCopied").asLong() > 0,
          Duration.ofSeconds(30));
    }
    try (TestGateway second = TestGateway.start(dataDir, FAST)) {
      // backends added through the admin API come back with the registry's recovery, which the
      // node's start waits for
      DrainAdmin drains = admin(second);
      JsonNode resumed = drains.drain("old-r");
      assertNotEquals("drained", resumed.path("state").asText(), resumed.toPrettyString());
      JsonNode done =
          drains.await(
              "old-r", d -> d.path("state").asText().equals("drained"), Duration.ofSeconds(90));
      assertEquals(3, done.path("containersDone").asInt(), done.toPrettyString());
      SwiftClient client = SwiftClient.login(second.baseUrl(), "test:tester", "testing");
      for (String c : List.of("dr-1", "dr-2", "dr-3")) {
        assertNotEquals(
            "old-r",
            drains.api.container("AUTH_test", c).path("assignment").path("primary").asText());
      }
      bodies.forEach(
          (path, body) -> {
            HttpResponse<byte[]> get = client.bytes("GET", "/" + path, Map.of(), null);
            assertEquals(200, get.statusCode(), path);
            assertArrayEquals(body, get.body(), path);
          });
    }
  }

  private static DrainAdmin admin(TestGateway gateway) {
    SwiftClient client = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    return new DrainAdmin(
        new MigrationAdmin(
            gateway.baseUrl(), SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin")),
        client);
  }
}
