package io.archipelago.engine.account;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An account's namespace: its containers, whichever backend holds each, in Swift order, plus
 * account metadata. Mutable on purpose: an account may hold 100,000 containers and copying the map
 * per event would make creation quadratic. Only the entity's event handler mutates it and replies
 * never expose it.
 */
public final class AccountState implements CborSerializable {

  private final NavigableMap<String, ContainerSummary> containers = new TreeMap<>(NameOrder.UTF8);
  private final Map<String, String> metadata = new HashMap<>();

  /** Set by the first event, so that recovery gives it back; null before. */
  private SwiftTimestamp createdAt;

  public AccountState() {
    this(List.of(), Map.of(), null);
  }

  @JsonCreator
  public AccountState(
      @JsonProperty("containers") List<ContainerSummary> containers,
      @JsonProperty("metadata") Map<String, String> metadata,
      @JsonProperty("createdAt") SwiftTimestamp createdAt) {
    if (containers != null) {
      containers.forEach(c -> this.containers.put(c.name(), c));
    }
    if (metadata != null) {
      this.metadata.putAll(metadata);
    }
    this.createdAt = createdAt;
  }

  @JsonProperty("containers")
  public List<ContainerSummary> containerList() {
    return new ArrayList<>(containers.values());
  }

  @JsonProperty("metadata")
  public Map<String, String> metadata() {
    return Map.copyOf(metadata);
  }

  @JsonProperty("createdAt")
  public SwiftTimestamp createdAt() {
    return createdAt;
  }

  @JsonIgnore
  NavigableMap<String, ContainerSummary> containers() {
    return containers;
  }

  boolean isListed(String name) {
    return containers.containsKey(name);
  }

  ContainerSummary summary(String name) {
    return containers.get(name);
  }

  AccountState listed(ContainerSummary summary) {
    containers.put(summary.name(), summary);
    if (createdAt == null) {
      createdAt = summary.lastModified();
    }
    return this;
  }

  AccountState unlisted(String name) {
    containers.remove(name);
    return this;
  }

  AccountState metadataUpdated(Map<String, String> changes, SwiftTimestamp at) {
    changes.forEach(
        (k, v) -> {
          if (v.isEmpty()) {
            metadata.remove(k);
          } else {
            metadata.put(k, v);
          }
        });
    if (createdAt == null) {
      createdAt = at;
    }
    return this;
  }

  AccountSummary summarize(String account) {
    long objects = 0;
    long bytes = 0;
    Map<String, Long> bytesPerPolicy = new HashMap<>();
    Map<String, Long> objectsPerPolicy = new HashMap<>();
    Map<String, Long> containersPerPolicy = new HashMap<>();
    for (ContainerSummary c : containers.values()) {
      objects += c.objectCount();
      bytes += c.bytesUsed();
      bytesPerPolicy.merge(c.policy(), c.bytesUsed(), Long::sum);
      objectsPerPolicy.merge(c.policy(), c.objectCount(), Long::sum);
      containersPerPolicy.merge(c.policy(), 1L, Long::sum);
    }
    // An account nothing happened to yet reads as created now, as Swift's auto-created ones.
    return new AccountSummary(
        account,
        containers.size(),
        objects,
        bytes,
        metadata,
        createdAt == null ? SwiftTimestamp.now() : createdAt,
        bytesPerPolicy,
        objectsPerPolicy,
        containersPerPolicy);
  }
}
