package io.archipelago.http.audit;

import static io.archipelago.http.audit.AuditTesting.ok;
import static io.archipelago.http.audit.AuditTesting.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.persistence.DatabaseSettings;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit acceptance session, end to end as an operator meets it: two users of one account
 * (test:tester and test:tester2) run a scripted session of a few hundred operations against the
 * packaged gateway (H2 journal); the test notes the instants between chosen steps and what the
 * container {@code ledger} was then (objects, bytes, metadata, policy and backend, including a
 * placement change: deleted and created again under the archive policy), and a replicated container
 * is synced to its replica. While the gateway runs, the history endpoint answers each instant; once
 * it is stopped, the real {@code bin/archipelago audit replay --container a/c --at T} answers the
 * same; {@code audit verify} passes; then one journal row is altered through JDBC and {@code audit
 * verify} exits 1 naming that row's entity and sequence number.
 */
class AuditSessionIT {

  private static final String ACCOUNT = "AUTH_test";

  @TempDir Path dir;

  /** What the test expects of {@code ledger} at an instant. */
  record Expected(
      String label,
      Instant at,
      String state,
      String policy,
      String primary,
      long objects,
      long bytes,
      Map<String, String> metadata) {}

  /** The test's model of {@code ledger}: object name to size, and its metadata. */
  private final Map<String, Long> ledger = new TreeMap<>();

  private final Map<String, String> ledgerMeta = new TreeMap<>();
  private String ledgerState = "empty";
  private String ledgerPolicy = "";
  private String ledgerPrimary = "";
  private final List<Expected> expected = new ArrayList<>();
  private final Map<String, Integer> ledgerEventsBy = new HashMap<>();
  private final Map<SwiftClient, String> principals = new HashMap<>();
  private int operations;

  @Test
  void replayAndHistoryAnswerTheSessionAndVerifyFindsTheAlteredRow() throws Exception {
    Path data = dir.resolve("node");
    GatewayProcess gateway = new GatewayProcess(data, List.of("-Xmx384m"));
    Map<String, JsonNode> fromEndpoint = new LinkedHashMap<>();
    Map<String, Instant> mirrorAt = new LinkedHashMap<>();
    try (gateway) {
      gateway.start();
      try {
        SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
        SwiftClient tester2 = SwiftClient.login(gateway.baseUrl(), "test:tester2", "testing2");
        SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
        principals.put(tester, "test:tester");
        principals.put(tester2, "test:tester2");
        session(tester, tester2, mirrorAt, admin, gateway.baseUrl());

        for (Expected e : expected) {
          HttpResponse<String> r =
              AuditTesting.get(
                  admin,
                  gateway.baseUrl(),
                  "/admin/containers/" + ACCOUNT + "/ledger/history?at=" + e.at());
          assertEquals(200, r.statusCode(), r.body());
          JsonNode state = AuditTesting.JSON.readTree(r.body());
          assertState(e, state, "history endpoint");
          fromEndpoint.put(e.label(), state);
        }
        // Who did what: the stream by principal counts each user's events on ledger.
        for (String principal : List.of("test:tester", "test:tester2")) {
          List<JsonNode> theirs =
              AuditTesting.ndjson(
                  AuditTesting.get(
                          admin,
                          gateway.baseUrl(),
                          "/admin/audit?account="
                              + ACCOUNT
                              + "&container=ledger&principal="
                              + principal)
                      .body());
          assertEquals(ledgerEventsBy.get(principal), theirs.size(), principal);
          assertTrue(
              theirs.stream().allMatch(n -> n.get("requestId").asText().startsWith("tx")),
              principal);
        }
        mirrorHistory(admin, gateway.baseUrl(), mirrorAt);
      } catch (Throwable t) {
        System.out.println("gateway log:\n" + gateway.logTail());
        throw t;
      }
      int exit = gateway.stop();
      assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + gateway.logTail());
    }
    System.out.printf(
        "AUDIT-SESSION %d operations by two users; %d instants checked%n",
        operations, expected.size());

