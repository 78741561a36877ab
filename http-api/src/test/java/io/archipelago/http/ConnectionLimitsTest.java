package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.RawExchange;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The listener's limits (archipelago.http.limits), over raw sockets: request heads trickling in are
 * cut after the head timeout and stalled bodies after the idle timeout, while other clients are
 * served meanwhile; slow bodies that keep moving still arrive; connections beyond the bound are
 * closed; long request lines and header values are refused.
 */
class ConnectionLimitsTest {

  private static final int MAX_CONNECTIONS = 12;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.http.limits.request-head-timeout", "2s",
              "archipelago.http.limits.idle-timeout", "3s",
              "archipelago.http.limits.max-connections", MAX_CONNECTIONS,
              "archipelago.http.limits.max-request-line-length", "1k",
              "archipelago.http.limits.max-header-value-length", "1k"));

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/limits").statusCode());
  }

  private static Socket connect() throws IOException {
    URI uri = URI.create(gateway.baseUrl());
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    socket.setSoTimeout(100);
    return socket;
  }

  /** Whether the server closed the socket within {@code within}, reading (and dropping) bytes. */
  private static boolean closedWithin(Socket socket, Duration within) throws IOException {
    InputStream in = socket.getInputStream();
    long deadline = System.nanoTime() + within.toNanos();
    byte[] buffer = new byte[1024];
    while (System.nanoTime() < deadline) {
      try {
        if (in.read(buffer) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        // not yet
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  private static void assertOthersAreServedPromptly() {
    long start = System.nanoTime();
    assertEquals(200, PlainHttp.send("GET", gateway.baseUrl() + "/info").statusCode());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos());
  }

  @Test
  void aHeadTricklingInIsCutAfterTheHeadTimeoutWhileOthersAreServed() throws Exception {
    try (Socket slow = connect()) {
      OutputStream out = slow.getOutputStream();
      out.write("GET /info HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      boolean closed = false;
      // one header byte every 300 ms: never idle, never complete
      for (int i = 0; i < 30 && !closed; i++) {
        try {
          out.write('a');
          out.flush();
        } catch (IOException e) {
          closed = true;
          break;
        }
        assertOthersAreServedPromptly();
        closed = closedWithin(slow, Duration.ofMillis(300));
      }
      long took = System.nanoTime() - start;
      assertTrue(closed, "the trickling head was not cut");
      assertTrue(took >= Duration.ofMillis(1_500).toNanos(), "cut too early: " + took);
      assertTrue(took < Duration.ofSeconds(6).toNanos(), "cut too late: " + took);
    }
  }

  @Test
  void aStalledBodyIsCutAfterTheIdleTimeoutAndLeavesNoObject() throws Exception {
    try (Socket stalled = connect()) {
      stalled
          .getOutputStream()
          .write(
              ("PUT /v1/AUTH_test/limits/stalled HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "
                      + tester.token()
                      + "\r\nContent-Length: 100\r\n\r\n0123456789")
                  .getBytes(StandardCharsets.US_ASCII));
      assertOthersAreServedPromptly();
      long start = System.nanoTime();
      assertTrue(closedWithin(stalled, Duration.ofSeconds(8)), "the stalled upload was not cut");
      assertTrue(System.nanoTime() - start > Duration.ofSeconds(1).toNanos());
    }
    assertEquals(404, tester.call("HEAD", "/limits/stalled").statusCode());
  }

  @Test
  void aSlowBodyThatKeepsMovingOutlastsTheHeadTimeout() throws Exception {
    try (Socket slow = connect()) {
      OutputStream out = slow.getOutputStream();
      out.write(
          ("PUT /v1/AUTH_test/limits/slow HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "
                  + tester.token()
                  + "\r\nContent-Length: 10\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 10; i++) {
        out.write('0' + i);
        out.flush();
        Thread.sleep(400);
      }
      slow.setSoTimeout(10_000);
      String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
    }
    assertEquals("0123456789", tester.call("GET", "/limits/slow").body());
  }

  @Test
  void connectionsBeyondTheBoundAreClosedAndServedAgainOnceOthersGo() throws Exception {
    List<Socket> open = new ArrayList<>();
    int served = 0;
    boolean refused = false;
    try {
      for (int i = 0; i < MAX_CONNECTIONS + 4 && !refused; i++) {
        Socket socket = connect();
        open.add(socket);
        RawExchange.Outcome outcome = keepAliveRequest(socket);
        if (outcome.answered()) {
          served++;
        } else {
          refused = true;
        }
      }
      assertTrue(refused, "no connection refused after " + served);
      assertTrue(served <= MAX_CONNECTIONS, "served " + served);
      assertTrue(served >= MAX_CONNECTIONS - 4, "refused early, after " + served);
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
    }
    Thread.sleep(500);
    try (Socket again = connect()) {
      assertTrue(keepAliveRequest(again).answered());
    }
  }

  /** A GET on a connection that stays open: answered, or closed without an answer. */
  private static RawExchange.Outcome keepAliveRequest(Socket socket) throws IOException {
    socket
        .getOutputStream()
        .write("GET /healthcheck HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    StringBuilder got = new StringBuilder();
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    byte[] buffer = new byte[1024];
    while (System.nanoTime() < deadline && !got.toString().endsWith("OK")) {
      try {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        got.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      } catch (SocketTimeoutException e) {
        // waiting
      } catch (IOException e) {
        break;
      }
    }
    boolean answered = got.toString().startsWith("HTTP/1.1 200");
    return new RawExchange.Outcome(
        answered ? List.of(200) : List.of(), !answered, false, got.toString());
  }

  @Test
  void longRequestLinesAndHeaderValuesAreRefused() throws Exception {
    RawExchange.Outcome line =
        RawExchange.send(
            gateway.baseUrl(),
            ("GET /v1/AUTH_test/limits/" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII),
            true,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    assertEquals(List.of(414), line.statuses());
    RawExchange.Outcome header =
        RawExchange.send(
            gateway.baseUrl(),
            ("GET /info HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(2000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII),
            true,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    assertEquals(List.of(431), header.statuses());
  }
}
