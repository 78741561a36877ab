package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Migrations of replicated containers (the root application.conf's {@code replicated} policy:
 * primary on local-standard, replica on site-b), with local-archive as the third filesystem
 * backend: a replica moves (the replica set and the sync follow it; clients keep the primary), the
 * primary moves (the replicas are reconciled against the new primary), and what cannot be done is
 * refused. What each backend holds is read from its files directly.
 */
class ReplicatedMigrationTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval", "200ms",
              "archipelago.migration.progress-interval", "200ms",
              "archipelago.sync.repair-interval", "1s",
              "archipelago.sync.progress-interval", "300ms",
              "jdbc-read-journal.refresh-interval", "200ms"));

  static SwiftClient client;
  static MigrationAdmin admin;

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    admin = new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
  }

  private static ObjectStore backend(String id) {
    return new FilesystemObjectStore(
        "check-" + id, gateway.dataDir().resolve("backends").resolve(id), 0, gateway.system());
  }

  private static byte[] body(String name) {
    return (name + " content ").repeat(20).getBytes(StandardCharsets.UTF_8);
  }

  private static void put(String container, String name) {
    HttpResponse<byte[]> r =
        client.bytes("PUT", "/" + container + "/" + name, Map.of(), body(name));
    assertEquals(201, r.statusCode(), name);
  }

  private static void createReplicated(String container) {
    HttpResponse<String> r =
        client.call("PUT", "/" + container, Map.of("X-Storage-Policy", "replicated"), null);
    assertEquals(201, r.statusCode(), r.body());
  }

  /** Name -> (etag, timestamp) of every object of the container on a backend. */
  private static Map<String, String> held(String backend, String container) {
    ObjectStore store = backend(backend);
    BackendContainer where = new BackendContainer("AUTH_test", container);
    Map<String, String> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      ListingPage page;
      try {
        page =
            store
                .list(
                    where,
                    new ListingQuery(
                        Optional.empty(), Optional.empty(), marker, Optional.empty(), 1000, false))
                .toCompletableFuture()
                .join();
      } catch (CompletionException gone) {
        return rows; // the container is not (or no longer) on this backend
      }
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row.etag() + "@" + row.timestamp().internal());
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < 1000) {
        return rows;
      }
    }
  }

  private static void await(String what, Duration within, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    fail("timed out waiting for " + what);
  }

  private static List<String> toList(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void aReplicaMovesAndTheSyncFollowsItToTheNewBackend() throws Exception {
    String c = "replica-moves";
    createReplicated(c);
    for (int i = 0; i < 30; i++) {
      put(c, "obj-" + i);
    }
    await(
        "the replica on site-b",
        Duration.ofSeconds(30),
        () -> held("site-b", c).equals(held("local-standard", c)));

    JsonNode started =
        admin.start(
            "AUTH_test",
            c,
            "{\"target\":\"local-archive\",\"replica\":\"site-b\","
                + "\"throttle\":{\"requestsPerSecond\":20}}");
    assertEquals("site-b", started.path("source").asText(), started.toPrettyString());
    assertEquals("local-archive", started.path("target").asText());
    assertEquals("site-b", started.path("replica").asText());

    // Clients keep using the primary during the move: writes, overwrites, deletes.
    for (int i = 30; i < 40; i++) {
      put(c, "obj-" + i);
    }
    put(c, "obj-3");
    assertEquals(204, client.call("DELETE", "/" + c + "/obj-5").statusCode());

    JsonNode done =
        admin.await(
            "AUTH_test",
            c,
            m -> m.path("phase").asText().equals("completed"),
            Duration.ofSeconds(90));
    assertTrue(done.path("verification").path("passed").asBoolean(), done.toPrettyString());
    assertEquals(
        "local-standard",
        admin.container("AUTH_test", c).path("assignment").path("primary").asText());
    assertEquals(
        List.of("local-archive"),
        toList(admin.container("AUTH_test", c).path("assignment").path("replicas")));
    // Emptied by the clean-up, and by the sync once it passed the cut-over (changes from before
    // it that the sync copied late to the old replica go too).
    await(
        "the old replica to be emptied", Duration.ofSeconds(30), () -> held("site-b", c).isEmpty());

    // The reconcile after the move brings the new replica to the primary, and new changes follow.
    put(c, "after-move");
    assertEquals(204, client.call("DELETE", "/" + c + "/obj-7").statusCode());
    await(
        "the new replica on local-archive to equal the primary",
        Duration.ofSeconds(60),
        () -> {
          Map<String, String> primary = held("local-standard", c);
          return primary.containsKey("after-move")
              && !primary.containsKey("obj-7")
              && primary.equals(held("local-archive", c));
        });
    assertEquals(40 - 2 + 1, held("local-archive", c).size());
    await(
        "the new replica's sync to catch up",
        Duration.ofSeconds(30),
        () ->
            admin
                    .container("AUTH_test", c)
                    .path("sync")
                    .path("replicas")
                    .path("local-archive")
                    .path("failedObjects")
                    .asLong(-1)
                == 0);
    for (String name : List.of("obj-0", "obj-3", "obj-35", "after-move")) {
      HttpResponse<byte[]> get = client.bytes("GET", "/" + c + "/" + name, Map.of(), null);
      assertEquals(200, get.statusCode(), name);
      assertArrayEquals(body(name), get.body());
    }
    assertEquals(404, client.call("GET", "/" + c + "/obj-5").statusCode());
  }

  @Test
  void thePrimaryOfAReplicatedContainerMovesAndItsReplicaFollowsTheNewPrimary() throws Exception {
    String c = "primary-moves";
    createReplicated(c);
    for (int i = 0; i < 30; i++) {
      put(c, "obj-" + i);
    }
    JsonNode started =
        admin.start(
            "AUTH_test",
            c,
            "{\"target\":\"local-archive\",\"throttle\":{\"requestsPerSecond\":20}}");
    assertTrue(started.path("replica").isNull(), started.toPrettyString());
    for (int i = 30; i < 40; i++) {
      put(c, "obj-" + i);
    }
    put(c, "obj-3");
    assertEquals(204, client.call("DELETE", "/" + c + "/obj-5").statusCode());

    admin.await(
        "AUTH_test", c, m -> m.path("phase").asText().equals("completed"), Duration.ofSeconds(90));
    JsonNode assignment = admin.container("AUTH_test", c).path("assignment");
    assertEquals("local-archive", assignment.path("primary").asText());
    assertEquals(List.of("site-b"), toList(assignment.path("replicas")));
    assertEquals(Map.of(), held("local-standard", c), "the old primary is emptied");

    put(c, "after-move");
    await(
        "the replica on site-b to equal the new primary",
        Duration.ofSeconds(60),
        () -> {
          Map<String, String> primary = held("local-archive", c);
          return primary.containsKey("after-move")
              && primary.size() == 40
              && primary.equals(held("site-b", c));
        });
    for (String name : List.of("obj-0", "obj-3", "obj-35", "after-move")) {
      HttpResponse<byte[]> get = client.bytes("GET", "/" + c + "/" + name, Map.of(), null);
      assertEquals(200, get.statusCode(), name);
      assertArrayEquals(body(name), get.body());
    }
    assertEquals(404, client.call("GET", "/" + c + "/obj-5").statusCode());
  }

  @Test
  void movesThatCannotBeAreRefused() {
    String c = "replica-refusals";
    createReplicated(c);
    String path = "containers/AUTH_test/" + c + "/migrate";
    HttpResponse<String> toReplica = admin.call("POST", path, "{\"target\":\"site-b\"}");
    assertEquals(409, toReplica.statusCode(), toReplica.body());
    HttpResponse<String> notAReplica =
        admin.call("POST", path, "{\"target\":\"local-archive\",\"replica\":\"local-standard\"}");
    assertEquals(409, notAReplica.statusCode(), notAReplica.body());
    HttpResponse<String> ontoPrimary =
        admin.call("POST", path, "{\"target\":\"local-standard\",\"replica\":\"site-b\"}");
    assertEquals(409, ontoPrimary.statusCode(), ontoPrimary.body());
    HttpResponse<String> unknown =
        admin.call("POST", path, "{\"target\":\"local-archive\",\"replica\":\"tape\"}");
    assertEquals(404, unknown.statusCode(), unknown.body());
    HttpResponse<String> badType =
        admin.call("POST", path, "{\"target\":\"local-archive\",\"replica\":7}");
    assertEquals(400, badType.statusCode(), badType.body());
  }
}
