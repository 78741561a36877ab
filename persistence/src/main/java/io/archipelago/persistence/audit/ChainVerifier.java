package io.archipelago.persistence.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Checks every entity's hash chain in the journal: sequence numbers without gaps, each event
 * linking to its predecessor's hash, each hash matching the stored bytes, the type column matching
 * the envelope, the newest snapshot agreeing with the events, and the newest event being the
 * recorded {@link ChainHead} (so that removing an entity's newest events, or all of them, is found
 * too). Events removed by {@code audit export --delete} are vouched for by the export files, whose
 * own chains are checked first and whose last hash per entity anchors what remains in the journal.
 */
public final class ChainVerifier {

  /** A broken link: where and why. */
  public record Break(String persistenceId, long sequenceNr, String reason) {
    @Override
    public String toString() {
      return persistenceId + " seq " + sequenceNr + ": " + reason;
    }
  }

  /**
   * What a verification found.
   *
   * @param headsRecorded whether the database records chain heads; without them, removed newest
   *     events (or all events of an entity) cannot be detected
   */
  public record Report(
      long events,
      long entities,
      long legacyEvents,
      long anchoredEntities,
      boolean headsRecorded,
      long breakCount,
      List<Break> breaks) {
    public boolean intact() {
      return breakCount == 0;
    }

    public Optional<Break> firstBreak() {
      return breaks.stream().findFirst();
    }
  }

  private static final int MAX_REPORTED = 100;
  private static final int ENTITY_PAGE = 5000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Hash of the last event exported per entity, with its sequence number. */
  private final Map<String, Map<Long, byte[]>> anchors = new HashMap<>();

  private final List<Break> breaks = new ArrayList<>();
  private long breakCount;

