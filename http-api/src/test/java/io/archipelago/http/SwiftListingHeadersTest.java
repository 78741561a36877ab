package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact headers of account and container GET and HEAD, as Swift's listing_formats
 * middleware sends them and its functional tests ({@code test_GET_HEAD_content_type}) check:
 * {@code <type>; charset=utf-8} on HEAD and on the 204 of an empty plain listing, Content-Length
 * 0 on every 204, {@code Vary: Accept} unless {@code format=} chose the format.
 */
class SwiftListingHeadersTest {

  @TempDir static Path dataDir;
  static TestGateway gateway;
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(dataDir);
    // an account of its own, so that its listing starts empty
    tester = SwiftClient.login(gateway.baseUrl(), "test2:tester2", "testing2");
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static void expect(String method, String path, int status, String contentType) {
    HttpResponse<String> r = tester.call(method, path);
    assertEquals(status, r.statusCode(), method + " " + path);
    assertEquals(contentType, r.headers().firstValue("Content-Type").orElse(null), method + " " + path);
    if (status == 204) {
      assertEquals("0", r.headers().firstValue("Content-Length").orElse(null), method + " " + path);
    }
    assertEquals(path.contains("format=") ? null : "Accept", r.headers().firstValue("Vary").orElse(null));
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
    HttpResponse<String> accept = tester.call("GET", "/c", Map.of("Accept", "application/json"), null);
    assertEquals("application/json; charset=utf-8", accept.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(201, tester.call("PUT", "/c/o", Map.of(), "x").statusCode());
    expect("GET", "/c", 200, "text/plain; charset=utf-8");
    // the proxy's check_content_type: swift_* parameters are Swift's own
    HttpResponse<String> swiftParam = tester.call("PUT", "/c/p",
        Map.of("Content-Type", "text/plain; swift_bytes=5"), "x");
    assertEquals(400, swiftParam.statusCode());
    assertEquals("Invalid Content-Type, swift_* is not a valid parameter name.", swiftParam.body());
    assertEquals(404, tester.call("HEAD", "/c/p").statusCode());
    // other 204s carry Content-Length: 0 too
    HttpResponse<String> deleted = tester.call("DELETE", "/c/o");
    assertEquals(204, deleted.statusCode());
    assertEquals("0", deleted.headers().firstValue("Content-Length").orElse(null));
  }

  @Test
  void infoIsJsonWithSwiftsCharset() {
    HttpResponse<String> info = PlainHttp.send("GET", gateway.baseUrl() + "/info");
    assertEquals(200, info.statusCode());
    assertEquals("application/json; charset=UTF-8", info.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(info.body().contains("\"swift\""));
  }
}
