package io.archipelago.engine.backend;

import io.archipelago.persistence.CborSerializable;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster-wide backend set: descriptors by id, and the ids an operator removed (so that a
 * backend still named in a node's application.conf does not come back by itself).
 */
public record RegistryState(Map<String, BackendDescriptor> backends, Set<String> removed)
    implements CborSerializable {

  public RegistryState {
    backends = Map.copyOf(backends);
    removed = Set.copyOf(removed);
  }

  public static RegistryState empty() {
    return new RegistryState(Map.of(), Set.of());
  }

  RegistryState added(BackendDescriptor d) {
    Map<String, BackendDescriptor> b = new TreeMap<>(backends);
    b.put(d.id(), d);
    Set<String> r = new TreeSet<>(removed);
    r.remove(d.id());
    return new RegistryState(b, r);
  }

  RegistryState stateChanged(String id, BackendState state) {
    BackendDescriptor d = backends.get(id);
    if (d == null) {
      return this;
    }
    Map<String, BackendDescriptor> b = new TreeMap<>(backends);
    b.put(id, d.withState(state));
    return new RegistryState(b, removed);
  }

  RegistryState removedBackend(String id) {
    Map<String, BackendDescriptor> b = new TreeMap<>(backends);
    b.remove(id);
    Set<String> r = new TreeSet<>(removed);
    r.add(id);
    return new RegistryState(b, r);
  }
}
