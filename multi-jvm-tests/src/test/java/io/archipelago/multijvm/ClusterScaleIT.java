package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of real gateway JVMs on one PostgreSQL journal, changed under load: a backend added
 * through one node, a node joining, a node leaving gracefully, a node killed, and the whole cluster
 * stopped and started again. Every acknowledged write must survive all of it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScaleIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static PostgresServer postgres;
  static GatewayCluster cluster;
  static SwiftClient tester;
  static SwiftClient admin;
  static final List<LoadGenerator.Acknowledged> written =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    cluster = new GatewayCluster(work.resolve("first"), work.resolve("backends"), postgres);
    cluster.startNodes(3);
    login(cluster.nodes().get(0));
  }

  static void login(GatewayProcess node) {
    tester = SwiftClient.login(node.baseUrl(), "test:tester", "testing");
    admin = SwiftClient.login(node.baseUrl(), "admin:admin", "admin");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void backendAddedThroughOneNodeIsUsedForPlacementOnEveryNode() throws Exception {
    GatewayProcess first = cluster.nodes().get(0);
    assertEquals(
        503, put(first, "/gold-before", Map.of("X-Storage-Policy", "gold")), cluster.logs());
    String backend =
        "{\"id\":\"gold-fs\",\"kind\":\"filesystem\",\"tiers\":[\"gold\"],\"site\":\"b\","
            + "\"settings\":{\"root\":\""
            + work.resolve("backends/gold")
            + "\"}}";
    HttpResponse<String> added =
        admin.send(
            HttpRequest.newBuilder(URI.create(first.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .POST(HttpRequest.BodyPublishers.ofString(backend))
                .build());
    assertEquals(200, added.statusCode(), added.body());
    long addedAt = System.currentTimeMillis();
    for (GatewayProcess node : cluster.nodes()) {
      String container = "/gold-" + node.httpPort();
      // Each node reads the registry every 2 s; the bound leaves room for a loaded CI machine (a
      // run with four gateway JVMs on two busy cores once took over 5 s).
      while (put(
              node, container, Map.of("X-Storage-Policy", "gold", "X-Container-Meta-Tier", "gold"))
          != 201) {
        assertTrue(
            System.currentTimeMillis() - addedAt < 12_000,
            "backend not usable on " + node.httpPort());
        Thread.sleep(100);
      }
      System.out.println(
          "added backend usable on node "
              + node.httpPort()
              + " after "
              + (System.currentTimeMillis() - addedAt)
              + " ms");
      JsonNode state = adminGet(node, "/admin/containers/AUTH_test" + container);
      assertEquals("gold-fs", state.at("/assignment/primary").asText());
    }
  }

  @Test
  @Order(2)
  void aFourthNodeJoinsUnderLoadAndTakesShardsWithoutFailedRequests() throws Exception {
    try (LoadGenerator load =
        new LoadGenerator(cluster::alive, tester.token(), "join", 30).start(6, 100_000)) {
      Thread.sleep(4_000);
      GatewayProcess fourth = cluster.startNode();
      long deadline = System.currentTimeMillis() + 90_000;
      int shards = 0;
      while (System.currentTimeMillis() < deadline && shards == 0) {
        Thread.sleep(1_000);
        shards = shardsOn(fourth);
      }
      assertTrue(shards > 0, "no shard moved to the new node\n" + cluster.logs());
      System.out.printf("join: %d container shards on the new node%n", shards);
      Thread.sleep(3_000);
      load.close();
      written.addAll(load.acknowledged());
      assertEquals(List.of(), load.failures(), cluster.logs());
      assertTrue(load.acknowledged().size() > 50, "too little load: " + load.acknowledged().size());
    }
  }

  @Test
  @Order(3)
  void aGracefulLeaveUnderLoadFailsNoRequest() throws Exception {
    GatewayProcess leaving = cluster.nodes().get(1);
    try (LoadGenerator load =
        new LoadGenerator(cluster::alive, tester.token(), "leave", 30).start(6, 100_000)) {
      Thread.sleep(4_000);
      int exit = leaving.stop();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit);
      Thread.sleep(4_000);
      load.close();
      written.addAll(load.acknowledged());
      assertEquals(List.of(), load.failures(), cluster.logs());
    }
    GatewayProcess survivor = cluster.alive().get(0);
    JsonNode members = adminGet(survivor, "/admin/cluster").get("members");
    Set<String> addresses = new HashSet<>();
    int shards = 0;
    for (JsonNode m : members) {
      addresses.add(m.get("address").asText());
      shards += m.at("/shards/Container").asInt();
    }
    assertTrue(
        addresses.stream().noneMatch(a -> a.endsWith(":" + leaving.clusterPort())),
        addresses.toString());
    assertTrue(shards > 0);
  }

  @Test
  @Order(4)
  void aKilledNodeOnlyFailsItsInFlightRequestsAndItsEntitiesMoveWithin20Seconds() throws Exception {
    GatewayProcess victim = cluster.alive().get(cluster.alive().size() - 1);
    List<String> containers;
    try (LoadGenerator load =
        new LoadGenerator(cluster::alive, tester.token(), "kill", 30).start(6, 100_000)) {
      Thread.sleep(4_000);
      victim.kill();
      long killedAt = System.currentTimeMillis();
      GatewayProcess survivor = cluster.alive().get(0);
      containers = java.util.stream.IntStream.range(0, 30).mapToObj(i -> "/kill" + i).toList();
      for (String c : containers) {
        while (true) {
          int status =
              tester
                  .send(
                      HttpRequest.newBuilder(URI.create(survivor.baseUrl() + "/v1/AUTH_test" + c))
                          .method("HEAD", HttpRequest.BodyPublishers.noBody())
                          .header("X-Auth-Token", tester.token())
                          .timeout(java.time.Duration.ofSeconds(30))
                          .build())
                  .statusCode();
          if (status == 204) {
            break;
          }
          assertTrue(
              System.currentTimeMillis() - killedAt < 20_000,
              "container " + c + " answers " + status);
          Thread.sleep(200);
        }
      }
      long movedAfter = System.currentTimeMillis() - killedAt;
      assertTrue(movedAfter < 20_000, "entities answered after " + movedAfter + " ms");
      System.out.printf(
          "kill -9: all containers answered from survivors %d ms after the kill%n", movedAfter);
      Thread.sleep(2_000);
      load.close();
      written.addAll(load.acknowledged());
      System.out.printf(
          "kill -9: %d requests, %d failed on the killed node, %d acknowledged writes%n",
          load.requestCount(), load.failures().size(), load.acknowledged().size());
      List<LoadGenerator.Failure> elsewhere =
          load.failures().stream().filter(f -> f.port() != victim.httpPort()).toList();
      assertEquals(List.of(), elsewhere, cluster.logs());
    }
    verifyEverythingWritten(cluster.alive().get(0));
  }

  @Test
  @Order(5)
  void aFullClusterStopAndStartKeepsEverything() throws Exception {
    for (GatewayProcess node : cluster.alive()) {
      node.stop();
    }
    cluster.close();
    cluster = new GatewayCluster(work.resolve("second"), work.resolve("backends"), postgres);
    cluster.startNodes(3);
    login(cluster.nodes().get(0));
    GatewayProcess node = cluster.nodes().get(2);
    verifyEverythingWritten(node);
    HttpResponse<String> gold =
        tester.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test/gold-" + "before"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("X-Auth-Token", tester.token())
                .build());
    assertEquals(404, gold.statusCode());
    String listing =
        tester
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test"))
                    .header("X-Auth-Token", tester.token())
                    .build())
            .body();
    assertTrue(listing.contains("gold-"), listing);
    for (String c : listing.lines().filter(l -> l.startsWith("gold-")).toList()) {
      HttpResponse<String> head =
          tester.send(
              HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test/" + c))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .header("X-Auth-Token", tester.token())
                  .build());
      assertEquals("gold", head.headers().firstValue("X-Container-Meta-Tier").orElse(""), c);
    }
  }

  private void verifyEverythingWritten(GatewayProcess node) {
    assertTrue(written.size() > 100, "written: " + written.size());
    System.out.printf(
        "verifying %d acknowledged writes through node %d%n", written.size(), node.httpPort());
    Map<String, List<LoadGenerator.Acknowledged>> byContainer =
        written.stream().collect(Collectors.groupingBy(LoadGenerator.Acknowledged::container));
    for (var entry : byContainer.entrySet()) {
      Set<String> listed = new HashSet<>();
      String marker = "";
      while (true) {
        String page =
            tester
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                node.baseUrl()
                                    + "/v1/AUTH_test/"
                                    + entry.getKey()
                                    + "?marker="
                                    + marker))
                        .header("X-Auth-Token", tester.token())
                        .build())
                .body();
        List<String> names = page.lines().toList();
        if (names.isEmpty()) {
          break;
        }
        listed.addAll(names);
        marker = names.get(names.size() - 1);
      }
      for (LoadGenerator.Acknowledged a : entry.getValue()) {
        assertTrue(listed.contains(a.name()), a + " not listed");
        HttpResponse<String> get =
            tester.send(
                HttpRequest.newBuilder(
                        URI.create(
                            node.baseUrl() + "/v1/AUTH_test/" + a.container() + "/" + a.name()))
                    .header("X-Auth-Token", tester.token())
                    .build());
        assertEquals(200, get.statusCode(), a.toString());
        assertEquals(a.body(), get.body(), a.toString());
      }
    }
  }

  private int put(GatewayProcess node, String path, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test" + path))
            .header("X-Auth-Token", tester.token())
            .PUT(HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return tester.send(b.build()).statusCode();
  }

  private JsonNode adminGet(GatewayProcess node, String path) throws Exception {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .header("X-Auth-Token", admin.token())
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private int shardsOn(GatewayProcess node) throws Exception {
    for (JsonNode m : adminGet(node, "/admin/cluster").get("members")) {
      if (m.get("self").asBoolean()) {
        return m.at("/shards/Container").asInt();
      }
    }
    return 0;
  }
}
