package io.archipelago.engine.entity;

import akka.actor.typed.ActorRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The buffer of an entity's group commit: events accepted while the previous batch was being
 * persisted, and whom to answer once they are. The entity tells itself a flush message when the
 * first event of a batch arrives; everything that arrives before that message is handled joins the
 * batch. It is transient (reply refs, nothing persisted), so it belongs to the behaviour instance,
 * not to the entity's state; only the entity's own thread touches it.
 *
 * @param <E> the entity's event type
 * @param <R> the reply the callers get once their events are persisted (or refused)
 */
public final class GroupCommit<E, R> {

  /** A batch taken out of the buffer: persist the events, then answer every caller. */
  public record Batch<E, R>(List<E> events, List<ActorRef<R>> replies) {

    /** Tells every caller of the batch the same answer. */
    public void answer(R reply) {
      replies.forEach(r -> r.tell(reply));
    }
  }

  private final List<E> events = new ArrayList<>();
  private final List<ActorRef<R>> replies = new ArrayList<>();
  private final Set<String> keys = new HashSet<>();

  /**
   * Adds an event (or only a reply, when {@code event} is null) and answers whether the caller must
   * schedule a flush, i.e. whether this starts a new batch.
   */
  public boolean add(E event, ActorRef<R> replyTo) {
    boolean first = isEmpty();
    if (event != null) {
      events.add(event);
    }
    if (replyTo != null) {
      replies.add(replyTo);
    }
    return first;
  }

  /**
   * Adds an event unless one with the same {@code key} is already in the batch (a request sent
   * again after a timeout): then only the reply joins. Answers whether this starts a new batch.
   */
  public boolean add(String key, E event, ActorRef<R> replyTo) {
    return add(keys.add(key) ? event : null, replyTo);
  }

  public boolean isEmpty() {
    return events.isEmpty() && replies.isEmpty();
  }

  public List<E> pendingEvents() {
    return List.copyOf(events);
  }

  /** Takes the whole buffer out. */
  public Batch<E, R> drain() {
    Batch<E, R> batch = new Batch<>(List.copyOf(events), List.copyOf(replies));
    events.clear();
    replies.clear();
    keys.clear();
    return batch;
  }
}
