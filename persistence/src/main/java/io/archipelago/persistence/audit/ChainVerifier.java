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
import java.util.function.LongConsumer;

/**
 * Checks every entity's hash chain in the journal: sequence numbers without gaps, each event
 * linking to its predecessor's hash, each hash matching the stored bytes, the type column
 * matching the envelope, and the newest snapshot agreeing with the events. Events removed by
 * {@code audit export --delete} are vouched for by the export files, whose own chains are
 * checked first and whose last hash per entity anchors what remains in the journal.
 */
public final class ChainVerifier {

  /** A broken link: where and why. */
  public record Break(String persistenceId, long sequenceNr, String reason) {
    @Override
    public String toString() {
      return persistenceId + " seq " + sequenceNr + ": " + reason;
    }
  }

  /** What a verification found. */
  public record Report(long events, long entities, long legacyEvents, long anchoredEntities,
      long breakCount, List<Break> breaks) {
    public boolean intact() {
      return breakCount == 0;
    }

    public java.util.Optional<Break> firstBreak() {
      return breaks.stream().findFirst();
    }
  }

  private static final int MAX_REPORTED = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Hash of the last event exported per entity, with its sequence number. */
  private final Map<String, Map<Long, byte[]>> anchors = new HashMap<>();
  private final List<Break> breaks = new ArrayList<>();
  private long breakCount;

  /**
   * Reads an export file (in the order exports were made), checks its chains and remembers the
   * last hash of each entity in it as an anchor.
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
        JournalRow row = new JournalRow(n.path("ordering").asLong(), pid, seq, n.path("writeTimestamp").asLong(),
            false, n.path("adapterManifest").asText(""), n.path("serId").asInt(), n.path("serManifest").asText(),
            Base64.getDecoder().decode(n.get("stored").asText()));
        byte[] head = heads.get(pid);
        Long last = seqs.get(pid);
        if (head == null) {
          head = anchorBefore(pid, seq);
          if (head == null && seq != 1) {
            report(pid, seq, "export " + file.getFileName() + " starts at seq " + seq
                + " with no earlier export for this entity");
          }
        } else if (seq != last + 1) {
          report(pid, seq, "export " + file.getFileName() + " skips from seq " + last + " to " + seq);
        }
        byte[] next = check(row, head == null ? ChainHash.genesis() : head, "export " + file.getFileName());
        heads.put(pid, next);
        seqs.put(pid, seq);
      }
    }
    heads.forEach((pid, hash) -> anchors.computeIfAbsent(pid, k -> new HashMap<>()).put(seqs.get(pid), hash));
  }

  /** Verifies every chain of the journal; {@code progress} gets the number of rows checked. */
  public Report verify(JournalReader reader, LongConsumer progress) throws SQLException {
    Map<String, JournalReader.SnapshotRef> snapshots = reader.latestSnapshots();
    long[] counts = new long[4]; // events, entities, legacy, anchored
    Entity[] current = new Entity[1];
    reader.scanByEntity(row -> {
      Entity e = current[0];
      if (e == null || !e.pid.equals(row.persistenceId())) {
        if (e != null) {
          finish(e, snapshots.get(e.pid));
        }
        e = new Entity(row.persistenceId());
        current[0] = e;
        counts[1]++;
        byte[] anchor = anchorBefore(e.pid, row.sequenceNr());
        if (anchor != null) {
          e.head = anchor;
          counts[3]++;
        } else if (row.sequenceNr() != 1) {
          report(e.pid, row.sequenceNr(), "events 1.." + (row.sequenceNr() - 1)
              + " are missing (removed without an export that vouches for them)");
        }
      } else if (row.sequenceNr() != e.lastSeq + 1) {
        report(e.pid, row.sequenceNr(), "events " + (e.lastSeq + 1) + ".." + (row.sequenceNr() - 1)
            + " are missing (deleted rows)");
      }
      if (!row.isEnvelope() && !e.chained && row.serializerId() != AuditSerializer.IDENTIFIER) {
        counts[2]++; // written before audit envelopes existed
      } else {
        e.chained = true;
        e.head = check(row, e.head, "journal");
        JournalReader.SnapshotRef snap = snapshots.get(e.pid);
        if (snap != null && snap.lastHash() != null && snap.sequenceNr() == row.sequenceNr()
            && !Arrays.equals(snap.lastHash(), e.head)) {
          report(e.pid, row.sequenceNr(), "the snapshot at this sequence number records another last hash");
        }
      }
      e.lastSeq = row.sequenceNr();
      counts[0]++;
      if ((counts[0] & 1023) == 0) {
        progress.accept(counts[0]);
      }
    });
    if (current[0] != null) {
      finish(current[0], snapshots.get(current[0].pid));
    }
    progress.accept(counts[0]);
    return new Report(counts[0], counts[1], counts[2], counts[3], breakCount, List.copyOf(breaks));
  }

  private void finish(Entity e, JournalReader.SnapshotRef snapshot) {
    if (snapshot != null && snapshot.sequenceNr() > e.lastSeq) {
      report(e.pid, e.lastSeq + 1, "a snapshot exists at seq " + snapshot.sequenceNr()
          + " but the journal ends at seq " + e.lastSeq + " (newest events removed)");
    }
  }

  /** Checks one chained row against the expected previous hash; returns the new head. */
  private byte[] check(JournalRow row, byte[] head, String where) {
    AuditEnvelope envelope;
    try {
      if (!row.isEnvelope()) {
        throw new IllegalArgumentException("serializer " + row.serializerId() + "/" + row.serializerManifest());
      }
      envelope = AuditEnvelope.fromBytes(row.payload());
    } catch (IllegalArgumentException e) {
      report(row.persistenceId(), row.sequenceNr(), where + ": not an audit envelope (" + e.getMessage() + ")");
      return head;
    }
    if (!Arrays.equals(envelope.prevHash(), head)) {
      report(row.persistenceId(), row.sequenceNr(), where + ": does not link to the previous event's hash");
    }
    if (!Arrays.equals(envelope.expectedHash(row.persistenceId()), envelope.hash())) {
      report(row.persistenceId(), row.sequenceNr(), where + ": content does not match its hash (altered)");
    }
    if (!row.adapterManifest().isEmpty() && !row.adapterManifest().equals(envelope.type())) {
      report(row.persistenceId(), row.sequenceNr(), where + ": type column '" + row.adapterManifest()
          + "' differs from the hashed type '" + envelope.type() + "'");
    }
    return envelope.hash();
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
