package io.archipelago.engine.container;

import io.archipelago.persistence.CborSerializable;
import java.time.Instant;
import java.util.Optional;

/**
 * How far one replica of a container is: every change (object write or delete, container delete) up
 * to event {@code syncedSeqNr} is on it. Objects the sync gave up on are counted in {@code
 * failedObjects}; while there are any, only a reconcile moves {@code syncedSeqNr} on, so the lag
 * stays visible until the replica has really converged.
 *
 * @param syncedSeqNr the container event up to which the replica holds every change
 * @param pendingSince when the oldest change not yet on the replica happened; empty when caught up
 * @param failedObjects copies or deletes given up on since the last reconcile
 * @param lastError the last failure, empty when none since the last reconcile
 * @param conflicts conflicts resolved for this replica (newest X-Timestamp won)
 */
public record ReplicaSync(
    long syncedSeqNr,
    Optional<Instant> pendingSince,
    long failedObjects,
    Optional<String> lastError,
    Optional<Instant> lastErrorAt,
    long conflicts,
    Optional<Instant> lastReconciledAt)
    implements CborSerializable {

  public static final ReplicaSync NEW =
      new ReplicaSync(
          0, Optional.empty(), 0, Optional.empty(), Optional.empty(), 0, Optional.empty());

  public ReplicaSync {
    pendingSince = pendingSince == null ? Optional.empty() : pendingSince;
    lastError = lastError == null ? Optional.empty() : lastError;
    lastErrorAt = lastErrorAt == null ? Optional.empty() : lastErrorAt;
    lastReconciledAt = lastReconciledAt == null ? Optional.empty() : lastReconciledAt;
  }

  public boolean needsReconcile() {
    return failedObjects > 0;
  }

  ReplicaSync changed(Instant at) {
    return pendingSince.isPresent() ? this : withPending(Optional.of(at));
  }

  ReplicaSync progressed(long seqNr, Optional<Instant> pending) {
    if (seqNr <= syncedSeqNr || needsReconcile()) {
      return this;
    }
    return new ReplicaSync(
        seqNr, pending, failedObjects, lastError, lastErrorAt, conflicts, lastReconciledAt);
  }

  ReplicaSync failed(long objects, String error, Instant at) {
    return new ReplicaSync(
        syncedSeqNr,
        pendingSince,
        failedObjects + objects,
        Optional.of(error),
        Optional.of(at),
        conflicts,
        lastReconciledAt);
  }

  ReplicaSync conflictResolved() {
    return new ReplicaSync(
        syncedSeqNr,
        pendingSince,
        failedObjects,
        lastError,
        lastErrorAt,
        conflicts + 1,
        lastReconciledAt);
  }

  ReplicaSync reconciled(
      long upToSeqNr, long failuresAtStart, Optional<Instant> pending, Instant at) {
    long failures = Math.max(0, failedObjects - failuresAtStart);
    long synced = Math.max(syncedSeqNr, upToSeqNr);
    return new ReplicaSync(
        synced,
        failures > 0 ? pendingSince : pending,
        failures,
        failures > 0 ? lastError : Optional.empty(),
        failures > 0 ? lastErrorAt : Optional.empty(),
        conflicts,
        Optional.of(at));
  }

  private ReplicaSync withPending(Optional<Instant> pending) {
    return new ReplicaSync(
        syncedSeqNr, pending, failedObjects, lastError, lastErrorAt, conflicts, lastReconciledAt);
  }
}
