package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's {@code archipelago.migration.backend-limits} reach the migrations it runs: a target
 * backend whose only window is closed now receives nothing, though the migration's own throttle
 * allows everything.
 */
class BackendLimitsMigrationTest {

  /** Opens two hours from now, for an hour. */
  private static final String CLOSED;

  static {
    LocalTime now = LocalTime.now(ZoneOffset.UTC);
    DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
    CLOSED = now.plusHours(2).format(hhmm) + "-" + now.plusHours(3).format(hhmm);
  }

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval",
              "200ms",
              "archipelago.migration.progress-interval",
              "200ms",
              "archipelago.migration.backend-limits.local-archive.windows",
              List.of(CLOSED),
              "archipelago.migration.backend-limits.local-archive.parallelism",
              2));

  static SwiftClient client;
  static MigrationAdmin admin;

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    admin = new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
  }

  private static byte[] body(int i) {
    return ("limited object " + i + " ").repeat(20).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aBackendOutsideItsWindowReceivesNothing() throws Exception {
    String c = "limited";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    for (int i = 0; i < 5; i++) {
      HttpResponse<byte[]> r = client.bytes("PUT", "/" + c + "/obj-" + i, Map.of(), body(i));
      assertEquals(201, r.statusCode());
    }
    JsonNode started = admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");
    assertEquals(0, started.path("throttle").path("windows").size(), started.toPrettyString());
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) {
      JsonNode now = admin.migration("AUTH_test", c);
      assertEquals(0, now.path("objectsCopied").asLong(), now.toPrettyString());
      assertTrue(
          Set.of("started", "copying").contains(now.path("phase").asText()), now.toPrettyString());
      Thread.sleep(200);
    }
    for (int i = 0; i < 5; i++) {
      assertFalse(
          FsObjectFiles.holds(
              gateway.dataDir().resolve("backends").resolve("local-archive"), body(i)),
          "copied: " + i);
    }
    HttpResponse<String> cancelled =
        admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", MigrationAdmin.json(cancelled.body()).path("phase").asText());
  }
}
