package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An account of 1,300 containers (names of 190 to 252 bytes: the names alone are more than Akka's
 * 256 KiB remote frame) listed through every node of a three-node cluster. A listing of Swift's
 * default limit (10,000 names) serializes to megabytes; as one reply from the account entity it
 * exceeded Akka's 256 KiB remote frame on the nodes that do not host the entity
 * (OversizedPayloadException, the ask timed out, 503). The entity now answers in bounded pages and
 * the gateway streams them. The account AUTH_test2 is this test's alone.
 */
class AccountListingIT {

  private static final int CONTAINERS = 1_300;
  private static final int IN_FLIGHT = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static GatewayCluster cluster;
  static SwiftClient client;

  /** The container names in Swift order (ASCII: String order is UTF-8 byte order). */
  static final List<String> names = new ArrayList<>();

  @BeforeAll
  static void start() {
    cluster =
        new GatewayCluster(
            work.resolve("nodes"), work.resolve("backends"), PostgresServer.shared());
    // one after the other: on a busy machine three JVMs starting at once may miss the readiness
    // deadline
    for (int i = 0; i < 3; i++) {
      cluster.startNode();
    }
    client = SwiftClient.login(cluster.nodes().get(0).baseUrl(), "test2:tester2", "testing2");
    for (int i = 0; i < CONTAINERS; i++) {
      // unpadded numbers and varied lengths, so that name order is not creation order
      names.add("listing-" + i + "-" + "x".repeat(180 + i % 60));
    }
    List<String> shuffled = new ArrayList<>(names);
    Collections.shuffle(shuffled, new Random(24));
    long started = System.nanoTime();
    createAll(shuffled);
    System.out.printf(
        "%d containers created in %d ms%n", CONTAINERS, (System.nanoTime() - started) / 1_000_000);
    names.sort(Comparator.naturalOrder());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Parallel PUTs spread over the nodes, at most {@link #IN_FLIGHT} at once. A PUT that times out
   * on a busy machine (503) is sent again: container PUT is idempotent (201, then 202).
   */
  private static void createAll(List<String> containers) {
    Semaphore permits = new Semaphore(IN_FLIGHT);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < containers.size(); i++) {
      String name = containers.get(i);
      GatewayProcess node = cluster.nodes().get(i % cluster.nodes().size());
      permits.acquireUninterruptibly();
      puts.add(
          put(node, name, 3)
              .whenComplete(
                  (r, failure) -> {
                    permits.release();
                    if (failure != null || (r.statusCode() != 201 && r.statusCode() != 202)) {
                      failures.add(
                          name
                              + ": "
                              + (failure != null ? failure : r.statusCode() + " " + r.body()));
                    }
                  }));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).exceptionally(f -> null).join();
    assertEquals(List.of(), List.copyOf(failures), cluster.logs());
  }

  private static CompletableFuture<HttpResponse<String>> put(
      GatewayProcess node, String name, int attempts) {
    return client
        .http()
        .sendAsync(
            request(node, "/" + name).PUT(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString())
        .thenCompose(
            r ->
                r.statusCode() == 503 && attempts > 1
                    ? put(node, name, attempts - 1)
                    : CompletableFuture.completedFuture(r));
  }

  private static HttpRequest.Builder request(GatewayProcess node, String path) {
    return HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test2" + path))
        .header("X-Auth-Token", client.token())
        .timeout(Duration.ofSeconds(60));
  }

  private static HttpResponse<String> get(GatewayProcess node, String path) {
    return client.send(request(node, path).GET().build());
  }

  @Test
  void everyNodeListsAllContainersInOrderAsTextAndJson() throws Exception {
    for (GatewayProcess node : cluster.nodes()) {
      HttpResponse<String> text = get(node, "");
      assertEquals(200, text.statusCode(), "node " + node.httpPort() + ": " + text.body());
      assertEquals(
          names, text.body().lines().toList(), "text listing through node " + node.httpPort());
      assertEquals(
          String.valueOf(CONTAINERS),
          text.headers().firstValue("X-Account-Container-Count").orElse(null));

      HttpResponse<String> json = get(node, "?format=json");
      assertEquals(200, json.statusCode(), "node " + node.httpPort() + ": " + json.body());
      List<String> listed = new ArrayList<>();
      for (JsonNode row : JSON.readTree(json.body())) {
        assertEquals(0, row.get("count").asLong(), row.toString());
        listed.add(row.get("name").asText());
      }
      assertEquals(names, listed, "json listing through node " + node.httpPort());
      // the case this test is for: the names alone are more than Akka's 256 KiB remote frame
      assertTrue(names.stream().mapToInt(String::length).sum() > 256 * 1024);

      HttpResponse<String> head =
          client.send(
              request(node, "").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(204, head.statusCode());
      assertEquals(
          String.valueOf(CONTAINERS),
          head.headers().firstValue("X-Account-Container-Count").orElse(null));
    }
  }

  /** As swift list pages: limit and the last name as marker, forwards and in reverse. */
  @Test
  void everyNodePagesThroughTheListingWithLimitAndMarker() {
    List<String> reversed = new ArrayList<>(names);
    Collections.reverse(reversed);
    for (GatewayProcess node : cluster.nodes()) {
      assertEquals(
          names,
          pageThrough(node, 400, false),
          "limit/marker paging through node " + node.httpPort());
    }
    assertEquals(reversed, pageThrough(cluster.nodes().get(1), 500, true));
    HttpResponse<String> bounded =
        get(
            cluster.nodes().get(2),
            "?marker=" + names.get(100) + "&end_marker=" + names.get(1_200));
    assertEquals(names.subList(101, 1_200), bounded.body().lines().toList());
  }

  private static List<String> pageThrough(GatewayProcess node, int limit, boolean reverse) {
    List<String> all = new ArrayList<>();
    while (true) {
      String marker =
          all.isEmpty() ? "" : URLEncoder.encode(all.get(all.size() - 1), StandardCharsets.UTF_8);
      HttpResponse<String> page =
          get(node, "?limit=" + limit + "&marker=" + marker + (reverse ? "&reverse=on" : ""));
      if (page.statusCode() == 204) {
        return all;
      }
      assertEquals(200, page.statusCode(), page.body());
      List<String> rows = page.body().lines().toList();
      assertTrue(rows.size() <= limit);
      all.addAll(rows);
    }
  }
}
