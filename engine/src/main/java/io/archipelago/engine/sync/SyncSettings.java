package io.archipelago.engine.sync;

import com.typesafe.config.Config;
import java.time.Duration;

/** {@code archipelago.sync}: see the engine's reference.conf. */
public record SyncSettings(
    boolean enabled,
    int slices,
    int maxParallelCopies,
    int batchSize,
    Duration batchWindow,
    int attempts,
    Duration retryMinBackoff,
    Duration retryMaxBackoff,
    int backendFailureThreshold,
    Duration backendCooldown,
    Duration progressInterval,
    Duration repairInterval,
    Duration reconcileInterval,
    int reconcilePageSize,
    int dbConnections,
    Duration askTimeout) {

  public static SyncSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.sync");
    return new SyncSettings(
        c.getBoolean("enabled"),
        config.getInt("archipelago.engine.container-tag-slices"),
        c.getInt("max-parallel-copies"),
        c.getInt("batch-size"),
        c.getDuration("batch-window"),
        Math.max(1, c.getInt("attempts")),
        c.getDuration("retry-min-backoff"),
        c.getDuration("retry-max-backoff"),
        c.getInt("backend-failure-threshold"),
        c.getDuration("backend-cooldown"),
        c.getDuration("progress-interval"),
        c.getDuration("repair-interval"),
        c.getDuration("reconcile-interval"),
        c.getInt("reconcile-page-size"),
        c.getInt("db-connections"),
        config.getDuration("archipelago.engine.ask-timeout"));
  }
}
