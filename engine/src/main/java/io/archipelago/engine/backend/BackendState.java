package io.archipelago.engine.backend;

/** Whether placement may choose a backend. */
public enum BackendState {
  /** Takes new containers. */
  ACTIVE,
  /** Keeps serving its containers but takes no new ones; its containers are being moved away. */
  DRAINING,
  /** Known to be unreachable. */
  DOWN
}
