package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync of multi-site containers survives a gateway node killed (SIGKILL) while it syncs:
 * its tag slices move to the survivors, which resume from the offsets persisted in PostgreSQL,
 * and every object reaches the replica (checked on the replica's files directly).
 */
class SyncFailoverIT {

  private static final Pattern SLICES = Pattern.compile("(?m)^archipelago_sync_slices (\\d+)$");
  private static final int CONTAINERS = 4;
  private static final int OBJECTS = 150;

  @TempDir static Path work;
  static GatewayCluster cluster;
  static ActorSystem<Void> system;

  @BeforeAll
  static void start() {
    cluster = new GatewayCluster(work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared());
    cluster.startNodes(3);
    system = ActorSystem.create(Behaviors.empty(), "check");
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
    GatewayProcess entry = cluster.nodes().get(0);
    SwiftClient tester = SwiftClient.login(entry.baseUrl(), "test:tester", "testing");
    for (int c = 0; c < CONTAINERS; c++) {
      HttpResponse<String> r = tester.call("PUT", "/multi" + c, Map.of("X-Storage-Policy", "replicated"), null);
      assertEquals(201, r.statusCode(), r.body() + cluster.logs());
    }
    // The node that syncs the most slices, other than the one the client talks to, dies mid-sync.
    GatewayProcess victim = cluster.nodes().get(1);
    int most = -1;
    for (GatewayProcess n : cluster.nodes().subList(1, 3)) {
      int s = slices(n);
      if (s > most) {
        most = s;
        victim = n;
      }
    }
    Map<String, Integer> statuses = new ConcurrentHashMap<>();
    Semaphore inFlight = new Semaphore(6);
    List<CompletableFuture<?>> puts = new ArrayList<>();
    GatewayProcess killed = victim;
    for (int i = 0; i < OBJECTS; i++) {
      for (int c = 0; c < CONTAINERS; c++) {
        String path = "/multi" + c + "/obj-" + String.format("%04d", i);
        inFlight.acquire();
        puts.add(tester.http().sendAsync(tester.request(path)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body(path))).build(),
                HttpResponse.BodyHandlers.discarding())
            .handle((r, f) -> {
              statuses.put(path, f == null ? r.statusCode() : -1);
              inFlight.release();
              return null;
            }));
      }
      if (i == OBJECTS / 3) {
        killed.kill();
        System.out.printf("sync failover: killed node on port %d (it synced %d slices)%n", killed.httpPort(), most);
      }
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
    assertEquals(CONTAINERS * OBJECTS, statuses.size());
    assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses + cluster.logs());

    ObjectStore primary = new FilesystemObjectStore("p", work.resolve("backends/local-standard"), 0, system);
    ObjectStore replica = new FilesystemObjectStore("r", work.resolve("backends/site-b"), 0, system);
    long started = System.currentTimeMillis();
    for (int c = 0; c < CONTAINERS; c++) {
      BackendContainer where = new BackendContainer("AUTH_test", "multi" + c);
      while (!listing(primary, where).equals(listing(replica, where))) {
        assertTrue(System.currentTimeMillis() - started < 120_000,
            "replica of multi" + c + " did not converge: " + listing(replica, where).size() + " of "
                + listing(primary, where).size() + cluster.logs());
        Thread.sleep(500);
      }
      assertEquals(OBJECTS, listing(replica, where).size());
      for (String name : listing(primary, where).keySet()) {
        byte[] data = read(replica, where, name);
        assertNotNull(data, name);
        assertArrayEquals(body("/multi" + c + "/" + name), data, name);
      }
    }
    System.out.printf("sync failover: replica converged %d ms after the last write%n",
        System.currentTimeMillis() - started);

    int moved = 0;
    for (GatewayProcess n : cluster.alive()) {
      moved += slices(n);
    }
    assertEquals(4, moved, "every slice runs on a survivor");
    try (Connection db = DriverManager.getConnection(PostgresServer.shared().jdbcUrl(), "postgres", "");
        ResultSet rs = db.createStatement().executeQuery(
            "SELECT count(*) FROM akka_projection_offset_store WHERE projection_name = 'container-sync'")) {
      rs.next();
      assertTrue(rs.getInt(1) > 0, "offsets are persisted");
    }
  }

  private static int slices(GatewayProcess node) throws Exception {
    SwiftClient client = new SwiftClient(node.baseUrl());
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/metrics")).build());
    Matcher m = SLICES.matcher(r.body());
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private static byte[] body(String path) {
    Random random = new Random(path.hashCode());
    byte[] data = new byte[1 + random.nextInt(16 * 1024)];
    random.nextBytes(data);
    return data;
  }

  private static Map<String, String> listing(ObjectStore store, BackendContainer where) {
    Map<String, String> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      var page = store.list(where, new ListingQuery(Optional.empty(), Optional.empty(), marker, Optional.empty(),
          1000, false)).toCompletableFuture().join();
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row.etag() + "@" + row.timestamp());
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < 1000) {
        return rows;
      }
    }
  }

  private static byte[] read(ObjectStore store, BackendContainer where, String name) {
    var content = store.get(where, name, Optional.empty()).toCompletableFuture().join();
    return content.map(c -> c.data().runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat),
        Materializer.matFromSystem(system)).toCompletableFuture().join().toArray()).orElse(null);
  }
}