    // The stopped node's journal, through bin/archipelago as an operator runs it.
    for (Expected e : expected) {
      Cli replay =
          archipelago(
              data,
              "audit",
              "replay",
              "--container",
              ACCOUNT + "/ledger",
              "--at",
              e.at().toString());
      assertEquals(0, replay.code(), replay.out() + replay.err());
      JsonNode state = AuditTesting.JSON.readTree(replay.out());
      assertState(e, state, "audit replay");
      assertEquals(
          fromEndpoint.get(e.label()), state, "replay and history endpoint agree at " + e.label());
    }
    Cli mirror =
        archipelago(
            data,
            "audit",
            "replay",
            "--container",
            ACCOUNT + "/mirror",
            "--at",
            mirrorAt.get("synced").toString());
    assertEquals(0, mirror.code(), mirror.out() + mirror.err());
    JsonNode synced = AuditTesting.JSON.readTree(mirror.out());
    assertEquals("site-b", synced.at("/assignment/replicas/0").asText(), synced.toString());
    assertEquals(10, synced.get("objectCount").asLong(), synced.toString());
    assertEquals(
        synced.at("/sync/lastChangeSeqNr").asLong(),
        synced.at("/sync/replicas/site-b/syncedSeqNr").asLong());

    Cli verify = archipelago(data, "audit", "verify", "--progress");
    assertEquals(0, verify.code(), verify.out() + verify.err());
    assertTrue(verify.out().contains("audit chain intact"), verify.out());
    assertTrue(verify.err().contains("100%"), "progress bar: " + verify.err());

