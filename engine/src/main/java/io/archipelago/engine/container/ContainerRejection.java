package io.archipelago.engine.container;

/** Why a container entity refused a command; travels in a {@link ContainerReply.Rejected}. */
public enum ContainerRejection {
  NOT_FOUND,
  POLICY_MISMATCH,
  /** A stored event of the container cannot be read or applied; an operator must skip it. */
  DAMAGED,
  /** An operator asked to skip an event that is not a damaged one. */
  NOT_DAMAGED,
  /** A migration cannot start or be cancelled in the container's present state. */
  MIGRATION_CONFLICT,
  /** The container never migrated. */
  NO_MIGRATION
}
