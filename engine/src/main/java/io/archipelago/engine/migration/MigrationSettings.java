package io.archipelago.engine.migration;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The migration workers' knobs ({@code archipelago.migration} in engine's reference.conf).
 *
 * @param workers daemons spread over the cluster; a container's migration runs in daemon {@code
 *     sliceOf(container, workers)}
 * @param concurrentPerWorker migrations one daemon runs at once
 * @param parallelism objects copied at once per migration when its throttle does not say
 * @param pageSize listing page size of the copy, verification and clean-up
 * @param sampleSize objects whose content is hashed on both sides by the verification
 * @param verifyRounds verification rounds (each repairs what the previous one found) per attempt
 * @param backoff how the copy and the clean-up give way to clients and to a slower backend ({@link
 *     CopyGovernor})
 */
public record MigrationSettings(
    boolean enabled,
    int workers,
    int concurrentPerWorker,
    Duration tickInterval,
    Duration progressInterval,
    int parallelism,
    int pageSize,
    int sampleSize,
    int verifyRounds,
    CopyGovernor.Backoff backoff,
    Duration askTimeout) {

  public static MigrationSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.migration");
    return new MigrationSettings(
        c.getBoolean("enabled"),
        c.getInt("workers"),
        c.getInt("concurrent-per-worker"),
        c.getDuration("tick-interval"),
        c.getDuration("progress-interval"),
        c.getInt("parallelism"),
        c.getInt("page-size"),
        c.getInt("sample-size"),
        c.getInt("verify-rounds"),
        new CopyGovernor.Backoff(
            c.getDouble("backoff.client-share"),
            c.getDuration("backoff.client-window").toNanos(),
            c.getDouble("backoff.latency-factor")),
        config.getDuration("archipelago.engine.ask-timeout"));
  }
}
