package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Swift's service tokens (TempAuth with {@code reseller_prefix = AUTH, SERVICE} and {@code
 * SERVICE_require_group = service}), on the demo users of the root application.conf: {@code
 * SERVICE_test} is owned by test's admins only together with the {@code X-Service-Token} of a user
 * in group {@code service} (test5:tester5), as in Swift's functional TestServiceToken.
 */
class ServiceTokenTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  static SwiftClient tester;
  static SwiftClient service;
  static SwiftClient tester3;
  static SwiftClient tester2;

  @BeforeAll
  static void login() {
    tester = gateway.login("test:tester", "testing");
    service = gateway.login("test5:tester5", "testing5");
    tester3 = gateway.login("test:tester3", "testing3");
    tester2 = gateway.login("test2:tester2", "testing2");
  }

  /** A request to {@code /v1/SERVICE_test<path>} with the given tokens (null: header left out). */
  private static HttpResponse<String> call(
      String method, String path, String authToken, String serviceToken) {
    return call(method, path, authToken, serviceToken, Map.of());
  }

  private static HttpResponse<String> call(
      String method,
      String path,
      String authToken,
      String serviceToken,
      Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/SERVICE_test" + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                method.equals("PUT") && !headers.containsKey("X-Copy-From")
                    ? HttpRequest.BodyPublishers.ofString("x")
                    : HttpRequest.BodyPublishers.noBody());
    if (authToken != null) {
      b.header("X-Auth-Token", authToken);
    }
    if (serviceToken != null) {
      b.header("X-Service-Token", serviceToken);
    }
    headers.forEach(b::header);
    return tester.send(b.build());
  }

  @Test
  void theServiceAccountIsRefusedWithOnlyTheUsersToken() {
    assertEquals(403, call("HEAD", "", tester.token(), null).statusCode());
    assertEquals(403, call("POST", "", tester.token(), null).statusCode());
    assertEquals(403, call("PUT", "/refused", tester.token(), null).statusCode());
    assertEquals(403, call("GET", "/refused", tester.token(), null).statusCode());
    assertEquals(403, call("PUT", "/refused/o", tester.token(), null).statusCode());
    // the user's own account is not affected
    assertEquals(204, tester.call("HEAD", "").statusCode());
  }

  @Test
  void theUsersTokenWithAServiceTokenOwnsTheServiceAccount() {
    String user = tester.token();
    String svc = service.token();
    assertEquals(204, call("HEAD", "", user, svc).statusCode());
    assertEquals(
        204, call("POST", "", user, svc, Map.of("X-Account-Meta-Color", "blue")).statusCode());
    assertEquals(201, call("PUT", "/images", user, svc).statusCode());
    assertEquals(201, call("PUT", "/images/o", user, svc).statusCode());
    HttpResponse<String> got = call("GET", "/images/o", user, svc);
    assertEquals(200, got.statusCode());
    assertEquals("x", got.body());
    assertEquals(200, call("GET", "", user, svc).statusCode());
    // an owner: it sets and sees the owners' headers
    assertEquals(
        204, call("POST", "/images", user, svc, Map.of("X-Container-Read", ".r:*")).statusCode());
    assertEquals(
        ".r:*",
        call("HEAD", "/images", user, svc).headers().firstValue("X-Container-Read").orElse(""));
    // a copy inside the service account: the source is authorized with both tokens as well
    assertEquals(
        201,
        call("PUT", "/images/copy", user, svc, Map.of("X-Copy-From", "images/o")).statusCode());
    assertEquals("x", call("GET", "/images/copy", user, svc).body());
    // no one creates or deletes an account through the Swift API (Swift: allow_account_management)
    assertEquals(405, call("PUT", "", user, svc).statusCode());
    assertEquals(405, call("DELETE", "", user, svc).statusCode());
    assertEquals(204, call("DELETE", "/images/copy", user, svc).statusCode());
    assertEquals(204, call("DELETE", "/images/o", user, svc).statusCode());
    assertEquals(204, call("DELETE", "/images", user, svc).statusCode());
  }

  @Test
  void aServiceTokenOfAUserOutsideTheServiceGroupIsRefused() {
    assertEquals(403, call("HEAD", "", tester.token(), tester3.token()).statusCode());
    assertEquals(403, call("PUT", "/other", tester.token(), tester2.token()).statusCode());
    assertEquals(403, call("GET", "", tester.token(), tester.token()).statusCode());
    // an invalid service token adds nothing (and, as in TempAuth, is not an error)
    assertEquals(403, call("HEAD", "", tester.token(), "AUTH_tkbogus").statusCode());
    assertEquals(
        204, tester.call("HEAD", "", Map.of("X-Service-Token", "AUTH_tkbogus"), null).statusCode());
  }

  @Test
  void theServiceTokenAloneOrAsTheUsersTokenIsRefused() {
    // without X-Auth-Token the service token is not looked at: the request is anonymous
    assertEquals(401, call("HEAD", "", null, service.token()).statusCode());
    assertEquals(401, call("PUT", "/alone", null, service.token()).statusCode());
    // the service user owns no account under SERVICE_test
    assertEquals(403, call("HEAD", "", service.token(), null).statusCode());
    assertEquals(403, call("PUT", "/alone", service.token(), service.token()).statusCode());
    // OPTIONS needs no right, as in Swift
    assertEquals(200, call("OPTIONS", "", service.token(), null).statusCode());
  }
}
