package io.archipelago.persistence.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Export-then-delete of old events. Per entity it takes the longest run of oldest events that were
 * accepted before the cut-off, are covered by the entity's newest snapshot (recovery never needs
 * them) and are not the entity's last event (the journal must keep its highest sequence number). It
 * writes them as NDJSON with their stored bytes (so {@link ChainVerifier#addExport} can check them
 * and anchor the rest of the chain), forces the file to disk, and only then, if asked, deletes
 * exactly those rows.
 */
public final class AuditExport {

  /** What an export did. */
  public record Result(long events, long entities, long deleted) {}

  private AuditExport() {}

  public static Result run(
      JournalReader reader, Instant before, Path out, boolean delete, LongConsumer progress)
      throws SQLException, IOException {
    Connection connection = reader.connection();
    Map<String, Long> highest = new HashMap<>();
    try (PreparedStatement st =
            connection.prepareStatement(
                "SELECT \"persistence_id\", MAX(\"sequence_number\") FROM \"event_journal\" GROUP BY \"persistence_id\"");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        highest.put(rs.getString(1), rs.getLong(2));
      }
    }
    Map<String, JournalReader.SnapshotRef> snapshots = reader.latestSnapshots();
    Map<String, Long> exportedUpTo = new LinkedHashMap<>();
    long[] count = {0, 0};
    String[] stopped = {null};
    try (FileOutputStream file = new FileOutputStream(out.toFile());
        OutputStream os = new BufferedOutputStream(file, 1 << 16)) {
      reader.scanByEntity(
          row -> {
            count[1]++;
            if ((count[1] & 1023) == 0) {
              progress.accept(count[1]);
            }
            String pid = row.persistenceId();
            if (pid.equals(stopped[0])) {
              return;
            }
            JournalReader.SnapshotRef snapshot = snapshots.get(pid);
            long limit =
                Math.min(snapshot == null ? 0 : snapshot.sequenceNr(), highest.get(pid) - 1);
            AuditRecord record = AuditRecord.decode(row);
            Instant at = record.at().orElse(Instant.ofEpochMilli(row.writeTimestamp()));
            if (row.sequenceNr() > limit || !at.isBefore(before)) {
              stopped[0] = pid; // keep the chain a contiguous suffix: stop at the first kept event
              return;
            }
            ObjectNode node = AuditJson.node(record);
            node.put("writeTimestamp", row.writeTimestamp());
            node.put("adapterManifest", row.adapterManifest());
            node.put("serId", row.serializerId());
            node.put("serManifest", row.serializerManifest());
            node.put("stored", Base64.getEncoder().encodeToString(row.payload()));
            try {
              os.write(AuditJson.line(node));
            } catch (IOException e) {
              throw new SQLException("cannot write the export: " + e.getMessage(), e);
            }
            exportedUpTo.put(pid, row.sequenceNr());
            count[0]++;
          });
      os.flush();
      file.getFD().sync();
    }
    progress.accept(count[1]);
    long deleted = 0;
    if (delete && !exportedUpTo.isEmpty()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try (PreparedStatement st =
          connection.prepareStatement(
              "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" <= ?")) {
        for (Map.Entry<String, Long> e : exportedUpTo.entrySet()) {
          st.setString(1, e.getKey());
          st.setLong(2, e.getValue());
          deleted += st.executeUpdate();
        }
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    }
    return new Result(count[0], exportedUpTo.size(), deleted);
  }
}
