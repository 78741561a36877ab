package io.archipelago.persistence.audit;

import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.JournalDialect;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the akka-persistence-jdbc tables directly over JDBC (H2 or PostgreSQL, quoted names suit
 * both), page by page, so that nothing holds the whole log: the audit log, history replay, the
 * chain verifier and export. Blocking; run it on a blocking dispatcher or a tool's thread.
 *
 * <p>With H2 every page is read on a connection of its own: an H2 session keeps every BLOB it
 * returned for minutes (its LOB timeout), so one session reading a long range would hold all of it
 * in memory. PostgreSQL (bytea) has no such state and keeps one connection.
 */
public final class JournalReader implements AutoCloseable {

  private static final String COLUMNS_BUT_PAYLOAD =
      "\"ordering\", \"persistence_id\", \"sequence_number\", \"write_timestamp\", \"deleted\", "
          + "\"adapter_manifest\", \"event_ser_id\", \"event_ser_manifest\", ";

  /** The newest snapshot of an entity: its sequence number and (if chained) last hash. */
  public record SnapshotRef(String persistenceId, long sequenceNr, byte[] lastHash) {}

  private static final int SCAN_PAGE = 5000;

  /**
   * The order of one entity's rows: its primary key, whole. H2 2.2 reads an ORDER BY of the
   * sequence number alone as unsorted even when the persistence id is fixed by the WHERE, and then
   * sorts every remaining row of the entity for each page (25 s instead of 0.3 s for the pages of
   * 100,000 events).
   */
  private static final String BY_ENTITY_KEY = "\"persistence_id\", \"sequence_number\"";

  private final DatabaseSettings settings;
  private final Connection connection;
  private final boolean h2;

  /**
   * The selected columns; H2 reads the BLOB as VARBINARY, which spares it a temporary LOB copy per
   * row.
   */
  private final String columns;

  private final String snapshotHead;

  private JournalReader(DatabaseSettings settings, Connection connection) {
    this.settings = settings;
    this.connection = connection;
    this.h2 = settings.dialect() == JournalDialect.H2;
    this.columns =
        COLUMNS_BUT_PAYLOAD + (h2 ? "CAST(\"event_payload\" AS VARBINARY)" : "\"event_payload\"");
    this.snapshotHead =
        h2
            ? "SUBSTRING(CAST(\"snapshot_payload\" AS VARBINARY) FROM 1 FOR "
                + ChainHash.LENGTH
                + ")"
            : "SUBSTRING(\"snapshot_payload\" FROM 1 FOR " + ChainHash.LENGTH + ")";
  }

  /** Opens the database (and keeps it open until {@link #close()}). */
  public static JournalReader open(DatabaseSettings settings) throws SQLException {
    Connection c =
        DriverManager.getConnection(settings.url(), settings.user(), settings.password());
    return new JournalReader(settings, c);
  }

  /** The reader's long-lived connection, for statements of its callers (export's deletes). */
  public Connection connection() {
    return connection;
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * On H2 a page gets a short-lived connection: an H2 session keeps the BLOBs it returned for
   * minutes.
   */
  private <T> T withConnection(Work<T> work) throws SQLException {
    if (!h2) {
      return work.run(connection);
    }
    try (Connection c =
        DriverManager.getConnection(settings.url(), settings.user(), settings.password())) {
      return work.run(c);
    }
  }

  /**
   * Rows after {@code afterOrdering} in journal order, at most {@code max}, that pass the query's
   * entity and type filters (the rest of the query is for the decoded records).
   */
  public List<JournalRow> page(AuditQuery query, long afterOrdering, int max) throws SQLException {
    long after = afterOrdering;
    if (oneEntity(query)) {
      after =
          afterOrdering == 0
              ? 0
              : sequenceNrAt(query.persistenceIds().iterator().next(), afterOrdering);
    }
    PageQuery page = pageQuery(query, after, max);
    return withConnection(
        c -> {
          try (PreparedStatement st = page.prepare(c, "")) {
            return rows(st);
          }
        });
  }

  /** The database's plan for {@link #page}'s statement (for tests: is it read in index order?). */
  String pagePlan(AuditQuery query, long after, int max) throws SQLException {
    PageQuery page = pageQuery(query, after, max);
    return withConnection(
        c -> {
          try (PreparedStatement st = page.prepare(c, "EXPLAIN ");
              ResultSet rs = st.executeQuery()) {
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
              plan.append(rs.getString(1)).append('\n');
            }
            return plan.toString();
          }
        });
  }

