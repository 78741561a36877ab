package io.archipelago.persistence.audit;

import akka.persistence.typed.EventAdapter;
import akka.persistence.typed.EventSeq;
import akka.persistence.typed.SnapshotAdapter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash chain of one entity instance, as the adapters of its EventSourcedBehavior: each event is
 * serialized once into an {@link AuditEnvelope} that links to the previous event's hash, and
 * unwrapped (and upcast) on replay; snapshots carry the last hash so that the chain goes on after
 * recovery from a snapshot.
 *
 * <p>The head hash lives here, not in the state, because it is a fact about the stored bytes. Akka
 * keeps the adapters across the restarts that follow a journal failure, when an event whose
 * envelope was built may never have been stored; so the first replayed item after a write starts
 * the head over, and {@link #recoveryCompleted()} (call it on {@code RecoveryCompleted}) starts it
 * over when recovery found nothing.
 *
 * <p>Events stored before audit envelopes existed (plain Jackson events) replay unchanged and leave
 * the head at genesis, so a log may begin with such unchained events.
 */
public final class AuditTrail<E, S> {

  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

  /**
   * A stored event that this version cannot read (unknown type, newer schema version, bytes that do
   * not decode). Never stored itself: replay hands it to the entity in place of the event.
   */
  public record Unreadable(String type, int version, String reason) {}

  private final String persistenceId;
  private final EventSchema<E> schema;
  private final ObjectMapper mapper;
  private final Function<Unreadable, E> onUnreadable;
  private byte[] head = ChainHash.genesis();
  private boolean wroteSinceReplay;

  public AuditTrail(String persistenceId, EventSchema<E> schema, ObjectMapper mapper) {
    this(persistenceId, schema, mapper, null);
  }

  /**
   * @param onUnreadable the event replay yields for a stored event that cannot be read, so that the
   *     entity decides what such damage means instead of failing its recovery over and over; null
   *     to fail the recovery
   */
  public AuditTrail(
      String persistenceId,
      EventSchema<E> schema,
      ObjectMapper mapper,
      Function<Unreadable, E> onUnreadable) {
    this.persistenceId = persistenceId;
    this.schema = schema;
    this.mapper = mapper;
    this.onUnreadable = onUnreadable;
  }

  /** The hash of the last event written or replayed. */
  public byte[] head() {
    return head.clone();
  }

  public EventAdapter<E, Object> eventAdapter() {
    return new EventAdapter<>() {
      @Override
      public Object toJournal(E event) {
        AuditEnvelope envelope =
            AuditEnvelope.chain(
                persistenceId,
                head,
                schema.typeOf(event),
                schema.versionOf(event),
                schema.encode(mapper, event));
        head = envelope.hash();
        wroteSinceReplay = true;
        return envelope;
      }

      @Override
      public String manifest(E event) {
        return schema.typeOf(event);
      }

      @Override
      @SuppressWarnings("unchecked")
      public EventSeq<E> fromJournal(Object stored, String manifest) {
        startReplayIfWritten();
        if (stored instanceof AuditEnvelope envelope) {
          if (!Arrays.equals(envelope.prevHash(), head)
              || !Arrays.equals(envelope.expectedHash(persistenceId), envelope.hash())) {
            log.warn(
                "audit chain of {} is broken at a {} event (run `archipelago audit verify`)",
                persistenceId,
                envelope.type());
          }
          head = envelope.hash();
          try {
            return EventSeq.single(
                schema.decode(mapper, envelope.type(), envelope.version(), envelope.payload()));
          } catch (RuntimeException e) {
            if (onUnreadable == null) {
              throw e;
            }
            return EventSeq.single(
                onUnreadable.apply(new Unreadable(envelope.type(), envelope.version(), reason(e))));
          }
        }
        if (stored instanceof Unreadable unreadable && onUnreadable != null) {
          return EventSeq.single(onUnreadable.apply(unreadable));
        }
        return EventSeq.single((E) stored);
      }
    };
  }

  public SnapshotAdapter<S> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(S state) {
        return new ChainedSnapshot(head.clone(), state);
      }

      @Override
      @SuppressWarnings("unchecked")
      public S fromJournal(Object stored) {
        startReplayIfWritten();
        if (stored instanceof ChainedSnapshot snapshot) {
          head = snapshot.lastHash().clone();
          return (S) snapshot.state();
        }
        return (S) stored;
      }
    };
  }

  /** The innermost message of a decoding failure, without the exception classes. */
  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? e.getMessage() : t.getMessage();
    int newline = m == null ? -1 : m.indexOf('\n');
    return m == null ? t.getClass().getSimpleName() : newline < 0 ? m : m.substring(0, newline);
  }

  /** Call on RecoveryCompleted. */
  public void recoveryCompleted() {
    startReplayIfWritten();
  }

  private void startReplayIfWritten() {
    if (wroteSinceReplay) {
      head = ChainHash.genesis();
      wroteSinceReplay = false;
    }
  }
}
