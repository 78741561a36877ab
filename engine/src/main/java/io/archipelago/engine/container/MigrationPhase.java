package io.archipelago.engine.container;

import java.util.Locale;

/** Where a live migration of a container is; each phase is reached by an event of the container. */
public enum MigrationPhase {
  STARTED,
  COPYING,
  VERIFIED,
  CUT_OVER,
  SOURCE_CLEANED,
  COMPLETED,
  CANCELLED,
  FAILED;

  /** The admin API's name: lower case, words joined by '-' ({@code cut-over}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Whether the migration still runs (its worker has work to do before it completes). */
  public boolean running() {
    return this == STARTED || this == COPYING || this == VERIFIED || this == CUT_OVER;
  }

  /** Whether a cancel may still leave the container as it was: before the cut-over. */
  public boolean cancellable() {
    return this == STARTED || this == COPYING || this == VERIFIED;
  }
}
