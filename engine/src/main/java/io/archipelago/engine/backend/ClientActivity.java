package io.archipelago.engine.backend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When this node last sent a client's request to each backend. Background work (migration copies
 * and clean-ups) reads it to give way to clients: a client operation marks its backend as it
 * starts, which costs one map write.
 */
public final class ClientActivity {

  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;

  public ClientActivity() {
    this(System::nanoTime);
  }

  public ClientActivity(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** A client's request is about to go to {@code backendId}. */
  public void touch(String backendId) {
    lastSeen.put(backendId, nanoClock.getAsLong());
  }

  /** Whether a client's request went to {@code backendId} within the last {@code windowNanos}. */
  public boolean seenWithin(String backendId, long windowNanos) {
    Long at = lastSeen.get(backendId);
    return at != null && nanoClock.getAsLong() - at <= windowNanos;
  }
}
