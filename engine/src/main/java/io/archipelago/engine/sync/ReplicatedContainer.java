package io.archipelago.engine.sync;

import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.store.BackendContainer;
import java.util.List;
import java.util.Map;

/**
 * A container the sync follows, as it knows it: where its primary and replicas are, and the
 * external Swift container it syncs to ({@code X-Container-Sync-To}, empty when none).
 */
public record ReplicatedContainer(
    String persistenceId,
    int slice,
    String account,
    String container,
    String primary,
    List<String> replicas,
    String syncTo,
    String syncKey) {

  public ReplicatedContainer {
    replicas = List.copyOf(replicas);
    syncTo = syncTo == null ? "" : syncTo;
    syncKey = syncKey == null ? "" : syncKey;
  }

  public ReplicatedContainer(
      String persistenceId,
      int slice,
      String account,
      String container,
      String primary,
      List<String> replicas) {
    this(persistenceId, slice, account, container, primary, replicas, "", "");
  }

  Map<String, String> syncMetadata() {
    return Map.of(ExternalSync.SYNC_TO, syncTo, ExternalSync.SYNC_KEY, syncKey);
  }

  /** Whether the sync has anything to do for it. */
  boolean followed() {
    return !replicas.isEmpty() || !syncTo.isEmpty();
  }

  public String entityId() {
    return ContainerEntity.entityId(account, container);
  }

  public BackendContainer where() {
    return new BackendContainer(account, container);
  }

  @Override
  public String toString() {
    return account + "/" + container;
  }
}
