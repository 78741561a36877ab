package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exact headers of account and container GET and HEAD, as Swift's listing_formats middleware
 * sends them and its functional tests ({@code test_GET_HEAD_content_type}) check: {@code <type>;
 * charset=utf-8} on HEAD and on the 204 of an empty plain listing, Content-Length 0 on every 204,
 * {@code Vary: Accept} unless {@code format=} chose the format.
 */
class SwiftListingHeadersTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    // an account of its own, so that its listing starts empty
    tester = gateway.login("test2:tester2", "testing2");
  }

  private static void expect(String method, String path, int status, String contentType) {
    HttpResponse<String> r = tester.call(method, path);
    assertEquals(status, r.statusCode(), method + " " + path);
    assertEquals(
        contentType, r.headers().firstValue("Content-Type").orElse(null), method + " " + path);
    if (status == 204) {
      assertEquals("0", r.headers().firstValue("Content-Length").orElse(null), method + " " + path);
    }
    assertEquals(
        path.contains("format=") ? null : "Accept", r.headers().firstValue("Vary").orElse(null));
  }

  @Test
  void accountAndContainerListingsCarrySwiftsContentTypes() {
    for (String base : new String[] {"", "/c"}) {
      if (base.equals("/c")) {
        assertEquals(201, tester.call("PUT", "/c").statusCode());
      }
      expect("GET", base, 204, "text/plain; charset=utf-8");
      expect("HEAD", base, 204, "text/plain; charset=utf-8");
      expect("GET", base + "?format=json", 200, "application/json; charset=utf-8");
      expect("HEAD", base + "?format=json", 204, "application/json; charset=utf-8");
      expect("GET", base + "?format=xml", 200, "application/xml; charset=utf-8");
      expect("HEAD", base + "?format=xml", 204, "application/xml; charset=utf-8");
    }
    assertEquals("[]", tester.call("GET", "/c?format=json").body());
    HttpResponse<String> accept =
        tester.call("GET", "/c", Map.of("Accept", "application/json"), null);
    assertEquals(
        "application/json; charset=utf-8",
        accept.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(201, tester.call("PUT", "/c/o", Map.of(), "x").statusCode());
    expect("GET", "/c", 200, "text/plain; charset=utf-8");
    // the proxy's check_content_type: swift_* parameters are Swift's own
    HttpResponse<String> swiftParam =
        tester.call("PUT", "/c/p", Map.of("Content-Type", "text/plain; swift_bytes=5"), "x");
    assertEquals(400, swiftParam.statusCode());
    assertEquals("Invalid Content-Type, swift_* is not a valid parameter name.", swiftParam.body());
    HttpResponse<String> missing = tester.call("HEAD", "/c/p");
    assertEquals(404, missing.statusCode());
    // as Swift: a HEAD's error answer says Content-Length: 0
    assertEquals("0", missing.headers().firstValue("Content-Length").orElse(null));
    assertEquals(
        "text/html; charset=UTF-8", missing.headers().firstValue("Content-Type").orElse(null));
    HttpResponse<String> unauthorized =
        PlainHttp.send("HEAD", gateway.baseUrl() + "/v1/AUTH_test2/c");
    assertEquals(401, unauthorized.statusCode());
    assertEquals("0", unauthorized.headers().firstValue("Content-Length").orElse(null));
    // other 204s carry Content-Length: 0 too
    HttpResponse<String> deleted = tester.call("DELETE", "/c/o");
    assertEquals(204, deleted.statusCode());
    assertEquals("0", deleted.headers().firstValue("Content-Length").orElse(null));
  }

  @Test
  void acceptIsNegotiatedAsSwiftDoes() {
    // The account's listing must be empty again afterwards (the other test expects that).
    assertEquals(201, tester.call("PUT", "/negotiated").statusCode());
    assertEquals(201, tester.call("PUT", "/negotiated/o", Map.of(), "x").statusCode());
    for (String path : new String[] {"", "/negotiated"}) {
      for (String method : new String[] {"GET", "HEAD"}) {
        HttpResponse<String> none = tester.call(method, path, Map.of("Accept", "image/png"), null);
        assertEquals(406, none.statusCode(), method + " " + path);
        HttpResponse<String> malformed =
            tester.call(method, path, Map.of("Accept", "application/json;q=1;q=2"), null);
        assertEquals(400, malformed.statusCode(), method + " " + path);
        if (method.equals("GET")) {
          assertEquals("Invalid Accept header", malformed.body());
        }
        // quality decides, not the order or mere presence
        HttpResponse<String> weighted =
            tester.call(method, path, Map.of("Accept", "application/json;q=0.5, text/plain"), null);
        assertEquals(
            "text/plain; charset=utf-8",
            weighted.headers().firstValue("Content-Type").orElseThrow());
        // what browsers send: application/xml (0.9) beats */* (0.8)
        HttpResponse<String> browser =
            tester.call(
                method,
                path,
                Map.of("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                null);
        assertEquals(
            "application/xml; charset=utf-8",
            browser.headers().firstValue("Content-Type").orElseThrow());
        // format= wins over Accept
        assertEquals(
            method.equals("GET") ? 200 : 204,
            tester
                .call(method, path + "?format=json", Map.of("Accept", "image/png"), null)
                .statusCode());
      }
    }
    assertEquals(204, tester.call("DELETE", "/negotiated/o").statusCode());
    assertEquals(204, tester.call("DELETE", "/negotiated").statusCode());
  }

  @Test
  void infoIsJsonWithSwiftsCharset() {
    HttpResponse<String> info = PlainHttp.send("GET", gateway.baseUrl() + "/info");
    assertEquals(200, info.statusCode());
    assertEquals(
        "application/json; charset=UTF-8", info.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(info.body().contains("\"swift\""));
  }
}
