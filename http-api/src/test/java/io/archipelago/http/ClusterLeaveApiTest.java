package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /admin/cluster/leave {"address": ...}}: a second node that joined the gateway's
 * cluster leaves it gracefully when an operator asks (it is removed and its actor system stops); an
 * address no member has is 404, a body without an address 400, a non-reseller 403.
 */
class ClusterLeaveApiTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  private static final ObjectMapper JSON = new ObjectMapper();
  static SwiftClient admin;

  @BeforeAll
  static void login() {
    admin = gateway.login("admin:admin", "admin");
  }

  @Test
  void aMemberLeavesWhenAnOperatorAsks() throws Exception {
    String seed = Cluster.get(gateway.system()).selfMember().address().toString();
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "akka.remote.artery.canonical.port",
                    0,
                    "akka.cluster.seed-nodes",
                    List.of(seed)))
            .withFallback(gateway.system().settings().config());
    ActorSystem<Void> second = ActorSystem.create(Behaviors.empty(), "archipelago", config);
    try {
      String address = Cluster.get(second).selfMember().address().toString();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!"Up".equals(status(address)) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertEquals("Up", status(address), members().toString());

      HttpResponse<String> r = leave("{\"address\":\"" + address + "\"}");
      assertEquals(202, r.statusCode(), r.body());
      JsonNode answer = JSON.readTree(r.body());
      assertEquals(address, answer.path("address").asText());
      assertEquals("leaving", answer.path("status").asText());

      second.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(MemberStatus.removed(), Cluster.get(second).selfMember().status());
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (status(address) != null && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertEquals(null, status(address), members().toString());
      assertEquals("Up", status(seed), "the gateway node stays");
    } finally {
      second.terminate();
    }
  }

  @Test
  void anUnknownAddressIsNotFoundAndABadBodyIsRefused() {
    HttpResponse<String> unknown = leave("{\"address\":\"akka://archipelago@127.0.0.1:1\"}");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("No cluster member akka://archipelago@127.0.0.1:1"));
    for (String body : List.of("{}", "{\"address\":7}", "[]", "not json", "{\"address\":\"x\"}")) {
      HttpResponse<String> r = leave(body);
      assertEquals(400, r.statusCode(), body + ": " + r.body());
    }
    SwiftClient tester = gateway.login("test:tester", "testing");
    HttpResponse<String> forbidden =
        tester.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/cluster/leave"))
                .header("X-Auth-Token", tester.token())
                .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"akka://a@b:1\"}"))
                .build());
    assertEquals(403, forbidden.statusCode());
    assertEquals("Up", status(Cluster.get(gateway.system()).selfMember().address().toString()));
  }

  private static HttpResponse<String> leave(String body) {
    return admin.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/cluster/leave"))
            .header("X-Auth-Token", admin.token())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static JsonNode members() {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/cluster"))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertEquals(200, r.statusCode(), r.body());
    try {
      return JSON.readTree(r.body()).path("members");
    } catch (Exception e) {
      throw new AssertionError(r.body(), e);
    }
  }

  /** The member's status as the admin API lists it; null when it is no member. */
  private static String status(String address) {
    return StreamSupport.stream(members().spliterator(), false)
        .filter(m -> m.path("address").asText().equals(address))
        .map(m -> m.path("status").asText())
        .findFirst()
        .orElse(null);
  }
}
