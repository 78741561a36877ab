package io.archipelago.persistence.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.JournalDialect;
import io.archipelago.persistence.SchemaBootstrap;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal insert trigger of H2 keeps each entity's chain head: the newest event's sequence
 * number and own hash, in the insert's transaction, only ever forward. (PostgreSQL's plpgsql twin
 * is checked by AuditPostgresIT.)
 */
class ChainHeadTest {

  @TempDir Path dir;
  private DatabaseSettings settings;

  @BeforeEach
  void journal() {
    settings =
        new DatabaseSettings(
            JournalDialect.H2,
            "jdbc:h2:file:" + dir.resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE",
            "sa",
            "");
    SchemaBootstrap.apply(settings);
  }

  @Test
  void eachInsertMovesItsEntitysHeadToIt() throws Exception {
    try (Connection c = connect()) {
      byte[] head = ChainHash.genesis();
      for (int seq = 1; seq <= 3; seq++) {
        AuditEnvelope e =
            AuditEnvelope.chain("Container|a/c", head, "ObjectWritten", 2, new byte[] {(byte) seq});
        insert(
            c,
            "Container|a/c",
            seq,
            e.toBytes(),
            AuditSerializer.IDENTIFIER,
            AuditSerializer.ENVELOPE_MANIFEST);
        head = e.hash();
      }
      insert(c, "Legacy|x", 1, new byte[] {1, 2, 3}, 33, "some.Event");
      ChainHeads heads = ChainHeads.readAll(c);
      assertTrue(heads.recorded());
      assertEquals(3, heads.byPersistenceId().get("Container|a/c").sequenceNr());
      assertArrayEquals(head, heads.byPersistenceId().get("Container|a/c").hash());
      assertEquals(1, heads.byPersistenceId().get("Legacy|x").sequenceNr());
      assertNull(heads.byPersistenceId().get("Legacy|x").hash());
    }
  }

  @Test
  void aHeadNeverMovesBackNorOutlivesARollback() throws Exception {
    try (Connection c = connect()) {
      AuditEnvelope first =
          AuditEnvelope.chain(
              "Container|a/c", ChainHash.genesis(), "ObjectWritten", 1, new byte[] {1});
      AuditEnvelope second =
          AuditEnvelope.chain("Container|a/c", first.hash(), "ObjectWritten", 1, new byte[] {2});
      insert(
          c,
          "Container|a/c",
          2,
          second.toBytes(),
          AuditSerializer.IDENTIFIER,
          AuditSerializer.ENVELOPE_MANIFEST);
      insert(
          c,
          "Container|a/c",
          1,
          first.toBytes(),
          AuditSerializer.IDENTIFIER,
          AuditSerializer.ENVELOPE_MANIFEST);
      assertArrayEquals(
          second.hash(),
          ChainHeads.readOne(c, "Container|a/c").byPersistenceId().get("Container|a/c").hash());

      c.setAutoCommit(false);
      insert(
          c,
          "Container|a/c",
          3,
          new byte[] {9},
          AuditSerializer.IDENTIFIER,
          AuditSerializer.ENVELOPE_MANIFEST);
      c.rollback();
      c.setAutoCommit(true);
      ChainHead head =
          ChainHeads.readOne(c, "Container|a/c").byPersistenceId().get("Container|a/c");
      assertEquals(2, head.sequenceNr());

      try (PreparedStatement st = c.prepareStatement("DELETE FROM \"event_journal\"")) {
        st.executeUpdate();
      }
      assertEquals(
          2,
          ChainHeads.readOne(c, "Container|a/c")
              .byPersistenceId()
              .get("Container|a/c")
              .sequenceNr(),
          "deleting events leaves the head where it was");
    }
  }

  @Test
  void aDatabaseWithoutTheTableHasNoHeads() throws Exception {
    try (Connection c = connect()) {
      c.createStatement().execute("DROP TRIGGER \"archipelago_audit_head_advance\"");
      c.createStatement().execute("DROP TABLE \"archipelago_audit_head\"");
      assertFalse(ChainHeads.readAll(c).recorded());
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(settings.url(), settings.user(), settings.password());
  }

  private static void insert(
      Connection c, String pid, long seq, byte[] payload, int serId, String manifest)
      throws SQLException {
    try (PreparedStatement st =
        c.prepareStatement(
            "INSERT INTO \"event_journal\" (\"persistence_id\","
                + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
                + " \"event_ser_id\", \"event_ser_manifest\") VALUES (?, ?, 'w', 0, 'ObjectWritten', ?, ?, ?)")) {
      st.setString(1, pid);
      st.setLong(2, seq);
      st.setBytes(3, payload);
      st.setInt(4, serId);
      st.setString(5, manifest);
      st.executeUpdate();
    }
  }
}
