package io.archipelago.engine.integrity;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.SwiftTimestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's record of integrity checks (for {@code GET /admin/integrity} and {@code /metrics}):
 * counters, the objects quarantined lately, the scrubber's progress per backend, and the copies
 * quarantined but not restored yet, which the sync must not take for deleted objects.
 */
public final class IntegrityLedger implements Extension {

  /** Who found a corrupt copy. */
  public enum DetectedBy {
    READ,
    SCRUB
  }

  /**
   * A copy found corrupt.
   *
   * @param moved whether the backend moved it out of the namespace (filesystem); else recorded only
   * @param repairedFrom the backend a good copy came from, once repaired
   */
  public record Quarantined(
      String backend,
      String account,
      String container,
      String name,
      SwiftTimestamp timestamp,
      String etag,
      String reason,
      DetectedBy detectedBy,
      Instant at,
      boolean moved,
      Optional<String> repairedFrom) {

    Quarantined repaired(String from) {
      return new Quarantined(
          backend,
          account,
          container,
          name,
          timestamp,
          etag,
          reason,
          detectedBy,
          at,
          moved,
          Optional.of(from));
    }
  }

  /** The scrubber's view of one backend. */
  public record ScrubProgress(
      String backend,
      Optional<Instant> passStartedAt,
      Optional<Instant> lastPassCompletedAt,
      Optional<String> currentContainer,
      long objectsThisPass,
      long bytesThisPass,
      long corruptThisPass,
      long passesCompleted,
      Optional<String> lastError) {}

  /** The counters, as one snapshot. */
  public record Counters(
      long readsVerified,
      long readMismatches,
      long objectsScrubbed,
      long bytesScrubbed,
      long scrubMismatches,
      long scrubErrors,
      long quarantined,
      long recordedOnly,
      long repaired,
      long repairFailures) {}

  private final LongAdder readsVerified = new LongAdder();
  private final LongAdder readMismatches = new LongAdder();
  private final LongAdder objectsScrubbed = new LongAdder();
  private final LongAdder bytesScrubbed = new LongAdder();
  private final LongAdder scrubMismatches = new LongAdder();
  private final LongAdder scrubErrors = new LongAdder();
  private final LongAdder quarantinedCount = new LongAdder();
  private final LongAdder recordedOnly = new LongAdder();
  private final LongAdder repaired = new LongAdder();
  private final LongAdder repairFailures = new LongAdder();

  private final Deque<Quarantined> recent = new ArrayDeque<>();
  private final Map<String, ScrubProgress> scrubs = new ConcurrentHashMap<>();
  private final Map<String, Quarantined> awaitingRepair = new ConcurrentHashMap<>();
  private volatile int listSize = 1000;

  private IntegrityLedger() {}

  public static IntegrityLedger get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  void listSize(int size) {
    this.listSize = size;
  }

  // ---- counting ----

  void readVerified() {
    readsVerified.increment();
  }

  void mismatch(DetectedBy by) {
    (by == DetectedBy.READ ? readMismatches : scrubMismatches).increment();
  }

  void scrubbed(long bytes) {
    objectsScrubbed.increment();
    bytesScrubbed.add(bytes);
  }

  void scrubError() {
    scrubErrors.increment();
  }

  void repairFailed() {
    repairFailures.increment();
  }

  synchronized void quarantined(Quarantined q) {
    (q.moved() ? quarantinedCount : recordedOnly).increment();
    recent.addFirst(q);
    while (recent.size() > listSize) {
      recent.removeLast();
    }
  }

  synchronized void repaired(Quarantined q, String from) {
    repaired.increment();
    List<Quarantined> all = new ArrayList<>(recent);
    recent.clear();
    for (Quarantined each : all) {
      recent.addLast(each == q || sameCopy(each, q) ? each.repaired(from) : each);
    }
  }

  private static boolean sameCopy(Quarantined a, Quarantined b) {
    return a.backend().equals(b.backend())
        && a.account().equals(b.account())
        && a.container().equals(b.container())
        && a.name().equals(b.name())
        && a.timestamp().equals(b.timestamp())
        && a.repairedFrom().isEmpty();
  }

  // ---- copies waiting for a repair ----

  static String key(String backend, BackendContainer where, String name) {
    return backend + "\u0000" + where.account() + "\u0000" + where.container() + "\u0000" + name;
  }

  /** Marks a quarantined copy as waiting for a repair; false when it already is. */
  boolean startRepair(Quarantined q) {
    return awaitingRepair.putIfAbsent(
            key(q.backend(), new BackendContainer(q.account(), q.container()), q.name()), q)
        == null;
  }

  /** The quarantined copies not restored yet. */
  List<Quarantined> awaitingRepair() {
    return List.copyOf(awaitingRepair.values());
  }

  void repairDone(String backend, BackendContainer where, String name) {
    awaitingRepair.remove(key(backend, where, name));
  }

  /**
   * Whether this backend's copy of the object was quarantined and not restored yet: its absence
   * there is no delete, so the sync must not propagate it.
   */
  public boolean awaitingRepair(String backend, BackendContainer where, String name) {
    return awaitingRepair.containsKey(key(backend, where, name));
  }

  // ---- scrub progress ----

  void scrubProgress(ScrubProgress progress) {
    scrubs.put(progress.backend(), progress);
  }

  Optional<ScrubProgress> scrubProgress(String backend) {
    return Optional.ofNullable(scrubs.get(backend));
  }

  // ---- reading ----

  public Counters counters() {
    return new Counters(
        readsVerified.sum(),
        readMismatches.sum(),
        objectsScrubbed.sum(),
        bytesScrubbed.sum(),
        scrubMismatches.sum(),
        scrubErrors.sum(),
        quarantinedCount.sum(),
        recordedOnly.sum(),
        repaired.sum(),
        repairFailures.sum());
  }

  /** The quarantined copies, newest first. */
  public synchronized List<Quarantined> quarantinedObjects() {
    return List.copyOf(recent);
  }

  /** The scrubber's progress by backend, as far as this node knows it. */
  public Map<String, ScrubProgress> scrubs() {
    return new TreeMap<>(scrubs);
  }

  private static final class Id extends ExtensionId<IntegrityLedger> {
    static final Id INSTANCE = new Id();

    @Override
    public IntegrityLedger createExtension(ActorSystem<?> system) {
      return new IntegrityLedger();
    }
  }
}