  private record PageQuery(String sql, List<Object> params) {
    PreparedStatement prepare(Connection c, String prefix) throws SQLException {
      PreparedStatement st = c.prepareStatement(prefix + sql);
      for (int i = 0; i < params.size(); i++) {
        st.setObject(i + 1, params.get(i));
      }
      return st;
    }
  }

  private static boolean oneEntity(AuditQuery query) {
    return query.persistenceIds().size() == 1 && query.persistenceIdPrefixes().isEmpty();
  }

  /**
   * The statement of a page: rows after {@code after}, a sequence number when the query is for one
   * entity, an ordering otherwise.
   */
  private PageQuery pageQuery(AuditQuery query, long after, int max) {
    StringBuilder sql =
        new StringBuilder("SELECT ").append(columns).append(" FROM \"event_journal\"");
    List<Object> params = new ArrayList<>();
    String orderBy;
    if (oneEntity(query)) {
      // One entity: walk its primary key, whose sequence numbers grow with the orderings. Ordering
      // it by "ordering" instead makes the databases sort all of the entity's rows for every page.
      sql.append(" WHERE \"persistence_id\" = ? AND \"sequence_number\" > ?");
      params.add(query.persistenceIds().iterator().next());
      params.add(after);
      orderBy = BY_ENTITY_KEY;
    } else {
      sql.append(" WHERE \"ordering\" > ?");
      params.add(after);
      if (query.filtersEntities()) {
        // H2 2.2 would walk the primary key for a prefix match and sort every matching row for
        // each page (90 s for the pages of 100,000 events), and forcing the ordering index with
        // USE INDEX also loses its sort order (20-46 s). Hiding the column from the index
        // chooser keeps the walk on the ordering index, already sorted (0.5 s).
        String entity = h2 ? "CONCAT(\"persistence_id\", '')" : "\"persistence_id\"";
        List<String> any = new ArrayList<>();
        for (String id : query.persistenceIds()) {
          any.add(entity + " = ?");
          params.add(id);
        }
        for (String prefix : query.persistenceIdPrefixes()) {
          any.add(entity + " LIKE ? ESCAPE '!'");
          params.add(prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
        sql.append(" AND (").append(String.join(" OR ", any)).append(")");
      }
      orderBy = "\"ordering\"";
    }
    if (!query.types().isEmpty()) {
      sql.append(" AND \"adapter_manifest\" IN (")
          .append(String.join(", ", Collections.nCopies(query.types().size(), "?")))
          .append(")");
      params.addAll(query.types());
    }
    sql.append(" ORDER BY ").append(orderBy).append(" LIMIT ").append(max);
    return new PageQuery(sql.toString(), params);
  }

  /** The last sequence number of an entity at or before an ordering. */
  private long sequenceNrAt(String persistenceId, long ordering) throws SQLException {
    return withConnection(
        c -> {
          try (PreparedStatement st =
              c.prepareStatement(
                  "SELECT \"persistence_id\", \"sequence_number\" FROM \"event_journal\" WHERE \"ordering\" = ?")) {
            st.setLong(1, ordering);
            try (ResultSet rs = st.executeQuery()) {
              if (rs.next() && rs.getString(1).equals(persistenceId)) {
                return rs.getLong(2); // the usual case: the cursor is this entity's last row read
              }
            }
          }
          try (PreparedStatement st =
              c.prepareStatement(
                  "SELECT COALESCE(MAX(\"sequence_number\"), 0) FROM"
                      + " \"event_journal\" WHERE \"persistence_id\" = ? AND \"ordering\" <= ?")) {
            st.setString(1, persistenceId);
            st.setLong(2, ordering);
            try (ResultSet rs = st.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  /** Events of one entity after {@code afterSeq}, by sequence number, at most {@code max}. */
  public List<JournalRow> eventsOf(String persistenceId, long afterSeq, int max)
      throws SQLException {
    return withConnection(
        c -> {
          try (PreparedStatement st =
              c.prepareStatement(
                  "SELECT "
                      + columns
                      + " FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" > ?"
                      + " ORDER BY "
                      + BY_ENTITY_KEY
                      + " LIMIT "
                      + max)) {
            st.setString(1, persistenceId);
            st.setLong(2, afterSeq);
            return rows(st);
          }
        });
  }

  /** Every row, entity by entity, in sequence order, read a page at a time. */
  public void scanByEntity(RowConsumer consumer) throws SQLException {
    String first =
        "SELECT "
            + columns
            + " FROM \"event_journal\""
            + " ORDER BY \"persistence_id\", \"sequence_number\" LIMIT "
            + SCAN_PAGE;
    String next =
        "SELECT "
            + columns
            + " FROM \"event_journal\" WHERE \"persistence_id\" >= ?"
            + " AND (\"persistence_id\" > ? OR \"sequence_number\" > ?)"
            + " ORDER BY \"persistence_id\", \"sequence_number\" LIMIT "
            + SCAN_PAGE;
    JournalRow last = null;
    while (true) {
      JournalRow after = last;
      List<JournalRow> rows =
          withConnection(
              c -> {
                try (PreparedStatement st = c.prepareStatement(after == null ? first : next)) {
                  if (after != null) {
                    st.setString(1, after.persistenceId());
                    st.setString(2, after.persistenceId());
                    st.setLong(3, after.sequenceNr());
                  }
                  return rows(st);
                }
              });
      for (JournalRow row : rows) {
        consumer.accept(row);
      }
      if (rows.size() < SCAN_PAGE) {
        return;
      }
      last = rows.get(rows.size() - 1);
    }
  }

  public long countEvents() throws SQLException {
    try (PreparedStatement st =
            connection.prepareStatement("SELECT COUNT(*) FROM \"event_journal\"");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The newest snapshot of every entity that has one. */
  public Map<String, SnapshotRef> latestSnapshots() throws SQLException {
    return latestSnapshots(null);
  }

  private Map<String, SnapshotRef> latestSnapshots(String onlyPersistenceId) throws SQLException {
    return withConnection(
        c -> {
          Map<String, SnapshotRef> result = new HashMap<>();
          try (PreparedStatement st =
              c.prepareStatement(
                  "SELECT \"persistence_id\", \"sequence_number\", \"snapshot_ser_id\", \"snapshot_ser_manifest\", "
                      + snapshotHead
                      + " FROM \"snapshot\""
                      + (onlyPersistenceId == null ? "" : " WHERE \"persistence_id\" = ?"))) {
            if (onlyPersistenceId != null) {
              st.setString(1, onlyPersistenceId);
            }
            try (ResultSet rs = st.executeQuery()) {
              while (rs.next()) {
                String id = rs.getString(1);
                long seq = rs.getLong(2);
                SnapshotRef current = result.get(id);
                if (current != null && current.sequenceNr() >= seq) {
                  continue;
                }
                byte[] hash = null;
                if (rs.getInt(3) == AuditSerializer.IDENTIFIER
                    && AuditSerializer.SNAPSHOT_MANIFEST.equals(rs.getString(4))) {
                  hash = AuditSerializer.snapshotLastHash(rs.getBytes(5));
                }
                result.put(id, new SnapshotRef(id, seq, hash));
              }
            }
          }
          return result;
        });
  }

  /** Every entity's recorded chain head. */
  public ChainHeads chainHeads() throws SQLException {
    return withConnection(ChainHeads::readAll);
  }

  /** One entity's recorded chain head. */
  public ChainHeads chainHead(String persistenceId) throws SQLException {
    return withConnection(c -> ChainHeads.readOne(c, persistenceId));
  }

  /** The newest snapshot of one entity, if it has one. */
  public Optional<SnapshotRef> latestSnapshot(String persistenceId) throws SQLException {
    return Optional.ofNullable(latestSnapshots(persistenceId).get(persistenceId));
  }

  @FunctionalInterface
  public interface RowConsumer {
    void accept(JournalRow row) throws SQLException;
  }

  private static List<JournalRow> rows(PreparedStatement st) throws SQLException {
    List<JournalRow> result = new ArrayList<>();
    try (ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        result.add(row(rs));
      }
    }
    return result;
  }

  private static JournalRow row(ResultSet rs) throws SQLException {
    return new JournalRow(
        rs.getLong(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getLong(4),
        rs.getBoolean(5),
        rs.getString(6) == null ? "" : rs.getString(6),
        rs.getInt(7),
        rs.getString(8),
        rs.getBytes(9));
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // closing a reader never fails the caller
    }
  }
}
