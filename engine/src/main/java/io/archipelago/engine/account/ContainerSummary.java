package io.archipelago.engine.account;

import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;

/** A container as its account lists it. */
public record ContainerSummary(
    String name,
    String policy,
    String primaryBackend,
    long objectCount,
    long bytesUsed,
    SwiftTimestamp lastModified)
    implements CborSerializable {

  public static ContainerSummary of(ContainerState state) {
    SwiftTimestamp last =
        state.lastWriteAt().isNewerThan(state.modifiedAt())
            ? state.lastWriteAt()
            : state.modifiedAt();
    return new ContainerSummary(
        state.container(),
        state.policy(),
        state.primaryBackend(),
        state.objectCount(),
        state.bytesUsed(),
        last);
  }
}
