package io.archipelago.engine.backend;

import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.remote.GuardedObjectStore;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the backends: their descriptors, their drivers and the last capacity figures
 * they reported. Reads are lock-free; every request path reads it.
 */
public final class BackendRegistry {

  private volatile Map<String, BackendDescriptor> descriptors;
  private final Map<String, ObjectStore> stores = new ConcurrentHashMap<>();
  private final Map<String, Capacity> capacities = new ConcurrentHashMap<>();
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  private final Function<BackendDescriptor, ObjectStore> storeFactory;
  private final ClientActivity clientActivity = new ClientActivity();

  /** Backends whose driver could not be made, already warned about. */
  private final Set<BackendDescriptor> undrivable = ConcurrentHashMap.newKeySet();

  public BackendRegistry(
      List<BackendDescriptor> initial, Function<BackendDescriptor, ObjectStore> storeFactory) {
    this.storeFactory = storeFactory;
    this.descriptors = Map.of();
    update(initial);
  }

  /** When this node last sent a client's request to each backend. */
  public ClientActivity clientActivity() {
    return clientActivity;
  }

  public Collection<BackendDescriptor> backends() {
    return descriptors.values();
  }

  /**
   * The backends whose driver is believed to serve requests: placement leaves out a remote backend
   * whose circuit breaker is open.
   */
  public List<BackendDescriptor> healthyBackends() {
    return descriptors.values().stream()
        .filter(
            d ->
                store(d.id())
                    .map(s -> !(s instanceof GuardedObjectStore guarded) || guarded.available())
                    .orElse(false))
        .toList();
  }

  public Optional<BackendDescriptor> descriptor(String backendId) {
    return Optional.ofNullable(descriptors.get(backendId));
  }

  /** The driver of a backend; empty when the backend is unknown here (removed, or not yet seen). */
  public Optional<ObjectStore> store(String backendId) {
    return Optional.ofNullable(stores.get(backendId));
  }

  public Map<String, Capacity> capacities() {
    return Map.copyOf(capacities);
  }

  public void reportCapacity(String backendId, Capacity capacity) {
    capacities.put(backendId, capacity);
  }

  /**
   * The outcome of this node's last capacity poll of a backend, which asks each backend
   * periodically whatever its kind; {@code error} empty when it answered.
   */
  public record Probe(Instant at, Optional<String> error) {}

  public void reportProbe(String backendId, Probe probe) {
    probes.put(backendId, probe);
  }

  /** The last probe of each backend this node polled. */
  public Map<String, Probe> probes() {
    return Map.copyOf(probes);
  }

  /**
   * Whether the backend's circuit breaker is open here; empty for a backend with none (filesystem)
   * or unknown here.
   */
  public Optional<Boolean> breakerOpen(String backendId) {
    return store(backendId)
        .filter(s -> s instanceof GuardedObjectStore)
        .map(s -> !((GuardedObjectStore) s).available());
  }

  /** Replaces the descriptor set, creating drivers for new backends. */
  public synchronized void update(Collection<BackendDescriptor> newDescriptors) {
    for (BackendDescriptor d : newDescriptors) {
      try {
        stores.computeIfAbsent(d.id(), id -> storeFactory.apply(d));
        undrivable.remove(d);
      } catch (RuntimeException e) {
        // A backend this node cannot drive (bad settings, missing driver) stays unusable here
        // but does not stop the others. Said once per descriptor, not at every refresh.
        if (undrivable.add(d)) {
          LoggerFactory.getLogger(BackendRegistry.class)
              .warn("cannot create a driver for backend {}: {}", d.id(), e.getMessage());
        }
      }
    }
    descriptors =
        newDescriptors.stream()
            .collect(Collectors.toUnmodifiableMap(BackendDescriptor::id, Function.identity()));
  }
}
