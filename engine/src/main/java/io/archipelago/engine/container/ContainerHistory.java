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

/**
 * A container as it was at an instant: its events replayed from the journal, in order, up to
 * the last one whose request was accepted at or before that instant (the audit time). Snapshots
 * are not used: they hold the present, not the past.
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
      ContainerState state, long sequenceNr, String lastEventType, Instant lastEventAt, long eventsRead) {}

  private static final int PAGE = 1000;

  private ContainerHistory() {}

  /** The persistence id of a container's events. */
  public static String persistenceId(String account, String container) {
    return ContainerEntity.persistenceIdOf(account, container).id();
  }

  /** Replays the container up to {@code at} (blocking JDBC). */
  public static PointInTime replay(
      JournalReader reader, ObjectMapper mapper, String account, String container, Instant at) throws SQLException {
    String pid = persistenceId(account, container);
    ContainerState state = ContainerState.empty(account, container);
    long seq = 0;
    long read = 0;
    String lastType = "";
    Instant lastAt = null;
    long after = 0;
    while (true) {
      List<JournalRow> rows = reader.eventsOf(pid, after, PAGE);
      for (JournalRow row : rows) {
        read++;
        after = row.sequenceNr();
        ContainerEntity.Event event = decode(mapper, row);
        Instant eventAt = event.audit() == null ? null : event.audit().at();
        if (eventAt != null && eventAt.isAfter(at)) {
          return new PointInTime(state, seq, lastType, lastAt, read);
        }
        state = apply(state, event);
        seq = row.sequenceNr();
        lastType = event.getClass().getSimpleName();
        lastAt = eventAt;
      }
      if (rows.size() < PAGE) {
        return new PointInTime(state, seq, lastType, lastAt, read);
      }
    }
  }

  /** The state after one event: what the entity's event handler does, minus its caches. */
  public static ContainerState apply(ContainerState state, ContainerEntity.Event event) {
    if (event instanceof ContainerEntity.ContainerCreated e) {
      return state.created(e);
    }
    if (event instanceof ContainerEntity.ContainerMetadataUpdated e) {
      return state.metadataUpdated(e);
    }
    if (event instanceof ContainerEntity.ObjectWritten e) {
      return state.objectWritten(e);
    }
    if (event instanceof ContainerEntity.ObjectDeleted e) {
      return state.objectDeleted(e);
    }
    if (event instanceof ContainerEntity.ContainerDeleted e) {
      return state.deleted(e);
    }
    throw new IllegalArgumentException("unknown container event " + event.getClass());
  }

  private static ContainerEntity.Event decode(ObjectMapper mapper, JournalRow row) {
    if (row.isEnvelope()) {
      AuditEnvelope envelope = AuditEnvelope.fromBytes(row.payload());
      return EventSchemas.CONTAINER.decode(mapper, envelope.type(), envelope.version(), envelope.payload());
    }
    // Written before audit envelopes: plain Jackson CBOR named by class.
    try {
      Class<?> type = Class.forName(row.serializerManifest(), false, ContainerHistory.class.getClassLoader());
      if (!ContainerEntity.Event.class.isAssignableFrom(type)) {
        throw new IllegalStateException("not a container event: " + type.getName());
      }
      return (ContainerEntity.Event) mapper.readValue(row.payload(), type);
    } catch (ClassNotFoundException | IOException e) {
      throw new IllegalStateException("cannot read " + row.persistenceId() + " seq " + row.sequenceNr(), e);
    }
  }
}
