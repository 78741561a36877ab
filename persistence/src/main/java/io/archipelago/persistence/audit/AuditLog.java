package io.archipelago.persistence.audit;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reading the audit log in journal order, a bounded page at a time: {@link #page} for a range (a
 * cursor is the last ordering read), {@link Follower} for following new events.
 */
public final class AuditLog {

  private AuditLog() {}

  /**
   * Matching records after {@code after}, read from at most {@code scanRows} journal rows.
   *
   * @param after the ordering to continue after: the last returned record's when the page is full,
   *     else the last row read
   * @param exhausted the journal had no more rows
   */
  public record Page(List<AuditRecord> records, long after, boolean exhausted) {}

  public static Page page(
      JournalReader reader, AuditQuery query, long after, int maxRecords, int scanRows)
      throws SQLException {
    List<JournalRow> rows = reader.page(query, after, scanRows);
    List<AuditRecord> records = new ArrayList<>();
    long last = after;
    for (JournalRow row : rows) {
      last = row.ordering();
      AuditRecord record = AuditRecord.decode(row);
      if (query.matchesDecoded(record)) {
        records.add(record);
        if (records.size() == maxRecords) {
          return new Page(records, last, false);
        }
      }
    }
    return new Page(records, last, rows.size() < scanRows);
  }

  /** The highest ordering in the journal (0 when empty). */
  public static long end(JournalReader reader) throws SQLException {
    try (var st =
            reader
                .connection()
                .prepareStatement("SELECT MAX(\"ordering\") FROM \"event_journal\"");
        var rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Follows the journal from a position. Orderings are handed out when rows are inserted but become
   * visible when their transaction commits, so a row may appear behind one already seen; the
   * follower remembers the holes it skipped and looks at them again for {@code holdMillis} before
   * giving them up (a rolled back insert leaves a hole for good).
   */
  public static final class Follower {
    private static final int MAX_TRACKED_GAP = 1000;
    private final AuditQuery query;
    private final long holdMillis;
    private final TreeMap<Long, Long> gaps = new TreeMap<>();
    private long last;

    public Follower(AuditQuery query, long after, long holdMillis) {
      this.query = query;
      this.last = after;
      this.holdMillis = holdMillis;
    }

    public long position() {
      return last;
    }

    /** New matching records since the last poll (reads at most {@code maxRows} rows). */
    public List<AuditRecord> poll(JournalReader reader, int maxRows) throws SQLException {
      long now = System.currentTimeMillis();
      gaps.values().removeIf(firstSeen -> now - firstSeen > holdMillis);
      long from = gaps.isEmpty() ? last : Math.min(last, gaps.firstKey() - 1);
      List<JournalRow> rows = reader.page(AuditQuery.all(), from, maxRows);
      List<AuditRecord> result = new ArrayList<>();
      for (JournalRow row : rows) {
        long o = row.ordering();
        if (o > last) {
          if (o - last <= MAX_TRACKED_GAP) {
            for (long g = last + 1; g < o; g++) {
              gaps.put(g, now);
            }
          }
          last = o;
        } else if (gaps.remove(o) == null) {
          continue; // seen already
        }
        if (query.matchesRow(row)) {
          AuditRecord record = AuditRecord.decode(row);
          if (query.matchesDecoded(record)) {
            result.add(record);
          }
        }
      }
      return result;
    }
  }
}
