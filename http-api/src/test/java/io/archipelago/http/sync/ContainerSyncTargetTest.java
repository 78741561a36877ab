package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.await;
import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Net;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * X-Container-Sync-To on one in-JVM gateway whose config declares a realm with two clusters (a
 * recording stand-in for a remote Swift, and, misconfigured, the gateway's own HTTP port) and
 * allows two hosts for full URLs. Targets outside the config are refused with Swift's 400 before
 * anything is stored; configured ones are synced to.
 */
class ContainerSyncTargetTest {

  private static final String REALM_KEY = "realm-secret";

  static RemoteSwiftStub remote;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(ContainerSyncTargetTest::overrides);

  static int httpPort;
  static SwiftClient tester;
  static SwiftClient admin;

  /** The node's config overrides. */
  private static Map<String, Object> overrides() {
    remote = new RemoteSwiftStub();
    httpPort = Net.freePort();
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("archipelago.http.port", httpPort);
    overrides.put("archipelago.sync.container-sync-realms.Realm1.key", REALM_KEY);
    overrides.put(
        "archipelago.sync.container-sync-realms.Realm1.clusters.Remote", remote.endpoint());
    overrides.put(
        "archipelago.sync.container-sync-realms.Realm1.clusters.Self",
        "http://127.0.0.1:" + httpPort + "/v1/");
    overrides.put(
        "archipelago.sync.allowed-sync-hosts", List.of("127.0.0.1:" + remote.port(), "localhost"));
    overrides.put("jdbc-read-journal.refresh-interval", "200ms");
    return overrides;
  }

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
  }

  @AfterAll
  static void stop() {
    remote.close();
  }

  @Test
  void targetsOutsideTheConfigAreRefusedBeforeAnythingIsStored() {
    assertEquals(201, tester.call("PUT", "/plain").statusCode());
    HttpResponse<String> before = tester.call("HEAD", "/plain");
    List<String> eventsBefore = events("plain");

    // The reported attack: Akka Management's members route, query to swallow the object name.
    refused(
        "/plain",
        "http://127.0.0.1:8558/cluster/members/archipelago@127.0.0.1:25520?x=",
        "Params, queries, and fragments not allowed in X-Container-Sync-To");
    refused(
        "/plain",
        "http://127.0.0.1:8558/cluster/members/archipelago@127.0.0.1:25520",
        "Invalid host '127.0.0.1' in X-Container-Sync-To");
    refused(
        "/plain",
        "http://example.com/v1/AUTH_x/c",
        "Invalid host 'example.com' in X-Container-Sync-To");
    refused(
        "/plain",
        "ftp://127.0.0.1/v1/AUTH_x/c",
        "Invalid scheme 'ftp' in X-Container-Sync-To, must be \"//\", \"http\", or \"https\".");
    refused("/plain", "//nope/remote/AUTH_x/c", "No realm key for 'nope'");
    refused("/plain", "//realm1/nope/AUTH_x/c", "No cluster endpoint for 'realm1' 'nope'");
    refused(
        "/plain",
        "//realm1/remote/AUTH_x",
        "Invalid X-Container-Sync-To format '//realm1/remote/AUTH_x'");
    // Configured, but the gateway itself: a realm cluster and an allowed host on its HTTP port.
    refused(
        "/plain",
        "//realm1/self/AUTH_test/plain",
        "X-Container-Sync-To may not name a port of this gateway");
    refused(
        "/plain",
        "http://localhost:" + httpPort + "/v1/AUTH_test/other",
        "X-Container-Sync-To may not name a port of this gateway");

    HttpResponse<String> after = tester.call("HEAD", "/plain");
    assertTrue(after.headers().firstValue("X-Container-Sync-To").isEmpty());
    assertEquals(
        before.headers().firstValue("X-Put-Timestamp"),
        after.headers().firstValue("X-Put-Timestamp"));
    assertEquals(eventsBefore, events("plain"));

    // A create with a refused target creates nothing.
    HttpResponse<String> create =
        tester.call("PUT", "/fresh", Map.of("X-Container-Sync-To", "//nope/remote/AUTH_x/c"), null);
    assertEquals(400, create.statusCode());
    assertEquals(404, tester.call("HEAD", "/fresh").statusCode());
    assertEquals(List.of(), events("fresh"));
    assertTrue(
        remote.received().stream()
            .noneMatch(r -> r.path().contains("plain") || r.path().contains("fresh")));
  }

  @Test
  void aConfiguredRealmTargetIsSyncedToSignedWithTheRealmKey() throws Exception {
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/synced",
                Map.of(
                    "X-Container-Sync-To",
                    "//realm1/remote/AUTH_remote/target",
                    "X-Container-Sync-Key",
                    "user-key"),
                null)
            .statusCode());
    assertEquals(
        "//realm1/remote/AUTH_remote/target",
        tester.call("HEAD", "/synced").headers().firstValue("X-Container-Sync-To").orElse(""));
    assertEquals(
        201,
        tester
            .call("PUT", "/synced/hello.txt", Map.of("Content-Type", "text/plain"), "hello")
            .statusCode());

    String path = "/v1/AUTH_remote/target/hello.txt";
    await("the object on the remote cluster", 30_000, () -> !remote.at(path).isEmpty());
    RemoteSwiftStub.Received put = remote.at(path).get(0);
    assertEquals("PUT", put.method());
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), put.body());
    assertEquals(md5("hello".getBytes(StandardCharsets.UTF_8)), put.headers().get("etag"));
    String[] auth = put.headers().get("x-container-sync-auth").split(" ");
    assertEquals("REALM1", auth[0]);
    assertEquals(sign("PUT", path, put.headers().get("x-timestamp"), auth[1], "user-key"), auth[2]);

    assertEquals(204, tester.call("DELETE", "/synced/hello.txt").statusCode());
    await(
        "the delete on the remote cluster",
        30_000,
        () -> remote.at(path).stream().anyMatch(r -> r.method().equals("DELETE")));
  }

  @Test
  void aFullUrlOnAnAllowedHostIsSyncedToWithTheKey() {
    String syncTo = remote.endpoint() + "AUTH_remote/byurl";
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/byurl",
                Map.of("X-Container-Sync-To", syncTo, "X-Container-Sync-Key", "url-key"),
                null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/byurl/one", Map.of(), "one").statusCode());
    String path = "/v1/AUTH_remote/byurl/one";
    await("the object on the allowed host", 30_000, () -> !remote.at(path).isEmpty());
    assertEquals("url-key", remote.at(path).get(0).headers().get("x-container-sync-key"));
  }

  private static void refused(String container, String syncTo, String message) {
    HttpResponse<String> r =
        tester.call(
            "POST",
            container,
            Map.of("X-Container-Sync-To", syncTo, "X-Container-Sync-Key", "k"),
            null);
    assertEquals(400, r.statusCode(), syncTo + ": " + r.body());
    assertEquals(message, r.body(), syncTo);
  }

  /** The types of the container's journaled events, from the admin audit stream. */
  private static List<String> events(String container) {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(
                    URI.create(
                        gateway.baseUrl()
                            + "/admin/audit?account=AUTH_test&container="
                            + container))
                .header("X-Auth-Token", admin.token())
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return r.body()
        .lines()
        .filter(l -> !l.isBlank())
        .map(
            l -> {
              try {
                return SyncTesting.JSON.readTree(l).get("type").asText();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .toList();
  }

  /** Swift's container-sync signature, computed here independently of the gateway's code. */
  private static String sign(
      String method, String path, String timestamp, String nonce, String userKey) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(REALM_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    return HexFormat.of()
        .formatHex(
            mac.doFinal(
                (method + "\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + userKey)
                    .getBytes(StandardCharsets.UTF_8)));
  }
}
