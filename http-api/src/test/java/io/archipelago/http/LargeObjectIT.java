package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Generated;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2 GiB object goes up and comes back byte-identical through a gateway JVM limited to a 256 MiB
 * heap: the bytes stream, they are never held whole.
 */
class LargeObjectIT {

  static final long SIZE = 2L * 1024 * 1024 * 1024;

  @TempDir static Path work;
  static GatewayProcess gateway;

  @BeforeAll
  static void start() {
    gateway = new GatewayProcess(work.resolve("data"), List.of("-Xmx256m")).start();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  @Test
  void twoGibibytesRoundTripWithASmallHeap() throws Exception {
    SwiftClient client = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    assertEquals(201, client.call("PUT", "/large").statusCode());

    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    HttpResponse<String> put =
        client.send(
            client
                .request("/large/two-gib.bin")
                .timeout(java.time.Duration.ofMinutes(10))
                .PUT(
                    HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () -> new DigestInputStream(new Generated(SIZE, 42), sent)),
                        SIZE))
                .build());
    assertEquals(201, put.statusCode(), gateway.logTail());

    HttpResponse<InputStream> get =
        client.send(
            client
                .request("/large/two-gib.bin")
                .timeout(java.time.Duration.ofMinutes(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, get.statusCode());
    assertEquals(Long.toString(SIZE), get.headers().firstValue("Content-Length").orElseThrow());
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long total = 0;
    try (InputStream in = get.body()) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        received.update(buffer, 0, n);
        total += n;
      }
    }
    assertEquals(SIZE, total);
    assertEquals(
        HexFormat.of().formatHex(sent.digest()), HexFormat.of().formatHex(received.digest()));
    assertEquals(204, client.call("DELETE", "/large/two-gib.bin").statusCode());
  }
}
