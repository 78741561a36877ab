package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.RawExchange;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What {@link HostileInputFuzzTest} found, each pinned by one case. */
class HostileInputRegressionTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/regress").statusCode());
  }

  private static RawExchange.Outcome send(String isoText) throws Exception {
    return RawExchange.send(
        gateway.baseUrl(),
        isoText.getBytes(StandardCharsets.ISO_8859_1),
        true,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5));
  }

  @Test
  void aHeaderValueWithNulIsRefusedAndCutUtf8IsStoredAsSwiftDoesNeitherHangingTheConnection()
      throws Exception {
    // a NUL, or a lead byte whose continuation is the line's CR, left Akka's header parser waiting
    // for bytes the client never sends (until the idle timeout). A NUL is refused; object metadata
    // that is not UTF-8 is stored as Swift stores it (201; its bad bytes read back as U+FFFD).
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("a\u0000b", 400);
    for (String value :
        List.of("abc\u00c3", "\u00e2\u0082", "\u00f0\u009f\u0098", "caf\u00e9", "\u00ff")) {
      expected.put(value, 201);
    }
    for (Map.Entry<String, Integer> c : expected.entrySet()) {
      String value = c.getKey();
      RawExchange.Outcome outcome =
          send(
              "PUT /v1/AUTH_test/regress/meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  + "X-Auth-Token: "
                  + tester.token()
                  + "\r\nContent-Length: 0\r\nX-Object-Meta-Bad: "
                  + value
                  + "\r\n\r\n");
      assertFalse(outcome.hung(), "hung on " + value);
      assertEquals(
          List.of(c.getValue()), outcome.statuses(), "for " + value.chars().boxed().toList());
    }
  }

  @Test
  void wellFormedUtf8HeaderValuesStillPass() throws Exception {
    String value = Http.wire("caf\u00e9 \u2603 \ud83d\ude00");
    Map<String, String> auth = Map.of("X-Auth-Token", tester.token());
    Map<String, String> put = new TreeMap<>(auth);
    put.put("X-Object-Meta-Name", value);
    put.put("Content-Length", "1");
    assertEquals(
        201,
        Http.raw(
                gateway.baseUrl(),
                "PUT",
                "/v1/AUTH_test/regress/utf8",
                put,
                List.of(new byte[1]),
                false)
            .status());
    Http.RawResponse head =
        Http.raw(gateway.baseUrl(), "HEAD", "/v1/AUTH_test/regress/utf8", auth, List.of(), false);
    assertEquals(value, head.header("X-Object-Meta-Name"));
  }

  @Test
  void malformedRequestLinesAreClientFaultsNot501Or505() throws Exception {
    // Akka HTTP answered 505 for a space in the raw path and 501 for an unknown method
    assertEquals(
        List.of(400),
        send("GET /v1/AUTH_test/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").statuses());
    assertEquals(
        List.of(400),
        send("GET /info HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n").statuses());
    assertEquals(
        List.of(400),
        send("GET /info HTTP/1.1 extra\r\nHost: x\r\nConnection: close\r\n\r\n").statuses());
    assertEquals(
        List.of(405),
        send("FOO /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").statuses());
  }

  @Test
  void aContainerNameWithABarIsAContainerLikeAnyOther() {
    // PersistenceId.of refused '|' in the entity id: the entity never started and every request to
    // the container waited for the ask timeout (503)
    assertEquals(201, tester.call("PUT", "/bar%7Cname").statusCode());
    assertEquals(201, tester.call("PUT", "/bar%7Cname/o%7Cbj", Map.of(), "barred").statusCode());
    assertEquals("barred", tester.call("GET", "/bar%7Cname/o%7Cbj").body());
    assertTrue(tester.call("GET", "").body().contains("bar|name"));
  }

  @Test
  void pipelinedRequestsWithLengthAndChunkedBodiesStillFrameRight() throws Exception {
    // the head guard follows Content-Length and chunked bodies to find the next request head
    URI uri = URI.create(gateway.baseUrl());
    String auth = "X-Auth-Token: " + tester.token() + "\r\n";
    String requests =
        "PUT /v1/AUTH_test/regress/p1 HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 22\r\n\r\n"
            + "\r\n\r\nGET / HTTP/1.1\r\n\r\n"
            + "PUT /v1/AUTH_test/regress/p2 HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Transfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\n\r\n\r\n\u0000\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n"
            + "GET /v1/AUTH_test/regress/p2 HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Connection: close\r\n\r\n";
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      assertEquals(3, text.split("HTTP/1.1 ").length - 1, text);
      assertTrue(text.startsWith("HTTP/1.1 201"), text);
      assertTrue(text.endsWith("\r\n\r\n\r\n\u0000abc"), text);
    }
    assertEquals("\r\n\r\nGET / HTTP/1.1\r\n\r\n", tester.call("GET", "/regress/p1").body());
  }
}
