package io.archipelago.engine.sync;

import io.archipelago.engine.container.ReplicaSync;
import java.time.Duration;
import java.time.Instant;

/** How far behind a replica is in time: since the oldest change it lacks; 0 when caught up. */
public final class SyncLag {

  private SyncLag() {}

  public static double seconds(ReplicaSync replica, Instant now) {
    return replica
        .pendingSince()
        .map(since -> Math.max(0, Duration.between(since, now).toMillis()) / 1000.0)
        .orElse(0.0);
  }
}
