package io.archipelago.engine.container;

import io.archipelago.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The container entity's state: the container as callers see it ({@link ContainerState}) in one of
 * its lifecycle stages, one record per stage so that the entity's command handlers are chosen by
 * stage, plus what the entity derives from its recent events (the change index, the records that
 * retries must not count twice, damaged events). Immutable; the event handler gets a new state per
 * event. Only {@link #container()} goes into snapshots: the rest is rebuilt from the events
 * replayed after the snapshot.
 *
 * <p>A live migration adds its stage here (an active container whose data moves to another
 * backend), with its own command handler in {@code ContainerEntity#commandHandler()}.
 */
public sealed interface EntityState extends CborSerializable {

  ContainerState container();

  ChangeIndex changes();

  RecentRecords records();

  /** Stored events not skipped yet that cannot be read or applied, in log order. */
  List<DamagedEvent> damaged();

  /**
   * A stored event that could not be read or applied: the container refuses requests until it is
   * skipped.
   */
  record DamagedEvent(long sequenceNr, String type, String reason) implements CborSerializable {}

  /** Never created: the entity has no events (or only sync bookkeeping). */
  record Empty(
      ContainerState container,
      ChangeIndex changes,
      RecentRecords records,
      List<DamagedEvent> damaged)
      implements EntityState {
    public Empty {
      damaged = List.copyOf(damaged);
    }
  }

  /** Created and not deleted: the container takes objects. */
  record Active(
      ContainerState container,
      ChangeIndex changes,
      RecentRecords records,
      List<DamagedEvent> damaged)
      implements EntityState {
    public Active {
      damaged = List.copyOf(damaged);
    }
  }

  /** Deleted; a create makes it active again. */
  record Deleted(
      ContainerState container,
      ChangeIndex changes,
      RecentRecords records,
      List<DamagedEvent> damaged)
      implements EntityState {
    public Deleted {
      damaged = List.copyOf(damaged);
    }
  }

  static EntityState empty(String account, String container) {
    return recovered(ContainerState.empty(account, container));
  }

  /** The state recovered from a snapshot, which holds only the container. */
  static EntityState recovered(ContainerState container) {
    return of(container, ChangeIndex.EMPTY, RecentRecords.EMPTY, List.of());
  }

  /** The stage record for the container's lifecycle. */
  static EntityState of(
      ContainerState container,
      ChangeIndex changes,
      RecentRecords records,
      List<DamagedEvent> damaged) {
    return switch (container.lifecycle()) {
      case EMPTY -> new Empty(container, changes, records, damaged);
      case ACTIVE -> new Active(container, changes, records, damaged);
      case DELETED -> new Deleted(container, changes, records, damaged);
    };
  }

  default boolean isDamaged() {
    return !damaged().isEmpty();
  }

  /**
   * Applies event {@code seqNr}; never fails. A stored event that cannot be read ({@link
   * ContainerEntity.EventUnreadable}) or applied marks the container damaged at its sequence number
   * instead of failing the recovery (which would be retried forever, each request waiting for the
   * ask timeout); the container then stays as it was before that event.
   */
  default EntityState applied(ContainerEntity.Event event, long seqNr) {
    if (event instanceof ContainerEntity.EventUnreadable e) {
      return withDamage(new DamagedEvent(seqNr, e.type(), e.reason()));
    }
    if (event instanceof ContainerEntity.DamagedEventSkipped e) {
      List<DamagedEvent> rest = new ArrayList<>(damaged());
      rest.removeIf(d -> d.sequenceNr() == e.sequenceNr());
      return of(container(), changes(), records(), rest);
    }
    ContainerState next;
    try {
      next = container().apply(event, seqNr);
    } catch (RuntimeException e) {
      return withDamage(
          new DamagedEvent(
              seqNr, event.getClass().getSimpleName(), String.valueOf(e.getMessage())));
    }
    ChangeIndex nextChanges =
        ContainerState.isChange(event)
            ? changes().changed(seqNr, event.audit().at(), container().sync().lastChangeSeqNr())
            : changes();
    String key = ContainerState.recordKey(event);
    RecentRecords nextRecords = key == null ? records() : records().with(key);
    return of(next, nextChanges, nextRecords, damaged());
  }

  private EntityState withDamage(DamagedEvent damage) {
    List<DamagedEvent> all = new ArrayList<>(damaged());
    all.add(damage);
    return of(container(), changes(), records(), all);
  }
}
