package io.archipelago.engine.container;

import java.util.Optional;

/**
 * Why a container entity refused a command. It travels as the text of a
 * {@code StatusReply.error} (which crosses nodes as a plain message), prefixed with the code, and
 * is parsed back on the asking side.
 */
public enum ContainerRejection {
  NOT_FOUND,
  POLICY_MISMATCH,
  /** A stored event of the container cannot be read or applied; an operator must skip it. */
  DAMAGED,
  /** An operator asked to skip an event that is not a damaged one. */
  NOT_DAMAGED;

  public String message(String detail) {
    return name() + ": " + detail;
  }

  public static Optional<ContainerRejection> fromMessage(String message) {
    if (message == null) {
      return Optional.empty();
    }
    for (ContainerRejection r : values()) {
      if (message.startsWith(r.name() + ":")) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
