package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FederatedBackends.Kind;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Generated;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 1 GiB object goes up and comes back byte-identical through a packaged gateway JVM limited to a
 * 256 MiB heap, for a container on each kind of backend (two Swift clusters, S3 through a multipart
 * upload, the filesystem). Times and the gateway's peak RSS go to
 * target/real-backends-large-object.txt.
 */
class RealBackendsLargeObjectIT {

  static final long SIZE = 1L << 30;

  static Path work;
  static FederatedBackends backends;
  static GatewayProcess gateway;
  static Path report;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("archipelago-large-it");
    backends = new FederatedBackends(RealBackends.get());
    Path config = backends.writeConfigFile(work.resolve("gateway.conf"), Map.of());
    gateway = new GatewayProcess(work.resolve("data"), List.of("-Xmx256m"), config).start();
    report = Path.of("target", "real-backends-large-object.txt");
    Files.writeString(report, "1 GiB PUT and GET through a gateway at -Xmx256m\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void oneGibibyteRoundTripsWithASmallHeap(Kind kind) throws Exception {
    SwiftClient client = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    String container = "/large-" + kind.policy();
    assertEquals(
        201,
        client
            .call("PUT", container, Map.of("X-Storage-Policy", kind.policy()), null)
            .statusCode());

    MessageDigest sent = MessageDigest.getInstance("MD5");
    long putStarted = System.nanoTime();
    HttpResponse<String> put =
        client.send(
            client
                .request(container + "/one-gib.bin")
                .timeout(Duration.ofMinutes(10))
                .PUT(
                    HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () -> new DigestInputStream(new Generated(SIZE, 42), sent)),
                        SIZE))
                .build());
    double putSeconds = (System.nanoTime() - putStarted) / 1e9;
    assertEquals(201, put.statusCode(), put.body() + "\n" + gateway.logTail());
    String md5 = HexFormat.of().formatHex(sent.digest());
    assertEquals(md5, put.headers().firstValue("Etag").orElseThrow());

    long getStarted = System.nanoTime();
    HttpResponse<InputStream> get =
        client.send(
            client
                .request(container + "/one-gib.bin")
                .timeout(Duration.ofMinutes(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, get.statusCode());
    assertEquals(md5, get.headers().firstValue("Etag").orElseThrow());
    MessageDigest received = MessageDigest.getInstance("MD5");
    long total = 0;
    try (InputStream in = get.body()) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        received.update(buffer, 0, n);
        total += n;
      }
    }
    double getSeconds = (System.nanoTime() - getStarted) / 1e9;
    assertEquals(SIZE, total);
    assertEquals(md5, HexFormat.of().formatHex(received.digest()));

    long peakRssKib = statusKib(gateway.pid(), "VmHWM");
    Files.writeString(
        report,
        String.format(
            "%-8s PUT %5.1f s (%4.0f MiB/s)  GET %5.1f s (%4.0f MiB/s)  gateway peak RSS so far %d MiB%n",
            kind.policy(),
            putSeconds,
            1024 / putSeconds,
            getSeconds,
            1024 / getSeconds,
            peakRssKib / 1024),
        StandardOpenOption.APPEND);
    assertTrue(
        peakRssKib < 1024 * 1024,
        "the gateway's peak RSS " + peakRssKib + " KiB reaches the object's size");

    assertEquals(204, client.call("DELETE", container + "/one-gib.bin").statusCode());
    assertEquals(204, client.call("DELETE", container).statusCode());
  }

  static long statusKib(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
