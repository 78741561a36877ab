package io.archipelago.engine.container;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The recent changes a replica must follow (object writes, deletes and metadata changes, container
 * deletes) by event sequence number, with when they happened: how many changes a replica lacks, and
 * since when. Immutable; the entity's event handler gets a new one per change. Exact for replicas
 * synced up to {@link #knownFrom()} or later; rebuilt from the events replayed after the snapshot,
 * so it is not part of the snapshot.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.NONE,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ChangeIndex {

  static final int CAPACITY = 8192;

  /** One change: the event's sequence number and when it happened. */
  public record Change(long seqNr, Instant at) {}

  public static final ChangeIndex EMPTY = new ChangeIndex(RecentWindow.empty(CAPACITY), -1);

  private final RecentWindow<Change> recent;
  private final long knownFrom;

  private ChangeIndex(RecentWindow<Change> recent, long knownFrom) {
    this.recent = recent;
    this.knownFrom = knownFrom;
  }

  @JsonCreator
  static ChangeIndex of(
      @JsonProperty("changes") List<Change> changes, @JsonProperty("knownFrom") long knownFrom) {
    return new ChangeIndex(
        RecentWindow.of(changes == null ? List.of() : changes, CAPACITY), knownFrom);
  }

  /** The changes kept, oldest first. */
  @JsonProperty("changes")
  List<Change> changes() {
    return recent.toList();
  }

  /** Every change after this sequence number is in the index; -1 while it knows none. */
  @JsonProperty("knownFrom")
  long knownFrom() {
    return knownFrom;
  }

  /**
   * The index with change {@code seqNr} added; {@code previousChange} is the sequence number of the
   * change before it, from which on the index is exact when it knew nothing yet.
   */
  ChangeIndex changed(long seqNr, Instant at, long previousChange) {
    long from = knownFrom < 0 ? previousChange : knownFrom;
    if (recent.isFull()) {
      from = recent.get(0).seqNr();
    }
    return new ChangeIndex(recent.append(new Change(seqNr, at)), from);
  }

  /**
   * Changes after {@code syncedSeqNr}, the last being {@code lastChange}: exact when known, else an
   * upper bound.
   */
  long pendingChanges(long syncedSeqNr, long lastChange) {
    if (syncedSeqNr >= lastChange) {
      return 0;
    }
    if (knows(syncedSeqNr)) {
      return recent.size() - firstAfter(syncedSeqNr);
    }
    return lastChange - syncedSeqNr;
  }

  /** When the first change after {@code syncedSeqNr} happened, when the index knows it. */
  Optional<Instant> firstChangeAfter(long syncedSeqNr) {
    if (!knows(syncedSeqNr)) {
      return Optional.empty();
    }
    int i = firstAfter(syncedSeqNr);
    return i < recent.size() ? Optional.of(recent.get(i).at()) : Optional.empty();
  }

  private boolean knows(long syncedSeqNr) {
    return knownFrom >= 0 && syncedSeqNr >= knownFrom;
  }

  /** The index of the first change after {@code seqNr} (binary search: sequence numbers ascend). */
  private int firstAfter(long seqNr) {
    int low = 0;
    int high = recent.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (recent.get(mid).seqNr() <= seqNr) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChangeIndex c && knownFrom == c.knownFrom && recent.equals(c.recent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(recent, knownFrom);
  }

  @Override
  public String toString() {
    return "ChangeIndex(" + recent.size() + " changes, known from " + knownFrom + ")";
  }
}
