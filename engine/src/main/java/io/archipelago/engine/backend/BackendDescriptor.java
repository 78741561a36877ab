package io.archipelago.engine.backend;

import io.archipelago.persistence.CborSerializable;
import java.util.Map;
import java.util.Set;

/**
 * One storage cluster behind the gateway.
 *
 * @param tiers the service levels it offers ({@code standard}, {@code archive}, ...)
 * @param site where it stands; replicas are spread across sites
 * @param capacityBytes configured quota; 0 means "what the backend reports"
 * @param settings driver settings (root directory, endpoint, credentials reference ...)
 */
public record BackendDescriptor(
    String id,
    BackendKind kind,
    Set<String> tiers,
    String site,
    long capacityBytes,
    BackendState state,
    Map<String, String> settings)
    implements CborSerializable {

  public BackendDescriptor {
    tiers = Set.copyOf(tiers);
    settings = Map.copyOf(settings);
  }

  public BackendDescriptor withState(BackendState newState) {
    return new BackendDescriptor(id, kind, tiers, site, capacityBytes, newState, settings);
  }
}
