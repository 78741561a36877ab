package io.archipelago.http.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's files are a public route: served from the jar without a token, each answer (errors
 * included) with a Content-Security-Policy allowing only the gateway's own scripts and styles and
 * no framing, and nosniff. The page itself holds no inline script or style.
 */
class ConsoleRoutesTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theFilesAreServedWithoutATokenWithTheirTypesAndSecurityHeaders() throws Exception {
    for (List<String> file :
        List.of(
            List.of("/console/", "text/html"),
            List.of("/console/index.html", "text/html"),
            List.of("/console/console.js", "text/javascript"),
            List.of("/console/placement.js", "text/javascript"),
            List.of("/console/console.css", "text/css"),
            List.of("/console/favicon.svg", "image/svg+xml"))) {
      HttpResponse<String> r = get(file.get(0));
      assertEquals(200, r.statusCode(), file.get(0));
      assertTrue(
          r.headers().firstValue("Content-Type").orElse("").startsWith(file.get(1)),
          file + ": " + r.headers().firstValue("Content-Type"));
      assertSecured(r);
    }
  }

  @Test
  void errorsAndRedirectsCarryTheSameHeaders() throws Exception {
    HttpResponse<String> missing = get("/console/secret.txt");
    assertEquals(404, missing.statusCode());
    assertSecured(missing);
    HttpResponse<String> traversal = get("/console/..%2Fapplication.conf");
    assertEquals(404, traversal.statusCode());
    assertSecured(traversal);
    HttpResponse<String> redirect = get("/console");
    assertEquals(301, redirect.statusCode());
    assertEquals("/console/", redirect.headers().firstValue("Location").orElse(""));
    assertSecured(redirect);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/console/"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertSecured(post);
  }

  @Test
  void thePageHasNoInlineScriptOrStyle() throws Exception {
    String html = get("/console/").body();
    assertFalse(html.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "inline script");
    assertFalse(html.contains("<style"), "inline style element");
    assertFalse(html.matches("(?s).*\\sstyle=.*"), "style attribute");
    assertFalse(html.matches("(?s).*\\son[a-z]+=.*"), "inline event handler");
    String js = get("/console/console.js").body();
    assertFalse(js.contains("innerHTML"), "console.js writes data with textContent only");
    assertFalse(js.contains("outerHTML") || js.contains("insertAdjacentHTML"), "no HTML sinks");
    assertFalse(js.contains("eval("), "no eval");
    String placement = get("/console/placement.js").body();
    assertFalse(placement.contains("innerHTML"), "placement.js writes data with textContent only");
    assertFalse(
        placement.contains("outerHTML") || placement.contains("insertAdjacentHTML"),
        "no HTML sinks");
    assertFalse(placement.contains("eval("), "no eval");
  }

  private void assertSecured(HttpResponse<String> r) {
    String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("default-src 'self'"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }
}
