package io.archipelago.engine.drain;

import io.archipelago.engine.container.Migration;
import io.archipelago.persistence.CborSerializable;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The latest drain of one backend (kept after it ends, for the admin API): its status, its limits,
 * and each container it found on the backend by entity id ({@code account/container}).
 *
 * @param id this drain's id; a new drain of the same backend gets a new one
 * @param concurrency containers moved at once
 * @param throttle each container migration's copy limits
 */
public record DrainState(
    String id,
    String backend,
    DrainStatus status,
    int concurrency,
    Migration.Throttle throttle,
    Map<String, ContainerDrain> containers,
    String startedBy,
    Instant startedAt,
    Instant updatedAt)
    implements CborSerializable {

  public DrainState {
    id = id == null ? "" : id;
    throttle = throttle == null ? Migration.Throttle.UNLIMITED : throttle;
    containers = containers == null ? Map.of() : Map.copyOf(containers);
  }

  static DrainState none(String backend) {
    return new DrainState(
        "", backend, DrainStatus.NONE, 0, Migration.Throttle.UNLIMITED, Map.of(), "", null, null);
  }

  public long count(ContainerDrain.Phase phase) {
    return containers.values().stream().filter(c -> c.phase() == phase).count();
  }

  /** Containers in listing order of their entity ids. */
  public Collection<ContainerDrain> sortedContainers() {
    return new TreeMap<>(containers).values();
  }

  DrainState started(
      String newId, int newConcurrency, Migration.Throttle newThrottle, String by, Instant at) {
    return new DrainState(
        newId, backend, DrainStatus.DRAINING, newConcurrency, newThrottle, Map.of(), by, at, at);
  }

  DrainState withStatus(DrainStatus next, Instant at) {
    return new DrainState(
        id, backend, next, concurrency, throttle, containers, startedBy, startedAt, at);
  }

  DrainState queued(Collection<ContainerDrain> found, Instant at) {
    Map<String, ContainerDrain> all = new TreeMap<>(containers);
    found.forEach(c -> all.putIfAbsent(c.entityId(), c));
    return new DrainState(
        id, backend, status, concurrency, throttle, all, startedBy, startedAt, at);
  }

  DrainState changed(String entityId, UnaryOperator<ContainerDrain> change, Instant at) {
    ContainerDrain c = containers.get(entityId);
    if (c == null) {
      return this;
    }
    Map<String, ContainerDrain> all = new TreeMap<>(containers);
    all.put(entityId, change.apply(c));
    return new DrainState(
        id, backend, status, concurrency, throttle, all, startedBy, startedAt, at);
  }
}
