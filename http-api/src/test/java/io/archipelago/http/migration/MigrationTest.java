package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live migration between the two filesystem backends of the embedded defaults, through the admin
 * API: every phase as an event of the container, the copy keeping each object's X-Timestamp,
 * content type and metadata, the verification report, the cut-over, the source cleaned, a cancel
 * that leaves the container as it was (writes made meanwhile included), time windows, and the API's
 * refusals.
 */
class MigrationTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval", "200ms",
              "archipelago.migration.progress-interval", "200ms"));

  static SwiftClient client;
  static MigrationAdmin admin;

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    admin = new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
  }

  private static Path backend(String id) {
    return gateway.dataDir().resolve("backends").resolve(id);
  }

  private static byte[] body(String container, int i) {
    return (container + " object " + i + " ").repeat(10 + i).getBytes(StandardCharsets.UTF_8);
  }

  private static void put(String container, String name, byte[] data, Map<String, String> headers) {
    HttpResponse<byte[]> r = client.bytes("PUT", "/" + container + "/" + name, headers, data);
    assertEquals(201, r.statusCode(), name);
  }

  @Test
  void aContainerMovesWithItsObjectsTheirTimestampsAndMetadataAndTheSourceIsCleaned()
      throws Exception {
    String c = "moving";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    int n = 25;
    Map<String, String> lastModified = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      put(
          c,
          "obj-" + i,
          body(c, i),
          Map.of("Content-Type", "text/x-test-" + i, "X-Object-Meta-Index", "" + i));
      HttpResponse<String> head = client.call("HEAD", "/" + c + "/obj-" + i);
      lastModified.put("obj-" + i, head.headers().firstValue("X-Timestamp").orElseThrow());
    }
    assertTrue(FsObjectFiles.holds(backend("local-standard"), body(c, 3)));

    JsonNode started = admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");
    assertEquals("started", started.path("phase").asText(), started.toPrettyString());
    assertEquals("local-standard", started.path("source").asText());
    assertEquals("local-archive", started.path("target").asText());
    assertEquals("admin:admin", started.path("startedBy").asText());
    assertEquals(n, started.path("objectsTotal").asLong());
    assertTrue(started.path("verification").isNull());
    for (String field :
        List.of(
            "account",
            "container",
            "id",
            "objectsCopied",
            "bytesCopied",
            "bytesTotal",
            "objectsLeft",
            "bytesLeft",
            "bytesPerSecond",
            "etaSeconds",
            "errors",
            "startedAt",
            "updatedAt")) {
      assertTrue(started.has(field), field + " in " + started);
    }

    JsonNode done =
        admin.await(
            "AUTH_test",
            c,
            m -> m.path("phase").asText().equals("completed"),
            Duration.ofSeconds(60));
    assertEquals(n, done.path("objectsCopied").asLong(), done.toPrettyString());
    assertEquals(0, done.path("objectsLeft").asLong());
    assertTrue(done.path("verification").path("passed").asBoolean(), done.toPrettyString());
    assertEquals(n, done.path("verification").path("compared").asLong());
    assertTrue(done.path("verification").path("sampled").asLong() > 0, done.toPrettyString());
    assertEquals(0, done.path("errors").size());

    assertEquals(
        "local-archive",
        admin.container("AUTH_test", c).path("assignment").path("primary").asText());
    for (int i = 0; i < n; i++) {
      HttpResponse<byte[]> get = client.bytes("GET", "/" + c + "/obj-" + i, Map.of(), null);
      assertEquals(200, get.statusCode());
      assertArrayEquals(body(c, i), get.body());
      assertEquals("text/x-test-" + i, get.headers().firstValue("Content-Type").orElseThrow());
      assertEquals("" + i, get.headers().firstValue("X-Object-Meta-Index").orElseThrow());
      assertEquals(
          lastModified.get("obj-" + i), get.headers().firstValue("X-Timestamp").orElseThrow());
      assertTrue(FsObjectFiles.holds(backend("local-archive"), body(c, i)));
      assertFalse(FsObjectFiles.holds(backend("local-standard"), body(c, i)), "left on source");
    }
    HttpResponse<String> head = client.call("HEAD", "/" + c);
    assertEquals("" + n, head.headers().firstValue("X-Container-Object-Count").orElseThrow());
    assertEquals(n, client.call("GET", "/" + c).body().lines().count());

    // Every phase is an event of the container in the audit log, with who started it.
    HttpResponse<String> audit = admin.call("GET", "audit?account=AUTH_test&container=" + c, null);
    assertEquals(200, audit.statusCode(), audit.body());
    List<String> types = new ArrayList<>();
    for (String line : audit.body().split("\n")) {
      if (!line.isBlank()) {
        JsonNode e = MigrationAdmin.json(line);
        String type = e.path("type").asText();
        if (type.startsWith("Migration")) {
          types.add(type);
          if (type.equals("MigrationStarted")) {
            assertEquals("admin:admin", e.path("principal").asText(), line);
          }
        }
      }
    }
    assertTrue(
        types.containsAll(
            Set.of(
                "MigrationStarted",
                "MigrationProgressed",
                "MigrationVerified",
                "MigrationCutOver",
                "MigrationSourceCleaned",
                "MigrationCompleted")),
        types.toString());

    // Finished: cancelling is refused, a new migration back is allowed.
    assertEquals(
        409, admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null).statusCode());
    HttpResponse<String> list = admin.call("GET", "migrations", null);
    assertEquals(200, list.statusCode());
    assertTrue(list.body().contains("\"" + done.path("id").asText() + "\""), list.body());
  }

  @Test
  void aCancelLeavesTheContainerAsItWasWithTheWritesMadeMeanwhile() throws Exception {
    String c = "staying";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    int n = 30;
    for (int i = 0; i < n; i++) {
      put(c, "obj-" + i, body(c, i), Map.of());
    }
    JsonNode started =
        admin.start(
            "AUTH_test",
            c,
            "{\"target\":\"local-archive\",\"throttle\":{\"requestsPerSecond\":5,\"parallelism\":1}}");
    admin.await(
        "AUTH_test",
        c,
        m -> m.path("phase").asText().equals("copying") && m.path("objectsCopied").asLong() > 0,
        Duration.ofSeconds(30));
    byte[] fresh = "written during the migration".getBytes(StandardCharsets.UTF_8);
    byte[] over = "overwritten during the migration".getBytes(StandardCharsets.UTF_8);
    put(c, "fresh", fresh, Map.of());
    put(c, "obj-" + (n - 1), over, Map.of());
    assertEquals(204, client.call("DELETE", "/" + c + "/obj-" + (n - 2)).statusCode());

    HttpResponse<String> cancelled =
        admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", MigrationAdmin.json(cancelled.body()).path("phase").asText());
    assertEquals(
        started.path("id").asText(), MigrationAdmin.json(cancelled.body()).path("id").asText());

    // Reads are right at once, and once the target's copy is gone everything is on the source.
    assertArrayEquals(fresh, client.bytes("GET", "/" + c + "/fresh", Map.of(), null).body());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (targetHoldsAny(c, n, fresh, over)) {
      assertTrue(System.nanoTime() < deadline, "the target's copy is still there");
      Thread.sleep(100);
    }
    assertTrue(FsObjectFiles.holds(backend("local-standard"), fresh));
    assertTrue(FsObjectFiles.holds(backend("local-standard"), over));
    assertFalse(FsObjectFiles.holds(backend("local-standard"), body(c, n - 2)));
    assertEquals(
        "local-standard",
        admin.container("AUTH_test", c).path("assignment").path("primary").asText());
    for (int i = 0; i < n - 2; i++) {
      assertArrayEquals(
          body(c, i), client.bytes("GET", "/" + c + "/obj-" + i, Map.of(), null).body());
    }
    assertArrayEquals(
        over, client.bytes("GET", "/" + c + "/obj-" + (n - 1), Map.of(), null).body());
    assertEquals(404, client.call("GET", "/" + c + "/obj-" + (n - 2)).statusCode());
    assertEquals(n, client.call("GET", "/" + c).body().lines().count()); // n - 1 + fresh
    assertEquals(
        "" + n,
        client
            .call("HEAD", "/" + c)
            .headers()
            .firstValue("X-Container-Object-Count")
            .orElseThrow());
    assertEquals(
        409, admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null).statusCode());
  }

  private static boolean targetHoldsAny(String c, int n, byte[]... more) {
    for (int i = 0; i < n; i++) {
      if (FsObjectFiles.holds(backend("local-archive"), body(c, i))) {
        return true;
      }
    }
    for (byte[] b : more) {
      if (FsObjectFiles.holds(backend("local-archive"), b)) {
        return true;
      }
    }
    return false;
  }

  /** A window {@code from} to {@code to} minutes from now (UTC, HH:MM-HH:MM). */
  private static String window(int from, int to) {
    LocalTime now = LocalTime.now(ZoneOffset.UTC);
    DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
    return now.plusMinutes(from).format(hhmm) + "-" + now.plusMinutes(to).format(hhmm);
  }

  @Test
  void outsideItsWindowAMigrationCopiesNothingAndCancelsCleanlyInsideItCompletes()
      throws Exception {
    String c = "windowed";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    int n = 8;
    for (int i = 0; i < n; i++) {
      put(c, "obj-" + i, body(c, i), Map.of());
    }
    String closed = window(120, 180);
    JsonNode started =
        admin.start(
            "AUTH_test",
            c,
            "{\"target\":\"local-archive\",\"throttle\":{\"windows\":[\"" + closed + "\"]}}");
    assertEquals(
        closed, started.path("throttle").path("windows").get(0).asText(), started.toPrettyString());
    // several ticks and progress intervals (200 ms each): the copy waits, nothing moves
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      JsonNode now = admin.migration("AUTH_test", c);
      assertEquals(0, now.path("objectsCopied").asLong(), now.toPrettyString());
      // nothing was recorded: the phase stays where the copy starts
      assertTrue(
          Set.of("started", "copying").contains(now.path("phase").asText()), now.toPrettyString());
      Thread.sleep(200);
    }
    for (int i = 0; i < n; i++) {
      assertFalse(FsObjectFiles.holds(backend("local-archive"), body(c, i)), "copied: " + i);
    }

    HttpResponse<String> cancelled =
        admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", MigrationAdmin.json(cancelled.body()).path("phase").asText());

    // Once the cancel is settled (the waiting run ended; its clean-up ran) a new migration is
    // accepted; this one's window is open now, and it completes.
    String open = window(-120, 120);
    String again =
        "{\"target\":\"local-archive\",\"throttle\":{\"windows\":[\""
            + closed
            + "\",\""
            + open
            + "\"]}}";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> restarted;
    while ((restarted = admin.call("POST", "containers/AUTH_test/" + c + "/migrate", again))
            .statusCode()
        == 409) {
      assertTrue(System.nanoTime() < deadline, "the cancel never settled: " + restarted.body());
      Thread.sleep(100);
    }
    assertEquals(202, restarted.statusCode(), restarted.body());
    JsonNode done =
        admin.await(
            "AUTH_test",
            c,
            m -> m.path("phase").asText().equals("completed"),
            Duration.ofSeconds(60));
    assertEquals(n, done.path("objectsCopied").asLong(), done.toPrettyString());
    assertEquals(2, done.path("throttle").path("windows").size(), done.toPrettyString());
    for (int i = 0; i < n; i++) {
      assertArrayEquals(
          body(c, i), client.bytes("GET", "/" + c + "/obj-" + i, Map.of(), null).body());
      assertTrue(FsObjectFiles.holds(backend("local-archive"), body(c, i)));
    }
  }

  @Test
  void theApiRefusesWhatCannotBeDone() {
    String c = "refusals";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    String path = "containers/AUTH_test/" + c + "/migrate";
    assertEquals(
        404,
        admin
            .call("POST", "containers/AUTH_test/nope/migrate", "{\"target\":\"local-archive\"}")
            .statusCode());
    assertEquals(404, admin.call("POST", path, "{\"target\":\"tape\"}").statusCode());
    assertEquals(404, admin.call("POST", path, "{\"policy\":\"gold\"}").statusCode());
    HttpResponse<String> same = admin.call("POST", path, "{\"target\":\"local-standard\"}");
    assertEquals(409, same.statusCode(), same.body());
    assertEquals(400, admin.call("POST", path, "{not json").statusCode());
    assertEquals(400, admin.call("POST", path, "{}").statusCode());
    assertEquals(
        400,
        admin
            .call("POST", path, "{\"target\":\"local-archive\",\"policy\":\"archive\"}")
            .statusCode());
    assertEquals(
        400,
        admin
            .call("POST", path, "{\"target\":\"local-archive\",\"throttle\":{\"parallelism\":-1}}")
            .statusCode());
    HttpResponse<String> badWindow =
        admin.call(
            "POST",
            path,
            "{\"target\":\"local-archive\",\"throttle\":{\"windows\":[\"22:00-24:00\"]}}");
    assertEquals(400, badWindow.statusCode(), badWindow.body());
    assertTrue(badWindow.body().contains("hours go from 00 to 23"), badWindow.body());
    assertTrue(
        badWindow.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        badWindow.headers().map().toString());
    assertEquals(
        404, admin.call("GET", "containers/AUTH_test/" + c + "/migration", null).statusCode());
    assertEquals(
        404, admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null).statusCode());

    JsonNode byPolicy = admin.start("AUTH_test", c, "{\"policy\":\"archive\"}");
    assertEquals("local-archive", byPolicy.path("target").asText());
    HttpResponse<String> again = admin.call("POST", path, "{\"target\":\"local-archive\"}");
    assertEquals(409, again.statusCode(), again.body());
  }
}
