package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.testing.Net;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Akka Management with the gateway's default config: its cluster routes answer reads, and refuse
 * the writes (leave, down) that take no credentials, so that nobody who reaches the port (a
 * container sync target once could) downs or removes the node.
 */
class ManagementReadOnlyTest {

  static final int MANAGEMENT_PORT = Net.freePort();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.management.enabled",
              true,
              "akka.management.http.port",
              MANAGEMENT_PORT));

  static String management;
  static String self;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    int port = MANAGEMENT_PORT;
    management = "http://127.0.0.1:" + port;
    self = Cluster.get(gateway.system()).selfMember().address().toString().replace("akka://", "");
    Net.await(Duration.ofSeconds(30), () -> Net.listening(port));
  }

  @Test
  void membersCanBeReadButNotDownedNorToldToLeave() throws Exception {
    HttpResponse<String> members = send("GET", "/cluster/members", null);
    assertEquals(200, members.statusCode(), members.body());
    assertTrue(members.body().contains(self), members.body());

    // The reported attack: a PUT of operation=Down on the node's own member route.
    assertRefused(send("PUT", "/cluster/members/" + self, "operation=Down"));
    assertRefused(send("PUT", "/cluster/members/" + self, "operation=Leave"));
    assertRefused(send("DELETE", "/cluster/members/" + self, null));
    assertRefused(send("POST", "/cluster/members/", "address=akka://" + self));

    Thread.sleep(1000); // a Down, had it been taken, would have removed the node by now
    assertEquals(MemberStatus.up(), Cluster.get(gateway.system()).selfMember().status());
    assertEquals(200, send("GET", "/cluster/members", null).statusCode());
    assertEquals(200, send("GET", "/alive", null).statusCode());
  }

  private static void assertRefused(HttpResponse<String> r) {
    assertTrue(
        r.statusCode() == 405 || r.statusCode() == 404 || r.statusCode() == 401,
        r.statusCode() + " " + r.body());
  }

  private static HttpResponse<String> send(String method, String path, String form)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(management + path)).timeout(Duration.ofSeconds(30));
    if (form != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded");
    }
    b.method(
        method,
        form == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(form));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
