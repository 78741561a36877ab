package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A migration's copy starts when the migration is recorded, not at the daemons' next tick: the
 * daemons' ticks are an hour apart here, and the route view they read at a tick tells subscribers
 * of a new migration only after a while.
 */
class MigrationStartTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval", "1h",
              "archipelago.migration.progress-interval", "200ms"));

  @Test
  void aStartedMigrationRunsWithoutWaitingForATick() throws Exception {
    SwiftClient client = gateway.login("test:tester", "testing");
    MigrationAdmin admin =
        new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
    String c = "started-at-once";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    int n = 5;
    for (int i = 0; i < n; i++) {
      assertEquals(
          201,
          client.bytes("PUT", "/" + c + "/o-" + i, Map.of(), new byte[] {(byte) i}).statusCode());
    }

    // past the daemons' one early look at the route view (2 s after they start, for migrations
    // recorded while they subscribe): from here only the start's message can start the copy
    Thread.sleep(4_000);
    admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");

    JsonNode done =
        admin.await(
            "AUTH_test",
            c,
            m -> m.path("phase").asText().equals("completed"),
            Duration.ofSeconds(30));
    assertEquals(n, done.path("objectsCopied").asLong(), done.toPrettyString());
    assertEquals(
        "local-archive",
        admin.container("AUTH_test", c).path("assignment").path("primary").asText());
  }
}
