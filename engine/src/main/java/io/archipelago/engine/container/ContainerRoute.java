package io.archipelago.engine.container;

import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What a node needs to serve reads of a container without its entity: where its objects are, its
 * ACLs and headers (for authorization and HEAD), and whether it is deleted. Published by the entity
 * into {@link ContainerRouteView}; {@code version} is the entity's last event sequence number, so a
 * newer incarnation of the entity always wins over an older one.
 *
 * @param metadata the container's headers (ACLs, CORS, quotas, user metadata), as in its state
 * @param objectCount counts as of the publication: HEAD served from the view may lag behind
 * @param migration the container's latest migration (null when none): reads served from the view
 *     follow it, and the migration workers find their containers by it
 */
public record ContainerRoute(
    boolean deleted,
    String policy,
    String primaryBackend,
    List<String> replicaBackends,
    Map<String, String> metadata,
    SwiftTimestamp createdAt,
    SwiftTimestamp modifiedAt,
    long objectCount,
    long bytesUsed,
    long version,
    Migration.MigrationRoute migration)
    implements CborSerializable {

  public ContainerRoute {
    replicaBackends = List.copyOf(replicaBackends);
    metadata = Map.copyOf(metadata);
  }

  /** A route of a container that never migrated. */
  public ContainerRoute(
      boolean deleted,
      String policy,
      String primaryBackend,
      List<String> replicaBackends,
      Map<String, String> metadata,
      SwiftTimestamp createdAt,
      SwiftTimestamp modifiedAt,
      long objectCount,
      long bytesUsed,
      long version) {
    this(
        deleted,
        policy,
        primaryBackend,
        replicaBackends,
        metadata,
        createdAt,
        modifiedAt,
        objectCount,
        bytesUsed,
        version,
        null);
  }

  /** The route of an active or deleted container state. */
  public static ContainerRoute of(ContainerState state, long version) {
    boolean deleted = state.lifecycle() == Lifecycle.DELETED;
    return new ContainerRoute(
        deleted,
        state.policy(),
        state.primaryBackend(),
        state.replicaBackends(),
        deleted ? Map.of() : state.metadata(),
        state.createdAt(),
        state.modifiedAt(),
        state.objectCount(),
        state.bytesUsed(),
        version,
        state.migration() == null ? null : state.migration().route());
  }

  /** Whether anything a read depends on differs (counts and version aside). */
  boolean sameRoute(ContainerRoute other) {
    return deleted == other.deleted
        && policy.equals(other.policy)
        && primaryBackend.equals(other.primaryBackend)
        && replicaBackends.equals(other.replicaBackends)
        && metadata.equals(other.metadata)
        && createdAt.equals(other.createdAt)
        && modifiedAt.equals(other.modifiedAt)
        && sameMigrationRoute(migration, other.migration);
  }

  /**
   * Progress alone (a new updatedAt) does not make a route change: only what routes requests and
   * finds the workers' work does.
   */
  private static boolean sameMigrationRoute(
      Migration.MigrationRoute a, Migration.MigrationRoute b) {
    if (a == null || b == null) {
      return a == b;
    }
    return a.id().equals(b.id()) && a.phase() == b.phase() && a.settled() == b.settled();
  }

  /** The container state a read sees; sync progress is not part of the route. */
  public ContainerState toState(String account, String container) {
    return new ContainerState(
        deleted ? Lifecycle.DELETED : Lifecycle.ACTIVE,
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
        modifiedAt,
        SyncState.EMPTY,
        migration == null ? null : migration.toMigration());
  }
}