  /**
   * Reads an export file (in the order exports were made), checks its chains and remembers the last
   * hash of each entity in it as an anchor.
   */
  public void addExport(Path file) throws IOException {
    Map<String, byte[]> heads = new HashMap<>();
    Map<String, Long> seqs = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        if (!n.has("persistenceId")) {
          continue;
        }
        String pid = n.get("persistenceId").asText();
        long seq = n.get("seq").asLong();
        JournalRow row =
            new JournalRow(
                n.path("ordering").asLong(),
                pid,
                seq,
                n.path("writeTimestamp").asLong(),
                false,
                n.path("adapterManifest").asText(""),
                n.path("serId").asInt(),
                n.path("serManifest").asText(),
                Base64.getDecoder().decode(n.get("stored").asText()));
        byte[] head = heads.get(pid);
        Long last = seqs.get(pid);
        if (head == null) {
          head = anchorBefore(pid, seq);
          if (head == null && seq != 1) {
            report(
                pid,
                seq,
                "export "
                    + file.getFileName()
                    + " starts at seq "
                    + seq
                    + " with no earlier export for this entity");
          }
        } else if (seq != last + 1) {
          report(
              pid, seq, "export " + file.getFileName() + " skips from seq " + last + " to " + seq);
        }
        byte[] next =
            check(row, head == null ? ChainHash.genesis() : head, "export " + file.getFileName());
        heads.put(pid, next);
        seqs.put(pid, seq);
      }
    }
    heads.forEach(
        (pid, hash) -> anchors.computeIfAbsent(pid, k -> new HashMap<>()).put(seqs.get(pid), hash));
  }

  /**
   * Verifies every chain of the journal; {@code progress} gets the number of rows checked. The
   * heads are read before the rows, so events written meanwhile (PostgreSQL with gateways running)
   * are only newer than their entity's head, never reported missing.
   */
  public Report verify(JournalReader reader, LongConsumer progress) throws SQLException {
    ChainHeads heads = reader.chainHeads();
    Scan scan = new Scan(heads, reader.latestSnapshots(), progress);
    reader.scanByEntity(scan::accept);
    return scan.end();
  }

  /** Verifies the chain of one entity, as {@link #verify} does for all. */
  public Report verifyEntity(JournalReader reader, String persistenceId) throws SQLException {
    ChainHeads heads = reader.chainHead(persistenceId);
    Map<String, JournalReader.SnapshotRef> snapshot = new HashMap<>();
    reader.latestSnapshot(persistenceId).ifPresent(s -> snapshot.put(persistenceId, s));
    Scan scan = new Scan(heads, snapshot, n -> {});
    long after = 0;
    while (true) {
      List<JournalRow> rows = reader.eventsOf(persistenceId, after, ENTITY_PAGE);
      for (JournalRow row : rows) {
        scan.accept(row);
        after = row.sequenceNr();
      }
      if (rows.size() < ENTITY_PAGE) {
        return scan.end();
      }
    }
  }

  /** One pass over rows sorted by entity, then sequence number. */
  private final class Scan {
    private final ChainHeads heads;

    /** Heads of the entities not seen yet: what is left at the end lost all of its events. */
    private final Map<String, ChainHead> unseen;

    private final Map<String, JournalReader.SnapshotRef> snapshots;
    private final LongConsumer progress;
    private long events;
    private long entities;
    private long legacy;
    private long anchored;
    private Entity current;

    Scan(
        ChainHeads heads, Map<String, JournalReader.SnapshotRef> snapshots, LongConsumer progress) {
      this.heads = heads;
      this.unseen = new HashMap<>(heads.byPersistenceId());
      this.snapshots = snapshots;
      this.progress = progress;
    }

    void accept(JournalRow row) {
      Entity e = current;
      if (e == null || !e.pid.equals(row.persistenceId())) {
        if (e != null) {
          finish(e);
        }
        e = new Entity(row.persistenceId());
        current = e;
        entities++;
        byte[] anchor = anchorBefore(e.pid, row.sequenceNr());
        if (anchor != null) {
          e.head = anchor;
          anchored++;
        } else if (row.sequenceNr() != 1) {
          report(
              e.pid,
              row.sequenceNr(),
              "events 1.."
                  + (row.sequenceNr() - 1)
                  + " are missing (removed without an export that vouches for them)");
        }
      } else if (row.sequenceNr() != e.lastSeq + 1) {
        report(
            e.pid,
            row.sequenceNr(),
            "events "
                + (e.lastSeq + 1)
                + ".."
                + (row.sequenceNr() - 1)
                + " are missing (deleted rows)");
      }
      if (!row.isEnvelope() && !e.chained && row.serializerId() != AuditSerializer.IDENTIFIER) {
        legacy++; // written before audit envelopes existed
      } else {
        e.chained = true;
        e.head = check(row, e.head, "journal");
        JournalReader.SnapshotRef snap = snapshots.get(e.pid);
        if (snap != null
            && snap.lastHash() != null
            && snap.sequenceNr() == row.sequenceNr()
            && !Arrays.equals(snap.lastHash(), e.head)) {
          report(
              e.pid,
              row.sequenceNr(),
              "the snapshot at this sequence number records another last hash");
        }
      }
      e.lastSeq = row.sequenceNr();
      events++;
      if ((events & 1023) == 0) {
        progress.accept(events);
      }
    }

    Report end() {
      if (current != null) {
        finish(current);
      }
      // Sorted, so that reports do not depend on hash order.
      for (ChainHead head : new TreeMap<>(unseen).values()) {
        long exported = lastExported(head.persistenceId());
        if (head.sequenceNr() > exported) {
          report(
              head.persistenceId(),
              exported + 1,
              "events "
                  + (exported + 1)
                  + ".."
                  + head.sequenceNr()
                  + " are missing: every event of this entity was removed (its recorded chain head is seq "
                  + head.sequenceNr()
                  + ")");
        }
      }
      progress.accept(events);
      return new Report(
          events, entities, legacy, anchored, heads.recorded(), breakCount, List.copyOf(breaks));
    }

    private void finish(Entity e) {
      ChainHead head = unseen.remove(e.pid);
      boolean tailMissing = false;
      if (head != null && head.sequenceNr() > e.lastSeq) {
        tailMissing = true;
        report(
            e.pid,
            e.lastSeq + 1,
            "events "
                + (e.lastSeq + 1)
                + ".."
                + head.sequenceNr()
                + " are missing: the newest events were removed (the recorded chain head is seq "
                + head.sequenceNr()
                + ", the journal ends at seq "
                + e.lastSeq
                + ")");
      } else if (head != null
          && head.sequenceNr() == e.lastSeq
          && head.hash() != null
          && e.chained
          && !Arrays.equals(head.hash(), e.head)) {
        report(
            e.pid,
            e.lastSeq,
            "the newest event is not the one recorded as the chain head (replaced)");
      }
      JournalReader.SnapshotRef snapshot = snapshots.get(e.pid);
      if (!tailMissing && snapshot != null && snapshot.sequenceNr() > e.lastSeq) {
        report(
            e.pid,
            e.lastSeq + 1,
            "a snapshot exists at seq "
                + snapshot.sequenceNr()
                + " but the journal ends at seq "
                + e.lastSeq
                + " (newest events removed)");
      }
    }
  }

  /** Checks one chained row against the expected previous hash; returns the new head. */
  private byte[] check(JournalRow row, byte[] head, String where) {
    AuditEnvelope envelope;
    try {
      if (!row.isEnvelope()) {
        throw new IllegalArgumentException(
            "serializer " + row.serializerId() + "/" + row.serializerManifest());
      }
      envelope = AuditEnvelope.fromBytes(row.payload());
    } catch (IllegalArgumentException e) {
      report(
          row.persistenceId(),
          row.sequenceNr(),
          where + ": not an audit envelope (" + e.getMessage() + ")");
      return head;
    }
    if (!Arrays.equals(envelope.prevHash(), head)) {
      report(
          row.persistenceId(),
          row.sequenceNr(),
          where + ": does not link to the previous event's hash");
    }
    if (!Arrays.equals(envelope.expectedHash(row.persistenceId()), envelope.hash())) {
      report(
          row.persistenceId(),
          row.sequenceNr(),
          where + ": content does not match its hash (altered)");
    }
    if (!row.adapterManifest().isEmpty() && !row.adapterManifest().equals(envelope.type())) {
      report(
          row.persistenceId(),
          row.sequenceNr(),
          where
              + ": type column '"
              + row.adapterManifest()
              + "' differs from the hashed type '"
              + envelope.type()
              + "'");
    }
    return envelope.hash();
  }

  /** The last sequence number the exports hold of an entity (0 if none). */
  private long lastExported(String pid) {
    Map<Long, byte[]> byPid = anchors.get(pid);
    return byPid == null ? 0 : byPid.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private byte[] anchorBefore(String pid, long seq) {
    Map<Long, byte[]> byPid = anchors.get(pid);
    return byPid == null ? null : byPid.get(seq - 1);
  }

  private void report(String pid, long seq, String reason) {
    breakCount++;
    if (breaks.size() < MAX_REPORTED) {
      breaks.add(new Break(pid, seq, reason));
    }
  }

  private static final class Entity {
    final String pid;
    long lastSeq;
    byte[] head = ChainHash.genesis();
    boolean chained;

    Entity(String pid) {
      this.pid = pid;
    }
  }
}
