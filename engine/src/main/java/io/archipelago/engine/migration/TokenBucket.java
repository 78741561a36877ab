package io.archipelago.engine.migration;

import java.util.function.LongSupplier;

/**
 * A rate shared by everything that uses one backend: each use reserves its tokens (bytes, or one
 * request) and is told how long to wait before it may start; the bucket may go into debt, so a use
 * larger than a second's worth waits its turn rather than never fitting. Nothing blocks: the caller
 * waits with a delayed future.
 */
final class TokenBucket {

  private final double perNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private double tokens;
  private long at;

  /** A second's worth may go at once (after an idle second). */
  TokenBucket(long perSecond, LongSupplier nanoClock) {
    this.perNano = Math.max(1, perSecond) / 1e9;
    this.burst = Math.max(1, perSecond);
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.at = nanoClock.getAsLong();
  }

  /** Takes {@code n} tokens; returns the nanoseconds to wait before using them. */
  synchronized long reserve(long n) {
    long now = nanoClock.getAsLong();
    tokens = Math.min(burst, tokens + (now - at) * perNano);
    at = now;
    tokens -= n;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / perNano);
  }
}
