package io.archipelago.engine.entity;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import java.util.ArrayList;
import java.util.List;

/**
 * The buffer of an entity's group commit: events accepted while the previous batch was being
 * persisted, and whom to acknowledge once they are. The entity tells itself a flush message when
 * the first event of a batch arrives; everything that arrives before that message is handled
 * joins the batch. One instance per entity instance; only the entity's own thread touches it.
 *
 * @param <E> the entity's event type
 */
public final class GroupCommit<E> {

  /** A batch taken out of the buffer: persist the events, then acknowledge. */
  public record Batch<E>(List<E> events, List<ActorRef<StatusReply<Done>>> replies) {

    public void acknowledge() {
      replies.forEach(r -> r.tell(StatusReply.ack()));
    }

    public void reject(StatusReply<Done> error) {
      replies.forEach(r -> r.tell(error));
    }
  }

  private final List<E> events = new ArrayList<>();
  private final List<ActorRef<StatusReply<Done>>> replies = new ArrayList<>();

  /**
   * Adds an event (or only a reply, when {@code event} is null) and answers whether the caller
   * must schedule a flush, i.e. whether this starts a new batch.
   */
  public boolean add(E event, ActorRef<StatusReply<Done>> replyTo) {
    boolean first = events.isEmpty() && replies.isEmpty();
    if (event != null) {
      events.add(event);
    }
    if (replyTo != null) {
      replies.add(replyTo);
    }
    return first;
  }

  public boolean isEmpty() {
    return events.isEmpty() && replies.isEmpty();
  }

  public List<E> pendingEvents() {
    return List.copyOf(events);
  }

  /** Takes the whole buffer out. */
  public Batch<E> drain() {
    Batch<E> batch = new Batch<>(List.copyOf(events), List.copyOf(replies));
    events.clear();
    replies.clear();
    return batch;
  }
}