    // One row altered in the database: ledger's first metadata change.
    Config config = AuditTesting.config(data, Map.of());
    String pid = "Container|" + ACCOUNT + "/ledger";
    long seq = alterFirstEvent(config, pid, "ContainerMetadataUpdated");
    Cli broken = archipelago(data, "audit", "verify", "--no-progress");
    assertEquals(1, broken.code(), broken.out() + broken.err());
    assertTrue(
        broken
            .out()
            .contains("AUDIT CHAIN BROKEN: 1 problem(s); first at " + pid + " seq " + seq + ": "),
        broken.out());
    System.out.println(
        "AUDIT-SESSION verify after the alteration: "
            + broken
                .out()
                .lines()
                .filter(l -> l.startsWith("AUDIT CHAIN BROKEN"))
                .findFirst()
                .orElse(""));
  }

  /** The scripted session; fills {@link #expected}. */
  private void session(
      SwiftClient a, SwiftClient b, Map<String, Instant> mirrorAt, SwiftClient admin, String base)
      throws Exception {
    Random random = new Random(8);
    checkpoint("before");
    createLedger(
        a, "standard", Map.of("X-Container-Meta-Color", "red", "X-Container-Meta-Owner", "tester"));
    checkpoint("created");
    for (SwiftClient user : List.of(a, b)) {
      for (int c = 0; c < 3; c++) {
        ok(call(user, "PUT", "/" + own(user) + c, Map.of(), null));
      }
    }
    steps(a, b, random, 0, 90);
    checkpoint("after 90 steps");
    ledgerPost(b, Map.of("X-Container-Meta-Color", "blue"));
    checkpoint("recolored by tester2");
    ledgerPost(a, Map.of("X-Remove-Container-Meta-Owner", "x"));
    steps(a, b, random, 90, 200);
    checkpoint("after 200 steps");

    // A placement change: tester2 empties and deletes ledger, then creates it again under the
    // archive policy (another backend).
    for (String name : new ArrayList<>(ledger.keySet())) {
      ledgerDelete(b, name);
    }
    ok(call(b, "DELETE", "/ledger", Map.of(), null));
    count(b);
    ledgerState = "deleted";
    ledgerMeta.clear();
    checkpoint("deleted");
    createLedger(
        b, "archive", Map.of("X-Container-Meta-Color", "green", "X-Storage-Policy", "archive"));
    checkpoint("moved to archive");
    steps(a, b, random, 200, 260);
    checkpoint("end");

    // A replicated container, synced by the gateway to its replica on site-b.
    ok(call(a, "PUT", "/mirror", Map.of("X-Storage-Policy", "replicated"), null));
    mirrorAt.put("created", tick());
    for (int i = 0; i < 10; i++) {
      ok(call(b, "PUT", "/mirror/m" + i, Map.of(), "mirrored " + i));
    }
    mirrorAt.put("written", tick());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    JsonNode status;
    do {
      Thread.sleep(250);
      status =
          AuditTesting.JSON.readTree(
              AuditTesting.get(admin, base, "/admin/containers/" + ACCOUNT + "/mirror").body());
    } while (status.at("/sync/replicas/site-b/lagEvents").asLong(-1) != 0
        && System.nanoTime() < deadline);
    assertEquals(0, status.at("/sync/replicas/site-b/lagEvents").asLong(-1), status.toString());
    mirrorAt.put("synced", tick());
  }

  /**
   * Steps {@code from} (inclusive) to {@code to}: the users take turns, a seeded mix of operations.
   */
  private void steps(SwiftClient a, SwiftClient b, Random random, int from, int to) {
    for (int i = from; i < to; i++) {
      SwiftClient user = i % 2 == 0 ? a : b;
      int dice = random.nextInt(100);
      if (dice < 50) {
        String name = "o" + random.nextInt(40);
        String body = "x".repeat(1 + random.nextInt(300));
        ok(call(user, "PUT", "/ledger/" + name, Map.of(), body));
        count(user);
        ledger.put(name, (long) body.length());
      } else if (dice < 65 && !ledger.isEmpty()) {
        List<String> names = new ArrayList<>(ledger.keySet());
        ledgerDelete(user, names.get(random.nextInt(names.size())));
      } else if (dice < 75) {
        ledgerPost(user, Map.of("X-Container-Meta-Step", Integer.toString(i)));
      } else {
        String path = "/" + own(user) + random.nextInt(3) + "/p" + random.nextInt(10);
        if (dice < 92) {
          ok(call(user, "PUT", path, Map.of(), "step " + i));
        } else {
          int status = call(user, "DELETE", path, Map.of(), null).statusCode();
          assertTrue(status == 204 || status == 404, path + " " + status);
        }
      }
    }
  }

  private void createLedger(SwiftClient user, String policy, Map<String, String> headers) {
    ok(call(user, "PUT", "/ledger", headers, null));
    count(user);
    ledgerState = "active";
    ledgerPolicy = policy;
    ledgerPrimary = "local-" + policy;
    headers.forEach(
        (k, v) -> {
          if (k.startsWith("X-Container-Meta-")) {
            ledgerMeta.put(k.toLowerCase(java.util.Locale.ROOT), v);
          }
        });
  }

  private void ledgerPost(SwiftClient user, Map<String, String> headers) {
    ok(call(user, "POST", "/ledger", headers, null));
    count(user);
    headers.forEach(
        (k, v) -> {
          String key = k.toLowerCase(java.util.Locale.ROOT);
          if (key.startsWith("x-remove-container-meta-")) {
            ledgerMeta.remove(
                "x-container-meta-" + key.substring("x-remove-container-meta-".length()));
          } else {
            ledgerMeta.put(key, v);
          }
        });
  }

  private void ledgerDelete(SwiftClient user, String name) {
    ok(call(user, "DELETE", "/ledger/" + name, Map.of(), null));
    count(user);
    ledger.remove(name);
  }

  private void count(SwiftClient user) {
    ledgerEventsBy.merge(principal(user), 1, Integer::sum);
  }

  private String principal(SwiftClient user) {
    return principals.get(user);
  }

  private String own(SwiftClient user) {
    return principal(user).equals("test:tester") ? "a-" : "b-";
  }

  private HttpResponse<String> call(
      SwiftClient user, String method, String path, Map<String, String> headers, String body) {
    operations++;
    return user.call(method, path, headers, body);
  }

  private void checkpoint(String label) throws InterruptedException {
    long bytes = ledger.values().stream().mapToLong(Long::longValue).sum();
    boolean active = ledgerState.equals("active");
    expected.add(
        new Expected(
            label,
            tick(),
            ledgerState,
            ledgerPolicy,
            ledgerPrimary,
            active ? ledger.size() : 0,
            active ? bytes : 0,
            active ? Map.copyOf(ledgerMeta) : Map.of()));
  }

  private void mirrorHistory(SwiftClient admin, String base, Map<String, Instant> at)
      throws Exception {
    JsonNode created = history(admin, base, "mirror", at.get("created"));
    assertEquals("replicated", created.get("policy").asText());
    assertEquals("local-standard", created.at("/assignment/primary").asText());
    assertEquals("site-b", created.at("/assignment/replicas/0").asText());
    assertEquals(0, created.at("/sync/replicas/site-b/syncedSeqNr").asLong(-1), created.toString());
    // Sync progress events may come between the writes, so the last write is event 11 or later.
    JsonNode written = history(admin, base, "mirror", at.get("written"));
    assertEquals(10, written.get("objectCount").asLong());
    long lastWrite = written.at("/sync/lastChangeSeqNr").asLong();
    assertTrue(lastWrite >= 11, written.toString());
    JsonNode synced = history(admin, base, "mirror", at.get("synced"));
    assertEquals(10, synced.get("objectCount").asLong());
    assertEquals(lastWrite, synced.at("/sync/lastChangeSeqNr").asLong(), synced.toString());
    assertEquals(
        lastWrite, synced.at("/sync/replicas/site-b/syncedSeqNr").asLong(), synced.toString());
    assertTrue(synced.at("/sync/replicas/site-b/pendingSince").isNull(), synced.toString());
  }

  private static JsonNode history(SwiftClient admin, String base, String container, Instant at)
      throws Exception {
    HttpResponse<String> r =
        AuditTesting.get(
            admin, base, "/admin/containers/" + ACCOUNT + "/" + container + "/history?at=" + at);
    assertEquals(200, r.statusCode(), r.body());
    return AuditTesting.JSON.readTree(r.body());
  }

  private static void assertState(Expected e, JsonNode state, String source) {
    String where = source + " at " + e.label() + " (" + e.at() + "): " + state;
    assertEquals(e.state(), state.get("state").asText(), where);
    if (e.state().equals("empty")) {
      assertEquals(0, state.get("sequenceNr").asLong(), where);
      return;
    }
    assertEquals(e.policy(), state.get("policy").asText(), where);
    assertEquals(e.primary(), state.at("/assignment/primary").asText(), where);
    assertEquals(e.objects(), state.get("objectCount").asLong(), where);
    assertEquals(e.bytes(), state.get("bytesUsed").asLong(), where);
    Map<String, String> metadata = new TreeMap<>();
    state
        .get("metadata")
        .fields()
        .forEachRemaining(f -> metadata.put(f.getKey(), f.getValue().asText()));
    assertEquals(new TreeMap<>(e.metadata()), metadata, where);
  }

  /**
   * Flips a bit in the payload of the entity's first event of that type; returns its sequence
   * number.
   */
  private static long alterFirstEvent(Config config, String pid, String type) throws Exception {
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    try (Connection c =
        DriverManager.getConnection(db.url() + ";IFEXISTS=TRUE", db.user(), db.password())) {
      long seq;
      byte[] payload;
      try (PreparedStatement q =
          c.prepareStatement(
              "SELECT \"sequence_number\", \"event_payload\" FROM"
                  + " \"event_journal\" WHERE \"persistence_id\" = ? AND \"adapter_manifest\" = ?"
                  + " ORDER BY \"sequence_number\" LIMIT 1")) {
        q.setString(1, pid);
        q.setString(2, type);
        try (ResultSet rs = q.executeQuery()) {
          assertTrue(rs.next(), pid + " has no " + type);
          seq = rs.getLong(1);
          payload = rs.getBytes(2);
        }
      }
      payload[payload.length - 1] ^= 1;
      try (PreparedStatement st =
          c.prepareStatement(
              "UPDATE \"event_journal\" SET \"event_payload\" = ?"
                  + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        st.setBytes(1, payload);
        st.setString(2, pid);
        st.setLong(3, seq);
        assertEquals(1, st.executeUpdate());
      }
      return seq;
    }
  }

  record Cli(int code, String out, String err) {}

  /**
   * Runs {@code bin/archipelago args...} for the node with this data directory, as an operator
   * would.
   */
  private static Cli archipelago(Path data, String... args) throws Exception {
    Path root = TestGateway.rootApplicationConf().getParent();
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin/archipelago").toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(data.getParent(), "cli", ".out");
    Path err = Files.createTempFile(data.getParent(), "cli", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("ARCHIPELAGO_DATA_DIR", data.toString());
    builder
        .environment()
        .put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    Process p = builder.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "bin/archipelago " + String.join(" ", args) + " did not finish");
    }
    Cli r =
        new Cli(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertTrue(
        !r.err().contains("archipelago: building"),
        "bin/archipelago rebuilt the jar inside a test: " + r.err());
    return r;
  }
}
