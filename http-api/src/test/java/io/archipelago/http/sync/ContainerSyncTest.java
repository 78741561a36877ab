package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.adminJson;
import static io.archipelago.http.sync.SyncTesting.await;
import static io.archipelago.http.sync.SyncTesting.body;
import static io.archipelago.http.sync.SyncTesting.listing;
import static io.archipelago.http.sync.SyncTesting.names;
import static io.archipelago.http.sync.SyncTesting.putAll;
import static io.archipelago.http.sync.SyncTesting.read;
import static io.archipelago.http.sync.SyncTesting.where;
import static io.archipelago.http.testkit.Http.enc;
import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Multi-site containers on one in-JVM gateway with two filesystem backends on different sites (the
 * root application.conf's {@code replicated} policy: primary on local-standard, replica on site-b).
 * Outages are simulated with the backends' offline flag files. What arrived on a backend is checked
 * on the backend's files directly, not through the gateway.
 */
class ContainerSyncTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(ContainerSyncTest::overrides);

  static SwiftClient tester;
  static SwiftClient admin;
  static ObjectStore primary;
  static ObjectStore replica;
  static Path primaryOffline;
  static Path replicaOffline;

  /** The node's config overrides. */
  private static Map<String, Object> overrides() {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put(
        "archipelago.backends.local-standard.offline-flag-file", "local-standard.offline");
    overrides.put("archipelago.backends.site-b.offline-flag-file", "site-b.offline");
    overrides.put("archipelago.placement.policies.failover.tier", "standard");
    overrides.put("archipelago.placement.policies.failover.replicas", 1);
    overrides.put("archipelago.placement.policies.failover.replica-tier", "standard-replica");
    overrides.put("archipelago.placement.policies.failover.write-failover", true);
    overrides.put("archipelago.sync.repair-interval", "2s");
    overrides.put("archipelago.sync.backend-cooldown", "1s");
    overrides.put("archipelago.sync.retry-min-backoff", "100ms");
    overrides.put("archipelago.sync.attempts", 3);
    overrides.put("archipelago.sync.progress-interval", "500ms");
    overrides.put("jdbc-read-journal.refresh-interval", "200ms");
    return overrides;
  }

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
    primary =
        new FilesystemObjectStore(
            "check-primary",
            gateway.dataDir().resolve("backends/local-standard"),
            0,
            gateway.system());
    replica =
        new FilesystemObjectStore(
            "check-replica", gateway.dataDir().resolve("backends/site-b"), 0, gateway.system());
    primaryOffline = gateway.dataDir().resolve("local-standard.offline");
    replicaOffline = gateway.dataDir().resolve("site-b.offline");
  }

  @AfterEach
  void backendsBack() throws Exception {
    Files.deleteIfExists(primaryOffline);
    Files.deleteIfExists(replicaOffline);
  }

  static void createReplicated(String container, String policy) {
    HttpResponse<String> r =
        tester.call("PUT", "/" + container, Map.of("X-Storage-Policy", policy), null);
    assertEquals(201, r.statusCode(), r.body());
  }

  /** Waits until the replica holds exactly the primary's objects (name, etag, timestamp). */
  static void awaitConverged(String container, long timeoutMillis) {
    await(
        container + " to converge on the replica",
        timeoutMillis,
        () -> {
          Map<String, ListingEntry.ObjectRow> p = listing(primary, where(container));
          Map<String, ListingEntry.ObjectRow> r = listing(replica, where(container));
          return p.equals(r);
        });
  }

  static JsonNode containerAdmin(String container) {
    return adminJson(admin, gateway.baseUrl(), "GET", "/admin/containers/AUTH_test/" + container);
  }

  static void assertIdenticalOnReplica(String container, List<String> names, int maxSize) {
    for (String name : names) {
      byte[] expected = body(name, maxSize);
      byte[] onReplica = read(replica, where(container), name, gateway.system());
      assertNotNull(onReplica, name + " missing on the replica");
      assertArrayEquals(expected, onReplica, name);
      ObjectInfo p =
          primary.head(where(container), name).toCompletableFuture().join().orElseThrow();
      ObjectInfo r =
          replica.head(where(container), name).toCompletableFuture().join().orElseThrow();
      assertEquals(p, r, "metadata of " + name);
      assertEquals(md5(expected), r.etag());
    }
  }

  @Test
  void aThousandObjectsArriveByteIdenticalOnTheReplicaAndDeletesFollow() {
    createReplicated("thousand", "replicated");
    JsonNode state = containerAdmin("thousand");
    assertEquals("local-standard", state.at("/assignment/primary").asText());
    assertEquals("site-b", state.at("/assignment/replicas/0").asText());
    assertTrue(
        Files.isDirectory(gateway.dataDir().resolve("backends/site-b")),
        "container created on the replica");

    List<String> names = names("obj", 0, 1000);
    Map<String, Integer> statuses =
        putAll(
            tester,
            "thousand",
            names,
            8192,
            8,
            Map.of("X-Object-Meta-Origin", "sync-test", "Content-Type", "application/x-test"));
    assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
    awaitConverged("thousand", 60_000);
    assertIdenticalOnReplica("thousand", names, 8192);
    ObjectInfo sample =
        replica.head(where("thousand"), names.get(3)).toCompletableFuture().join().orElseThrow();
    assertEquals("application/x-test", sample.contentType());
    assertEquals("sync-test", sample.metadata().get("x-object-meta-origin"));

    for (String name : names.subList(0, 300)) {
      assertEquals(204, tester.call("DELETE", "/thousand/" + enc(name)).statusCode());
    }
    awaitConverged("thousand", 60_000);
    assertEquals(700, listing(replica, where("thousand")).size());
    assertNull(read(replica, where("thousand"), names.get(0), gateway.system()));

    await(
        "the lag to reach 0",
        10_000,
        () -> {
          JsonNode sync = containerAdmin("thousand").at("/sync/replicas/site-b");
          return sync.get("lagEvents").asLong() == 0 && sync.get("lagSeconds").asDouble() == 0;
        });
    JsonNode sync = containerAdmin("thousand").at("/sync/replicas/site-b");
    assertTrue(sync.get("lastError").isNull(), sync.toString());
    assertEquals(0, sync.get("conflicts").asLong());

    HttpResponse<String> metrics =
        tester.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/admin/metrics"))
                .header("X-Auth-Token", admin.token())
                .build());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertTrue(
        metrics
            .body()
            .contains(
                "archipelago_sync_lag_events{account=\"AUTH_test\",container=\"thousand\",primary=\"local-standard\",replica=\"site-b\"} 0"),
        metrics.body());
    assertTrue(
        metrics
            .body()
            .contains("archipelago_sync_lag_seconds{account=\"AUTH_test\",container=\"thousand\""));
    assertTrue(metrics.body().contains("# TYPE archipelago_sync_copied_bytes_total counter"));
    HttpResponse<String> scraped =
        tester.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/metrics")).build());
    assertEquals(200, scraped.statusCode());
    assertTrue(
        scraped
            .body()
            .contains("archipelago_sync_lag_events{primary=\"local-standard\",replica=\"site-b\"}"),
        scraped.body());
  }

  @Test
  void aSyncedContainerRecordsNoFurtherEventsWhileIdle() throws Exception {
    createReplicated("idle", "replicated");
    List<String> names = names("idle", 0, 5);
    Map<String, Integer> statuses = putAll(tester, "idle", names, 1024, 2, Map.of());
    assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
    awaitConverged("idle", 30_000);
    await(
        "the lag to reach 0",
        10_000,
        () -> containerAdmin("idle").at("/sync/replicas/site-b/lagEvents").asLong() == 0);
    JsonNode synced = containerAdmin("idle").at("/sync");
    assertEquals(
        synced.get("lastChangeSeqNr").asLong(),
        synced.at("/replicas/site-b/syncedSeqNr").asLong(),
        synced.toString());
    long events = eventsSoFar("idle");
    // The projection reads the entity's own progress events too: over several progress
    // intervals and read-journal polls, reporting them back must not record new ones.
    Thread.sleep(4_000);
    assertEquals(events, eventsSoFar("idle"), containerAdmin("idle").toString());
  }

  private static long eventsSoFar(String container) {
    return adminJson(
            admin,
            gateway.baseUrl(),
            "GET",
            "/admin/containers/AUTH_test/" + container + "/history?at=" + java.time.Instant.now())
        .get("sequenceNr")
        .asLong();
  }

  @Test
  void writesNeverFailWhileTheReplicaIsDownAndItConvergesAfterwards() throws Exception {
    createReplicated("outage", "replicated");
    List<String> names = names("o", 0, 1000);
    Map<String, Integer> first = putAll(tester, "outage", names.subList(0, 300), 4096, 8, Map.of());
    Files.createFile(replicaOffline);
    Map<String, Integer> during =
        putAll(tester, "outage", names.subList(300, 700), 4096, 8, Map.of());
    await(
        "the sync to record the outage",
        30_000,
        () -> containerAdmin("outage").at("/sync/replicas/site-b/needsReconcile").asBoolean());
    JsonNode down = containerAdmin("outage").at("/sync/replicas/site-b");
    assertTrue(down.get("lastError").asText().contains("site-b"), down.toString());
    assertTrue(down.get("lagEvents").asLong() > 0, down.toString());
    Files.delete(replicaOffline);
    Map<String, Integer> after =
        putAll(tester, "outage", names.subList(700, 1000), 4096, 8, Map.of());
    for (Map<String, Integer> statuses : List.of(first, during, after)) {
      assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
    }
    awaitConverged("outage", 90_000);
    assertIdenticalOnReplica("outage", names, 4096);
    await(
        "the replica to be reconciled",
        30_000,
        () -> {
          JsonNode sync = containerAdmin("outage").at("/sync/replicas/site-b");
          return !sync.get("needsReconcile").asBoolean() && sync.get("lagEvents").asLong() == 0;
        });
  }

  @Test
  void whileThePrimaryIsDownReadsComeFromTheReplicaAndWritesAnswer503() throws Exception {
    createReplicated("failover", "replicated");
    List<String> names = names("f", 0, 50);
    putAll(tester, "failover", names, 2048, 8, Map.of("X-Object-Meta-Kind", "synced"));
    awaitConverged("failover", 30_000);

    Files.createFile(primaryOffline);
    for (String name : names.subList(0, 10)) {
      HttpResponse<byte[]> get =
          tester.send(
              tester.request("/failover/" + enc(name)).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, get.statusCode(), name);
      assertArrayEquals(body(name, 2048), get.body());
      assertEquals("synced", get.headers().firstValue("X-Object-Meta-Kind").orElseThrow());
      assertEquals(200, tester.call("HEAD", "/failover/" + enc(name)).statusCode());
    }
    assertEquals(503, tester.call("PUT", "/failover/new-while-down", Map.of(), "x").statusCode());
    assertEquals(503, tester.call("DELETE", "/failover/" + enc(names.get(0))).statusCode());
    Files.delete(primaryOffline);

    assertEquals(201, tester.call("PUT", "/failover/after", Map.of(), "back").statusCode());
    awaitConverged("failover", 30_000);
    assertArrayEquals(
        "back".getBytes(), read(replica, where("failover"), "after", gateway.system()));
  }

  @Test
  void withWriteFailoverWritesGoToTheReplicaAndReachThePrimaryLater() throws Exception {
    createReplicated("wfo", "failover");
    assertEquals(201, tester.call("PUT", "/wfo/before", Map.of(), "before").statusCode());
    awaitConverged("wfo", 30_000);
    Files.createFile(primaryOffline);
    assertEquals(201, tester.call("PUT", "/wfo/during", Map.of(), "during").statusCode());
    HttpResponse<String> get = tester.call("GET", "/wfo/during");
    assertEquals(200, get.statusCode());
    assertEquals("during", get.body());
    assertEquals(1, containerAdmin("wfo").at("/sync/failoverWrites").size());
    Files.delete(primaryOffline);
    await(
        "the failover write to reach the primary",
        30_000,
        () -> read(primary, where("wfo"), "during", gateway.system()) != null);
    awaitConverged("wfo", 30_000);
    await(
        "the failover write to be resolved",
        10_000,
        () -> containerAdmin("wfo").at("/sync/failoverWrites").size() == 0);
  }

  @Test
  void theReconcilerRepairsWhatChangedBehindTheGatewaysBack() {
    createReplicated("repair", "replicated");
    List<String> names = names("r", 0, 20);
    putAll(tester, "repair", names, 1024, 4, Map.of());
    awaitConverged("repair", 30_000);

    // deleted on the replica behind the gateway's back
    replica.delete(where("repair"), names.get(5)).toCompletableFuture().join();
    // written directly to the primary
    put(primary, "repair", "direct", "written behind the gateway", SwiftTimestamp.now());
    // an object only the replica has (not a failover write): goes
    put(replica, "repair", "stray", "stray", SwiftTimestamp.now());
    // a newer version on the replica than on the primary, but no failover write: a conflict the
    // primary's acknowledged version wins
    ObjectInfo acknowledged =
        primary.head(where("repair"), names.get(7)).toCompletableFuture().join().orElseThrow();
    SwiftTimestamp newer = SwiftTimestamp.now();
    put(replica, "repair", names.get(7), "newer on the replica", newer);

    JsonNode report =
        adminJson(admin, gateway.baseUrl(), "POST", "/admin/containers/AUTH_test/repair/reconcile");
    JsonNode r = report.at("/replicas/0");
    assertEquals("site-b", r.get("replica").asText());
    assertEquals(0, r.get("failed").asLong(), report.toString());
    assertEquals(3, r.get("copied").asLong(), report.toString());
    assertEquals(1, r.get("deleted").asLong(), report.toString());
    assertEquals(1, r.get("conflicts").asLong(), report.toString());

    assertArrayEquals(
        body(names.get(5), 1024), read(replica, where("repair"), names.get(5), gateway.system()));
    assertArrayEquals(
        "written behind the gateway".getBytes(),
        read(replica, where("repair"), "direct", gateway.system()));
    assertNull(read(replica, where("repair"), "stray", gateway.system()));
    assertArrayEquals(
        body(names.get(7), 1024), read(primary, where("repair"), names.get(7), gateway.system()));
    assertArrayEquals(
        body(names.get(7), 1024), read(replica, where("repair"), names.get(7), gateway.system()));
    assertEquals(
        acknowledged.timestamp(),
        replica
            .head(where("repair"), names.get(7))
            .toCompletableFuture()
            .join()
            .orElseThrow()
            .timestamp());
    awaitConverged("repair", 5_000);
    await(
        "the conflict to be recorded",
        10_000,
        () -> containerAdmin("repair").at("/sync/replicas/site-b/conflicts").asLong() == 1);
  }

  @Test
  void largeObjectsArriveWithTheirSegmentsAndReadFromTheReplica() throws Exception {
    createReplicated("lo_segs", "replicated");
    createReplicated("lo", "replicated");
    java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
    StringBuilder manifest = new StringBuilder("[");
    for (int i = 0; i < 3; i++) {
      byte[] segment = new byte[200_000 + i];
      new java.util.Random(i).nextBytes(segment);
      whole.write(segment);
      HttpResponse<String> put =
          tester.send(
              tester
                  .request("/lo_segs/part/" + i)
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(segment))
                  .build());
      assertEquals(201, put.statusCode());
      manifest
          .append(i == 0 ? "" : ",")
          .append("{\"path\":\"/lo_segs/part/")
          .append(i)
          .append("\",\"etag\":\"")
          .append(md5(segment))
          .append("\",\"size_bytes\":")
          .append(segment.length)
          .append('}');
    }
    manifest.append(']');
    HttpResponse<String> slo =
        tester.call("PUT", "/lo/big?multipart-manifest=put", Map.of(), manifest.toString());
    assertEquals(201, slo.statusCode(), slo.body());
    HttpResponse<String> dlo =
        tester.call("PUT", "/lo/dynamic", Map.of("X-Object-Manifest", "lo_segs/part/"), "");
    assertEquals(201, dlo.statusCode(), dlo.body());
    awaitConverged("lo_segs", 30_000);
    awaitConverged("lo", 30_000);

    Files.createFile(primaryOffline);
    for (String name : List.of("big", "dynamic")) {
      HttpResponse<byte[]> get =
          tester.send(
              tester.request("/lo/" + name).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, get.statusCode(), name);
      assertArrayEquals(whole.toByteArray(), get.body(), name);
    }
  }

  @Test
  void anObjectsNewMetadataReachesTheReplica() {
    createReplicated("posted", "replicated");
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/posted/doc",
                Map.of("X-Object-Meta-Color", "red", "Content-Type", "text/plain"),
                "data")
            .statusCode());
    awaitConverged("posted", 30_000);

    HttpResponse<String> post =
        tester.call(
            "POST",
            "/posted/doc",
            Map.of(
                "X-Object-Meta-Color",
                "green",
                "X-Object-Meta-Size",
                "xl",
                "Content-Type",
                "text/csv"),
            null);
    assertEquals(202, post.statusCode(), post.body());

    await(
        "the new metadata on the replica",
        30_000,
        () ->
            replica
                .head(where("posted"), "doc")
                .toCompletableFuture()
                .join()
                .map(r -> "green".equals(r.metadata().get("x-object-meta-color")))
                .orElse(false));
    ObjectInfo p = primary.head(where("posted"), "doc").toCompletableFuture().join().orElseThrow();
    ObjectInfo r = replica.head(where("posted"), "doc").toCompletableFuture().join().orElseThrow();
    assertEquals(p, r);
    assertEquals("xl", r.metadata().get("x-object-meta-size"));
    assertEquals("text/csv", r.contentType());
    assertArrayEquals("data".getBytes(), read(replica, where("posted"), "doc", gateway.system()));
    await(
        "the lag to reach 0",
        10_000,
        () -> containerAdmin("posted").at("/sync/replicas/site-b").get("lagEvents").asLong() == 0);
  }

  @Test
  void deletingAReplicatedContainerRemovesItFromTheReplica() {
    createReplicated("gone", "replicated");
    assertEquals(201, tester.call("PUT", "/gone/x", Map.of(), "x").statusCode());
    awaitConverged("gone", 30_000);
    assertEquals(204, tester.call("DELETE", "/gone/x").statusCode());
    assertEquals(204, tester.call("DELETE", "/gone").statusCode());
    await(
        "the replica's container to go",
        30_000,
        () ->
            !Files.exists(gateway.dataDir().resolve("backends/site-b/AUTH_test"))
                || listing(replica, where("gone")).isEmpty() && !containerDirExists("gone"));
  }

  private static boolean containerDirExists(String container) {
    try (var dirs = Files.walk(gateway.dataDir().resolve("backends/site-b"), 3)) {
      return dirs.anyMatch(p -> p.getFileName().toString().contains(container));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static void put(
      ObjectStore store, String container, String name, String data, SwiftTimestamp ts) {
    store
        .put(
            where(container),
            name,
            new ObjectAttributes(
                "text/plain", ts, Map.of(), Optional.empty(), OptionalLong.empty()),
            Source.single(ByteString.fromString(data)))
        .toCompletableFuture()
        .join();
  }
}
