package io.archipelago.engine.sync;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the sync has seen of each backend on this node: after {@code threshold} failures in a row a
 * backend counts as down for {@code cooldown}, and copies to it fail at once instead of retrying
 * (the reconciler repairs them once it is back). The first operation after the cooldown is a probe:
 * it succeeds and the backend is up again, or the cooldown starts over.
 */
public final class BackendHealth {

  private record Health(int failures, long downUntilNanos) {}

  private final Map<String, Health> backends = new ConcurrentHashMap<>();
  private final int threshold;
  private final Duration cooldown;

  public BackendHealth(int threshold, Duration cooldown) {
    this.threshold = Math.max(1, threshold);
    this.cooldown = cooldown;
  }

  /** Whether copies to the backend should fail at once. */
  public boolean isDown(String backend) {
    Health h = backends.get(backend);
    return h != null && h.failures >= threshold && System.nanoTime() < h.downUntilNanos;
  }

  public void success(String backend) {
    backends.remove(backend);
  }

  public void failure(String backend) {
    backends.compute(
        backend,
        (id, h) -> {
          int failures = h == null ? 1 : h.failures + 1;
          long until = failures >= threshold ? System.nanoTime() + cooldown.toNanos() : 0;
          return new Health(failures, until);
        });
  }
}
