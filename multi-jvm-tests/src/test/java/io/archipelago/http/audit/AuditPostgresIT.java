package io.archipelago.http.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.multijvm.PostgresServer;
import io.archipelago.persistence.DatabaseSettings;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log on PostgreSQL (the multi-node journal), in a database of its own on the private
 * test server: the chain after real operations, 100,000 fixture events replayed and streamed
 * through a node, the offline verifier, and tampering found: an altered row, an entity's newest
 * event removed, every event of an entity removed (the chain heads kept by the journal's plpgsql
 * trigger), and replay refusing the broken chain. Prints the speeds.
 */
class AuditPostgresIT {

  private static final int WRITES = 99_999;

  @TempDir Path dir;

  @Test
  void auditOnPostgres() throws Exception {
    PostgresServer postgres = PostgresServer.shared();
    String database = "audit_" + Long.toHexString(System.nanoTime());
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + database);
    }
    String url =
        postgres.jdbcUrl().substring(0, postgres.jdbcUrl().lastIndexOf('/') + 1) + database;
    Map<String, Object> pg = new HashMap<>();
    pg.put("archipelago.persistence.dialect", "postgres");
    pg.put("archipelago.persistence.url", url);
    pg.put("archipelago.persistence.user", postgres.user());
    Path node = dir.resolve("node");
    Config config = AuditTesting.config(node, pg);
    Instant start = Instant.parse("2024-01-01T00:00:00Z");

    try (TestGateway gateway = TestGateway.start(node, pg)) {
      String base = gateway.baseUrl();
      SwiftClient test = SwiftClient.login(base, "test:tester", "testing");
      SwiftClient admin = SwiftClient.login(base, "admin:admin", "admin");
      for (int c = 0; c < 8; c++) {
        ok(test.call("PUT", "/c" + c, Map.of("X-Container-Meta-N", "" + c), null));
        ok(test.call("PUT", "/c" + c + "/o", Map.of(), "x"));
        ok(test.call("POST", "/c" + c, Map.of("X-Container-Meta-N", "changed"), null));
        ok(test.call("DELETE", "/c" + c + "/o"));
      }
      long f = System.nanoTime();
      JournalFixture.container(config, "AUTH_test", "big", WRITES, start);
      System.out.printf(
          "AUDIT-MEASURE fixture (PostgreSQL): %d events written in %.1f s%n",
          WRITES + 1, (System.nanoTime() - f) / 1e9);

      for (int run = 1; run <= 2; run++) { // the second run reads warm caches
        long h = System.nanoTime();
        HttpResponse<String> history =
            AuditTesting.get(
                admin,
                base,
                "/admin/containers/AUTH_test/big/history?at=" + start.plusSeconds(3600));
        double seconds = (System.nanoTime() - h) / 1e9;
        assertEquals(200, history.statusCode(), history.body());
        assertEquals(
            WRITES, AuditTesting.JSON.readTree(history.body()).get("objectCount").asLong());
        System.out.printf(
            "AUDIT-MEASURE history replay (PostgreSQL, gateway, run %d): %d events in %.2f s (%.0f events/s)%n",
            run, WRITES + 1, seconds, (WRITES + 1) / seconds);
      }
      long s = System.nanoTime();
      HttpResponse<String> stream =
          AuditTesting.get(admin, base, "/admin/audit?account=AUTH_test&container=big");
      double seconds = (System.nanoTime() - s) / 1e9;
      assertEquals(200, stream.statusCode());
      long lines = stream.body().lines().count();
      assertEquals(WRITES + 1, lines);
      System.out.printf(
          "AUDIT-MEASURE stream (PostgreSQL): %d events in %.1f s (%.0f events/s)%n",
          lines, seconds, lines / seconds);
      List<JsonNode> c3 =
          AuditTesting.ndjson(
              AuditTesting.get(admin, base, "/admin/audit?account=AUTH_test&container=c3").body());
      assertEquals(
          List.of("ContainerCreated", "ObjectWritten", "ContainerMetadataUpdated", "ObjectDeleted"),
          c3.stream().map(e -> e.get("type").asText()).toList());
      Thread.sleep(2000);
    }

    AuditTesting.CliResult verify = AuditTesting.cli(config, "verify", "--no-progress");
    assertEquals(0, verify.code(), verify.out() + verify.err());
    System.out.println(
        "AUDIT-MEASURE verify (PostgreSQL, offline): "
            + verify.out().lines().findFirst().orElse(""));
    AuditTesting.CliResult replay =
        AuditTesting.cli(config, "replay", "--container", "AUTH_test/big");
    assertEquals(0, replay.code(), replay.err());
    System.out.println("AUDIT-MEASURE replay (PostgreSQL, offline CLI): " + replay.err().trim());

    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement st =
            c.prepareStatement(
                "UPDATE event_journal SET event_payload = ?"
                    + " WHERE persistence_id = ? AND sequence_number = ?")) {
      byte[] payload;
      try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT event_payload FROM event_journal"
                      + " WHERE persistence_id = 'Container|AUTH_test/c5' AND sequence_number = 3");
          ResultSet rs = q.executeQuery()) {
        assertTrue(rs.next());
        payload = rs.getBytes(1);
      }
      payload[payload.length - 2] ^= 0x20;
      st.setBytes(1, payload);
      st.setString(2, "Container|AUTH_test/c5");
      st.setLong(3, 3);
      assertEquals(1, st.executeUpdate());
    }
    AuditTesting.CliResult broken = AuditTesting.cli(config, "verify", "--no-progress");
    assertEquals(1, broken.code(), broken.out() + broken.err());
    assertTrue(broken.out().contains("first at Container|AUTH_test/c5 seq 3"), broken.out());

    // Removed newest events and a removed entity, found through the heads the trigger kept.
    long c6Newest;
    long c7Newest;
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      assertEquals(
          WRITES + 1,
          scalar(
              c,
              "SELECT sequence_number FROM archipelago_audit_head"
                  + " WHERE persistence_id = 'Container|AUTH_test/big' AND length(event_hash) = 32"));
      c6Newest =
          scalar(
              c,
              "SELECT MAX(sequence_number) FROM event_journal WHERE persistence_id = 'Container|AUTH_test/c6'");
      c7Newest =
          scalar(
              c,
              "SELECT MAX(sequence_number) FROM event_journal WHERE persistence_id = 'Container|AUTH_test/c7'");
      try (Statement st = c.createStatement()) {
        assertEquals(
            1,
            st.executeUpdate(
                "DELETE FROM event_journal WHERE persistence_id = 'Container|AUTH_test/c6'"
                    + " AND sequence_number = "
                    + c6Newest));
        assertEquals(
            c7Newest,
            st.executeUpdate(
                "DELETE FROM event_journal WHERE persistence_id = 'Container|AUTH_test/c7'"));
      }
    }
    AuditTesting.CliResult truncated = AuditTesting.cli(config, "verify", "--no-progress");
    assertEquals(1, truncated.code(), truncated.out() + truncated.err());
    assertTrue(
        truncated
            .out()
            .contains(
                "Container|AUTH_test/c6 seq "
                    + c6Newest
                    + ": events "
                    + c6Newest
                    + ".."
                    + c6Newest
                    + " are missing: the newest events were removed"),
        truncated.out());
    assertTrue(
        truncated
            .out()
            .contains(
                "Container|AUTH_test/c7 seq 1: events 1.."
                    + c7Newest
                    + " are missing: every event of this entity was removed"),
        truncated.out());
    AuditTesting.CliResult refused =
        AuditTesting.cli(config, "replay", "--container", "AUTH_test/c6");
    assertEquals(1, refused.code(), refused.out() + refused.err());
    assertTrue(
        refused.err().contains("AUDIT CHAIN BROKEN at Container|AUTH_test/c6 seq " + c6Newest),
        refused.err());
    AuditTesting.CliResult allowed =
        AuditTesting.cli(config, "replay", "--container", "AUTH_test/c6", "--allow-broken-chain");
    assertEquals(0, allowed.code(), allowed.out() + allowed.err());
    assertTrue(allowed.err().contains("WARNING: AUDIT CHAIN BROKEN"), allowed.err());
  }

  private static long scalar(Connection c, String sql) throws Exception {
    try (PreparedStatement st = c.prepareStatement(sql);
        ResultSet rs = st.executeQuery()) {
      assertTrue(rs.next(), sql);
      return rs.getLong(1);
    }
  }

  private static void ok(HttpResponse<String> r) {
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
  }
}
