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

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.SwiftCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Multi-site containers on real backends: two OpenStack Swift clusters (primary on Swift a, replica
 * on Swift b) and S3Proxy as a replica kind (primary on Swift a, replica on S3). Outages stop a
 * Swift cluster's proxy server. What arrived is checked with the backends' own drivers, talking to
 * the servers directly, not through the gateway.
 */
class RealBackendsSyncIT {

  /**
   * Sync batches, reconciler pages and the test's own listing pages are made small so that a
   * backlog of a few hundred objects crosses several of each, as a larger backlog does with the
   * defaults (batches of 200, pages of 1,000), in a third of the time.
   */
  private static final int SYNC_BATCH = 50;

  private static final int RECONCILE_PAGE = 50;
  private static final int LISTING_PAGE = 100;
  private static final int BACKLOG = 300;

  static RealBackends servers;

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(RealBackendsSyncIT::config);

  static SwiftClient tester;
  static SwiftClient admin;
  static Map<String, ObjectStore> direct = new HashMap<>();

  /** The node's config overrides. */
  private static Map<String, Object> config() {
    servers = RealBackends.get();
    FederatedBackends federated = new FederatedBackends(servers);
    Map<String, Object> config = new HashMap<>(federated.config());
    policy(config, "swift-ab", "swift-a", "swift-b");
    policy(config, "swift-s3", "swift-a", "s3");
    config.put("archipelago.engine.backend-health.max-failures", 2);
    config.put("archipelago.engine.backend-health.reset-timeout", "1s");
    config.put("archipelago.engine.backend-health.probe-interval", "500ms");
    config.put("archipelago.engine.backend-health.call-timeout", "5s");
    config.put("archipelago.sync.repair-interval", "2s");
    config.put("archipelago.sync.backend-cooldown", "1s");
    config.put("archipelago.sync.retry-min-backoff", "100ms");
    config.put("archipelago.sync.attempts", 3);
    config.put("archipelago.sync.progress-interval", "500ms");
    config.put("archipelago.sync.batch-size", SYNC_BATCH);
    config.put("archipelago.sync.reconcile-page-size", RECONCILE_PAGE);
    config.put("jdbc-read-journal.refresh-interval", "200ms");
    config.put(
        "archipelago.sync.container-sync-realms." + SwiftCluster.SYNC_REALM + ".key",
        SwiftCluster.SYNC_REALM_KEY);
    config.put(
        "archipelago.sync.container-sync-realms." + SwiftCluster.SYNC_REALM + ".clusters.B",
        servers.swiftB().proxyUrl() + "/v1/");
    return config;
  }

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
    var swiftA = servers.swiftA().driverSettings(FederatedBackends.SWIFT_PREFIX);
    var swiftB = servers.swiftB().driverSettings(FederatedBackends.SWIFT_PREFIX);
    var s3 = servers.s3().driverSettings("prefix", FederatedBackends.S3_BUCKET);
    direct.put(
        "swift-a",
        new SwiftObjectStore(
            "swift-a", new DriverSettings("swift-a", swiftA), 0, gateway.system()));
    direct.put(
        "swift-b",
        new SwiftObjectStore(
            "swift-b", new DriverSettings("swift-b", swiftB), 0, gateway.system()));
    direct.put("s3", new S3ObjectStore("s3", new DriverSettings("s3", s3), 0, gateway.system()));
  }

  private static void policy(
      Map<String, Object> config, String name, String tier, String replicaTier) {
    String p = "archipelago.placement.policies.\"" + name + "\".";
    config.put(p + "tier", tier);
    config.put(p + "replicas", 1);
    config.put(p + "replica-tier", replicaTier);
  }

  static void create(String container, String policy, String replica) {
    HttpResponse<String> r =
        tester.call("PUT", "/" + container, Map.of("X-Storage-Policy", policy), null);
    assertEquals(201, r.statusCode(), r.body());
    JsonNode state =
        adminJson(admin, gateway.baseUrl(), "GET", "/admin/containers/AUTH_test/" + container);
    assertEquals("swift-a", state.at("/assignment/primary").asText());
    assertEquals(replica, state.at("/assignment/replicas/0").asText());
  }

  /** Waits until the replica holds exactly the primary's objects (name, etag, timestamp). */
  static void awaitConverged(String container, String replica, long timeoutMillis) {
    await(
        container + " to converge on " + replica,
        timeoutMillis,
        () -> {
          Map<String, ListingEntry.ObjectRow> p =
              listing(direct.get("swift-a"), where(container), LISTING_PAGE);
          Map<String, ListingEntry.ObjectRow> r =
              listing(direct.get(replica), where(container), LISTING_PAGE);
          return same(p, r);
        });
  }

  /**
   * Same names and etags. A Swift listing dates rows by when the cluster stored them, not by the
   * gateway's X-Timestamp (kept in the object's metadata), so timestamps are compared by HEAD in
   * {@link #assertIdentical}.
   */
  static boolean same(
      Map<String, ListingEntry.ObjectRow> a, Map<String, ListingEntry.ObjectRow> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (var e : a.entrySet()) {
      if (!e.getValue().etag().equals(b.get(e.getKey()).etag())) {
        return false;
      }
    }
    return true;
  }

  /** Bytes, X-Timestamp, etag, type and metadata of each object on the replica; eight at once. */
  static void assertIdentical(String container, String replica, List<String> names, int maxSize) {
    ExecutorService checkers = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Void>> checks = new ArrayList<>();
      for (String name : names) {
        checks.add(
            CompletableFuture.runAsync(
                () -> {
                  byte[] expected = body(name, maxSize);
                  ObjectContent copy =
                      direct
                          .get(replica)
                          .get(where(container), name, Optional.empty())
                          .toCompletableFuture()
                          .join()
                          .orElse(null);
                  assertNotNull(copy, name + " missing on " + replica);
                  byte[] onReplica =
                      copy.data()
                          .runWith(
                              Sink.fold(ByteString.emptyByteString(), ByteString::concat),
                              Materializer.matFromSystem(gateway.system()))
                          .toCompletableFuture()
                          .join()
                          .toArray();
                  assertArrayEquals(expected, onReplica, name);
                  ObjectInfo p =
                      direct
                          .get("swift-a")
                          .head(where(container), name)
                          .toCompletableFuture()
                          .join()
                          .orElseThrow();
                  ObjectInfo r = copy.info();
                  assertEquals(p.timestamp(), r.timestamp(), name);
                  assertEquals(md5(expected), r.etag(), name);
                  assertEquals(p.contentType(), r.contentType(), name);
                  assertEquals(
                      p.metadata().get("x-object-meta-origin"),
                      r.metadata().get("x-object-meta-origin"),
                      name);
                },
                checkers));
      }
      CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).join();
    } finally {
      checkers.shutdown();
    }
  }

  /**
   * A backlog of {@link #BACKLOG} writes (several sync batches) arrives byte-identical with its
   * timestamps, etags, types and metadata; then a third of it is deleted and the deletes follow.
   * Listings of both backends take several pages.
   */
  private static void backlog(String container, String policy, String replica) {
    create(container, policy, replica);
    List<String> names = names("obj", 0, BACKLOG);
    Map<String, Integer> statuses =
        putAll(
            tester,
            container,
            names,
            2048,
            8,
            Map.of("X-Object-Meta-Origin", "sync-test", "Content-Type", "application/x-test"));
    assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
    awaitConverged(container, replica, 180_000);
    assertIdentical(container, replica, names, 2048);
    int deleted = BACKLOG / 3;
    for (String name : names.subList(0, deleted)) {
      assertEquals(204, tester.call("DELETE", "/" + container + "/" + enc(name)).statusCode());
    }
    awaitConverged(container, replica, 60_000);
    assertEquals(
        BACKLOG - deleted, listing(direct.get(replica), where(container), LISTING_PAGE).size());
  }

  @Test
  void aBacklogArrivesOnTheOtherSwiftClusterInBatches() {
    backlog("real-backlog", "swift-ab", "swift-b");
  }

  @Test
  void aBacklogArrivesOnAnS3ReplicaInBatches() {
    backlog("real-s3", "swift-s3", "s3");
  }

  @Test
  void writesNeverFailWhileTheReplicaClusterIsStoppedAndItConverges() {
    create("real-outage", "swift-ab", "swift-b");
    // before, during and after the outage: each part spans several sync batches, and what the
    // replica missed spans several reconciler pages
    List<String> names = names("o", 0, BACKLOG);
    int stopAt = BACKLOG * 3 / 10;
    int startAt = BACKLOG * 7 / 10;
    Map<String, Integer> first =
        putAll(tester, "real-outage", names.subList(0, stopAt), 1024, 8, Map.of());
    servers.swiftB().stopProxy();
    Map<String, Integer> during;
    try {
      during = putAll(tester, "real-outage", names.subList(stopAt, startAt), 1024, 8, Map.of());
      await(
          "the sync to record the outage",
          60_000,
          () ->
              adminJson(admin, gateway.baseUrl(), "GET", "/admin/containers/AUTH_test/real-outage")
                  .at("/sync/replicas/swift-b/needsReconcile")
                  .asBoolean());
    } finally {
      servers.swiftB().startProxy();
    }
    Map<String, Integer> after =
        putAll(tester, "real-outage", names.subList(startAt, BACKLOG), 1024, 8, Map.of());
    for (Map<String, Integer> statuses : List.of(first, during, after)) {
      assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
    }
    awaitConverged("real-outage", "swift-b", 180_000);
    assertIdentical("real-outage", "swift-b", names, 1024);
  }

  @Test
  void whileThePrimaryClusterIsStoppedReadsComeFromTheReplica() {
    create("real-failover", "swift-ab", "swift-b");
    List<String> names = names("f", 0, 30);
    putAll(tester, "real-failover", names, 2048, 8, Map.of());
    awaitConverged("real-failover", "swift-b", 60_000);
    servers.swiftA().stopProxy();
    try {
      for (String name : names.subList(0, 10)) {
        HttpResponse<byte[]> get =
            tester.send(
                tester.request("/real-failover/" + enc(name)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, get.statusCode(), name);
        assertArrayEquals(body(name, 2048), get.body(), name);
        assertEquals(200, tester.call("HEAD", "/real-failover/" + enc(name)).statusCode());
      }
      assertEquals(
          503, tester.call("PUT", "/real-failover/new-while-down", Map.of(), "x").statusCode());
    } finally {
      servers.swiftA().startProxy();
    }
    await(
        "writes to work again",
        30_000,
        () -> tester.call("PUT", "/real-failover/after", Map.of(), "back").statusCode() == 201);
    awaitConverged("real-failover", "swift-b", 60_000);
    assertArrayEquals(
        "back".getBytes(),
        read(direct.get("swift-b"), where("real-failover"), "after", gateway.system()));
  }

  @Test
  void theReconcilerRepairsBothReplicaKinds() {
    for (String replica : List.of("swift-b", "s3")) {
      String container = "real-repair-" + replica;
      create(container, replica.equals("s3") ? "swift-s3" : "swift-ab", replica);
      List<String> names = names("r", 0, 10);
      putAll(tester, container, names, 1024, 4, Map.of());
      awaitConverged(container, replica, 60_000);
      direct.get(replica).delete(where(container), names.get(3)).toCompletableFuture().join();
      direct
          .get("swift-a")
          .put(
              where(container),
              "direct",
              new ObjectAttributes(
                  "text/plain",
                  SwiftTimestamp.now(),
                  Map.of(),
                  Optional.empty(),
                  OptionalLong.empty()),
              Source.single(ByteString.fromString("written behind the gateway")))
          .toCompletableFuture()
          .join();
      JsonNode report =
          adminJson(
              admin,
              gateway.baseUrl(),
              "POST",
              "/admin/containers/AUTH_test/" + container + "/reconcile");
      JsonNode r = report.at("/replicas/0");
      assertEquals(0, r.get("failed").asLong(), report.toString());
      assertEquals(2, r.get("copied").asLong(), report.toString());
      assertArrayEquals(
          body(names.get(3), 1024),
          read(direct.get(replica), where(container), names.get(3), gateway.system()));
      assertArrayEquals(
          "written behind the gateway".getBytes(),
          read(direct.get(replica), where(container), "direct", gateway.system()));
      assertNull(read(direct.get(replica), where(container), "never-written", gateway.system()));
    }
  }

  @Test
  void containerSyncHeadersSyncToAnExternalSwiftCluster() {
    // The remote container, on Swift cluster b, accepts what carries its sync key.
    servers.swiftB().swiftCli("post", "-H", "X-Container-Sync-Key: s3cr3t", "external-target");
    // Realm style, as current Swift accepts it: requests signed with the realm's key.
    String syncTo = "//" + SwiftCluster.SYNC_REALM + "/B/AUTH_gw/external-target";
    HttpResponse<String> created =
        tester.call(
            "PUT",
            "/ext-source",
            Map.of(
                "X-Storage-Policy",
                "swift-a",
                "X-Container-Sync-To",
                syncTo,
                "X-Container-Sync-Key",
                "s3cr3t"),
            null);
    assertEquals(201, created.statusCode(), created.body());
    List<String> names = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "x/" + i).toList();
    putAll(tester, "ext-source", names, 2048, 4, Map.of("X-Object-Meta-Origin", "container-sync"));
    await(
        "the objects to reach the external container",
        120_000,
        () -> remoteNames().size() == names.size());
    for (String name : names.subList(0, 5)) {
      String stat = servers.swiftB().swiftCli("stat", "external-target", name);
      assertTrue(stat.contains("ETag: " + md5(body(name, 2048))), stat);
      assertTrue(stat.contains("Meta Origin: container-sync"), stat);
    }
    assertEquals(204, tester.call("DELETE", "/ext-source/" + enc(names.get(0))).statusCode());
    await(
        "the delete to reach the external container",
        60_000,
        () -> !remoteNames().contains(names.get(0)));
  }

  private static List<String> remoteNames() {
    return List.of(servers.swiftB().swiftCli("list", "external-target").split("\n")).stream()
        .map(String::trim)
        .filter(n -> !n.isEmpty())
        .toList();
  }
}
