package io.archipelago.engine.account;

import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import java.util.Map;

/** An account's totals and metadata, as HEAD answers them. */
public record AccountSummary(
    String account,
    long containerCount,
    long objectCount,
    long bytesUsed,
    Map<String, String> metadata,
    SwiftTimestamp createdAt,
    Map<String, Long> bytesPerPolicy,
    Map<String, Long> objectsPerPolicy,
    Map<String, Long> containersPerPolicy)
    implements CborSerializable {

  public AccountSummary {
    metadata = Map.copyOf(metadata);
    bytesPerPolicy = Map.copyOf(bytesPerPolicy);
    objectsPerPolicy = Map.copyOf(objectsPerPolicy);
    containersPerPolicy = Map.copyOf(containersPerPolicy);
  }
}
