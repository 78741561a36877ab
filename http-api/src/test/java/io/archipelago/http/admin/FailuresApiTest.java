package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.cli.AdminCli;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The failures of the admin API against real copies: a migration that cannot copy an object (its
 * bytes on the source no longer match its ETag, so the target refuses them) lists it with its error
 * in {@code GET /admin/migrations/failures}, a retry that fails again says so, and once the bytes
 * are right a retry copies it and the migration completes; a replica's failed copies are all
 * repaired by {@code POST /admin/sync/failures/retry-all}. Every retry is the operator's in the
 * audit log.
 */
class FailuresApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.migration.tick-interval", "200ms",
              "archipelago.migration.progress-interval", "200ms",
              "archipelago.migration.verify-rounds", 1,
              "archipelago.backends.site-b.offline-flag-file", "site-b.offline",
              "archipelago.sync.attempts", 1,
              "archipelago.sync.retry-min-backoff", "100ms",
              "archipelago.sync.backend-cooldown", "1s",
              "archipelago.sync.repair-interval", "1h"));

  static SwiftClient tester;
  static SwiftClient admin;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
  }

  @Test
  void aMigrationCopyThatFailsIsListedAndRetried() throws Exception {
    assertEquals(201, tester.call("PUT", "/flaky").statusCode());
    for (int i = 0; i < 3; i++) {
      assertEquals(201, tester.call("PUT", "/flaky/good-" + i, Map.of(), "good " + i).statusCode());
    }
    byte[] body = "bad object ".repeat(20_000).getBytes(StandardCharsets.UTF_8);
    assertEquals(201, tester.bytes("PUT", "/flaky/bad.bin", Map.of(), body).statusCode());
    // the source's bytes go bad behind the gateway's back (same length, other bytes)
    Path source = gateway.dataDir().resolve("backends").resolve("local-standard");
    Path file = fileHolding(source, body);
    byte[] original = Files.readAllBytes(file);
    Files.write(file, replace(original, body, "BAD OBJECT ".repeat(20_000)));

    HttpResponse<String> started =
        call("POST", "containers/AUTH_test/flaky/migrate", "{\"target\":\"local-archive\"}");
    assertEquals(202, started.statusCode(), started.body());
    String id = json(started.body()).path("id").asText();

    JsonNode failure =
        await(() -> failureOf("flaky", "bad.bin"), Optional::isPresent, Duration.ofSeconds(30))
            .orElseThrow();
    assertEquals("AUTH_test", failure.path("account").asText());
    assertEquals(id, failure.path("migration").asText());
    assertEquals("local-standard", failure.path("source").asText());
    assertEquals("local-archive", failure.path("target").asText());
    assertEquals("copying", failure.path("phase").asText());
    assertFalse(failure.path("error").asText().isBlank(), failure.toString());
    Instant.parse(failure.path("at").asText());
    assertTrue(failureOf("flaky", "good-0").isEmpty(), "only the failed object is listed");

    // retried while the cause is still there: it fails again, and stays listed
    HttpResponse<String> again =
        call(
            "POST",
            "migrations/failures/retry",
            "{\"account\":\"AUTH_test\",\"container\":\"flaky\",\"object\":\"bad.bin\"}");
    assertEquals(200, again.statusCode(), again.body());
    JsonNode report = json(again.body());
    assertEquals(0, report.path("repaired").asInt(), report.toPrettyString());
    assertEquals(1, report.path("failed").asInt());
    assertFalse(report.path("retried").get(0).path("ok").asBoolean());
    assertFalse(report.path("retried").get(0).path("error").asText().isBlank());
    assertTrue(failureOf("flaky", "bad.bin").isPresent());

    // the command line: the same list, and a retry that fails again exits 1
    Cli list = cli("failures", "list", "--json");
    assertEquals(0, list.code(), list.toString());
    boolean listed = false;
    for (JsonNode f : json(list.out()).path("migrations")) {
      listed |= f.path("object").asText().equals("bad.bin");
    }
    assertTrue(listed, list.toString());
    Cli table = cli("failures", "list");
    assertTrue(
        table.out().contains("AUTH_test/flaky") && table.out().contains("bad.bin"), table.out());
    Cli retried = cli("failures", "retry", "AUTH_test/flaky", "bad.bin");
    assertEquals(1, retried.code(), retried.toString());
    assertTrue(retried.out().contains("copied 0 object(s) again, 1 failed"), retried.toString());
    assertEquals(4, cli("failures", "retry", "AUTH_test/flaky", "good-0").code());
    assertEquals(2, cli("failures", "retry", "flaky").code());

    // refusals in the API's format
    assertEquals(400, call("POST", "migrations/failures/retry", "{}").statusCode());
    assertEquals(400, call("POST", "migrations/failures/retry", "[1]").statusCode());
    assertEquals(
        400,
        call(
                "POST",
                "migrations/failures/retry",
                "{\"account\":\"AUTH_test\",\"container\":\"flaky\",\"name\":\"x\"}")
            .statusCode());
    assertEquals(
        404,
        call(
                "POST",
                "migrations/failures/retry",
                "{\"account\":\"AUTH_test\",\"container\":\"flaky\",\"object\":\"good-0\"}")
            .statusCode());
    assertEquals(
        404,
        call(
                "POST",
                "migrations/failures/retry",
                "{\"account\":\"AUTH_test\",\"container\":\"never-moved\"}")
            .statusCode());

    // the bytes are right again: retry all copies it, and the migration goes on to its end
    Files.write(file, original);
    HttpResponse<String> all = call("POST", "migrations/failures/retry-all", "{}");
    assertEquals(200, all.statusCode(), all.body());
    assertEquals(0, json(all.body()).path("failed").asInt(), all.body());
    JsonNode done =
        await(
            () -> json(call("GET", "containers/AUTH_test/flaky/migration", null).body()),
            m -> m.path("phase").asText().equals("completed"),
            Duration.ofSeconds(60));
    assertEquals("completed", done.path("phase").asText(), done.toPrettyString());
    assertTrue(failureOf("flaky", "bad.bin").isEmpty());
    HttpResponse<byte[]> read = tester.bytes("GET", "/flaky/bad.bin", Map.of(), null);
    assertEquals(200, read.statusCode());
    assertArrayEquals(body, read.body());

    String audit =
        call("GET", "audit?account=AUTH_test&container=flaky&type=MigrationCopiesRetried", null)
            .body();
    assertTrue(audit.contains("\"principal\":\"admin:admin\""), audit);
  }

  @Test
  void retryAllReconcilesEveryReplicaWithFailedCopies() throws Exception {
    for (String c : List.of("twin-a", "twin-b")) {
      assertEquals(
          201,
          tester.call("PUT", "/" + c, Map.of("X-Storage-Policy", "replicated"), null).statusCode());
    }
    Path offline = gateway.dataDir().resolve("site-b.offline");
    Files.writeString(offline, "drill");
    try {
      for (String c : List.of("twin-a", "twin-b")) {
        assertEquals(201, tester.call("PUT", "/" + c + "/o", Map.of(), "twin").statusCode());
        await(() -> failedCopies(c), n -> n > 0, Duration.ofSeconds(30));
      }
    } finally {
      Files.deleteIfExists(offline);
    }
    Cli list = cli("failures", "list", "--json");
    assertEquals(2, json(list.out()).path("sync").size(), list.toString());
    Cli r = cli("failures", "retry-all", "--sync", "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode report = json(r.out()).path("sync");
    assertEquals(2, report.path("retried").asInt(), report.toPrettyString());
    assertEquals(0, report.path("failed").asInt(), report.toPrettyString());
    for (String c : List.of("twin-a", "twin-b")) {
      assertEquals(0, failedCopies(c));
      String audit =
          call("GET", "audit?account=AUTH_test&container=" + c + "&type=ReplicaReconciled", null)
              .body();
      assertTrue(audit.contains("\"principal\":\"admin:admin\""), audit);
    }
    // nothing failing: nothing retried
    JsonNode idle = json(call("POST", "sync/failures/retry-all", "{}").body());
    assertEquals(0, idle.path("retried").asInt(), idle.toPrettyString());
    Cli none = cli("failures", "list");
    assertEquals(0, none.code(), none.toString());
    assertTrue(none.out().contains("sync copies:\n  none"), none.out());
  }

  private record Cli(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /** {@code archipelago admin ...} against this gateway as the demo admin. */
  private static Cli cli(String... args) {
    List<String> all =
        new ArrayList<>(
            List.of("--url", gateway.baseUrl(), "--user", "admin:admin", "--key", "admin"));
    all.addAll(Arrays.asList(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        AdminCli.run(
            ConfigFactory.empty(),
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err),
            all.toArray(String[]::new));
    return new Cli(code, out.toString(), err.toString());
  }

  private static long failedCopies(String container) {
    return json(call("GET", "containers/AUTH_test/" + container, null).body())
        .path("sync")
        .path("replicas")
        .path("site-b")
        .path("failedObjects")
        .asLong();
  }

  private static Optional<JsonNode> failureOf(String container, String object) {
    HttpResponse<String> r = call("GET", "migrations/failures", null);
    assertEquals(200, r.statusCode(), r.body());
    for (JsonNode f : json(r.body()).path("failures")) {
      if (f.path("container").asText().equals(container)
          && f.path("object").asText().equals(object)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  private interface Probe<T> {
    T get() throws Exception;
  }

  private static <T> T await(Probe<T> probe, Predicate<T> until, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    fail("not there in " + within + "; last: " + last);
    return last;
  }

  /** The file of the filesystem backend whose bytes hold {@code body} (data or inline). */
  private static Path fileHolding(Path root, byte[] body) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(p), body) >= 0) {
          return p;
        }
      }
    }
    fail("no file under " + root + " holds the object");
    return null;
  }

  private static byte[] replace(byte[] all, byte[] body, String with) {
    byte[] copy = Arrays.copyOf(all, all.length);
    byte[] replacement = with.getBytes(StandardCharsets.UTF_8);
    assertEquals(body.length, replacement.length);
    System.arraycopy(replacement, 0, copy, indexOf(all, body), replacement.length);
    return copy;
  }

  private static int indexOf(byte[] all, byte[] body) {
    outer:
    for (int i = 0; i + body.length <= all.length; i++) {
      for (int j = 0; j < body.length; j++) {
        if (all[i + j] != body[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static HttpResponse<String> call(String method, String path, String body) {
    return admin.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/" + path))
            .header("X-Auth-Token", admin.token())
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError(body, e);
    }
  }
}
