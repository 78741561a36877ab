package io.archipelago.persistence.audit;

import io.archipelago.persistence.JournalDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Recorded {@link ChainHead}s, as read from their table (blocking JDBC), and their one-time
 * initialisation.
 *
 * @param recorded whether the database keeps heads at all (no gateway of a version that keeps them
 *     has opened a journal yet: then nothing can be said about removed newest events)
 * @param byPersistenceId the heads read
 */
public record ChainHeads(boolean recorded, Map<String, ChainHead> byPersistenceId) {

  /**
   * Records the newest event of every entity that has no head yet as its head: once, when a journal
   * written before heads existed is first opened by this version (the trigger keeps them from then
   * on). Run in the caller's transaction.
   *
   * @return the number of entities given a head
   */
  public static int initialise(Connection connection, JournalDialect dialect) throws SQLException {
    String payload =
        dialect == JournalDialect.H2
            ? "CAST(j.\"event_payload\" AS VARBINARY)"
            : "j.\"event_payload\"";
    String newestWithoutHead =
        "SELECT j.\"persistence_id\", j.\"sequence_number\", j.\"event_ser_id\","
            + " j.\"event_ser_manifest\", "
            + payload
            + " FROM \"event_journal\" j"
            + " JOIN (SELECT \"persistence_id\", MAX(\"sequence_number\") AS \"newest\" FROM \"event_journal\""
            + " GROUP BY \"persistence_id\") m ON j.\"persistence_id\" = m.\"persistence_id\""
            + " AND j.\"sequence_number\" = m.\"newest\""
            + " WHERE NOT EXISTS (SELECT 1 FROM \""
            + ChainHead.TABLE
            + "\" h WHERE h.\"persistence_id\" = j.\"persistence_id\")";
    int count = 0;
    try (PreparedStatement select = connection.prepareStatement(newestWithoutHead);
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO \""
                    + ChainHead.TABLE
                    + "\" (\"persistence_id\", \"sequence_number\", \"event_hash\") VALUES (?, ?, ?)")) {
      select.setFetchSize(1000);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          insert.setString(1, rs.getString(1));
          insert.setLong(2, rs.getLong(2));
          insert.setBytes(
              3,
              ChainHead.envelopeHash(
                  rs.getInt(3), rs.getString(4), ChainHead.PrefixReader.of(rs.getBytes(5))));
          insert.addBatch();
          if (++count % 1000 == 0) {
            insert.executeBatch();
          }
        }
      }
      insert.executeBatch();
    }
    return count;
  }

  /** Every recorded head. */
  public static ChainHeads readAll(Connection connection) throws SQLException {
    return read(connection, null);
  }

  /** The recorded head of one entity (none if it has none). */
  public static ChainHeads readOne(Connection connection, String persistenceId)
      throws SQLException {
    return read(connection, persistenceId);
  }

  private static ChainHeads read(Connection connection, String persistenceId) throws SQLException {
    if (!exists(connection)) {
      return new ChainHeads(false, Map.of());
    }
    Map<String, ChainHead> heads = new HashMap<>();
    try (PreparedStatement st =
        connection.prepareStatement(
            "SELECT \"persistence_id\", \"sequence_number\","
                + " \"event_hash\" FROM \""
                + ChainHead.TABLE
                + "\""
                + (persistenceId == null ? "" : " WHERE \"persistence_id\" = ?"))) {
      if (persistenceId != null) {
        st.setString(1, persistenceId);
      }
      st.setFetchSize(1000);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          heads.put(rs.getString(1), new ChainHead(rs.getString(1), rs.getLong(2), rs.getBytes(3)));
        }
      }
    }
    return new ChainHeads(true, heads);
  }

  private static boolean exists(Connection connection) throws SQLException {
    try (ResultSet rs = connection.getMetaData().getTables(null, null, ChainHead.TABLE, null)) {
      return rs.next();
    }
  }
}
