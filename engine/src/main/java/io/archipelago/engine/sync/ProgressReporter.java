package io.archipelago.engine.sync;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what the sync achieves and persists it in the container entities in batches: at most one
 * {@link ContainerEntity.RecordSyncProgress} per container and progress interval, however many
 * objects were copied meanwhile. A report that fails is merged back and sent with the next one.
 * Progress that is lost with a crashed node only makes the lag look larger until the next report or
 * reconcile.
 */
public final class ProgressReporter {

  private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);

  private static final class Pending {
    final Map<String, Long> progress = new HashMap<>();
    final Map<String, long[]> failureCounts = new HashMap<>();
    final Map<String, String> failureErrors = new HashMap<>();
    final List<ContainerEntity.SyncConflict> conflicts = new ArrayList<>();
    final List<ContainerEntity.FailoverResolved> failoverResolved = new ArrayList<>();

    boolean isEmpty() {
      return progress.isEmpty()
          && failureCounts.isEmpty()
          && conflicts.isEmpty()
          && failoverResolved.isEmpty();
    }
  }

  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final String node;
  private final Map<String, Pending> pending = new HashMap<>();

  public ProgressReporter(
      ActorSystem<?> system, Duration interval, Duration askTimeout, String node) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.node = node;
    system
        .scheduler()
        .scheduleWithFixedDelay(interval, interval, this::flush, system.executionContext());
  }

  public synchronized void progress(String entityId, String replica, long seqNr) {
    pending(entityId).progress.merge(replica, seqNr, Math::max);
  }

  public synchronized void failure(String entityId, String replica, long objects, String error) {
    Pending p = pending(entityId);
    p.failureCounts.computeIfAbsent(replica, r -> new long[1])[0] += objects;
    p.failureErrors.put(replica, error);
  }

  public synchronized void conflict(String entityId, ContainerEntity.SyncConflict conflict) {
    pending(entityId).conflicts.add(conflict);
  }

  public synchronized void failoverResolved(
      String entityId, ContainerEntity.FailoverResolved resolved) {
    pending(entityId).failoverResolved.add(resolved);
  }

  private Pending pending(String entityId) {
    return pending.computeIfAbsent(entityId, id -> new Pending());
  }

  /** Sends every container's pending report now. */
  public void flush() {
    Map<String, Pending> batch;
    synchronized (this) {
      if (pending.isEmpty()) {
        return;
      }
      batch = new HashMap<>(pending);
      pending.clear();
    }
    batch.forEach(this::send);
  }

  private void send(String entityId, Pending p) {
    if (p.isEmpty()) {
      return;
    }
    List<ContainerEntity.ReplicaProgress> progress = new ArrayList<>();
    p.progress.forEach((r, s) -> progress.add(new ContainerEntity.ReplicaProgress(r, s)));
    List<ContainerEntity.ReplicaFailure> failures = new ArrayList<>();
    p.failureCounts.forEach(
        (r, n) ->
            failures.add(
                new ContainerEntity.ReplicaFailure(r, n[0], p.failureErrors.getOrDefault(r, ""))));
    AuditInfo audit = AuditInfo.system(node, "sync");
    CompletionStage<Done> sent =
        ContainerEntity.ask(
            ClusterSharding.get(system).entityRefFor(ContainerEntity.TYPE_KEY, entityId),
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    progress,
                    failures,
                    List.copyOf(p.conflicts),
                    List.copyOf(p.failoverResolved),
                    audit,
                    replyTo),
            askTimeout);
    sent.whenComplete(
        (done, failure) -> {
          if (failure != null) {
            log.debug("sync progress of {} not recorded yet: {}", entityId, failure.toString());
            merge(entityId, p);
          }
        });
  }

  private synchronized void merge(String entityId, Pending old) {
    Pending p = pending(entityId);
    old.progress.forEach((r, s) -> p.progress.merge(r, s, Math::max));
    old.failureCounts.forEach(
        (r, n) -> p.failureCounts.computeIfAbsent(r, x -> new long[1])[0] += n[0]);
    old.failureErrors.forEach(p.failureErrors::putIfAbsent);
    p.conflicts.addAll(0, old.conflicts);
    p.failoverResolved.addAll(0, old.failoverResolved);
  }
}
