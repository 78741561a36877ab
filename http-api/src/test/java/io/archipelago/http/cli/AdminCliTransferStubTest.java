package io.archipelago.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code admin containers migrate} and {@code admin backends drain} against a stand-in of the admin
 * API's migration and drain endpoints, which the live-migration work (#20) adds to the gateway in
 * parallel: the stand-in answers exactly the shapes agreed for them (migration JSON with phase,
 * bytes and objects copied and total, rate, ETA; drain JSON with state and containers done), step
 * by step, so that the progress bar, {@code --detach}, {@code --watch}, {@code --status}, {@code
 * --cancel}, {@code --json} and the exit codes are checked now; and it plays an older gateway
 * without those endpoints (404, 405). AdminCliMigrationTest runs the same commands against the real
 * gateway once the endpoints are there.
 */
class AdminCliTransferStubTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = 1L << 30;
  private static final String NOT_FOUND =
      "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>";

  static HttpServer server;
  static String url;

  /** Requests seen, as "METHOD path body". */
  static final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  /** How many times each status resource was read. */
  static final Map<String, Integer> reads = new ConcurrentHashMap<>();

  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", AdminCliTransferStubTest::handle);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @BeforeEach
  void reset() {
    requests.clear();
    reads.clear();
  }

  static Run admin(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--url", url));
    all.addAll(List.of(args));
    int code =
        AdminCli.run(
            ConfigFactory.empty(),
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err),
            all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static ObjectNode migration(
      String container, String phase, long bytesCopied, long objectsCopied) {
    ObjectNode m = JSON.createObjectNode();
    m.put("account", "AUTH_test").put("container", container).put("id", "m-1");
    m.put("source", "local-standard").put("target", "fs2").put("phase", phase);
    m.put("objectsCopied", objectsCopied).put("bytesCopied", bytesCopied);
    m.put("objectsTotal", 400).put("bytesTotal", 4 * GIB);
    m.put("objectsLeft", 400 - objectsCopied).put("bytesLeft", 4 * GIB - bytesCopied);
    m.put("bytesPerSecond", 100L << 20).put("etaSeconds", (4 * GIB - bytesCopied) / (100L << 20));
    m.putArray("errors");
    m.put("startedBy", "admin:admin").put("startedAt", "2026-12-04T10:00:00Z");
    m.put("updatedAt", "2026-12-04T10:00:05Z");
    return m;
  }

  static final List<ObjectNode> MOVING =
      List.of(
          migration("moving", "copying", 0, 0),
          migration("moving", "copying", GIB, 100),
          migration("moving", "copying", 3 * GIB, 300),
          migration("moving", "verified", 4 * GIB, 400),
          migration("moving", "cut-over", 4 * GIB, 400),
          migration("moving", "source-cleaned", 4 * GIB, 400),
          migration("moving", "completed", 4 * GIB, 400));

  static final List<ObjectNode> FAILING =
      List.of(
          migration("failing", "copying", GIB, 100),
          (ObjectNode)
              migration("failing", "failed", GIB, 100)
                  .set("errors", JSON.createArrayNode().add("fs2: disk full")));

  static ObjectNode drain(String id, String state, int done, List<String> failed, long bytesLeft) {
    ObjectNode d = JSON.createObjectNode();
    d.put("backend", id).put("state", state).put("containersTotal", 4).put("containersDone", done);
    failed.forEach(d.putArray("containersFailed")::add);
    d.put("bytesLeft", bytesLeft).put("etaSeconds", bytesLeft / (50L << 20));
    return d;
  }

  static final List<ObjectNode> DRAINING =
      List.of(
          drain("fs1", "draining", 0, List.of(), 8 * GIB),
          drain("fs1", "draining", 3, List.of(), 2 * GIB),
          drain("fs1", "drained", 4, List.of(), 0));

  static final List<ObjectNode> DRAIN_FAILS =
      List.of(
          drain("fs3", "draining", 2, List.of(), GIB),
          drain("fs3", "drained", 3, List.of("AUTH_test/stuck"), 0));

  private static void handle(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String path = x.getRequestURI().getRawPath();
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(method + " " + path + (body.isEmpty() ? "" : " " + body));
    if (path.equals("/auth/v1.0")) {
      boolean ok =
          "admin:admin".equals(x.getRequestHeaders().getFirst("X-Auth-User"))
              && "admin".equals(x.getRequestHeaders().getFirst("X-Auth-Key"));
      if (ok) {
        x.getResponseHeaders().add("X-Auth-Token", "stub-token");
      }
      answer(x, ok ? 200 : 401, "");
      return;
    }
    if (!"stub-token".equals(x.getRequestHeaders().getFirst("X-Auth-Token"))) {
      answer(x, 401, "<html><h1>Unauthorized</h1></html>");
      return;
    }
    String route = method + " " + path;
    switch (route) {
      case "GET /admin/containers/AUTH_test/moving",
          "GET /admin/containers/AUTH_test/failing",
          "GET /admin/containers/AUTH_test/old",
          "GET /admin/containers/AUTH_test/old405" ->
          answer(x, 200, "{\"account\":\"AUTH_test\",\"state\":\"active\"}");
      case "POST /admin/containers/AUTH_test/moving/migrate" ->
          answer(x, 202, migration("moving", "started", 0, 0).toString());
      case "POST /admin/containers/AUTH_test/failing/migrate" ->
          answer(x, 202, migration("failing", "started", 0, 0).toString());
      case "GET /admin/containers/AUTH_test/moving/migration" -> step(x, route, MOVING);
      case "GET /admin/containers/AUTH_test/failing/migration" -> step(x, route, FAILING);
      case "DELETE /admin/containers/AUTH_test/moving/migration" ->
          answer(x, 200, migration("moving", "cancelled", GIB, 100).toString());
      case "POST /admin/containers/AUTH_test/old405/migrate" -> answer(x, 405, "");
      case "GET /admin/backends" ->
          answer(
              x,
              200,
              "{\"backends\":[{\"id\":\"fs1\",\"state\":\"active\"},{\"id\":\"fs3\",\"state\":\"active\"},"
                  + "{\"id\":\"old-fs\",\"state\":\"active\"}]}");
      case "POST /admin/backends/fs1/drain" ->
          answer(x, 202, drain("fs1", "draining", 0, List.of(), 8 * GIB).toString());
      case "POST /admin/backends/fs3/drain" ->
          answer(x, 202, drain("fs3", "draining", 0, List.of(), 2 * GIB).toString());
      case "GET /admin/backends/fs1/drain" -> step(x, route, DRAINING);
      case "GET /admin/backends/fs3/drain" -> step(x, route, DRAIN_FAILS);
      case "DELETE /admin/backends/fs1/drain" ->
          answer(x, 200, drain("fs1", "cancelled", 1, List.of(), 6 * GIB).toString());
      default -> answer(x, 404, NOT_FOUND);
    }
  }

  /** The next answer of a status resource that moves on each time it is read. */
  private static void step(HttpExchange x, String route, List<ObjectNode> steps)
      throws IOException {
    int n = reads.merge(route, 1, Integer::sum) - 1;
    answer(x, 200, steps.get(Math.min(n, steps.size() - 1)).toString());
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders()
        .add("Content-Type", body.startsWith("{") ? "application/json" : "text/html");
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void migrateStartsAndFollowsToTheEndWithALiveProgressBar() {
    Run r =
        admin(
            "containers",
            "migrate",
            "AUTH_test/moving",
            "--target",
            "fs2",
            "--progress",
            "--interval",
            "0.25");
    assertEquals(AdminCli.OK, r.code(), r.toString());
    assertTrue(
        requests.contains("POST /admin/containers/AUTH_test/moving/migrate {\"target\":\"fs2\"}"),
        requests.toString());
    assertEquals(MOVING.size(), reads.get("GET /admin/containers/AUTH_test/moving/migration"));
    // the bar: redrawn in place, with bytes, objects, rate and ETA
    assertTrue(r.err().contains("\rmigrate AUTH_test/moving [#######"), r.err());
    assertTrue(
        r.err().contains("copying  1.0 GiB/4.0 GiB  100/400 objects  100.0 MiB/s  ETA 30s"),
        r.err());
    assertTrue(r.err().contains("] 100% completed  4.0 GiB/4.0 GiB  400/400 objects"), r.err());
    assertTrue(r.out().contains("phase:      completed\n"), r.out());
    assertTrue(r.out().contains("from:       local-standard to fs2\n"), r.out());
    assertTrue(r.out().contains("copied:     4.0 GiB of 4.0 GiB, 400 of 400 objects\n"), r.out());
  }

  @Test
  void withoutATerminalEachPhaseIsOneLineAndJsonIsTheLastAnswer() throws Exception {
    Run r =
        admin(
            "containers",
            "migrate",
            "AUTH_test/moving",
            "--policy",
            "archive",
            "--json",
            "--interval",
            "0.01");
    assertEquals(AdminCli.OK, r.code(), r.toString());
    assertTrue(
        requests.contains(
            "POST /admin/containers/AUTH_test/moving/migrate {\"policy\":\"archive\"}"),
        requests.toString());
    assertEquals(JSON.readTree(MOVING.get(MOVING.size() - 1).toString()), JSON.readTree(r.out()));
    List<String> lines = r.err().lines().toList();
    assertEquals(5, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("migrate AUTH_test/moving: copying  0 B/4.0 GiB"), r.err());
    assertTrue(lines.get(4).startsWith("migrate AUTH_test/moving: completed"), r.err());
    assertFalse(r.err().contains("\r"), r.err());
  }

  @Test
  void detachStartsAndReturnsAndWatchReattaches() throws Exception {
    Run detached =
        admin("containers", "migrate", "AUTH_test/moving", "--target", "fs2", "--detach");
    assertEquals(AdminCli.OK, detached.code(), detached.toString());
    assertEquals(null, reads.get("GET /admin/containers/AUTH_test/moving/migration"));
    assertTrue(
        detached.out().contains("archipelago admin containers migrate AUTH_test/moving --watch"),
        detached.out());
    assertTrue(detached.out().contains("phase:      started"), detached.out());

    Run status = admin("containers", "migrate", "AUTH_test/moving", "--status", "--json");
    assertEquals(AdminCli.OK, status.code(), status.toString());
    assertEquals(JSON.readTree(MOVING.get(0).toString()), JSON.readTree(status.out()));

    Run watched =
        admin("containers", "migrate", "AUTH_test/moving", "--watch", "--interval", "0.01");
    assertEquals(AdminCli.OK, watched.code(), watched.toString());
    assertTrue(watched.out().contains("phase:      completed"), watched.out());
    // watching never starts another migration
    assertEquals(
        1, requests.stream().filter(q -> q.startsWith("POST ")).count(), requests.toString());

    Run cancelled = admin("containers", "migrate", "AUTH_test/moving", "--cancel");
    assertEquals(AdminCli.OK, cancelled.code(), cancelled.toString());
    assertTrue(
        requests.contains("DELETE /admin/containers/AUTH_test/moving/migration"),
        requests.toString());
    assertTrue(
        cancelled.out().contains("migration of AUTH_test/moving cancelled"), cancelled.out());
    assertTrue(cancelled.out().contains("phase:      cancelled"), cancelled.out());
  }

  @Test
  void aFailedMigrationExitsOneAndShowsItsErrors() {
    Run r =
        admin(
            "containers", "migrate", "AUTH_test/failing", "--target", "fs2", "--interval", "0.01");
    assertEquals(AdminCli.FAILED, r.code(), r.toString());
    assertTrue(r.out().contains("phase:      failed"), r.out());
    assertTrue(r.out().contains("error:      fs2: disk full"), r.out());
  }

  @Test
  void anOlderGatewayWithoutTheEndpointsIsUnsupportedNotMissing() {
    Run old = admin("containers", "migrate", "AUTH_test/old", "--target", "fs2");
    assertEquals(AdminCli.UNSUPPORTED, old.code(), old.toString());
    assertTrue(old.err().contains("this gateway does not offer it (HTTP 404)"), old.err());
    Run old405 = admin("containers", "migrate", "AUTH_test/old405", "--target", "fs2");
    assertEquals(AdminCli.UNSUPPORTED, old405.code(), old405.toString());
    Run watchOld = admin("containers", "migrate", "AUTH_test/old", "--watch");
    assertEquals(AdminCli.NOT_FOUND, watchOld.code(), watchOld.toString());
    assertTrue(watchOld.err().contains("predates the migration API"), watchOld.err());
    Run missing = admin("containers", "migrate", "AUTH_test/missing", "--target", "fs2");
    assertEquals(AdminCli.NOT_FOUND, missing.code(), missing.toString());
    assertTrue(missing.err().contains("no container AUTH_test/missing"), missing.err());

    Run drainOld = admin("backends", "drain", "old-fs");
    assertEquals(AdminCli.UNSUPPORTED, drainOld.code(), drainOld.toString());
    Run drainUnknown = admin("backends", "drain", "nope");
    assertEquals(AdminCli.NOT_FOUND, drainUnknown.code(), drainUnknown.toString());
    assertTrue(drainUnknown.err().contains("no backend 'nope'"), drainUnknown.err());
  }

  @Test
  void drainFollowsContainersBytesLeftAndEta() throws Exception {
    Run r = admin("backends", "drain", "fs1", "--progress", "--interval", "0.3");
    assertEquals(AdminCli.OK, r.code(), r.toString());
    assertTrue(requests.contains("POST /admin/backends/fs1/drain {}"), requests.toString());
    assertTrue(r.err().contains("\rdrain fs1 ["), r.err());
    assertTrue(r.err().contains("draining  3/4 containers  2.0 GiB left  "), r.err());
    assertTrue(r.err().contains("ETA 40s"), r.err());
    assertTrue(r.err().contains("] 100% drained  4/4 containers"), r.err());
    assertTrue(r.out().contains("state:       drained\n"), r.out());
    assertTrue(r.out().contains("failed:      none\n"), r.out());

    Run detached = admin("backends", "drain", "fs1", "--detach", "--json");
    assertEquals(AdminCli.OK, detached.code(), detached.toString());
    assertEquals("draining", JSON.readTree(detached.out()).path("state").asText());

    Run cancelled = admin("backends", "drain", "fs1", "--cancel", "--json");
    assertEquals(AdminCli.OK, cancelled.code(), cancelled.toString());
    assertTrue(requests.contains("DELETE /admin/backends/fs1/drain"), requests.toString());
    JsonNode c = JSON.readTree(cancelled.out());
    assertEquals("cancelled", c.path("state").asText());
  }

  @Test
  void aDrainThatLeftContainersBehindExitsOne() {
    Run r = admin("backends", "drain", "fs3", "--interval", "0.01");
    assertEquals(AdminCli.FAILED, r.code(), r.toString());
    assertTrue(r.out().contains("failed:      AUTH_test/stuck\n"), r.out());
  }
}
