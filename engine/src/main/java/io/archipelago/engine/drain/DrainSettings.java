package io.archipelago.engine.drain;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The drain daemon's knobs ({@code archipelago.migration.drain} in engine's reference.conf).
 *
 * @param concurrency containers of one drain migrated at once unless its start names another
 * @param settle a drain ends no sooner than this after its start (placement on other nodes learns
 *     of the draining backend within the registry refresh interval)
 */
public record DrainSettings(
    boolean enabled, int concurrency, Duration tickInterval, Duration settle, Duration askTimeout) {

  public static DrainSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.migration.drain");
    return new DrainSettings(
        c.getBoolean("enabled"),
        c.getInt("concurrency"),
        c.getDuration("tick-interval"),
        c.getDuration("settle"),
        config.getDuration("archipelago.engine.ask-timeout"));
  }
}
