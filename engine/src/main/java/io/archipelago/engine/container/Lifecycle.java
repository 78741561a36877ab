package io.archipelago.engine.container;

/** Where a container is in its life. A deleted container may be created again. */
public enum Lifecycle {
  /** Never created (the entity has no events). */
  EMPTY,
  ACTIVE,
  DELETED
}
