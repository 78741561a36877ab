package io.archipelago.engine.container;

import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replication part of a container's state.
 *
 * @param lastChangeSeqNr the event sequence number of the last change a replica must follow (object
 *     write or delete, container delete)
 * @param replicas progress per replica backend id
 * @param failoverWrites objects written to a replica while the primary was down, by name, not yet
 *     copied back to the primary; the reconciler copies them instead of deleting them
 */
public record SyncState(
    long lastChangeSeqNr,
    Map<String, ReplicaSync> replicas,
    Map<String, FailoverWrite> failoverWrites)
    implements CborSerializable {

  /** An object a replica took while the primary was down. */
  public record FailoverWrite(String backend, SwiftTimestamp timestamp)
      implements CborSerializable {}

  public static final SyncState EMPTY = new SyncState(0, Map.of(), Map.of());

  public SyncState {
    replicas = replicas == null ? Map.of() : Map.copyOf(replicas);
    failoverWrites = failoverWrites == null ? Map.of() : Map.copyOf(failoverWrites);
  }

  public ReplicaSync replica(String backend) {
    return replicas.getOrDefault(backend, ReplicaSync.NEW);
  }

  /** A fresh start (container created): the replicas lack none of the changes before it. */
  SyncState restart(List<String> backends) {
    ReplicaSync start =
        new ReplicaSync(
            lastChangeSeqNr,
            Optional.empty(),
            0,
            Optional.empty(),
            Optional.empty(),
            0,
            Optional.empty());
    Map<String, ReplicaSync> r = new HashMap<>();
    backends.forEach(b -> r.put(b, start));
    return new SyncState(lastChangeSeqNr, r, Map.of());
  }

  SyncState changed(long seqNr, Instant at) {
    Map<String, ReplicaSync> r = new HashMap<>();
    replicas.forEach((b, s) -> r.put(b, s.changed(at)));
    return new SyncState(seqNr, r, failoverWrites);
  }

  SyncState withReplica(String backend, ReplicaSync sync) {
    if (!replicas.containsKey(backend)) {
      return this;
    }
    Map<String, ReplicaSync> r = new HashMap<>(replicas);
    r.put(backend, sync);
    return new SyncState(lastChangeSeqNr, r, failoverWrites);
  }

  /** Replica {@code from} became {@code to}: its progress goes along, marked for a reconcile. */
  SyncState replicaMoved(String from, String to, String why, Instant at) {
    Map<String, ReplicaSync> r = new HashMap<>(replicas);
    ReplicaSync moved = r.remove(from);
    r.put(to, (moved == null ? ReplicaSync.NEW : moved).failed(1, why, at));
    return new SyncState(lastChangeSeqNr, r, failoverWrites);
  }

  /** Every replica must be compared with the primary again (the primary moved). */
  SyncState allNeedReconcile(String why, Instant at) {
    Map<String, ReplicaSync> r = new HashMap<>();
    replicas.forEach((b, s) -> r.put(b, s.failed(1, why, at)));
    return new SyncState(lastChangeSeqNr, r, failoverWrites);
  }

  SyncState withFailoverWrite(String name, FailoverWrite write) {
    Map<String, FailoverWrite> f = new HashMap<>(failoverWrites);
    f.put(name, write);
    return new SyncState(lastChangeSeqNr, replicas, f);
  }

  SyncState withoutFailoverWrite(String name, SwiftTimestamp upTo) {
    FailoverWrite w = failoverWrites.get(name);
    if (w == null || w.timestamp().isNewerThan(upTo)) {
      return this;
    }
    Map<String, FailoverWrite> f = new HashMap<>(failoverWrites);
    f.remove(name);
    return new SyncState(lastChangeSeqNr, replicas, f);
  }
}
