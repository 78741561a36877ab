package io.archipelago.engine.container;

import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a container entity owns. Immutable; each event yields a new state. It is also the
 * reply to {@link ContainerEntity.Get}, so it carries nothing a caller must not see.
 *
 * @param metadata container headers kept for clients, names lower case ({@code x-container-meta-*},
 *     {@code x-container-read}, ...)
 * @param createdAt the X-Timestamp of the create (Swift's {@code X-Timestamp} of a container)
 * @param modifiedAt the X-Timestamp of the last create or metadata change
 * @param objectCount objects as counted from recorded writes and deletes
 * @param bytesUsed bytes as counted from recorded writes and deletes
 * @param sync how far each replica is (see {@link SyncState})
 * @param migration the latest live migration (running or ended), null when there was none
 */
public record ContainerState(
    Lifecycle lifecycle,
    String account,
    String container,
    String policy,
    String primaryBackend,
    List<String> replicaBackends,
    Map<String, String> metadata,
    SwiftTimestamp createdAt,
    SwiftTimestamp modifiedAt,
    long objectCount,
    long bytesUsed,
    SwiftTimestamp lastWriteAt,
    SyncState sync,
    Migration migration)
    implements CborSerializable {

  private static final SwiftTimestamp NEVER = new SwiftTimestamp(0);

  public ContainerState {
    replicaBackends = List.copyOf(replicaBackends);
    metadata = Map.copyOf(metadata);
    sync = sync == null ? SyncState.EMPTY : sync;
  }

  public static ContainerState empty(String account, String container) {
    return new ContainerState(
        Lifecycle.EMPTY,
        account,
        container,
        "",
        "",
        List.of(),
        Map.of(),
        NEVER,
        NEVER,
        0,
        0,
        NEVER,
        SyncState.EMPTY,
        null);
  }

  public boolean isActive() {
    return lifecycle == Lifecycle.ACTIVE;
  }

  /**
   * The state after event {@code seqNr}: the facts of the event, and for a change the replicas must
   * follow, its place in {@link SyncState}. The entity's event handler and {@link ContainerHistory}
   * both apply events through here.
   */
  ContainerState apply(ContainerEntity.Event event, long seqNr) {
    if (event instanceof ContainerEntity.ContainerCreated e) {
      return created(e);
    }
    if (event instanceof ContainerEntity.ContainerMetadataUpdated e) {
      return metadataUpdated(e);
    }
    if (event instanceof ContainerEntity.ObjectWritten e) {
      return objectWritten(e).changed(seqNr, e);
    }
    if (event instanceof ContainerEntity.ObjectDeleted e) {
      return objectDeleted(e).changed(seqNr, e);
    }
    if (event instanceof ContainerEntity.ObjectMetadataReplaced e) {
      return changed(seqNr, e); // no count changes, but the replicas must follow it
    }
    if (event instanceof ContainerEntity.ContainerDeleted e) {
      return deleted(e).changed(seqNr, e);
    }
    if (event instanceof ContainerEntity.ReplicaSyncProgressed e) {
      return withSync(
          sync.withReplica(
              e.replica(),
              sync.replica(e.replica()).progressed(e.syncedSeqNr(), e.pendingSince())));
    }
    if (event instanceof ContainerEntity.ReplicaSyncFailed e) {
      return withSync(
          sync.withReplica(
              e.replica(),
              sync.replica(e.replica()).failed(e.objects(), e.error(), e.audit().at())));
    }
    if (event instanceof ContainerEntity.SyncConflictResolved e) {
      return withSync(sync.withReplica(e.replica(), sync.replica(e.replica()).conflictResolved()));
    }
    if (event instanceof ContainerEntity.ReplicaReconciled e) {
      return withSync(
          sync.withReplica(
              e.replica(),
              sync.replica(e.replica())
                  .reconciled(
                      e.upToSeqNr(), e.failuresAtStart(), e.pendingSince(), e.audit().at())));
    }
    if (event instanceof ContainerEntity.FailoverWriteRecorded e) {
      return withSync(
          sync.withFailoverWrite(
              e.name(), new SyncState.FailoverWrite(e.backend(), e.timestamp())));
    }
    if (event instanceof ContainerEntity.FailoverWriteResolved e) {
      return withSync(sync.withoutFailoverWrite(e.name(), e.timestamp()));
    }
    if (event instanceof ContainerEntity.MigrationStarted e) {
      return withMigration(
          migrationStarted(e.id(), primaryBackend, e.target(), e.throttle(), "", e));
    }
    if (event instanceof ContainerEntity.ReplicaMigrationStarted e) {
      return withMigration(
          migrationStarted(e.id(), e.replica(), e.target(), e.throttle(), e.replica(), e));
    }
    if (event instanceof ContainerEntity.MigrationProgressed e) {
      return withMigration(
          migration.progressed(e.marker(), e.objects(), e.bytes(), e.errors(), e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationCopiesRetried e) {
      return withMigration(migration.retried(e.repaired(), e.failed()));
    }
    if (event instanceof ContainerEntity.MigrationVerified e) {
      return withMigration(migration.verified(e.verification(), e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationCutOver e) {
      ContainerState cut =
          withMigration(migration.withPhase(MigrationPhase.CUT_OVER, e.audit().at()));
      String why = "migration " + migration.id() + " moved ";
      if (migration.isReplicaMove()) {
        return cut.withReplicaMoved(
            migration.replica(),
            migration.target(),
            why + "this replica from " + migration.replica() + "; reconcile pending",
            e.audit().at());
      }
      // The sync read the old primary while writes went to the target: every replica is
      // reconciled against the new primary.
      return cut.withPrimary(migration.target())
          .withSync(
              sync.allNeedReconcile(
                  why + "the primary to " + migration.target() + "; reconcile pending",
                  e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationSourceCleaned e) {
      return withMigration(migration.withPhase(MigrationPhase.SOURCE_CLEANED, e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationCompleted e) {
      return withMigration(migration.withPhase(MigrationPhase.COMPLETED, e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationCancelled e) {
      return withMigration(migration.withPhase(MigrationPhase.CANCELLED, e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationCancelSettled e) {
      return withMigration(migration.settledAt(e.audit().at()));
    }
    if (event instanceof ContainerEntity.MigrationFailed e) {
      return withMigration(
          migration
              .progressed(
                  "",
                  0,
                  0,
                  List.of(new Migration.MigrationError("", e.reason(), e.audit().at())),
                  e.audit().at())
              .withPhase(MigrationPhase.FAILED, e.audit().at()));
    }
    if (event instanceof ContainerEntity.EventUnreadable
        || event instanceof ContainerEntity.DamagedEventSkipped) {
      return this;
    }
    throw new IllegalArgumentException("unknown container event " + event.getClass());
  }

  /** Whether the replicas must follow the event (it moves {@link SyncState#lastChangeSeqNr()}). */
  static boolean isChange(ContainerEntity.Event event) {
    return event instanceof ContainerEntity.ObjectWritten
        || event instanceof ContainerEntity.ObjectDeleted
        || event instanceof ContainerEntity.ObjectMetadataReplaced
        || event instanceof ContainerEntity.ContainerDeleted;
  }

  /** The {@link RecentRecords} key of an object record event; null for other events. */
  static String recordKey(ContainerEntity.Event event) {
    if (event instanceof ContainerEntity.ObjectWritten e) {
      return RecentRecords.key(RecentRecords.Kind.WRITE, e.name(), e.timestamp());
    }
    if (event instanceof ContainerEntity.ObjectDeleted e) {
      return RecentRecords.key(RecentRecords.Kind.DELETE, e.name(), e.timestamp());
    }
    if (event instanceof ContainerEntity.ObjectMetadataReplaced e) {
      return RecentRecords.key(RecentRecords.Kind.METADATA, e.name(), e.timestamp());
    }
    return null;
  }

  /** A change the replicas must follow, at {@code seqNr}. */
  private ContainerState changed(long seqNr, ContainerEntity.Event e) {
    return withSync(sync.changed(seqNr, e.audit().at()));
  }

  ContainerState created(ContainerEntity.ContainerCreated e) {
    return new ContainerState(
        Lifecycle.ACTIVE,
        e.account(),
        e.container(),
        e.policy(),
        e.primaryBackend(),
        e.replicaBackends(),
        withoutEmptyValues(e.metadata()),
        e.timestamp(),
        e.timestamp(),
        0,
        0,
        e.timestamp(),
        sync.restart(e.replicaBackends()),
        null);
  }

  ContainerState metadataUpdated(ContainerEntity.ContainerMetadataUpdated e) {
    Map<String, String> merged = new HashMap<>(metadata);
    e.changes()
        .forEach(
            (k, v) -> {
              if (v.isEmpty()) {
                merged.remove(k);
              } else {
                merged.put(k, v);
              }
            });
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        primaryBackend,
        replicaBackends,
        merged,
        createdAt,
        e.timestamp(),
        objectCount,
        bytesUsed,
        lastWriteAt,
        sync,
        migration);
  }

  ContainerState objectWritten(ContainerEntity.ObjectWritten e) {
    long count = objectCount + (e.replaced() ? 0 : 1);
    long bytes = bytesUsed + e.size() - (e.replaced() ? e.replacedSize() : 0);
    return withCounts(count, Math.max(0, bytes), e.timestamp());
  }

  ContainerState objectDeleted(ContainerEntity.ObjectDeleted e) {
    return withCounts(
        Math.max(0, objectCount - 1), Math.max(0, bytesUsed - e.size()), e.timestamp());
  }

  ContainerState deleted(ContainerEntity.ContainerDeleted e) {
    return new ContainerState(
        Lifecycle.DELETED,
        account,
        container,
        policy,
        primaryBackend,
        replicaBackends,
        Map.of(),
        createdAt,
        e.timestamp(),
        0,
        0,
        e.timestamp(),
        sync,
        migration == null || !migration.routesBoth()
            ? migration
            : migration
                .withPhase(MigrationPhase.CANCELLED, e.audit().at())
                .settledAt(e.audit().at()));
  }

  private ContainerState withCounts(long count, long bytes, SwiftTimestamp at) {
    SwiftTimestamp last = at.isNewerThan(lastWriteAt) ? at : lastWriteAt;
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        primaryBackend,
        replicaBackends,
        metadata,
        createdAt,
        modifiedAt,
        count,
        bytes,
        last,
        sync,
        migration);
  }

  ContainerState withSync(SyncState newSync) {
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        primaryBackend,
        replicaBackends,
        metadata,
        createdAt,
        modifiedAt,
        objectCount,
        bytesUsed,
        lastWriteAt,
        newSync,
        migration);
  }

  ContainerState withMigration(Migration next) {
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        primaryBackend,
        replicaBackends,
        metadata,
        createdAt,
        modifiedAt,
        objectCount,
        bytesUsed,
        lastWriteAt,
        sync,
        next);
  }

  private Migration migrationStarted(
      String id,
      String source,
      String target,
      Migration.Throttle throttle,
      String replica,
      ContainerEntity.Event e) {
    return new Migration(
        id,
        source,
        target,
        MigrationPhase.STARTED,
        throttle,
        "",
        0,
        0,
        objectCount,
        bytesUsed,
        List.of(),
        e.audit().principal(),
        e.audit().at(),
        e.audit().at(),
        null,
        false,
        replica);
  }

  /**
   * Replica {@code from} is replaced by {@code to} in the replica set; {@code to} takes over {@code
   * from}'s sync progress, marked for a reconcile (changes synced to {@code from} after the copy
   * passed them are brought over by it).
   */
  private ContainerState withReplicaMoved(String from, String to, String why, Instant at) {
    List<String> replicas = new ArrayList<>(replicaBackends);
    replicas.replaceAll(b -> b.equals(from) ? to : b);
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        primaryBackend,
        replicas,
        metadata,
        createdAt,
        modifiedAt,
        objectCount,
        bytesUsed,
        lastWriteAt,
        sync.replicaMoved(from, to, why, at),
        migration);
  }

  private ContainerState withPrimary(String backend) {
    return new ContainerState(
        lifecycle,
        account,
        container,
        policy,
        backend,
        replicaBackends,
        metadata,
        createdAt,
        modifiedAt,
        objectCount,
        bytesUsed,
        lastWriteAt,
        sync,
        migration);
  }

  /** The migration that client requests must follow now (see {@link Migration#routesBoth()}). */
  public Optional<Migration> routingMigration() {
    return migration != null && migration.routesBoth() && !migration.isReplicaMove()
        ? Optional.of(migration)
        : Optional.empty();
  }

  /** Where a new object goes: the primary, or a migration's write backend while one routes. */
  public String writeBackend() {
    return routingMigration().map(Migration::writeBackend).orElse(primaryBackend);
  }

  /** Whether the container has replicas that the sync keeps up to date. */
  public boolean isReplicated() {
    return !replicaBackends.isEmpty();
  }

  private static Map<String, String> withoutEmptyValues(Map<String, String> m) {
    Map<String, String> result = new HashMap<>(m);
    result.values().removeIf(String::isEmpty);
    return result;
  }
}
