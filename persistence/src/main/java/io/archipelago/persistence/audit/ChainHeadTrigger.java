package io.archipelago.persistence.audit;

import java.sql.Blob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.h2.api.Trigger;

/**
 * H2's trigger after each insert into the journal: moves the entity's {@link ChainHead} forward to
 * the inserted event, in the insert's own transaction (see {@link ChainHead} for why). The
 * PostgreSQL schema does the same in plpgsql. Created by SchemaBootstrap; H2 loads it by name, so
 * it stays where it is.
 */
public final class ChainHeadTrigger implements Trigger {

  private static final String ADVANCE =
      "MERGE INTO \""
          + ChainHead.TABLE
          + "\" h"
          + " USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS BIGINT), CAST(? AS VARBINARY(32))))"
          + " n(\"persistence_id\", \"sequence_number\", \"event_hash\")"
          + " ON h.\"persistence_id\" = n.\"persistence_id\""
          + " WHEN MATCHED AND h.\"sequence_number\" < n.\"sequence_number\" THEN UPDATE SET"
          + " \"sequence_number\" = n.\"sequence_number\", \"event_hash\" = n.\"event_hash\""
          + " WHEN NOT MATCHED THEN INSERT VALUES (n.\"persistence_id\", n.\"sequence_number\", n.\"event_hash\")";

  private int persistenceId;
  private int sequenceNr;
  private int payload;
  private int serializerId;
  private int serializerManifest;

  @Override
  public void init(
      Connection conn,
      String schemaName,
      String triggerName,
      String tableName,
      boolean before,
      int type)
      throws SQLException {
    Map<String, Integer> columns = new HashMap<>();
    try (ResultSet rs = conn.getMetaData().getColumns(null, schemaName, tableName, null)) {
      while (rs.next()) {
        columns.put(
            rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT),
            rs.getInt("ORDINAL_POSITION") - 1);
      }
    }
    persistenceId = column(columns, "persistence_id");
    sequenceNr = column(columns, "sequence_number");
    payload = column(columns, "event_payload");
    serializerId = column(columns, "event_ser_id");
    serializerManifest = column(columns, "event_ser_manifest");
  }

  private static int column(Map<String, Integer> columns, String name) throws SQLException {
    Integer index = columns.get(name);
    if (index == null) {
      throw new SQLException("the journal table has no column " + name);
    }
    return index;
  }

  @Override
  public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
    Object stored = newRow[payload];
    ChainHead.PrefixReader prefix =
        stored instanceof Blob blob
            ? (offset, length) ->
                blob.getBytes(
                    offset + 1, (int) Math.max(0, Math.min(length, blob.length() - offset)))
            : ChainHead.PrefixReader.of((byte[]) stored);
    byte[] hash =
        ChainHead.envelopeHash(
            ((Number) newRow[serializerId]).intValue(),
            (String) newRow[serializerManifest],
            prefix);
    try (PreparedStatement st = conn.prepareStatement(ADVANCE)) {
      st.setString(1, (String) newRow[persistenceId]);
      st.setLong(2, ((Number) newRow[sequenceNr]).longValue());
      st.setBytes(3, hash);
      st.executeUpdate();
    }
  }

  @Override
  public void close() {}

  @Override
  public void remove() {}
}
