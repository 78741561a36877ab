package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live migration survives the loss of the node running its copy: on a 3-node cluster on
 * PostgreSQL, a throttled migration of a container between the two filesystem backends runs; the
 * node whose migration daemon records the copy's progress (the audit log names it) is killed with
 * kill -9 mid-way; the daemon's slice restarts on a surviving node, which takes the copy up from
 * the recorded checkpoint (not from the start) and completes it. Clients read and write the
 * container through the surviving nodes all along; every acknowledged write is on the target byte
 * for byte at the end, and the failed requests (only while the container's shard moves) are
 * reported.
 */
class MigrationResumeIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTAINER = "resumed";
  private static final int OBJECTS = 400;
  private static final int RATE = 25;

  /** Requests may fail only while the container's shard moves off the dead node. */
  private static final long SHARD_MOVE_MILLIS = 25_000;

  @TempDir static Path work;
  static GatewayCluster cluster;
  static SwiftClient tester;
  static SwiftClient admin;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void start() throws Exception {
    Path config = work.resolve("gateway.conf");
    Files.writeString(
        config,
        "include file(\""
            + TestGateway.rootApplicationConf()
            + "\")\n"
            + "archipelago.migration.tick-interval = 500ms\n"
            + "archipelago.migration.progress-interval = 500ms\n");
    cluster =
        new GatewayCluster(
            work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared(), config);
    // One after another: parallel starts of three JVMs time out on a busy two-core machine.
    cluster.startNodesOneByOne(3);
    tester = SwiftClient.login(cluster.nodes().get(0).baseUrl(), "test:tester", "testing");
    admin = SwiftClient.login(cluster.nodes().get(0).baseUrl(), "admin:admin", "admin");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String body(String name) {
    return (name + " of " + CONTAINER + " ").repeat(1 + Math.floorMod(name.hashCode(), 40));
  }

  /** A request outcome of the client load, times in ms since the kill (negative: before it). */
  record Outcome(String what, long startedAt, int status, String error) {}

  @Test
  void theCopyResumesOnAnotherNodeFromItsCheckpointAfterKillMinus9() throws Exception {
    List<GatewayProcess> nodes = cluster.nodes();
    GatewayProcess first = nodes.get(0);
    assertEquals(201, send(first, "PUT", CONTAINER, null).statusCode(), cluster.logs());
    for (int i = 0; i < OBJECTS; i++) {
      String name = String.format("obj-%04d", i);
      assertEquals(
          201, send(nodes.get(i % 3), "PUT", CONTAINER + "/" + name, body(name)).statusCode());
    }

    JsonNode started =
        adminJson(
            first,
            "POST",
            "containers/AUTH_test/" + CONTAINER + "/migrate",
            "{\"target\":\"local-archive\",\"throttle\":{\"requestsPerSecond\":" + RATE + "}}",
            202);
    assertEquals("local-standard", started.path("source").asText());

    // Client load through every node: reads of the copied objects, new writes and overwrites.
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    for (int i = 0; i < OBJECTS; i++) {
      String name = String.format("obj-%04d", i);
      acknowledged.put(name, body(name));
    }
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    List<Outcome> failures = new CopyOnWriteArrayList<>();
    // Writes that failed or timed out may still have landed: any written content is right there.
    Map<String, Boolean> uncertain = new ConcurrentHashMap<>();
    AtomicInteger requests = new AtomicInteger();
    AtomicInteger turn = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean writer = t == 3;
      Thread thread =
          new Thread(
              () -> {
                while (running.get()) {
                  int i = turn.getAndIncrement();
                  List<GatewayProcess> alive = cluster.alive();
                  GatewayProcess via = alive.get(Math.floorMod(i, alive.size()));
                  String name =
                      writer
                          ? (i % 3 == 0 ? String.format("obj-%04d", i % OBJECTS) : "new-" + i)
                          : String.format("obj-%04d", Math.floorMod(i * 7, OBJECTS));
                  String content = writer ? "written " + i + " " + body(name) : null;
                  long at = System.currentTimeMillis();
                  String what = (writer ? "PUT " : "GET ") + name;
                  try {
                    HttpResponse<String> r =
                        send(via, writer ? "PUT" : "GET", CONTAINER + "/" + name, content);
                    requests.incrementAndGet();
                    boolean ok = writer ? r.statusCode() == 201 : r.statusCode() == 200;
                    if (!ok) {
                      if (writer) {
                        uncertain.put(name, true);
                      }
                      failures.add(
                          new Outcome(what, at - killedAt.get(), r.statusCode(), r.body()));
                    } else if (writer) {
                      acknowledged.put(name, content);
                    } else if (!r.body().startsWith("written") && !r.body().equals(body(name))) {
                      failures.add(
                          new Outcome(what, at - killedAt.get(), r.statusCode(), "wrong body"));
                    }
                  } catch (RuntimeException e) {
                    if (writer) {
                      uncertain.put(name, true);
                    }
                    if (cluster.alive().contains(via)) {
                      failures.add(new Outcome(what, at - killedAt.get(), 0, e.toString()));
                    }
                  }
                  if (writer) {
                    sleep(40);
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }

    // The node whose daemon records the copy's progress, once a third of it is done.
    JsonNode m = awaitMigration(first, x -> x.path("objectsCopied").asLong() >= OBJECTS / 3, 120);
    assertEquals("copying", m.path("phase").asText(), m.toPrettyString());
    GatewayProcess copier = copyingNode(first);
    assertNotNull(copier, "no node recorded the copy's progress:\n" + cluster.logs());
    long copiedBeforeKill =
        adminJson(first, "GET", migrationPath(), null, 200).path("objectsCopied").asLong();
    killedAt.set(System.currentTimeMillis());
    copier.kill();
    GatewayProcess survivor = cluster.alive().get(0);

    JsonNode done =
        awaitMigration(survivor, x -> x.path("phase").asText().equals("completed"), 240);
    long resumedIn = System.currentTimeMillis() - killedAt.get();
    running.set(false);
    for (Thread t : threads) {
      t.join(60_000);
    }

    // From the checkpoint: objects the dead node copied after its last checkpoint are counted
    // twice at most (a progress interval's worth at the throttled rate, plus the copies in
    // flight); a copy restarted from zero would count every object before the kill again.
    long copied = done.path("objectsCopied").asLong();
    long total = done.path("objectsTotal").asLong();
    long slack = RATE * 2L + 16;
    assertTrue(
        copied <= total + slack,
        "the copy restarted instead of resuming: copied "
            + copied
            + " of "
            + total
            + " ("
            + copiedBeforeKill
            + " before the kill)");
    assertTrue(done.path("verification").path("passed").asBoolean(), done.toPrettyString());
    assertEquals(
        "local-archive",
        adminJson(survivor, "GET", "containers/AUTH_test/" + CONTAINER, null, 200)
            .path("assignment")
            .path("primary")
            .asText());

    // Every acknowledged write, byte for byte, from the target (the source is cleaned).
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      HttpResponse<String> r = send(survivor, "GET", CONTAINER + "/" + e.getKey(), null);
      assertEquals(200, r.statusCode(), e.getKey());
      if (uncertain.containsKey(e.getKey())) {
        assertTrue(r.body().startsWith("written") || r.body().equals(e.getValue()), e.getKey());
      } else {
        assertEquals(e.getValue(), r.body(), e.getKey());
      }
    }
    HttpResponse<String> listing = send(survivor, "GET", CONTAINER, null);
    long listed = listing.body().lines().count();
    assertTrue(
        listed >= acknowledged.size() && listed <= acknowledged.size() + uncertain.size(),
        "listed " + listed + ", acknowledged " + acknowledged.size());
    try (var source = Files.walk(work.resolve("backends").resolve("local-standard"))) {
      long left =
          source.filter(Files::isRegularFile).filter(p -> p.toString().contains(CONTAINER)).count();
      assertEquals(0, left, "files of the container left on the source");
    }

    List<Outcome> outsideShardMove =
        failures.stream()
            .filter(f -> f.startedAt() < -1_000 || f.startedAt() > SHARD_MOVE_MILLIS)
            .toList();
    System.out.printf(
        "migration resume: %d objects, %d copied before kill -9 of the copying node, completed %d ms"
            + " after it, objects counted %d of %d; client requests %d, failed %d (%d while the"
            + " shard moved: %s)%n",
        OBJECTS,
        copiedBeforeKill,
        resumedIn,
        copied,
        total,
        requests.get(),
        failures.size(),
        failures.size() - outsideShardMove.size(),
        failures.stream().limit(5).toList());
    assertEquals(List.of(), outsideShardMove, "failed client requests outside the shard move");
  }

  private static String migrationPath() {
    return "containers/AUTH_test/" + CONTAINER + "/migration";
  }

  /** The node (by cluster port) named in the audit of the latest MigrationProgressed event. */
  private static GatewayProcess copyingNode(GatewayProcess via) {
    HttpResponse<String> audit =
        adminCall(via, "GET", "audit?account=AUTH_test&container=" + CONTAINER, null);
    assertEquals(200, audit.statusCode(), audit.body());
    String node = null;
    for (String line : audit.body().split("\n")) {
      if (line.contains("MigrationProgressed")) {
        JsonNode e = json(line);
        String n = e.path("node").asText(e.path("audit").path("node").asText(""));
        if (!n.isEmpty()) {
          node = n;
        }
      }
    }
    if (node == null) {
      return null;
    }
    for (GatewayProcess p : cluster.nodes()) {
      if (node.endsWith(":" + p.clusterPort())) {
        return p;
      }
    }
    fail("no node has cluster port of " + node);
    return null;
  }

  private interface Until {
    boolean test(JsonNode migration);
  }

  private static JsonNode awaitMigration(GatewayProcess via, Until until, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = adminCall(via, "GET", migrationPath(), null);
        if (r.statusCode() == 200) {
          last = json(r.body());
          if (until.test(last)) {
            return last;
          }
        }
      } catch (RuntimeException e) {
        // the node is busy while the cluster settles: ask again
      }
      Thread.sleep(250);
    }
    fail("migration did not get there in " + seconds + " s; last: " + last + cluster.logs());
    return last;
  }

  private static JsonNode adminJson(
      GatewayProcess via, String method, String path, String body, int status) {
    HttpResponse<String> r = adminCall(via, method, path, body);
    assertEquals(status, r.statusCode(), r.body());
    return json(r.body());
  }

  private static HttpResponse<String> adminCall(
      GatewayProcess via, String method, String path, String body) {
    return call(
        HttpRequest.newBuilder(URI.create(via.baseUrl() + "/admin/" + path))
            .header("X-Auth-Token", admin.token())
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        method + " " + path);
  }

  private static HttpResponse<String> send(
      GatewayProcess node, String method, String path, String body) {
    return call(
        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test/" + path))
            .header("X-Auth-Token", tester.token())
            .timeout(Duration.ofSeconds(40))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        method + " " + path);
  }

  private static HttpResponse<String> call(HttpRequest request, String what) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new IllegalStateException(what + ": " + e, e);
    }
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(body, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
