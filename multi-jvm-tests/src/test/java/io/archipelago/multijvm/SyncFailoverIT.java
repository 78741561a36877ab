package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync of multi-site containers survives a gateway node killed (SIGKILL) while it syncs, on
 * real backends: three gateway JVMs on one PostgreSQL journal, containers with their primary on
 * Swift cluster a and their replica on Swift cluster b (the engine's real-server harness). The node
 * that syncs the most of the test's containers is killed once its progress is persisted and while
 * writes and their copies are under way; its tag slices move to the survivors, which resume from
 * the offsets in PostgreSQL, and every object reaches cluster b byte-identical with its X-Timestamp
 * (checked with the Swift driver straight against the clusters).
 */
class SyncFailoverIT {

  private static final Pattern SLICES = Pattern.compile("(?m)^archipelago_sync_slices (\\d+)$");
  private static final Pattern SYNCED =
      Pattern.compile("(?m)^archipelago_sync_lag_events\\{[^}]*container=\"([^\"]+)\"");

  /** archipelago.engine.container-tag-slices of the root configuration. */
  private static final int TAG_SLICES = 4;

  private static final int OBJECTS = 120;
  private static final String POLICY = "swift-ab";

  @TempDir static Path work;
  static GatewayCluster cluster;
  static ActorSystem<Void> system;
  static ObjectStore swiftA;
  static ObjectStore swiftB;

  @BeforeAll
  static void start() throws Exception {
    long started = System.nanoTime();
    RealBackends servers = RealBackends.get();
    String p = "archipelago.placement.policies.\"" + POLICY + "\".";
    Path config =
        new FederatedBackends(servers)
            .writeConfigFile(
                work.resolve("gateway.conf"),
                Map.of(p + "tier", "swift-a", p + "replicas", 1, p + "replica-tier", "swift-b"));
    cluster =
        new GatewayCluster(
            work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared(), config);
    cluster.startNodes(3);
    system = ActorSystem.create(Behaviors.empty(), "check");
    swiftA =
        new SwiftObjectStore(
            "swift-a",
            new DriverSettings(
                "swift-a", servers.swiftA().driverSettings(FederatedBackends.SWIFT_PREFIX)),
            0,
            system);
    swiftB =
        new SwiftObjectStore(
            "swift-b",
            new DriverSettings(
                "swift-b", servers.swiftB().driverSettings(FederatedBackends.SWIFT_PREFIX)),
            0,
            system);
    System.out.printf(
        "sync failover: backends and three nodes up in %.1f s%n",
        (System.nanoTime() - started) / 1e9);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (system != null) {
      system.terminate();
    }
  }

  @Test
  void syncResumesOnAnotherNodeAfterAKillAndTheReplicaConverges() throws Exception {
    // One container in each tag slice, so that every slice, wherever it runs, has work.
    Map<String, Integer> containers = new TreeMap<>();
    Set<Integer> covered = new HashSet<>();
    for (int n = 0; covered.size() < TAG_SLICES; n++) {
      int slice = ContainerEntity.sliceOf("AUTH_test", "failover" + n, TAG_SLICES);
      if (covered.add(slice)) {
        containers.put("failover" + n, slice);
      }
    }
    GatewayProcess entry = cluster.nodes().get(0);
    SwiftClient tester = SwiftClient.login(entry.baseUrl(), "test:tester", "testing");
    for (String c : containers.keySet()) {
      HttpResponse<String> r =
          tester.call("PUT", "/" + c, Map.of("X-Storage-Policy", POLICY), null);
      assertEquals(201, r.statusCode(), r.body() + cluster.logs());
    }
    // The victim: the node, other than the one the client talks to, that syncs the most of them.
    Map<GatewayProcess, Set<String>> syncs = new HashMap<>();
    await(
        "every container's slice to run on a node",
        90_000,
        () -> {
          syncs.clear();
          for (GatewayProcess n : cluster.nodes()) {
            syncs.put(n, synced(n, containers.keySet()));
          }
          return syncs.values().stream().mapToInt(Set::size).sum() == containers.size()
              && cluster.nodes().subList(1, 3).stream().anyMatch(n -> !syncs.get(n).isEmpty());
        });
    GatewayProcess victim =
        cluster.nodes().subList(1, 3).stream()
            .max(java.util.Comparator.comparingInt(n -> syncs.get(n).size()))
            .orElseThrow();
    Set<String> victimContainers = syncs.get(victim);
    Set<Integer> victimSlices = new HashSet<>();
    victimContainers.forEach(c -> victimSlices.add(containers.get(c)));

    long writing = System.nanoTime();
    Map<String, Integer> statuses = new ConcurrentHashMap<>();
    Semaphore inFlight = new Semaphore(6);
    List<CompletableFuture<?>> puts = new ArrayList<>();
    Map<Integer, Long> offsetsAtKill = Map.of();
    for (int i = 0; i < OBJECTS; i++) {
      for (String c : containers.keySet()) {
        String path = "/" + c + "/obj-" + String.format("%04d", i);
        inFlight.acquire();
        puts.add(
            tester
                .http()
                .sendAsync(
                    tester
                        .request(path)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body(path)))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .handle(
                    (r, f) -> {
                      statuses.put(path, f == null ? r.statusCode() : -1);
                      inFlight.release();
                      return null;
                    }));
      }
      if (i == OBJECTS / 3) {
        // Killed mid-sync: after it persisted progress for its slices, with copies still to do.
        await(
            "the victim to persist sync progress",
            60_000,
            () ->
                offsets(victimSlices).values().stream().allMatch(o -> o > 0)
                    && victimContainers.stream()
                        .allMatch(
                            c -> !listing(swiftB, new BackendContainer("AUTH_test", c)).isEmpty()));
        offsetsAtKill = offsets(victimSlices);
        victim.kill();
        System.out.printf(
            "sync failover: killed the node on port %d syncing %s (slices %s, offsets %s)%n",
            victim.httpPort(), victimContainers, victimSlices, offsetsAtKill);
      }
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
    System.out.printf(
        "sync failover: %d writes in %.1f s (the kill included)%n",
        statuses.size(), (System.nanoTime() - writing) / 1e9);
    assertEquals(containers.size() * OBJECTS, statuses.size());
    assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses + cluster.logs());

    long started = System.currentTimeMillis();
    for (String c : containers.keySet()) {
      BackendContainer where = new BackendContainer("AUTH_test", c);
      await(
          "the replica of " + c + " to converge",
          180_000,
          () -> listing(swiftA, where).equals(listing(swiftB, where)));
    }
    long converged = System.currentTimeMillis() - started;
    long checking = System.nanoTime();
    ExecutorService checkers = Executors.newFixedThreadPool(8); // 8 objects checked at once
    List<CompletableFuture<Void>> checked = new ArrayList<>();
    for (String c : containers.keySet()) {
      BackendContainer where = new BackendContainer("AUTH_test", c);
      Map<String, String> onReplica = listing(swiftB, where);
      assertEquals(OBJECTS, onReplica.size(), c);
      for (String name : onReplica.keySet()) {
        checked.add(
            CompletableFuture.runAsync(
                () -> {
                  var copy = swiftB.get(where, name, Optional.empty()).toCompletableFuture().join();
                  assertTrue(copy.isPresent(), c + "/" + name + " missing on the replica");
                  byte[] data =
                      copy.get()
                          .data()
                          .runWith(
                              Sink.fold(ByteString.emptyByteString(), ByteString::concat),
                              Materializer.matFromSystem(system))
                          .toCompletableFuture()
                          .join()
                          .toArray();
                  assertArrayEquals(body("/" + c + "/" + name), data, c + "/" + name);
                  ObjectInfo p =
                      swiftA.head(where, name).toCompletableFuture().join().orElseThrow();
                  assertEquals(p.timestamp(), copy.get().info().timestamp(), c + "/" + name);
                },
                checkers));
      }
    }
    try {
      CompletableFuture.allOf(checked.toArray(CompletableFuture[]::new)).join();
    } finally {
      checkers.shutdown();
    }
    System.out.printf(
        "sync failover: replica converged %d ms after the last write; bytes and timestamps of %d"
            + " objects checked in %.1f s%n",
        converged, containers.size() * OBJECTS, (System.nanoTime() - checking) / 1e9);

    int moved = 0;
    for (GatewayProcess n : cluster.alive()) {
      moved += slices(n);
    }
    assertEquals(TAG_SLICES, moved, "every slice runs on a survivor" + cluster.logs());
    Map<Integer, Long> offsetsNow = offsets(victimSlices);
    for (int slice : victimSlices) {
      assertTrue(
          offsetsNow.get(slice) > offsetsAtKill.get(slice),
          "slice "
              + slice
              + " went on from offset "
              + offsetsAtKill.get(slice)
              + ": "
              + offsetsNow);
    }
  }

  /** Stored offsets (journal ordering) of the sync projection, by tag slice; 0 when none yet. */
  private static Map<Integer, Long> offsets(Set<Integer> slices) {
    Map<Integer, Long> offsets = new TreeMap<>();
    try (Connection db =
            DriverManager.getConnection(PostgresServer.shared().jdbcUrl(), "postgres", "");
        PreparedStatement query =
            db.prepareStatement(
                "SELECT current_offset FROM akka_projection_offset_store"
                    + " WHERE projection_name = 'container-sync' AND projection_key = ?")) {
      for (int slice : slices) {
        query.setString(1, ContainerEntity.TYPE_KEY.name() + "-" + slice);
        try (ResultSet rs = query.executeQuery()) {
          offsets.put(slice, rs.next() ? Long.parseLong(rs.getString(1)) : 0L);
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return offsets;
  }

  private static int slices(GatewayProcess node) throws Exception {
    Matcher m = SLICES.matcher(metrics(node));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** Which of the containers the node syncs (their slices run there), from its /metrics. */
  private static Set<String> synced(GatewayProcess node, Set<String> ours) {
    Set<String> found = new HashSet<>();
    try {
      Matcher m = SYNCED.matcher(metrics(node));
      while (m.find()) {
        if (ours.contains(m.group(1))) {
          found.add(m.group(1));
        }
      }
    } catch (Exception e) {
      // not answering yet
    }
    return found;
  }

  /** The node's per-container sync series (/metrics names no containers; /admin/metrics does). */
  private static String metrics(GatewayProcess node) throws Exception {
    SwiftClient admin = SwiftClient.login(node.baseUrl(), "admin:admin", "admin");
    return admin
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/metrics"))
                .header("X-Auth-Token", admin.token())
                .build())
        .body();
  }

  private static byte[] body(String path) {
    Random random = new Random(path.hashCode());
    byte[] data = new byte[1 + random.nextInt(16 * 1024)];
    random.nextBytes(data);
    return data;
  }

  /**
   * Names and etags. A Swift listing dates rows by when that cluster stored them, not by the
   * gateway's X-Timestamp, so timestamps are compared by HEAD.
   */
  private static Map<String, String> listing(ObjectStore store, BackendContainer where) {
    Map<String, String> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      var page =
          store
              .list(
                  where,
                  new ListingQuery(
                      Optional.empty(), Optional.empty(), marker, Optional.empty(), 1000, false))
              .toCompletableFuture()
              .join();
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row.etag());
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < 1000) {
        return rows;
      }
    }
  }

  private static void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      assertTrue(
          System.currentTimeMillis() < deadline, "timed out waiting for " + what + cluster.logs());
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
