package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CORS per container: preflight OPTIONS and the headers of actual requests (strict mode). */
class CorsApiTest {

  private static final String SITE = "http://app.example.com";

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static String account;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    account = tester.storageUrl();
    tester.call(
        "PUT",
        "/web",
        Map.of(
            "X-Container-Meta-Access-Control-Allow-Origin", "http://other.example " + SITE,
            "X-Container-Meta-Access-Control-Max-Age", "600",
            "X-Container-Meta-Access-Control-Expose-Headers", "X-Custom-One  x-custom-two",
            "X-Container-Meta-Color", "green"),
        null);
    tester.call(
        "PUT",
        "/web/page.html",
        Map.of("Content-Type", "text/html", "X-Object-Meta-Author", "me"),
        "<p>hi</p>");
    tester.call(
        "PUT",
        "/open",
        Map.of("X-Container-Meta-Access-Control-Allow-Origin", "*", "X-Container-Read", ".r:*"),
        null);
    tester.call("PUT", "/open/o", Map.of(), "open");
    tester.call("PUT", "/closed");
    tester.call("PUT", "/closed/o", Map.of(), "closed");
  }

  private static HttpResponse<String> preflight(
      String path, String origin, String method, String headers) {
    var h = new java.util.HashMap<String, String>();
    h.put("Origin", origin);
    h.put("Access-Control-Request-Method", method);
    if (headers != null) {
      h.put("Access-Control-Request-Headers", headers);
    }
    return PlainHttp.send("OPTIONS", account + path, h);
  }

  @Test
  void preflightIsAllowedForListedOriginsAndMethods() {
    HttpResponse<String> r = preflight("/web/page.html", SITE, "PUT", "x-auth-token, content-type");
    assertEquals(200, r.statusCode());
    assertEquals(SITE, header(r, "Access-Control-Allow-Origin"));
    assertEquals("600", header(r, "Access-Control-Max-Age"));
    assertEquals(
        "GET, HEAD, PUT, POST, DELETE, OPTIONS", header(r, "Access-Control-Allow-Methods"));
    assertEquals("x-auth-token, content-type", header(r, "Access-Control-Allow-Headers"));
    assertEquals("Origin, Access-Control-Request-Headers", header(r, "Vary"));
    assertEquals("GET, HEAD, PUT, POST, DELETE, OPTIONS", header(r, "Allow"));
    assertEquals("0", header(r, "Content-Length"));

    // On the container itself too; and a wildcard container answers "*".
    assertEquals(200, preflight("/web", SITE, "GET", null).statusCode());
    HttpResponse<String> open = preflight("/open/o", "http://anywhere.example", "GET", null);
    assertEquals(200, open.statusCode());
    assertEquals("*", header(open, "Access-Control-Allow-Origin"));
    assertNull(header(open, "Vary"));
    assertNull(header(open, "Access-Control-Max-Age"));
  }

  @Test
  void preflightIs401ForOtherOriginsMethodsAndContainersWithoutCors() {
    HttpResponse<String> r = preflight("/web/page.html", "http://evil.example", "GET", null);
    assertEquals(401, r.statusCode());
    assertNull(header(r, "Access-Control-Allow-Origin"));
    assertEquals(401, preflight("/web/page.html", SITE, "COPY", null).statusCode());
    assertEquals(401, preflight("/closed/o", SITE, "GET", null).statusCode());
    assertEquals(401, preflight("/nosuch/o", SITE, "GET", null).statusCode());
    // Not a preflight: no Origin. An account: no CORS. A token of ours that fails: 401.
    HttpResponse<String> plain = PlainHttp.send("OPTIONS", account + "/closed/o");
    assertEquals(200, plain.statusCode());
    assertEquals("GET, HEAD, PUT, POST, DELETE, OPTIONS", header(plain, "Allow"));
    HttpResponse<String> onAccount = preflight("", SITE, "GET", null);
    assertEquals(200, onAccount.statusCode());
    assertEquals("GET, HEAD, POST, OPTIONS", header(onAccount, "Allow"));
    assertNull(header(onAccount, "Access-Control-Allow-Origin"));
    assertEquals(
        401,
        PlainHttp.send(
                "OPTIONS",
                account + "/web/page.html",
                Map.of(
                    "X-Auth-Token",
                    "AUTH_tknope",
                    "Origin",
                    SITE,
                    "Access-Control-Request-Method",
                    "GET"))
            .statusCode());
  }

  @Test
  void actualRequestsFromAllowedOriginsGetAllowOriginAndExposeHeaders() {
    HttpResponse<String> r = tester.call("GET", "/web/page.html", Map.of("Origin", SITE), null);
    assertEquals(200, r.statusCode());
    assertEquals(SITE, header(r, "Access-Control-Allow-Origin"));
    assertEquals("Origin", header(r, "Vary"));
    List<String> exposed = Arrays.asList(header(r, "Access-Control-Expose-Headers").split(", "));
    assertTrue(
        exposed.containsAll(
            List.of(
                "cache-control",
                "content-language",
                "content-type",
                "expires",
                "last-modified",
                "pragma",
                "etag",
                "x-timestamp",
                "x-trans-id",
                "x-openstack-request-id",
                "x-object-meta-author",
                "x-custom-one",
                "x-custom-two")),
        exposed.toString());

    HttpResponse<String> head = tester.call("HEAD", "/web", Map.of("Origin", SITE), null);
    assertEquals(SITE, header(head, "Access-Control-Allow-Origin"));
    assertTrue(header(head, "Access-Control-Expose-Headers").contains("x-container-meta-color"));

    // Strict mode: an origin the container does not list gets nothing.
    HttpResponse<String> other =
        tester.call("GET", "/web/page.html", Map.of("Origin", "http://evil.example"), null);
    assertEquals(200, other.statusCode());
    assertNull(header(other, "Access-Control-Allow-Origin"));
    assertNull(header(other, "Access-Control-Expose-Headers"));
    HttpResponse<String> closed = tester.call("GET", "/closed/o", Map.of("Origin", SITE), null);
    assertNull(header(closed, "Access-Control-Allow-Origin"));
    // No Origin, no CORS.
    assertNull(header(tester.call("GET", "/web/page.html"), "Access-Control-Allow-Origin"));
  }

  @Test
  void anonymousBrowsersGetCorsOnPublicObjectsAndOnRefusals() {
    HttpResponse<String> ok =
        PlainHttp.send("GET", account + "/open/o", Map.of("Origin", "http://anywhere.example"));
    assertEquals(200, ok.statusCode());
    assertEquals("open", ok.body());
    assertEquals("*", header(ok, "Access-Control-Allow-Origin"));
    assertNull(header(ok, "Vary"));
    // The refusal of a private object still carries CORS headers, so that scripts can read it.
    HttpResponse<String> refused =
        PlainHttp.send("GET", account + "/web/page.html", Map.of("Origin", SITE));
    assertEquals(401, refused.statusCode());
    assertEquals(SITE, header(refused, "Access-Control-Allow-Origin"));
  }
}
