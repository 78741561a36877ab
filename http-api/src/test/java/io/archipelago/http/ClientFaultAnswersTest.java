package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.access.TempUrl;
import io.archipelago.http.testkit.ErrorLog;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults of the client get client answers (4xx, or nothing for a client that is gone), never a 5xx,
 * a wait or an ERROR in the log: a broken-off upload, malformed chunked framing, an oversized admin
 * body, a TempURL expiry beyond any date, empty names on the admin API.
 */
class ClientFaultAnswersTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient admin;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
    assertEquals(201, tester.call("PUT", "/faults").statusCode());
  }

  @Test
  void aClientThatDisconnectsMidUploadLeavesNoErrorAndNoObject() throws Exception {
    try (ErrorLog log = new ErrorLog(gateway.system())) {
      for (int i = 0; i < 3; i++) {
        URI uri = URI.create(gateway.baseUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
          OutputStream out = socket.getOutputStream();
          out.write(
              ("PUT /v1/AUTH_test/faults/gone"
                      + i
                      + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "
                      + tester.token()
                      + "\r\nContent-Length: 1000000\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.write(new byte[200_000]);
          out.flush();
          Thread.sleep(300);
        }
      }
      Thread.sleep(1_000);
      List<String> errors = log.errors();
      assertTrue(errors.isEmpty(), "errors logged for a client that went away: " + errors);
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(404, tester.call("HEAD", "/faults/gone" + i).statusCode());
    }
    assertEquals(201, tester.call("PUT", "/faults/after", Map.of(), "still serving").statusCode());
    assertEquals("still serving", tester.call("GET", "/faults/after").body());
  }

  @Test
  void malformedChunkSizesAnswer400() throws Exception {
    // a size beyond Akka's max-chunk-size (1 MiB) is too large rather than malformed
    Map<String, String> answers =
        Map.of("zz", "400", "-5", "400", "1g", "400", "ffffffffffffffffffffff", "413");
    for (var answer : answers.entrySet()) {
      String chunkLine = answer.getKey();
      try (ErrorLog log = new ErrorLog(gateway.system())) {
        String response =
            raw(
                "PUT /v1/AUTH_test/faults/chunked HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "
                    + tester.token()
                    + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n"
                    + chunkLine
                    + "\r\nabc\r\n0\r\n\r\n");
        assertTrue(
            response.startsWith("HTTP/1.1 " + answer.getValue() + " "),
            chunkLine + ": " + response);
        List<String> errors = log.errors();
        assertTrue(errors.isEmpty(), chunkLine + ": " + errors);
      }
    }
    assertEquals(404, tester.call("HEAD", "/faults/chunked").statusCode());
  }

  @Test
  void anOversizedAdminBodyAnswers413() {
    String body =
        "{\"id\":\"big\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],\"pad\":\""
            + "x".repeat(70_000)
            + "\"}";
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    assertEquals(413, r.statusCode(), r.body());
    assertTrue(r.body().contains("Request Entity Too Large"), r.body());
  }

  @Test
  void aTempUrlExpiryBeyondAnyDateIs401() {
    assertEquals(
        204,
        tester
            .call("POST", "", Map.of("X-Account-Meta-Temp-URL-Key", "faultkey"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/faults/shared", Map.of(), "shared").statusCode());
    String path = "/v1/AUTH_test/faults/shared";
    for (long expires : new long[] {Long.MAX_VALUE, 253402300800L, 1L << 40}) {
      String sig = TempUrl.hmac("sha256", "faultkey", "GET", expires, path, Optional.empty());
      HttpResponse<String> r =
          PlainHttp.send(
              "GET",
              gateway.baseUrl() + path + "?temp_url_sig=" + sig + "&temp_url_expires=" + expires);
      assertEquals(401, r.statusCode(), expires + ": " + r.body());
      assertEquals("401 Unauthorized: Temp URL invalid\n", r.body());
    }
    long soon = Instant.now().getEpochSecond() + 600;
    String sig = TempUrl.hmac("sha256", "faultkey", "GET", soon, path, Optional.empty());
    HttpResponse<String> ok =
        PlainHttp.send(
            "GET", gateway.baseUrl() + path + "?temp_url_sig=" + sig + "&temp_url_expires=" + soon);
    assertEquals(200, ok.statusCode(), ok.body());
  }

  @Test
  void emptyOrInvalidNamesOnTheAdminApiAnswerAtOnce() {
    for (String[] call :
        new String[][] {
          {"GET", "/admin/containers//"},
          {"GET", "/admin/containers/AUTH_test/"},
          {"GET", "/admin/containers//faults"},
          {"GET", "/admin/containers/AUTH_test//history"},
          {"POST", "/admin/containers//faults/reconcile"},
          {"GET", "/admin/containers/AUTH_test/a%2Fb"},
          {"GET", "/admin/containers/AUTH_test/" + "c".repeat(257)},
          {"DELETE", "/admin/backends/"},
          {"POST", "/admin/backends//state"}
        }) {
      long started = System.nanoTime();
      HttpResponse<String> r =
          admin.send(
              HttpRequest.newBuilder(URI.create(gateway.baseUrl() + call[1]))
                  .header("X-Auth-Token", admin.token())
                  .method(
                      call[0],
                      HttpRequest.BodyPublishers.ofString(
                          call[0].equals("POST") ? "{\"state\":\"down\"}" : ""))
                  .build());
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(400, r.statusCode(), call[0] + " " + call[1] + ": " + r.body());
      assertTrue(millis < 3_000, call[1] + " took " + millis + " ms");
    }
  }

  /** Sends bytes as given and reads the whole answer (the request says Connection: close). */
  private static String raw(String request) throws IOException {
    URI uri = URI.create(gateway.baseUrl());
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      try {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
      } catch (IOException e) {
        // answered and closed early: read what it said
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      try {
        while ((n = in.read(buffer)) > 0) {
          all.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // reset after the answer
      }
      return all.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
