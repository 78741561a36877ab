package io.archipelago.http.audit;

import static io.archipelago.http.audit.AuditTesting.cli;
import static io.archipelago.http.audit.AuditTesting.config;
import static io.archipelago.http.audit.AuditTesting.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.SchemaBootstrap;
import io.archipelago.persistence.audit.AuditEnvelope;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash chains of a node's journal (H2) after a mix of operations over many containers, two
 * accounts and the backend registry: intact, then tampered with through JDBC on copies of the
 * database (a payload altered, a row deleted, a row inserted, the newest event removed or replaced,
 * every event of an entity removed), each found and located by {@code archipelago audit verify} and
 * refused by {@code audit replay}; chain heads given to a journal written before they existed; and
 * export-then-delete, after which the chain verifies from the export and the node still recovers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditChainTest {

  /**
   * Asks wait longer than the default 5 s: on a loaded machine the first requests to a cold node
   * (shard allocation, recovery) can take that long, and a 503 there says nothing about the audit.
   */
  private static final Map<String, Object> PATIENT =
      Map.of("archipelago.engine.ask-timeout", "30s");

  @TempDir static Path dir;
  Path node;

  @BeforeAll
  void runAMixOfOperations() throws Exception {
    node = dir.resolve("node");
    try (TestGateway gateway = TestGateway.start(node, PATIENT)) {
      String base = gateway.baseUrl();
      SwiftClient test = SwiftClient.login(base, "test:tester", "testing");
      SwiftClient test2 = SwiftClient.login(base, "test2:tester2", "testing2");
      SwiftClient admin = SwiftClient.login(base, "admin:admin", "admin");
      Map<SwiftClient, Long> objects = new java.util.HashMap<>();
      for (SwiftClient client : new SwiftClient[] {test, test2}) {
        for (int c = 0; c < 12; c++) {
          String path = "/c" + c;
          ok(client.call("PUT", path, Map.of("X-Container-Meta-N", "" + c), null));
          for (int o = 0; o < 3; o++) {
            ok(client.call("PUT", path + "/o" + o, Map.of(), "object " + o));
          }
          ok(client.call("PUT", path + "/o0", Map.of(), "object 0, again"));
          ok(client.call("DELETE", path + "/o1"));
          ok(client.call("POST", path, Map.of("X-Container-Meta-Touched", "yes"), null));
          if (c % 3 == 0) {
            ok(client.call("DELETE", path + "/o0"));
            ok(client.call("DELETE", path + "/o2"));
            ok(client.call("DELETE", path));
            ok(client.call("PUT", path, Map.of("X-Storage-Policy", "archive"), null));
          } else {
            objects.merge(client, 2L, Long::sum); // o0 and o2
          }
        }
        ok(client.call("POST", "", Map.of("X-Account-Meta-Quota", "1"), null));
      }
      ok(test.call("PUT", "/busy"));
      for (int o = 0; o < 130; o++) { // beyond snapshot-every (100)
        ok(test.call("PUT", "/busy/o" + o, Map.of(), "o" + o));
      }
      objects.merge(test, 130L, Long::sum);
      ok(
          admin.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(base + "/admin/backends/local-archive/state"))
                  .header("X-Auth-Token", admin.token())
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString("{\"state\":\"draining\"}"))
                  .build()));
      ok(
          admin.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(base + "/admin/backends/local-archive/state"))
                  .header("X-Auth-Token", admin.token())
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"state\":\"active\"}"))
                  .build()));
      // The containers' stats reach their accounts (ContainerStatsRefreshed events) on a timer:
      // wait until both accounts count every object instead of guessing how long that takes.
      for (SwiftClient client : new SwiftClient[] {test, test2}) {
        awaitAccountObjectCount(client, objects.get(client));
      }

      // The chain verifies while the node runs too (same JVM: H2 shares the open database).
      AuditTesting.CliResult live = cli(config(node, Map.of()), "verify", "--no-progress");
      assertEquals(0, live.code(), live.out() + live.err());
    }
  }

  @Test
  void theUntouchedJournalVerifies() throws Exception {
    AuditTesting.CliResult r = cli(config(node, Map.of()), "verify", "--no-progress");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("audit chain intact"), r.out());
    try (Connection c = connect(config(node, Map.of()))) {
      long events = scalar(c, "SELECT COUNT(*) FROM \"event_journal\"");
      assertTrue(events > 350, "events: " + events);
      assertTrue(
          scalar(c, "SELECT COUNT(DISTINCT \"persistence_id\") FROM \"event_journal\"") >= 28);
      assertEquals(
          0, scalar(c, "SELECT COUNT(*) FROM \"event_journal\" WHERE \"event_ser_id\" <> 727301"));
      assertTrue(
          scalar(
                  c,
                  "SELECT COUNT(*) FROM \"event_journal\" WHERE \"adapter_manifest\" = 'ContainerStatsRefreshed'")
              > 0);
    }
  }

  @Test
  void anAlteredPayloadIsFoundAndLocated() throws Exception {
    Config copy = copyOfJournal("update");
    try (Connection c = connect(copy)) {
      byte[] payload = payload(c, "Container|AUTH_test/c4", 4);
      payload[payload.length - 1] ^= 1;
      try (PreparedStatement st =
          c.prepareStatement(
              "UPDATE \"event_journal\" SET \"event_payload\" = ?"
                  + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        st.setBytes(1, payload);
        st.setString(2, "Container|AUTH_test/c4");
        st.setLong(3, 4);
        assertEquals(1, st.executeUpdate());
      }
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "first at Container|AUTH_test/c4 seq 4: journal: content does not match its hash"),
        r.out());
  }

  @Test
  void aDeletedRowIsFoundAndLocated() throws Exception {
    Config copy = copyOfJournal("delete");
    try (Connection c = connect(copy);
        PreparedStatement st =
            c.prepareStatement(
                "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
      st.setString(1, "Container|AUTH_test2/c5");
      st.setLong(2, 3);
      assertEquals(1, st.executeUpdate());
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out().contains("first at Container|AUTH_test2/c5 seq 4: events 3..3 are missing"),
        r.out());
  }

  @Test
  void anInsertedRowIsFoundAndLocated() throws Exception {
    Config copy = copyOfJournal("insert");
    String pid = "Container|AUTH_test/c7";
    long next;
    try (Connection c = connect(copy)) {
      next =
          scalar(
                  c,
                  "SELECT MAX(\"sequence_number\") FROM \"event_journal\" WHERE \"persistence_id\" = '"
                      + pid
                      + "'")
              + 1;
      // A replayed copy of an earlier event, appended as if it were new.
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO \"event_journal\" (\"persistence_id\","
                  + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
                  + " \"event_ser_id\", \"event_ser_manifest\") SELECT \"persistence_id\", ?, \"writer\", \"write_timestamp\","
                  + " \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\" FROM \"event_journal\""
                  + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = 2")) {
        st.setLong(1, next);
        st.setString(2, pid);
        assertEquals(1, st.executeUpdate());
      }
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "first at "
                    + pid
                    + " seq "
                    + next
                    + ": journal: does not link to the previous event's hash"),
        r.out());
  }

  @Test
  void theNewestEventRemovedIsFoundAndNamed() throws Exception {
    Config copy = copyOfJournal("tail");
    String pid = "Container|AUTH_test/c4";
    long newest;
    try (Connection c = connect(copy)) {
      newest = newest(c, pid);
      deleteEvents(c, pid, newest, newest);
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "first at "
                    + pid
                    + " seq "
                    + newest
                    + ": events "
                    + newest
                    + ".."
                    + newest
                    + " are missing: the newest events were removed"),
        r.out());
  }

  @Test
  void everyEventOfAnEntityRemovedIsFoundAndNamed() throws Exception {
    Config copy = copyOfJournal("entity");
    String pid = "Container|AUTH_test2/c8";
    long newest;
    try (Connection c = connect(copy)) {
      newest = newest(c, pid);
      deleteEvents(c, pid, 1, newest);
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "first at "
                    + pid
                    + " seq 1: events 1.."
                    + newest
                    + " are missing: every event of this entity was removed"),
        r.out());
  }

  @Test
  void aReplacedNewestEventIsFound() throws Exception {
    Config copy = copyOfJournal("replace");
    String pid = "Container|AUTH_test/c5";
    long newest;
    try (Connection c = connect(copy)) {
      newest = newest(c, pid);
      // A forged newest event that links properly to its predecessor (the hash needs no secret).
      AuditEnvelope last = AuditEnvelope.fromBytes(payload(c, pid, newest));
      byte[] forged = last.payload().clone();
      forged[forged.length - 1] ^= 1;
      AuditEnvelope replacement =
          AuditEnvelope.chain(pid, last.prevHash(), last.type(), last.version(), forged);
      try (PreparedStatement st =
          c.prepareStatement(
              "UPDATE \"event_journal\" SET \"event_payload\" = ?"
                  + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
        st.setBytes(1, replacement.toBytes());
        st.setString(2, pid);
        st.setLong(3, newest);
        assertEquals(1, st.executeUpdate());
      }
    }
    AuditTesting.CliResult r = cli(copy, "verify", "--no-progress");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "first at "
                    + pid
                    + " seq "
                    + newest
                    + ": the newest event is not the one recorded as the chain head"),
        r.out());
  }

  @Test
  void replayRefusesABrokenChainUnlessAllowed() throws Exception {
    Config copy = copyOfJournal("replay");
    String pid = "Container|AUTH_test/c10";
    long newest;
    try (Connection c = connect(copy)) {
      newest = newest(c, pid);
    }
    AuditTesting.CliResult intact = cli(copy, "replay", "--container", "AUTH_test/c10");
    assertEquals(0, intact.code(), intact.out() + intact.err());
    assertEquals(
        newest, AuditTesting.JSON.readTree(intact.out()).get("sequenceNr").asLong(), intact.out());

    try (Connection c = connect(copy)) {
      deleteEvents(c, pid, newest, newest);
    }
    AuditTesting.CliResult refused = cli(copy, "replay", "--container", "AUTH_test/c10");
    assertEquals(1, refused.code(), refused.out() + refused.err());
    assertEquals("", refused.out());
    assertTrue(
        refused
            .err()
            .contains(
                "AUDIT CHAIN BROKEN at "
                    + pid
                    + " seq "
                    + newest
                    + ": events "
                    + newest
                    + ".."
                    + newest
                    + " are missing"),
        refused.err());
    assertTrue(
        refused.err().contains("not replaying (--allow-broken-chain replays anyway)"),
        refused.err());

    AuditTesting.CliResult allowed =
        cli(copy, "replay", "--container", "AUTH_test/c10", "--allow-broken-chain");
    assertEquals(0, allowed.code(), allowed.out() + allowed.err());
    assertTrue(
        allowed.err().contains("WARNING: AUDIT CHAIN BROKEN at " + pid + " seq " + newest),
        allowed.err());
    assertEquals(
        newest - 1,
        AuditTesting.JSON.readTree(allowed.out()).get("sequenceNr").asLong(),
        allowed.out());
  }

  @Test
  void aJournalFromBeforeChainHeadsGetsThemAtItsFirstStart() throws Exception {
    Config copy = copyOfJournal("before-heads");
    try (Connection c = connect(copy);
        Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER \"archipelago_audit_head_advance\"");
      st.execute("DROP TABLE \"archipelago_audit_head\"");
      st.execute("DROP TABLE \"archipelago_schema_step\"");
    }
    AuditTesting.CliResult before = cli(copy, "verify", "--no-progress");
    assertEquals(0, before.code(), before.out() + before.err());
    assertTrue(before.out().contains("no chain heads recorded"), before.out());

    SchemaBootstrap.apply(copy); // what a gateway does first when it starts
    String pid = "Container|AUTH_test/c2";
    long newest;
    try (Connection c = connect(copy)) {
      long entities = scalar(c, "SELECT COUNT(DISTINCT \"persistence_id\") FROM \"event_journal\"");
      assertEquals(entities, scalar(c, "SELECT COUNT(*) FROM \"archipelago_audit_head\""));
      newest = newest(c, pid);
      deleteEvents(c, pid, newest, newest);
    }
    AuditTesting.CliResult after = cli(copy, "verify", "--no-progress");
    assertEquals(1, after.code(), after.out() + after.err());
    assertTrue(
        after
            .out()
            .contains(
                "first at "
                    + pid
                    + " seq "
                    + newest
                    + ": events "
                    + newest
                    + ".."
                    + newest
                    + " are missing"),
        after.out());
  }

  @Test
  void exportThenDeleteKeepsTheChainVerifiableAndTheNodeRecovers() throws Exception {
    Config copy = copyOfJournal("export");
    Path export = dir.resolve("audit-1.ndjson");
    AuditTesting.CliResult exported =
        cli(
            copy,
            "export",
            "--before",
            Instant.now().toString(),
            "--out",
            export.toString(),
            "--delete",
            "--no-progress");
    assertEquals(0, exported.code(), exported.out() + exported.err());
    long deleted;
    try (Connection c = connect(copy)) {
      deleted =
          scalar(
                  c,
                  "SELECT MIN(\"sequence_number\") FROM \"event_journal\" WHERE \"persistence_id\" = 'Container|AUTH_test/busy'")
              - 1;
    }
    assertEquals(
        100, deleted, exported.out()); // up to the snapshot; the rest is needed for recovery
    assertTrue(exported.out().contains("deleted from the journal"), exported.out());

    AuditTesting.CliResult without = cli(copy, "verify", "--no-progress");
    assertEquals(1, without.code(), without.out());
    assertTrue(without.out().contains("removed without an export"), without.out());
    AuditTesting.CliResult with =
        cli(copy, "verify", "--no-progress", "--export", export.toString());
    assertEquals(0, with.code(), with.out() + with.err());
    assertTrue(with.out().contains("continue from an export"), with.out());

    // The node recovers the pruned entities from their snapshots and goes on chaining.
    Path copyNode = Path.of(copy.getString("archipelago.data-dir"));
    try (TestGateway gateway = TestGateway.start(copyNode, PATIENT)) {
      SwiftClient test = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      HttpResponse<String> head = test.call("HEAD", "/busy");
      assertEquals(
          "130", head.headers().firstValue("X-Container-Object-Count").orElse(""), head.toString());
      ok(test.call("PUT", "/busy/after-export", Map.of(), "x")); // 201 once its event is persisted
    }
    AuditTesting.CliResult after =
        cli(copy, "verify", "--no-progress", "--export", export.toString());
    assertEquals(0, after.code(), after.out() + after.err());

    // The export cannot be edited either.
    Path edited = dir.resolve("audit-edited.ndjson");
    String text = Files.readString(export);
    int at = text.indexOf("\"stored\":\"") + 30;
    char c = text.charAt(at);
    Files.writeString(
        edited, text.substring(0, at) + (c == 'A' ? 'B' : 'A') + text.substring(at + 1));
    AuditTesting.CliResult broken =
        cli(copy, "verify", "--no-progress", "--export", edited.toString());
    assertEquals(1, broken.code(), broken.out() + broken.err());
  }

  private Config copyOfJournal(String name) throws Exception {
    Path copy = dir.resolve(name);
    Files.createDirectories(copy.resolve("journal"));
    try (var files = Files.list(node.resolve("journal"))) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve("journal").resolve(f.getFileName()));
      }
    }
    if (Files.exists(node.resolve("backends"))) {
      copyTree(node.resolve("backends"), copy.resolve("backends"));
    }
    if (Files.exists(node.resolve("token-secret"))) {
      Files.copy(node.resolve("token-secret"), copy.resolve("token-secret"));
    }
    return config(copy, Map.of());
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static Connection connect(Config config) throws Exception {
    DatabaseSettings s = DatabaseSettings.fromConfig(config);
    return DriverManager.getConnection(s.url() + ";IFEXISTS=TRUE", s.user(), s.password());
  }

  private static long newest(Connection c, String pid) throws Exception {
    long newest =
        scalar(
            c,
            "SELECT MAX(\"sequence_number\") FROM \"event_journal\" WHERE \"persistence_id\" = '"
                + pid
                + "'");
    assertTrue(newest > 1, pid + " has " + newest + " events");
    return newest;
  }

  private static void deleteEvents(Connection c, String pid, long from, long to) throws Exception {
    try (PreparedStatement st =
        c.prepareStatement(
            "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ?"
                + " AND \"sequence_number\" BETWEEN ? AND ?")) {
      st.setString(1, pid);
      st.setLong(2, from);
      st.setLong(3, to);
      assertEquals(to - from + 1, st.executeUpdate());
    }
  }

  private static byte[] payload(Connection c, String pid, long seq) throws Exception {
    try (PreparedStatement st =
        c.prepareStatement(
            "SELECT \"event_payload\" FROM \"event_journal\""
                + " WHERE \"persistence_id\" = ? AND \"sequence_number\" = ?")) {
      st.setString(1, pid);
      st.setLong(2, seq);
      try (ResultSet rs = st.executeQuery()) {
        assertTrue(rs.next(), pid + " " + seq);
        return rs.getBytes(1);
      }
    }
  }

  private static long scalar(Connection c, String sql) throws Exception {
    try (PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void awaitAccountObjectCount(SwiftClient client, long expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    String seen = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> head = client.call("HEAD", "");
      seen = head.headers().firstValue("X-Account-Object-Count").orElse("");
      if (seen.equals(Long.toString(expected))) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        client.storageUrl() + ": X-Account-Object-Count " + seen + ", expected " + expected);
  }
}
