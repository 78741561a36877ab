package io.archipelago.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.testkit.GatewayExtension;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * X-Forwarded-For and X-Forwarded-Proto count only from {@code archipelago.http.trusted-proxies}:
 * the rules, and a node behind a proxy on loopback handing out https storage URLs.
 */
class TrustedProxiesTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.http.trusted-proxies", List.of("127.0.0.1")));

  private static HttpRequest forwarded(String forwardedFor, String proto) {
    return HttpRequest.GET("http://gateway.example/info")
        .addHeader(RawHeader.create("X-Forwarded-For", forwardedFor))
        .addHeader(RawHeader.create("X-Forwarded-Proto", proto));
  }

  @Test
  void onlyConfiguredProxiesAreBelieved() {
    TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));
    HttpRequest request = forwarded("203.0.113.9, 10.1.2.3", "https");
    assertEquals("203.0.113.9", proxies.clientAddress("10.9.9.9", request));
    assertEquals("https", proxies.forwarded("192.168.1.7", request).getUri().scheme());
    assertEquals("fd00::1", TrustedProxies.of(List.of()).clientAddress("fd00::1", request));
    // a client talking directly claims nothing
    assertEquals("198.51.100.4", proxies.clientAddress("198.51.100.4", request));
    assertEquals("http", proxies.forwarded("198.51.100.4", request).getUri().scheme());
    assertFalse(TrustedProxies.none().trusts("127.0.0.1"));
    assertTrue(proxies.trusts("fd12::5"));
    // the last hop not a proxy is the client; what the client wrote before it is not believed
    assertEquals(
        "198.51.100.4",
        proxies.clientAddress("10.0.0.1", forwarded("1.2.3.4, 198.51.100.4, 10.0.0.2", "http")));
    // junk in the chain: the proxy itself is the client
    assertEquals("10.0.0.1", proxies.clientAddress("10.0.0.1", forwarded("evil.example", "http")));
    assertEquals(
        "http", proxies.forwarded("10.0.0.1", forwarded("1.2.3.4", "gopher")).getUri().scheme());
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of("proxy.local")));
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of("10.0.0.0/33")));
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of("300.1.1.1")));
  }

  @Test
  void aTrustedProxysSchemeMakesStorageUrlsHttps() throws Exception {
    String viaProxy =
        storageUrl(Map.of("X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.9"));
    assertTrue(viaProxy.startsWith("https://"), viaProxy);
    String direct = storageUrl(Map.of());
    assertTrue(direct.startsWith("http://"), direct);
  }

  private static String storageUrl(Map<String, String> headers) throws IOException {
    HttpURLConnection connection =
        (HttpURLConnection) URI.create(gateway.baseUrl() + "/auth/v1.0").toURL().openConnection();
    connection.setRequestProperty("X-Auth-User", "test:tester");
    connection.setRequestProperty("X-Auth-Key", "testing");
    headers.forEach(connection::setRequestProperty);
    try {
      assertEquals(200, connection.getResponseCode());
      return connection.getHeaderField("X-Storage-Url");
    } finally {
      connection.disconnect();
    }
  }
}
