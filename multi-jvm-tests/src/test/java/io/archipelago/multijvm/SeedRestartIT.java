package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster operations on three gateway JVMs sharing PostgreSQL (issue 24): a killed first seed comes
 * back into the running cluster, a node that would form a second cluster on the same journal is
 * refused by the cluster lease, a fourth node takes its share of the shards quickly, and
 * /admin/cluster answers quickly while a member is unreachable.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedRestartIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path work;
  static PostgresServer postgres;
  static GatewayCluster cluster;
  static SwiftClient tester;
  static SwiftClient admin;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    cluster = new GatewayCluster(work.resolve("nodes"), work.resolve("backends"), postgres);
    cluster.startNodesOneByOne(3);
    for (GatewayProcess node : cluster.nodes()) {
      awaitReady(node, Duration.ofSeconds(60));
    }
    tester = SwiftClient.login(cluster.nodes().get(1).baseUrl(), "test:tester", "testing");
    admin = SwiftClient.login(cluster.nodes().get(1).baseUrl(), "admin:admin", "admin");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void aKilledFirstSeedRestartsIntoTheRunningClusterAndNeverFormsItsOwn() throws Exception {
    GatewayProcess seed = cluster.nodes().get(0);
    GatewayProcess other = cluster.nodes().get(1);
    assertEquals(201, put(other, "/v1/AUTH_test/before-restart"), cluster.logs());
    seed.kill();
    long logOffset = Files.size(seed.log());
    long restartedAt = System.currentTimeMillis();
    seed.start();
    awaitReady(seed, Duration.ofSeconds(60));
    System.out.printf(
        "seed restart: the killed first seed was ready %d ms after its restart%n",
        System.currentTimeMillis() - restartedAt);
    String restartLog = Files.readString(seed.log()).substring((int) logOffset);
    assertFalse(restartLog.contains("JOINING itself"), restartLog);
    assertFalse(restartLog.contains("forming a new cluster"), restartLog);
    Set<String> seenBySeed = upMembers(seed);
    assertEquals(3, seenBySeed.size(), seenBySeed.toString());
    assertEquals(seenBySeed, upMembers(other));
    // One journal, one cluster: what one node writes the other reads.
    assertEquals(201, put(seed, "/v1/AUTH_test/after-restart"), cluster.logs());
    assertEquals(204, head(other, "/v1/AUTH_test/after-restart"));
    assertEquals(204, head(seed, "/v1/AUTH_test/before-restart"));
  }

  @Test
  @Order(2)
  void aNodeSeededOnlyByItselfIsRefusedByTheClusterLeaseAndWritesNothing() throws Exception {
    GatewayProcess member = cluster.nodes().get(1);
    long journalRows = journalRows();
    String holderBefore = leaseHolder();
    GatewayProcess stray = cluster.startNodeSeededByItself();
    try {
      // Akka would have formed its cluster at once; the guard looks after seed-node-timeout (5 s).
      long deadline = System.currentTimeMillis() + 20_000;
      while (!Files.readString(stray.log()).contains("refusing to form a new cluster")) {
        assertTrue(System.currentTimeMillis() < deadline, "no refusal logged\n" + stray.logTail());
        Thread.sleep(250);
      }
      Thread.sleep(3_000);
      assertNotEquals(200, readyStatus(stray));
      String log = Files.readString(stray.log());
      assertFalse(log.contains("JOINING itself"), log);
      assertTrue(log.contains("ERROR"), log);
      assertTrue(upMembers(member).stream().noneMatch(a -> a.endsWith(":" + stray.clusterPort())));
      assertEquals(journalRows, journalRows(), "journal rows written while the stray node ran");
      String holder = leaseHolder();
      assertFalse(
          holder.contains(":" + stray.clusterPort() + "#"),
          holder + " (before: " + holderBefore + ")");
    } finally {
      stray.kill();
    }
  }

  @Test
  @Order(3)
  void aFourthNodeHoldsAQuarterOfTheShardsWithin90Seconds() throws Exception {
    // Allocate shards: each container is one entity.
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> puts = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      GatewayProcess node = cluster.nodes().get(1 + i % 2);
      String path = "/v1/AUTH_test/shard-" + i;
      puts.add(pool.submit(() -> put(node, path)));
    }
    for (Future<Integer> f : puts) {
      assertEquals(201, f.get());
    }
    pool.shutdown();
    long startedAt = System.currentTimeMillis();
    GatewayProcess fourth = cluster.startNode();
    awaitReady(fourth, Duration.ofSeconds(60));
    // From the moment the node is Up and ready: its JVM's start is not the rebalancing.
    long joinedAt = System.currentTimeMillis();
    long deadline = joinedAt + 90_000;
    int onFourth = 0;
    int total = 0;
    while (System.currentTimeMillis() < deadline) {
      onFourth = 0;
      total = 0;
      for (JsonNode m : clusterView(fourth).get("members")) {
        int shards = m.at("/shards/Container").asInt();
        total += shards;
        if (m.get("self").asBoolean()) {
          onFourth = shards;
        }
      }
      // A quarter rounded down: four balanced nodes of 287 shards hold 72, 72, 72 and 71.
      if (total > 0 && onFourth >= total / 4) {
        break;
      }
      Thread.sleep(500);
    }
    long took = System.currentTimeMillis() - joinedAt;
    System.out.printf(
        "rebalance: the fourth node holds %d of %d container shards %d ms after it was ready"
            + " (%d ms after its JVM started)%n",
        onFourth, total, took, System.currentTimeMillis() - startedAt);
    assertTrue(total > 100, "too few shards allocated: " + total);
    assertTrue(
        onFourth >= total / 4,
        onFourth + " of " + total + " shards after " + took + " ms\n" + cluster.logs());
  }

  @Test
  @Order(4)
  void adminClusterAnswersWithin2SecondsAndMarksAnUnreachableMember() throws Exception {
    GatewayProcess victim = cluster.nodes().get(cluster.nodes().size() - 1);
    GatewayProcess asked = cluster.nodes().get(1);
    String victimPort = ":" + victim.clusterPort();
    victim.kill();
    long killedAt = System.currentTimeMillis();
    long slowest = 0;
    JsonNode marked = null;
    while (marked == null && System.currentTimeMillis() - killedAt < 20_000) {
      long t0 = System.currentTimeMillis();
      JsonNode view = clusterView(asked);
      long took = System.currentTimeMillis() - t0;
      slowest = Math.max(slowest, took);
      assertTrue(took < 2_000, "/admin/cluster took " + took + " ms: " + view);
      for (JsonNode m : view.get("members")) {
        if (m.get("address").asText().endsWith(victimPort) && !m.get("reachable").asBoolean()) {
          marked = view;
        }
      }
      Thread.sleep(200);
    }
    System.out.printf(
        "admin/cluster: slowest answer %d ms while a member was killed; marked: %s%n",
        slowest, marked);
    assertTrue(
        marked != null, "the killed member was never reported unreachable\n" + cluster.logs());
    for (JsonNode m : marked.get("members")) {
      if (m.get("reachable").asBoolean()) {
        assertTrue(
            m.at("/shards/Container").asInt() > 0,
            "no shard figures for a reachable member: " + marked);
      } else {
        assertTrue(m.get("address").asText().endsWith(victimPort), marked.toString());
      }
    }
  }

  @Test
  @Order(5)
  void membersOfAClusterThatFindsAnotherRenewingTheLeaseLeaveAndExit() throws Exception {
    List<GatewayProcess> members = cluster.alive();
    assertFalse(members.isEmpty());
    long startedAt = System.currentTimeMillis();
    // Another cluster, as the lease sees it: a holder none of them knows, renewing it.
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement s = c.createStatement()) {
      while (members.stream().anyMatch(GatewayProcess::isAlive)) {
        assertTrue(
            System.currentTimeMillis() - startedAt < 60_000, "still running\n" + cluster.logs());
        s.executeUpdate(
            "UPDATE archipelago_cluster_lease SET incarnation = 'other-cluster',"
                + " holder = 'akka://archipelago@192.0.2.1:25520#42', heartbeat_at = CURRENT_TIMESTAMP");
        Thread.sleep(500);
      }
    }
    System.out.printf(
        "lease lost: %d members stopped %d ms after another holder took the lease%n",
        members.size(), System.currentTimeMillis() - startedAt);
    for (GatewayProcess node : members) {
      assertEquals(3, node.stop(), node.logTail());
      assertTrue(
          Files.readString(node.log()).contains("another cluster writes this journal"),
          node.logTail());
    }
  }

  private static Set<String> upMembers(GatewayProcess node) throws Exception {
    Set<String> up = new TreeSet<>();
    for (JsonNode m : clusterView(node).get("members")) {
      if (m.get("status").asText().equals("Up")) {
        up.add(m.get("address").asText());
      }
    }
    return up;
  }

  private static JsonNode clusterView(GatewayProcess node) throws Exception {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/cluster"))
                .header("X-Auth-Token", admin.token())
                .timeout(Duration.ofSeconds(10))
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static int put(GatewayProcess node, String path) {
    return tester
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("X-Auth-Token", tester.token())
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build())
        .statusCode();
  }

  private static int head(GatewayProcess node, String path) {
    return tester
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("X-Auth-Token", tester.token())
                .build())
        .statusCode();
  }

  private static int readyStatus(GatewayProcess node) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(node.managementUrl() + "/ready"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void awaitReady(GatewayProcess node, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (readyStatus(node) != 200) {
      assertTrue(
          System.nanoTime() < deadline, "not ready after " + timeout + "\n" + node.logTail());
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static long journalRows() throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM event_journal")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String leaseHolder() throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT holder FROM archipelago_cluster_lease")) {
      return rs.next() ? rs.getString(1) : "";
    }
  }
}
