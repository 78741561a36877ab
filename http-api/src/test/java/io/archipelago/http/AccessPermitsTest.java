package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.http.access.AccessControl;
import io.archipelago.http.access.Identity;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link AccessControl#permits}: the check for resources a request reaches besides its own path
 * (copy sources, large object segments), with the identity the request acts for.
 */
class AccessPermitsTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static AccessControl access;

  @BeforeAll
  static void start() {
    SwiftClient tester = gateway.login("test:tester", "testing");
    tester.call("PUT", "/readable", Map.of("X-Container-Read", "test:tester3,.r:*"), null);
    tester.call("PUT", "/private");
    // A second engine over the same actor system shares the node's entities and backends.
    ArchipelagoEngine engine = ArchipelagoEngine.start(gateway.system());
    access =
        new AccessControl(
            (AuthController) null,
            engine.containers(),
            engine.accounts(),
            ResellerPrefixes.of("AUTH_"),
            Clock.systemUTC());
  }

  private static boolean permits(Principal who, String method, String target) throws Exception {
    SwiftRequest request =
        new SwiftRequest(
            HttpRequest.GET("/v1/AUTH_test/x/y"),
            RequestPath.parse("/v1/AUTH_test/x/y"),
            Map.of(),
            Map.of(),
            who,
            "127.0.0.1",
            "node",
            "tx");
    return access
        .permits(request, method, RequestPath.parse(target))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void usersAnonymousAndTempUrlHoldersReachWhatTheirRightsAllow() throws Exception {
    Principal owner = new Principal("test:tester", "AUTH_test", Set.of(".admin"));
    Principal tester3 = new Principal("test:tester3", "AUTH_test", Set.of());
    Principal anonymous = Identity.anonymous().principal();
    assertEquals(true, permits(owner, "GET", "/v1/AUTH_test/private/o"));
    assertEquals(true, permits(tester3, "GET", "/v1/AUTH_test/readable/o"));
    assertEquals(true, permits(tester3, "GET", "/v1/AUTH_test/readable"));
    assertEquals(false, permits(tester3, "PUT", "/v1/AUTH_test/readable/o"));
    assertEquals(false, permits(tester3, "GET", "/v1/AUTH_test/private/o"));
    assertEquals(true, permits(anonymous, "GET", "/v1/AUTH_test/readable/o"));
    assertEquals(false, permits(anonymous, "GET", "/v1/AUTH_test/private/o"));
    assertEquals(
        false,
        permits(
            new Principal("test2:tester2", "AUTH_test2", Set.of(".admin")),
            "GET",
            "/v1/AUTH_test/private/o"));

    Principal containerUrl = new Principal(".wsgi.tempurl", "AUTH_test/private", Set.of());
    assertEquals(true, permits(containerUrl, "GET", "/v1/AUTH_test/private/segment"));
    assertEquals(false, permits(containerUrl, "GET", "/v1/AUTH_test/readable/o"));
    Principal accountUrl = new Principal(".wsgi.tempurl", "AUTH_test", Set.of());
    assertEquals(true, permits(accountUrl, "GET", "/v1/AUTH_test/readable/o"));
    assertEquals(false, permits(accountUrl, "GET", "/v1/AUTH_test2/c/o"));
  }
}
