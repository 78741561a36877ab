package io.archipelago.engine.sync;

import java.util.concurrent.atomic.LongAdder;

/** Counters of this node's sync work, for {@code GET /metrics}. */
public final class SyncMetrics {

  private final LongAdder copiedObjects = new LongAdder();
  private final LongAdder copiedBytes = new LongAdder();
  private final LongAdder deletedObjects = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder conflicts = new LongAdder();
  private final LongAdder reconciles = new LongAdder();
  private final LongAdder repairs = new LongAdder();

  void copied(long bytes) {
    copiedObjects.increment();
    copiedBytes.add(bytes);
  }

  void deleted() {
    deletedObjects.increment();
  }

  void failed() {
    failures.increment();
  }

  void conflict() {
    conflicts.increment();
  }

  void reconciled(long repaired) {
    reconciles.increment();
    repairs.add(repaired);
  }

  public long copiedObjects() {
    return copiedObjects.sum();
  }

  public long copiedBytes() {
    return copiedBytes.sum();
  }

  public long deletedObjects() {
    return deletedObjects.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long conflicts() {
    return conflicts.sum();
  }

  public long reconciles() {
    return reconciles.sum();
  }

  public long repairs() {
    return repairs.sum();
  }
}
