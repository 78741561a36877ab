package io.archipelago.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Keystone;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients with tokens of a real Keystone (Debian's package, on SQLite, on loopback): project
 * members own their project's account, other projects are refused, refused and revoked tokens get
 * 401, a ResellerAdmin reaches every account, accounts under a prefix that requires a service role
 * need an X-Service-Token with it, and TempAuth users keep working alongside.
 */
class KeystoneAuthIT {

  private static final String PASSWORD = "secret-pw";
  private static final Duration CACHE_TTL = Duration.ofSeconds(3);

  @TempDir static Path work;
  static Keystone keystone;
  static TestGateway gateway;
  static final HttpClient http = HttpClient.newHttpClient();
  static String alpha;
  static String beta;
  static String carolId;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(Keystone.available(), "keystone is installed by bin/archipelago test");
    keystone = Keystone.shared();
    alpha = keystone.createProject("alpha");
    beta = keystone.createProject("beta");
    String service = keystone.createProject("service");
    String ops = keystone.createProject("ops");
    keystone.grant(service, keystone.createUser("swift", PASSWORD), "service");
    keystone.grant(alpha, keystone.createUser("alice", PASSWORD), "member");
    keystone.grant(beta, keystone.createUser("bob", PASSWORD), "member");
    carolId = keystone.createUser("carol", PASSWORD);
    keystone.grant(alpha, carolId, "reader");
    keystone.grant(ops, keystone.createUser("operator", PASSWORD), "ResellerAdmin");
    keystone.grant(service, keystone.createUser("glance", PASSWORD), "service");
    gateway =
        TestGateway.start(
            work.resolve("data"),
            Map.of(
                "archipelago.auth.keystone.enabled",
                true,
                "archipelago.auth.keystone.url",
                keystone.url(),
                "archipelago.auth.keystone.service-user",
                "swift",
                "archipelago.auth.keystone.service-password",
                PASSWORD,
                "archipelago.auth.keystone.cache-ttl",
                CACHE_TTL.toMillis() + "ms",
                "archipelago.auth.more-reseller-prefixes",
                List.of("SERVICE_"),
                "archipelago.auth.require-groups.SERVICE_",
                "service"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void aProjectMemberOwnsItsProjectsAccount() throws Exception {
    String token = keystone.token("alice", PASSWORD, "alpha");
    String account = "/v1/AUTH_" + alpha;
    assertEquals(201, send("PUT", account + "/docs", token, "", Map.of()).statusCode());
    assertEquals(
        201, send("PUT", account + "/docs/a.txt", token, "alpha's", Map.of()).statusCode());
    HttpResponse<String> got = send("GET", account + "/docs/a.txt", token, null, Map.of());
    assertEquals(200, got.statusCode());
    assertEquals("alpha's", got.body());
    HttpResponse<String> listed = send("GET", account, token, null, Map.of());
    assertEquals(200, listed.statusCode());
    assertTrue(listed.body().contains("docs"), listed.body());
    HttpResponse<String> objects = send("GET", account + "/docs", token, null, Map.of());
    assertEquals("a.txt\n", objects.body());
  }

  @Test
  void anotherProjectsMemberIsRefused() throws Exception {
    String alice = keystone.token("alice", PASSWORD, "alpha");
    send("PUT", "/v1/AUTH_" + alpha + "/private", alice, "", Map.of());
    String bob = keystone.token("bob", PASSWORD, "beta");
    assertEquals(403, send("GET", "/v1/AUTH_" + alpha, bob, null, Map.of()).statusCode());
    assertEquals(
        403, send("PUT", "/v1/AUTH_" + alpha + "/private/x", bob, "x", Map.of()).statusCode());
    assertEquals(403, send("PUT", "/v1/AUTH_" + alpha + "/bobs", bob, "", Map.of()).statusCode());
    // bob owns his own project's account
    assertEquals(201, send("PUT", "/v1/AUTH_" + beta + "/bobs", bob, "", Map.of()).statusCode());
  }

  @Test
  void aRoleOutsideTheOperatorRolesNeedsAnAcl() throws Exception {
    String alice = keystone.token("alice", PASSWORD, "alpha");
    String carol = keystone.token("carol", PASSWORD, "alpha");
    String container = "/v1/AUTH_" + alpha + "/shared";
    send("PUT", container, alice, "", Map.of());
    send("PUT", container + "/o", alice, "shared", Map.of());
    assertEquals(403, send("GET", container + "/o", carol, null, Map.of()).statusCode());
    assertEquals(
        204,
        send("POST", container, alice, "", Map.of("X-Container-Read", alpha + ":" + carolId))
            .statusCode());
    HttpResponse<String> read = send("GET", container + "/o", carol, null, Map.of());
    assertEquals(200, read.statusCode());
    assertEquals("shared", read.body());
    assertEquals(403, send("PUT", container + "/o", carol, "no", Map.of()).statusCode());
  }

  @Test
  void forgedAndRevokedTokensAre401() throws Exception {
    String account = "/v1/AUTH_" + alpha;
    assertEquals(401, send("GET", account, "gAAAAABforged-token", null, Map.of()).statusCode());
    String revokedFirst = keystone.token("alice", PASSWORD, "alpha");
    keystone.revoke(revokedFirst);
    assertEquals(401, send("GET", account, revokedFirst, null, Map.of()).statusCode());
    // a token in use is refused once its cached validation runs out after the revocation
    String inUse = keystone.token("alice", PASSWORD, "alpha");
    assertEquals(200, send("GET", account, inUse, null, Map.of()).statusCode());
    keystone.revoke(inUse);
    Thread.sleep(CACHE_TTL.toMillis() + 500);
    assertEquals(401, send("GET", account, inUse, null, Map.of()).statusCode());
  }

  @Test
  void aResellerAdminReachesEveryAccount() throws Exception {
    String alice = keystone.token("alice", PASSWORD, "alpha");
    send("PUT", "/v1/AUTH_" + alpha + "/reports", alice, "", Map.of());
    send("PUT", "/v1/AUTH_" + alpha + "/reports/q1", alice, "q1", Map.of());
    String operator = keystone.token("operator", PASSWORD, "ops");
    HttpResponse<String> read =
        send("GET", "/v1/AUTH_" + alpha + "/reports/q1", operator, null, Map.of());
    assertEquals(200, read.statusCode());
    assertEquals("q1", read.body());
    assertEquals(
        201, send("PUT", "/v1/AUTH_" + beta + "/by-ops", operator, "", Map.of()).statusCode());
  }

  @Test
  void aServicePrefixNeedsAServiceToken() throws Exception {
    String alice = keystone.token("alice", PASSWORD, "alpha");
    String bob = keystone.token("bob", PASSWORD, "beta");
    String glance = keystone.token("glance", PASSWORD, "service");
    String container = "/v1/SERVICE_" + alpha + "/images";
    assertEquals(403, send("PUT", container, alice, "", Map.of()).statusCode());
    assertEquals(
        403, send("PUT", container, alice, "", Map.of("X-Service-Token", bob)).statusCode());
    assertEquals(
        201, send("PUT", container, alice, "", Map.of("X-Service-Token", glance)).statusCode());
    // the service token alone owns nothing
    assertEquals(403, send("GET", container, glance, null, Map.of()).statusCode());
  }

  @Test
  void tempAuthUsersKeepWorking() throws Exception {
    HttpResponse<String> auth =
        http.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/auth/v1.0"))
                .header("X-Auth-User", "test:tester")
                .header("X-Auth-Key", "testing")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, auth.statusCode());
    String token = auth.headers().firstValue("X-Auth-Token").orElseThrow();
    assertEquals(201, send("PUT", "/v1/AUTH_test/tempauth", token, "", Map.of()).statusCode());
    // and a TempAuth user gets nothing of a Keystone project's account
    assertEquals(403, send("GET", "/v1/AUTH_" + alpha, token, null, Map.of()).statusCode());
  }

  private static HttpResponse<String> send(
      String method, String path, String token, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("X-Auth-Token", token));
    headers.forEach(
        (k, v) -> {
          all.add(k);
          all.add(v);
        });
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
            .timeout(Duration.ofSeconds(60))
            .headers(all.toArray(String[]::new))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
