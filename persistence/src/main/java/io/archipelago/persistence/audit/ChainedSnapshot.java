package io.archipelago.persistence.audit;

import java.util.Arrays;
import java.util.Objects;

/**
 * A snapshot of an audited entity: its state and the hash of the last event the state includes, so
 * that the chain goes on after recovery from the snapshot, and so that the verifier can check the
 * snapshot against the events.
 */
public record ChainedSnapshot(byte[] lastHash, Object state) {

  @Override
  public boolean equals(Object o) {
    return o instanceof ChainedSnapshot s
        && Arrays.equals(lastHash, s.lastHash)
        && Objects.equals(state, s.state);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(lastHash) * 31 + Objects.hashCode(state);
  }
}
