package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drain of a backend holding 200 containers on a three-node cluster on PostgreSQL, while clients
 * keep reading through every node: every container ends on another backend, every object reads back
 * byte for byte, no read fails, and the drained backend can be removed.
 */
class DrainClusterIT {

  private static final int CONTAINERS = 200;
  private static final int OBJECTS = 2;
  private static final int READERS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The source backend: a quota far above the disk's free space makes placement choose it. */
  private static final String SOURCE = "drain-src";

  @TempDir static Path work;
  static GatewayCluster cluster;
  static SwiftClient tester;
  static SwiftClient admin;
  static final Map<String, byte[]> bodies = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    Path config = work.resolve("gateway.conf");
    Files.writeString(
        config,
        "include file(\""
            + TestGateway.rootApplicationConf()
            + "\")\n"
            + "archipelago.migration.tick-interval = 300ms\n"
            + "archipelago.migration.progress-interval = 300ms\n"
            + "archipelago.migration.drain.tick-interval = 300ms\n"
            + "archipelago.migration.drain.settle = 3s\n");
    cluster =
        new GatewayCluster(
            work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared(), config);
    for (int i = 0; i < 3; i++) {
      cluster.startNode();
    }
    String base = cluster.nodes().get(0).baseUrl();
    tester = SwiftClient.login(base, "test:tester", "testing");
    admin = SwiftClient.login(base, "admin:admin", "admin");
    HttpResponse<String> added =
        adminCall(
            cluster.nodes().get(0),
            "POST",
            "backends",
            "{\"id\":\""
                + SOURCE
                + "\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],\"capacity\":"
                + (1L << 60)
                + ",\"settings\":{\"root\":\""
                + work.resolve("backends").resolve(SOURCE)
                + "\"}}");
    assertEquals(200, added.statusCode(), added.body());
    // every node sees it before the containers are made
    Thread.sleep(3000);
    // a few containers at a time, each through its own node: the setup is not what is tested
    ExecutorService setup = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> made = new ArrayList<>();
      for (int c = 0; c < CONTAINERS; c++) {
        GatewayProcess node = cluster.nodes().get(c % 3);
        String name = "drained-" + c;
        made.add(setup.submit(() -> fill(node, name)));
      }
      for (Future<?> f : made) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      setup.shutdownNow();
    }
    for (int c = 0; c < CONTAINERS; c += 37) {
      assertEquals(SOURCE, primary("drained-" + c), "placed on the source");
    }
  }

  private static Void fill(GatewayProcess node, String name) throws Exception {
    assertEquals(201, swift(node, "PUT", "/" + name, null).statusCode(), name);
    for (int o = 0; o < OBJECTS; o++) {
      byte[] body = (name + " object " + o + " ").repeat(3 + o).getBytes(StandardCharsets.UTF_8);
      assertEquals(201, swift(node, "PUT", "/" + name + "/o" + o, body).statusCode());
      bodies.put(name + "/o" + o, body);
    }
    return null;
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyContainerMovesAwayWhileReadsThroughEveryNodeNeverFail() throws Exception {
    List<String> paths = new ArrayList<>(bodies.keySet());
    AtomicBoolean reading = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < READERS; r++) {
      Random random = new Random(r);
      Thread t =
          new Thread(
              () -> {
                while (reading.get()) {
                  String path = paths.get(random.nextInt(paths.size()));
                  GatewayProcess node = cluster.nodes().get(random.nextInt(3));
                  try {
                    HttpResponse<byte[]> got = swift(node, "GET", "/" + path, null);
                    reads.incrementAndGet();
                    if (got.statusCode() != 200) {
                      failures.add(path + " on " + node.httpPort() + ": " + got.statusCode());
                    } else if (!Arrays.equals(bodies.get(path), got.body())) {
                      failures.add(path + " on " + node.httpPort() + ": other bytes");
                    }
                  } catch (RuntimeException e) {
                    failures.add(path + " on " + node.httpPort() + ": " + e);
                  }
                }
              },
              "reader-" + r);
      t.start();
      readers.add(t);
    }
    long started = System.nanoTime();
    try {
      HttpResponse<String> drain =
          adminCall(
              cluster.nodes().get(1),
              "POST",
              "backends/" + SOURCE + "/drain",
              "{\"concurrency\":8}");
      assertEquals(202, drain.statusCode(), drain.body());
      JsonNode last = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r =
            adminCall(cluster.nodes().get(2), "GET", "backends/" + SOURCE + "/drain", null);
        assertEquals(200, r.statusCode(), r.body());
        last = JSON.readTree(r.body());
        if (!last.path("state").asText().equals("draining")) {
          break;
        }
        Thread.sleep(1000);
      }
      assertEquals("drained", last.path("state").asText(), last + cluster.logs());
      assertEquals(CONTAINERS, last.path("containersTotal").asInt(), last.toString());
      assertEquals(CONTAINERS, last.path("containersDone").asInt(), last.toString());
      assertEquals(0, last.path("containersFailed").size(), last.toString());
    } finally {
      reading.set(false);
      for (Thread t : readers) {
        t.join();
      }
    }
    System.out.printf(
        "drain of %d containers in %d ms, %d reads during it, %d failed%n",
        CONTAINERS, (System.nanoTime() - started) / 1_000_000, reads.get(), failures.size());
    assertEquals(List.of(), List.copyOf(failures));
    assertTrue(reads.get() > 100, "reads during the drain: " + reads.get());

    for (int c = 0; c < CONTAINERS; c++) {
      assertFalse(primary("drained-" + c).equals(SOURCE), "drained-" + c + " still on the source");
    }
    int i = 0;
    for (Map.Entry<String, byte[]> e : bodies.entrySet()) {
      GatewayProcess node = cluster.nodes().get(i++ % 3);
      HttpResponse<byte[]> got = swift(node, "GET", "/" + e.getKey(), null);
      assertEquals(200, got.statusCode(), e.getKey());
      assertArrayEquals(e.getValue(), got.body(), e.getKey());
    }
    Path sourceFiles = work.resolve("backends").resolve(SOURCE);
    for (String path : List.of("drained-0/o0", "drained-99/o1", "drained-199/o0")) {
      assertFalse(FsObjectFiles.holds(sourceFiles, bodies.get(path)), path + " left on source");
    }
    HttpResponse<String> removed =
        adminCall(cluster.nodes().get(0), "DELETE", "backends/" + SOURCE, null);
    assertEquals(200, removed.statusCode(), removed.body());
  }

  private static String primary(String container) throws Exception {
    HttpResponse<String> r =
        adminCall(cluster.nodes().get(0), "GET", "containers/AUTH_test/" + container, null);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("assignment").path("primary").asText();
  }

  private static HttpResponse<byte[]> swift(
      GatewayProcess node, String method, String path, byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test" + path))
            .header("X-Auth-Token", tester.token())
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return tester.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<String> adminCall(
      GatewayProcess node, String method, String path, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/admin/" + path))
            .header("X-Auth-Token", admin.token())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> r = admin.send(request);
    if (r.statusCode() >= 500) {
      fail(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r;
  }
}
