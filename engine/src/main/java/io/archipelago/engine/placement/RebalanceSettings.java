package io.archipelago.engine.placement;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code archipelago.placement.rebalance}: when a backend is filled beyond {@code highWater} of its
 * capacity, a plan moves containers away until it is at or below {@code lowWater}.
 *
 * @param enabled plans are computed (and new containers avoid backends beyond their high-water
 *     mark) only when on
 * @param autoAccept a periodic check starts a non-empty plan by itself
 * @param checkInterval how often that check runs
 */
public record RebalanceSettings(
    boolean enabled,
    double highWater,
    double lowWater,
    boolean autoAccept,
    Duration checkInterval) {

  public RebalanceSettings {
    if (!(lowWater > 0 && lowWater <= highWater && highWater <= 1)) {
      throw new IllegalArgumentException(
          "archipelago.placement.rebalance needs 0 < low-water <= high-water <= 1, not "
              + lowWater
              + " and "
              + highWater);
    }
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      throw new IllegalArgumentException(
          "archipelago.placement.rebalance.check-interval must be positive");
    }
  }

  public static RebalanceSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.placement.rebalance");
    return new RebalanceSettings(
        c.getBoolean("enabled"),
        c.getDouble("high-water"),
        c.getDouble("low-water"),
        c.getBoolean("auto-accept"),
        c.getDuration("check-interval"));
  }

  /** The fill a new container's backend may have: the high-water mark when on, else no limit. */
  public double newContainerHighWater() {
    return enabled ? highWater : 0;
  }
}
