package io.archipelago.engine.drain;

import java.util.Locale;

/** Where the drain of a backend is. */
public enum DrainStatus {
  /** The backend was never drained. */
  NONE,
  /** Its containers are being moved away, a few at once. */
  DRAINING,
  /** No new container moves start; those running finish. */
  PAUSED,
  /** Every container left; the backend holds none and can be removed. */
  DRAINED,
  /** Nothing runs any more, but some containers could not move: listed, each with a retry. */
  FAILED,
  /** Stopped by an operator: running moves cancelled, the backend active again. */
  CANCELLED;

  /** The admin API's name: lower case. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the drain still holds its backend (out of placement, watched by the daemon). */
  public boolean holdsBackend() {
    return this == DRAINING || this == PAUSED || this == FAILED;
  }
}
