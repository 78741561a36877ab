package io.archipelago.engine.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.JournalReader;
import io.archipelago.persistence.audit.JournalRow;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A container as it was at an instant: its events replayed from the journal, in order, up to the
 * last one whose request was accepted at or before that instant (the audit time). Snapshots are not
 * used: they hold the present, not the past.
 */
public final class ContainerHistory {

  /**
   * @param state the container then ({@link Lifecycle#EMPTY} before its first event)
   * @param sequenceNr the last event applied (0 if none)
   * @param lastEventType its type, or empty
   * @param lastEventAt when its request was accepted, or null
   * @param eventsRead events read from the journal, the first one after the instant included
   */
  public record PointInTime(
      ContainerState state,
      long sequenceNr,
      String lastEventType,
      Instant lastEventAt,
      long eventsRead,
      List<Unreadable> unreadable) {}

  /**
   * A stored event the replay could not read or apply, and left out (the container entity refuses
   * requests over it until an operator skips it: {@code skipped}).
   */
  public record Unreadable(long sequenceNr, String type, String reason, boolean skipped) {}

  private static final int PAGE = 1000;

  private ContainerHistory() {}

  /** The persistence id of a container's events. */
  public static String persistenceId(String account, String container) {
    return ContainerEntity.persistenceIdOf(account, container).id();
  }

  /** Replays the container up to {@code at} (blocking JDBC). */
  public static PointInTime replay(
      JournalReader reader, ObjectMapper mapper, String account, String container, Instant at)
      throws SQLException {
    String pid = persistenceId(account, container);
    ContainerState state = ContainerState.empty(account, container);
    long seq = 0;
    long read = 0;
    String lastType = "";
    Instant lastAt = null;
    long after = 0;
    Map<Long, Unreadable> unreadable = new TreeMap<>();
    while (true) {
      List<JournalRow> rows = reader.eventsOf(pid, after, PAGE);
      for (JournalRow row : rows) {
        read++;
        after = row.sequenceNr();
        ContainerEntity.Event event = decode(mapper, row);
        Instant eventAt = event.audit() == null ? null : event.audit().at();
        if (eventAt != null && eventAt.isAfter(at)) {
          return new PointInTime(
              state, seq, lastType, lastAt, read, List.copyOf(unreadable.values()));
        }
        if (event instanceof ContainerEntity.EventUnreadable e) {
          unreadable.put(
              row.sequenceNr(), new Unreadable(row.sequenceNr(), e.type(), e.reason(), false));
        } else if (event instanceof ContainerEntity.DamagedEventSkipped e) {
          unreadable.computeIfPresent(
              e.sequenceNr(), (k, u) -> new Unreadable(k, u.type(), u.reason(), true));
        } else {
          try {
            state = apply(state, event, row.sequenceNr());
          } catch (RuntimeException e) {
            unreadable.put(
                row.sequenceNr(),
                new Unreadable(
                    row.sequenceNr(),
                    event.getClass().getSimpleName(),
                    String.valueOf(e.getMessage()),
                    false));
          }
        }
        seq = row.sequenceNr();
        lastType = event.getClass().getSimpleName();
        lastAt = eventAt;
      }
      if (rows.size() < PAGE) {
        return new PointInTime(
            state, seq, lastType, lastAt, read, List.copyOf(unreadable.values()));
      }
    }
  }

  /**
   * The state after event {@code seqNr}: what the entity's event handler does, minus its indexes
   * (the same state, sync progress of the replicas included).
   */
  public static ContainerState apply(
      ContainerState state, ContainerEntity.Event event, long seqNr) {
    return state.apply(event, seqNr);
  }

  /** The stored event, or {@link ContainerEntity.EventUnreadable} when it cannot be read. */
  private static ContainerEntity.Event decode(ObjectMapper mapper, JournalRow row) {
    try {
      return decodeOrFail(mapper, row);
    } catch (RuntimeException e) {
      String type =
          row.adapterManifest() == null || row.adapterManifest().isEmpty()
              ? row.serializerManifest()
              : row.adapterManifest();
      return new ContainerEntity.EventUnreadable(type, 0, innermostMessage(e), null);
    }
  }

  private static String innermostMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = String.valueOf(t.getMessage());
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline);
  }

  private static ContainerEntity.Event decodeOrFail(ObjectMapper mapper, JournalRow row) {
    if (row.isEnvelope()) {
      AuditEnvelope envelope = AuditEnvelope.fromBytes(row.payload());
      return EventSchemas.CONTAINER.decode(
          mapper, envelope.type(), envelope.version(), envelope.payload());
    }
    // Written before audit envelopes: plain Jackson CBOR named by class.
    try {
      Class<?> type =
          Class.forName(row.serializerManifest(), false, ContainerHistory.class.getClassLoader());
      if (!ContainerEntity.Event.class.isAssignableFrom(type)) {
        throw new IllegalStateException("not a container event: " + type.getName());
      }
      return (ContainerEntity.Event) mapper.readValue(row.payload(), type);
    } catch (ClassNotFoundException | IOException e) {
      throw new IllegalStateException(
          "cannot read " + row.persistenceId() + " seq " + row.sequenceNr(), e);
    }
  }
}
