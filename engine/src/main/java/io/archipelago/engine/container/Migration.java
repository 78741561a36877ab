package io.archipelago.engine.container;

import io.archipelago.persistence.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The latest live migration of a container (kept after it ends, for the admin API): from {@code
 * source} to {@code target}, its phase, the copy's checkpoint and progress. Small on purpose: it
 * travels in every {@link ContainerState} reply and snapshot, so it holds no per-object lists
 * (errors are capped at {@link #MAX_ERRORS}, the newest kept; the verification is a summary).
 *
 * @param marker the copy's checkpoint: every source object up to this name (in listing order) is
 *     handled; empty before the first
 * @param objectsTotal source objects when the migration started (from the container's counts)
 * @param settled after a cancel: the writes that went to the target are back on the source and the
 *     target's copy is removed (until then reads still fall back to the target)
 * @param replica empty for a move of the primary; else the replica backend that moves ({@code
 *     source} is then that replica): client requests keep going to the primary, only the sync's
 *     replica set changes at the cut-over (see {@link #isReplicaMove()})
 */
public record Migration(
    String id,
    String source,
    String target,
    MigrationPhase phase,
    Throttle throttle,
    String marker,
    long objectsCopied,
    long bytesCopied,
    long objectsTotal,
    long bytesTotal,
    List<MigrationError> errors,
    String startedBy,
    Instant startedAt,
    Instant updatedAt,
    Verification verification,
    boolean settled,
    String replica)
    implements CborSerializable {

  public static final int MAX_ERRORS = 10;

  public Migration {
    errors = errors == null ? List.of() : List.copyOf(errors);
    marker = marker == null ? "" : marker;
    throttle = throttle == null ? Throttle.UNLIMITED : throttle;
    replica = replica == null ? "" : replica;
  }

  /**
   * Whether a replica moves rather than the primary: the copy, verification and clean-up run from
   * the replica to the target, but no client request is routed by it (clients use the primary).
   */
  public boolean isReplicaMove() {
    return !replica.isEmpty();
  }

  /**
   * Copy limits; 0 means unlimited (parallelism 0 means the configured default).
   *
   * @param bytesPerSecond object bytes copied per second
   * @param requestsPerSecond objects copied per second
   * @param parallelism objects copied at once
   * @param windows times of day (UTC, {@code "HH:MM-HH:MM"}, may wrap midnight) when the copy and
   *     the source's clean-up may start moving objects; empty means always (and is what events
   *     recorded before windows existed read as)
   */
  public record Throttle(
      long bytesPerSecond, long requestsPerSecond, int parallelism, List<String> windows)
      implements CborSerializable {
    public static final Throttle UNLIMITED = new Throttle(0, 0, 0, List.of());

    public Throttle {
      windows = windows == null ? List.of() : List.copyOf(windows);
    }
  }

  /** An object the worker could not handle (it is tried again by the verification's repair). */
  public record MigrationError(String object, String message, Instant at)
      implements CborSerializable {}

  /**
   * What the verification before the cut-over found: both listings merged on name, size and
   * normalized ETag, plus a content hash of a sample.
   *
   * @param compared source objects compared
   * @param missing source objects absent on the target (before repair)
   * @param mismatched objects whose size or ETag differ with the target not newer (before repair)
   * @param sampled objects whose content was hashed on both sides
   * @param sampleMismatches sampled objects whose content hashes differed
   * @param rounds verification rounds (a round with differences repairs them and verifies again)
   * @param differences names of the last round's differences (at most 10); empty when it passed
   */
  public record Verification(
      long compared,
      long missing,
      long mismatched,
      long sampled,
      long sampleMismatches,
      int rounds,
      List<String> differences,
      Instant at)
      implements CborSerializable {
    public Verification {
      differences = differences == null ? List.of() : List.copyOf(differences);
    }

    public boolean passed() {
      return differences.isEmpty();
    }
  }

  /**
   * Whether client requests see both backends: writes to {@link #writeBackend()}, reads there first
   * then from the other, deletes on both. From the start until the source is cleaned, and after a
   * cancel until it is settled.
   */
  public boolean routesBoth() {
    return phase.running() || (phase == MigrationPhase.CANCELLED && !settled);
  }

  /** Where new writes go while {@link #routesBoth()}: the target, or the source after a cancel. */
  public String writeBackend() {
    return phase == MigrationPhase.CANCELLED ? source : target;
  }

  /** The other backend: reads fall back to it, deletes reach it first. */
  public String fallbackBackend() {
    return phase == MigrationPhase.CANCELLED ? target : source;
  }

  public long objectsLeft() {
    return Math.max(0, objectsTotal - objectsCopied);
  }

  public long bytesLeft() {
    return Math.max(0, bytesTotal - bytesCopied);
  }

  Migration withPhase(MigrationPhase next, Instant at) {
    return new Migration(
        id,
        source,
        target,
        next,
        throttle,
        marker,
        objectsCopied,
        bytesCopied,
        objectsTotal,
        bytesTotal,
        errors,
        startedBy,
        startedAt,
        at,
        verification,
        settled,
        replica);
  }

  Migration progressed(
      String newMarker, long objects, long bytes, List<MigrationError> newErrors, Instant at) {
    List<MigrationError> all = new ArrayList<>(errors);
    all.addAll(newErrors);
    if (all.size() > MAX_ERRORS) {
      all = all.subList(all.size() - MAX_ERRORS, all.size());
    }
    String m = newMarker.isEmpty() ? marker : newMarker;
    return new Migration(
        id,
        source,
        target,
        MigrationPhase.COPYING,
        throttle,
        m,
        objectsCopied + objects,
        bytesCopied + bytes,
        objectsTotal,
        bytesTotal,
        all,
        startedBy,
        startedAt,
        at,
        verification,
        settled,
        replica);
  }

  /**
   * After an operator's retry of failed copies: the errors of {@code repaired} objects go, those of
   * objects that {@code failed} again are replaced by the new ones.
   */
  Migration retried(List<String> repaired, List<MigrationError> failed) {
    Set<String> retried = new HashSet<>(repaired);
    failed.forEach(e -> retried.add(e.object()));
    List<MigrationError> all = new ArrayList<>();
    for (MigrationError e : errors) {
      if (!retried.contains(e.object())) {
        all.add(e);
      }
    }
    all.addAll(failed);
    if (all.size() > MAX_ERRORS) {
      all = all.subList(all.size() - MAX_ERRORS, all.size());
    }
    return new Migration(
        id,
        source,
        target,
        phase,
        throttle,
        marker,
        objectsCopied,
        bytesCopied,
        objectsTotal,
        bytesTotal,
        all,
        startedBy,
        startedAt,
        updatedAt,
        verification,
        settled,
        replica);
  }

  Migration verified(Verification report, Instant at) {
    return new Migration(
        id,
        source,
        target,
        MigrationPhase.VERIFIED,
        throttle,
        marker,
        objectsCopied,
        bytesCopied,
        objectsTotal,
        bytesTotal,
        errors,
        startedBy,
        startedAt,
        at,
        report,
        settled,
        replica);
  }

  Migration settledAt(Instant at) {
    return new Migration(
        id,
        source,
        target,
        phase,
        throttle,
        marker,
        objectsCopied,
        bytesCopied,
        objectsTotal,
        bytesTotal,
        errors,
        startedBy,
        startedAt,
        at,
        verification,
        true,
        replica);
  }

  /** What a read served from the route view needs. */
  public MigrationRoute route() {
    return new MigrationRoute(id, source, target, phase, settled, updatedAt, replica);
  }

  /**
   * The part of a migration that routes requests, published with the container's route (and what
   * the migration workers find their work by).
   */
  public record MigrationRoute(
      String id,
      String source,
      String target,
      MigrationPhase phase,
      boolean settled,
      Instant updatedAt,
      String replica)
      implements CborSerializable {

    public MigrationRoute {
      replica = replica == null ? "" : replica;
    }

    /** A migration holding only the routing facts (for a state rebuilt from the route view). */
    public Migration toMigration() {
      return new Migration(
          id,
          source,
          target,
          phase,
          Throttle.UNLIMITED,
          "",
          0,
          0,
          0,
          0,
          List.of(),
          "",
          updatedAt,
          updatedAt,
          null,
          settled,
          replica);
    }
  }
}
