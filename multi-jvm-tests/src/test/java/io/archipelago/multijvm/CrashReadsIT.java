package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with kill -9 under load: reads of the containers whose entities lived on it (object
 * GET, container HEAD and listing, through the surviving nodes) keep answering from the replicated
 * route view while their shards move, and only writes to those containers wait.
 *
 * <p>{@code -Dcrashreads.fallback=off} runs the same load with the fallback switched off
 * (archipelago.engine.read-fallback.enabled) and only prints the numbers, for comparison; {@code
 * -Dcrashreads.config='a = 1;b = 2'} adds settings to the nodes' configuration.
 */
class CrashReadsIT {

  private static final int CONTAINERS = 60;
  private static final int OBJECTS = 3;
  private static final int READERS = 8;
  private static final int WRITERS = 4;

  /** The longest a read may wait with the fallback on: first-ask-timeout (1.5 s) plus margin. */
  private static final long MAX_READ_MILLIS = 3_500;

  /**
   * The longest a container's reads may go unanswered: readers in step meet the killed node's
   * containers together, and each container costs one short first wait per node.
   */
  private static final long MAX_GAP_MILLIS = 5_000;

  private static final boolean FALLBACK =
      !"off".equals(System.getProperty("crashreads.fallback", "on"));

  @TempDir static Path work;
  static GatewayCluster cluster;
  static SwiftClient tester;
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
            + "archipelago.engine.read-fallback.enabled = "
            + (FALLBACK ? "on" : "off")
            + "\n"
            // For measurements only: more settings, e.g. of downing, separated by ';'.
            + System.getProperty("crashreads.config", "").replace(';', '\n')
            + "\n");
    cluster =
        new GatewayCluster(
            work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared(), config);
    cluster.startNodes(3);
    tester = SwiftClient.login(cluster.nodes().get(0).baseUrl(), "test:tester", "testing");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One answered or failed request of the load, times in ms since the kill. */
  record Outcome(
      String container, boolean write, long startedAt, long endedAt, int status, String error) {
    long waited() {
      return endedAt - startedAt;
    }
  }

  @Test
  void readsOfTheDeadNodesContainersKeepAnsweringWhileOnlyWritesWait() throws Exception {
    List<GatewayProcess> nodes = cluster.nodes();
    GatewayProcess victim = nodes.get(2);
    List<GatewayProcess> survivors = List.of(nodes.get(0), nodes.get(1));
    List<String> containers = IntStream.range(0, CONTAINERS).mapToObj(i -> "crash" + i).toList();
    // Created and filled through every node, so the entities spread over the three nodes.
    for (int i = 0; i < CONTAINERS; i++) {
      GatewayProcess via = nodes.get(i % nodes.size());
      assertEquals(
          201,
          send(via, "PUT", containers.get(i), "", Duration.ofSeconds(30)).statusCode(),
          cluster.logs());
      for (int k = 0; k < OBJECTS; k++) {
        assertEquals(
            201,
            send(
                    via,
                    "PUT",
                    containers.get(i) + "/obj" + k,
                    "body " + i + "/" + k,
                    Duration.ofSeconds(30))
                .statusCode());
      }
    }

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    AtomicInteger turn = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < READERS + WRITERS; t++) {
      boolean writer = t >= READERS;
      Thread thread =
          new Thread(
              () -> {
                int n = 0;
                while (running.get()) {
                  int i = turn.getAndIncrement();
                  String container = containers.get(Math.floorMod(i, CONTAINERS));
                  GatewayProcess via =
                      survivors.get(Math.floorMod(i / CONTAINERS, survivors.size()));
                  // Object GETs, and every tenth read a container HEAD or listing.
                  String method = writer ? "PUT" : (n % 10 == 3 ? "HEAD" : "GET");
                  String path =
                      writer
                          ? container + "/w" + Thread.currentThread().getId() + "-" + n
                          : n % 10 == 3 || n % 10 == 7
                              ? container
                              : container + "/obj" + (n % OBJECTS);
                  n++;
                  long started = System.currentTimeMillis();
                  int status = 0;
                  String error = null;
                  try {
                    HttpResponse<String> r =
                        send(via, method, path, writer ? "w" : "", Duration.ofSeconds(40));
                    status = r.statusCode();
                  } catch (RuntimeException e) {
                    error = String.valueOf(e);
                  }
                  long ended = System.currentTimeMillis();
                  if (ended >= killedAt.get() - 2_000) {
                    outcomes.add(
                        new Outcome(
                            container,
                            writer,
                            started - killedAt.get(),
                            ended - killedAt.get(),
                            status,
                            error));
                  }
                }
              },
              (writer ? "writer-" : "reader-") + t);
      thread.start();
      threads.add(thread);
    }
    Thread.sleep(4_000);
    killedAt.set(System.currentTimeMillis());
    victim.kill();
    Thread.sleep(32_000);
    running.set(false);
    for (Thread thread : threads) {
      thread.join(45_000);
    }

    List<Outcome> reads = outcomes.stream().filter(o -> !o.write()).toList();
    List<Outcome> writes = outcomes.stream().filter(Outcome::write).toList();
    // The dead node's containers: those a request waited for (more than 1.2 s) after the kill.
    List<String> affected =
        outcomes.stream()
            .filter(o -> o.endedAt() > 0 && o.waited() > 1_200)
            .map(Outcome::container)
            .distinct()
            .sorted()
            .toList();
    Files.write(
        Path.of("target", "crash-reads-" + (FALLBACK ? "on" : "off") + ".csv"),
        outcomes.stream()
            .map(
                o ->
                    String.join(
                        ",",
                        o.container(),
                        o.write() ? "w" : "r",
                        String.valueOf(o.startedAt()),
                        String.valueOf(o.endedAt()),
                        String.valueOf(o.status())))
            .toList());
    long longestRead =
        reads.stream().filter(o -> o.endedAt() > 0).mapToLong(Outcome::waited).max().orElse(0);
    List<Outcome> failedReads =
        reads.stream().filter(o -> o.endedAt() > 0 && o.status() / 100 != 2).toList();
    long longestGap = 0;
    for (String c : affected) {
      long last = 0;
      List<Long> answers =
          reads.stream()
              .filter(o -> o.container().equals(c) && o.status() / 100 == 2)
              .map(Outcome::endedAt)
              .filter(at -> at > 0)
              .sorted()
              .toList();
      for (long at : answers) {
        if (at - last > longestGap) {
          System.out.printf("  gap of %d ms in the answers of %s before %d ms%n", at - last, c, at);
        }
        longestGap = Math.max(longestGap, at - last);
        last = at;
      }
    }
    // Writes held up by the crash (sent after it, waited more than 3 s) end when they resume.
    List<Outcome> heldWrites =
        writes.stream().filter(o -> o.startedAt() >= 0 && o.waited() > 3_000).toList();
    long writesResumed = heldWrites.stream().mapToLong(Outcome::endedAt).max().orElse(0);
    long firstWriteResumed = heldWrites.stream().mapToLong(Outcome::endedAt).min().orElse(0);
    long writesAfterKill = writes.stream().filter(o -> o.startedAt() >= 0).count();
    List<Outcome> failedWrites =
        writes.stream().filter(o -> o.endedAt() > 0 && o.status() != 201).toList();
    System.out.printf(
        "crash reads (fallback %s): %d containers of the killed node; reads after the kill: %d, longest wait %d ms,"
            + " longest gap without an answer %d ms, %d failed; writes after the kill: %d, to the killed node's"
            + " containers resumed %d-%d ms after the kill (%d held up), %d failed%n",
        FALLBACK ? "on" : "off",
        affected.size(),
        reads.size(),
        longestRead,
        longestGap,
        failedReads.size(),
        writesAfterKill,
        firstWriteResumed,
        writesResumed,
        heldWrites.size(),
        failedWrites.size());
    failedReads.stream().limit(5).forEach(o -> System.out.println("  failed read: " + o));
    failedWrites.stream().limit(5).forEach(o -> System.out.println("  failed write: " + o));

    assertTrue(heldWrites.size() > 0, "the kill held up no write\n" + cluster.logs());
    assertEquals(List.of(), failedWrites, cluster.logs());
    assertTrue(
        writesResumed < 30_000, "writes resumed after " + writesResumed + " ms\n" + cluster.logs());
    if (FALLBACK) {
      assertEquals(List.of(), failedReads, cluster.logs());
      assertTrue(longestRead <= MAX_READ_MILLIS, "a read waited " + longestRead + " ms");
      assertTrue(longestGap <= MAX_GAP_MILLIS, "reads got no answer for " + longestGap + " ms");
    }
  }

  private static HttpResponse<String> send(
      GatewayProcess node, String method, String path, String body, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test/" + path))
            .header("X-Auth-Token", tester.token())
            .timeout(timeout)
            .method(
                method,
                method.equals("PUT")
                    ? HttpRequest.BodyPublishers.ofString(body)
                    : HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(method + " " + path + ": " + e, e);
    }
  }
}
