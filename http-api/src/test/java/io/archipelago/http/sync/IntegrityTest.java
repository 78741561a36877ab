package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.adminJson;
import static io.archipelago.http.sync.SyncTesting.await;
import static io.archipelago.http.sync.SyncTesting.listing;
import static io.archipelago.http.sync.SyncTesting.read;
import static io.archipelago.http.sync.SyncTesting.where;
import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Silent corruption on one in-JVM gateway with two filesystem backends (the {@code replicated}
 * policy: primary local-standard, replica site-b): bytes flipped or cut short on a backend's disk
 * behind the gateway's back, metadata untouched. A GET never completes with corrupt bytes, the
 * corrupt copy is quarantined and restored from the other copy, the scrubber finds what no read
 * touched, and the reconciler compares content and lets the primary's acknowledged version win.
 */
class IntegrityTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(IntegrityTest::overrides);

  static SwiftClient tester;
  static SwiftClient admin;
  static ObjectStore primary;
  static ObjectStore replica;
  static Path primaryOffline;

  private static Map<String, Object> overrides() {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put(
        "archipelago.backends.local-standard.offline-flag-file", "local-standard.offline");
    overrides.put("archipelago.sync.repair-interval", "1h");
    overrides.put("archipelago.sync.backend-cooldown", "1s");
    overrides.put("archipelago.sync.retry-min-backoff", "100ms");
    overrides.put("archipelago.sync.attempts", 2);
    overrides.put("archipelago.sync.progress-interval", "500ms");
    overrides.put("archipelago.integrity.scrub.start-delay", "300ms");
    overrides.put("archipelago.integrity.scrub.tick", "300ms");
    // one pass at start; a test asks for the next by removing the checkpoints
    overrides.put("archipelago.integrity.scrub.interval", "1h");
    overrides.put("archipelago.integrity.scrub.bytes-per-second", "64 MiB");
    overrides.put("archipelago.integrity.scrub.objects-per-second", 1000);
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
  }

  @AfterEach
  void primaryBack() throws IOException {
    Files.deleteIfExists(primaryOffline);
  }

  @Test
  void aCorruptCopyIsNeverServedWhole_itIsQuarantinedAndRestored() throws IOException {
    createReplicated("reads");
    byte[] flipped = put("reads", "flipped", 100_000);
    byte[] cut = put("reads", "cut", 100_000);
    byte[] small = put("reads", "small", 1000);
    awaitConverged("reads");

    flipByte(dataFile("site-b", "reads", "flipped"), 50_000);
    truncate(dataFile("site-b", "reads", "cut"), 60_000);
    Path smallMeta = metaFile("site-b", "reads", "small");
    flipByte(smallMeta, Files.size(smallMeta) - 1); // the last byte of the inline object
    Files.createFile(primaryOffline);

    // with the primary offline the reads fail over to the replica's corrupt copies
    assertNotServedWhole("/reads/flipped", flipped);
    assertNotServedWhole("/reads/cut", cut);
    assertNotServedWhole("/reads/small", small);

    JsonNode report = integrity();
    assertTrue(report.at("/counters/readMismatches").asLong() >= 3, report.toString());
    for (String name : List.of("flipped", "cut", "small")) {
      JsonNode q = quarantined(report, "site-b", "reads", name);
      assertTrue(q.get("moved").asBoolean(), q.toString());
      assertEquals("read", q.get("detectedBy").asText());
    }
    assertTrue(
        Files.isDirectory(gateway.dataDir().resolve("backends/site-b/.quarantine")),
        "quarantine directory");
    // quarantined: gone from the replica's namespace, so a read no longer finds the bad bytes
    // (and with the primary offline as well, the read answers the primary's failure)
    assertEquals(503, tester.call("GET", "/reads/flipped").statusCode());

    // the primary back: the waiting repairs restore the replica's copies from it
    Files.delete(primaryOffline);
    awaitIdentical(replica, "reads", "flipped", flipped);
    awaitIdentical(replica, "reads", "cut", cut);
    awaitIdentical(replica, "reads", "small", small);
    await(
        "the repairs to be reported",
        10_000,
        () -> quarantined(integrity(), "site-b", "reads", "cut").get("repaired").asBoolean());
    HttpResponse<byte[]> whole = tester.bytes("GET", "/reads/flipped", Map.of(), null);
    assertEquals(200, whole.statusCode());
    assertArrayEquals(flipped, whole.body());
  }

  @Test
  void aCorruptPrimaryCopyAbortsTheReadAndIsRestoredFromTheReplica() throws IOException {
    createReplicated("primaryreads");
    byte[] data = put("primaryreads", "obj", 200_000);
    awaitConverged("primaryreads");
    flipByte(dataFile("local-standard", "primaryreads", "obj"), 199_999);

    assertNotServedWhole("/primaryreads/obj", data);
    awaitIdentical(primary, "primaryreads", "obj", data);
    HttpResponse<byte[]> whole = tester.bytes("GET", "/primaryreads/obj", Map.of(), null);
    assertEquals(200, whole.statusCode());
    assertArrayEquals(data, whole.body());
    // a range is served as before (only whole objects are checked)
    HttpResponse<byte[]> range =
        tester.bytes("GET", "/primaryreads/obj", Map.of("Range", "bytes=10-19"), null);
    assertEquals(206, range.statusCode());
    assertArrayEquals(Arrays.copyOfRange(data, 10, 20), range.body());
  }

  @Test
  void theScrubberFindsAndRepairsCopiesNoReadTouched() throws IOException {
    createReplicated("scrubbed");
    byte[] onReplica = put("scrubbed", "a", 100_000);
    byte[] onPrimary = put("scrubbed", "b", 100_000);
    awaitConverged("scrubbed");
    flipByte(dataFile("site-b", "scrubbed", "a"), 7);
    truncate(dataFile("local-standard", "scrubbed", "b"), 99_999);

    long before = integrity().at("/counters/scrubMismatches").asLong();
    try {
      await(
          "the scrubber to restore both copies",
          20_000,
          () -> {
            nextScrubPass();
            return identical(replica, "scrubbed", "a", onReplica)
                && identical(primary, "scrubbed", "b", onPrimary);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + integrity(), e);
    }
    JsonNode report = integrity();
    assertTrue(report.at("/counters/scrubMismatches").asLong() >= before + 2, report.toString());
    assertEquals(
        "scrub", quarantined(report, "site-b", "scrubbed", "a").get("detectedBy").asText());
    assertTrue(
        quarantined(report, "local-standard", "scrubbed", "b").get("moved").asBoolean(),
        report.toString());
    await(
        "the scrub pass to complete",
        10_000,
        () -> integrity().at("/scrub/backends/site-b/passesCompleted").asLong() >= 1);
    HttpResponse<String> metrics =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/metrics"))
                .header("X-Auth-Token", admin.token())
                .build());
    assertTrue(
        metrics.body().contains("archipelago_integrity_scrub_mismatches_total"), metrics.body());
  }

  @Test
  void sameTimestampOtherContentOnTheReplicaIsRepairedFromThePrimary() {
    createReplicated("sametime");
    byte[] data = put("sametime", "obj", 5000);
    awaitConverged("sametime");
    ObjectInfo onPrimary = head(primary, "sametime", "obj");
    replica.delete(where("sametime"), "obj").toCompletableFuture().join();
    putDirect(replica, "sametime", "obj", "other bytes, same time", onPrimary.timestamp());

    JsonNode r = reconcile("sametime");
    assertEquals(0, r.get("failed").asLong(), r.toString());
    assertEquals(1, r.get("copied").asLong(), r.toString());
    assertArrayEquals(data, read(replica, where("sametime"), "obj", gateway.system()));
    assertEquals(onPrimary, head(replica, "sametime", "obj"));
  }

  @Test
  void aNewerReplicaCopyWithoutAFailoverWriteDoesNotOverwriteThePrimary() {
    createReplicated("newer");
    byte[] data = put("newer", "obj", 5000);
    awaitConverged("newer");
    ObjectInfo onPrimary = head(primary, "newer", "obj");
    putDirect(replica, "newer", "obj", "newer, but never written through", SwiftTimestamp.now());

    JsonNode r = reconcile("newer");
    assertEquals(0, r.get("failed").asLong(), r.toString());
    assertArrayEquals(data, read(primary, where("newer"), "obj", gateway.system()));
    assertEquals(onPrimary, head(primary, "newer", "obj"));
    assertArrayEquals(data, read(replica, where("newer"), "obj", gateway.system()));
    assertEquals(onPrimary, head(replica, "newer", "obj"));
  }

  // ---- helpers ----

  private static void createReplicated(String container) {
    HttpResponse<String> r =
        tester.call("PUT", "/" + container, Map.of("X-Storage-Policy", "replicated"), null);
    assertEquals(201, r.statusCode(), r.body());
  }

  private static byte[] put(String container, String name, int size) {
    byte[] data = new byte[size];
    new Random(name.hashCode() * 31L + size).nextBytes(data);
    HttpResponse<byte[]> r = tester.bytes("PUT", "/" + container + "/" + name, Map.of(), data);
    assertEquals(201, r.statusCode());
    return data;
  }

  private static void putDirect(
      ObjectStore store, String container, String name, String data, SwiftTimestamp ts) {
    store
        .put(
            where(container),
            name,
            new ObjectAttributes(
                "application/octet-stream", ts, Map.of(), Optional.empty(), OptionalLong.empty()),
            Source.single(ByteString.fromString(data)))
        .toCompletableFuture()
        .join();
  }

  private static ObjectInfo head(ObjectStore store, String container, String name) {
    return store.head(where(container), name).toCompletableFuture().join().orElseThrow();
  }

  private static void awaitConverged(String container) {
    await(
        container + " to converge on the replica",
        30_000,
        () -> listing(primary, where(container)).equals(listing(replica, where(container))));
  }

  /** A GET of a corrupt copy must not end as a complete 200 carrying the stored ETag. */
  private static void assertNotServedWhole(String path, byte[] original) {
    HttpResponse<byte[]> r;
    try {
      r =
          tester
              .http()
              .send(tester.request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return; // the transfer broke off: what a corrupt copy must cause
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    if (r.statusCode() == 200) {
      fail(
          path
              + " answered a complete 200 with "
              + r.body().length
              + " bytes (md5 "
              + md5(r.body())
              + ", original "
              + md5(original)
              + ")");
    }
    assertFalse(r.statusCode() >= 200 && r.statusCode() < 300, path + ": " + r.statusCode());
  }

  private static boolean identical(ObjectStore store, String container, String name, byte[] data) {
    try {
      byte[] stored = read(store, where(container), name, gateway.system());
      return stored != null && Arrays.equals(stored, data);
    } catch (RuntimeException e) {
      return false; // still the short copy
    }
  }

  private static void awaitIdentical(
      ObjectStore store, String container, String name, byte[] data) {
    await(
        container + "/" + name + " restored on " + store.backendId(),
        20_000,
        () -> identical(store, container, name, data));
  }

  private static JsonNode integrity() {
    return adminJson(admin, gateway.baseUrl(), "GET", "/admin/integrity");
  }

  private static JsonNode quarantined(
      JsonNode report, String backend, String container, String name) {
    for (JsonNode q : report.get("quarantined")) {
      if (q.get("backend").asText().equals(backend)
          && q.get("container").asText().equals(container)
          && q.get("name").asText().equals(name)) {
        return q;
      }
    }
    throw new AssertionError(container + "/" + name + " on " + backend + " not in " + report);
  }

  private static JsonNode reconcile(String container) {
    JsonNode report =
        adminJson(
            admin,
            gateway.baseUrl(),
            "POST",
            "/admin/containers/AUTH_test/" + container + "/reconcile");
    return report.at("/replicas/0");
  }

  /** Asks for another scrub pass: without a checkpoint a backend's pass is due at once. */
  private static void nextScrubPass() {
    try (Stream<Path> files = Files.list(gateway.dataDir().resolve("integrity"))) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    } catch (NoSuchFileException e) {
      // no pass saved one yet
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path containerDir(String backend, String container) {
    return gateway
        .dataDir()
        .resolve("backends")
        .resolve(backend)
        .resolve("AUTH_test")
        .resolve(container);
  }

  private static Path dataFile(String backend, String container, String name) throws IOException {
    try (Stream<Path> files = Files.list(containerDir(backend, container))) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(name + "%v"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no data file of " + name + " on " + backend));
    }
  }

  private static Path metaFile(String backend, String container, String name) {
    return containerDir(backend, container).resolve(name + "%m");
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, position);
      one.flip();
      byte b = one.get();
      channel.write(ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x5A)}), position);
    }
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
  }
}
