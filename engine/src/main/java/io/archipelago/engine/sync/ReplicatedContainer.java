package io.archipelago.engine.sync;

import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.store.BackendContainer;
import java.util.List;

/** A container with replicas, as the sync knows it: where its primary and replicas are. */
public record ReplicatedContainer(
    String persistenceId, int slice, String account, String container, String primary, List<String> replicas) {

  public ReplicatedContainer {
    replicas = List.copyOf(replicas);
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
