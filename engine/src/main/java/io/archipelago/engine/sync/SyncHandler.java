package io.archipelago.engine.sync;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.javadsl.Handler;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync projection's handler for one tag slice: gets the container events in groups, applies
 * each container's changes to its replicas, and completes when they are applied (then the offset is
 * stored). Containers of a group run in parallel; within one container the changes of different
 * objects run in parallel and only the last change of each object is applied (sync copies the
 * current version, so earlier ones add nothing); container creation and deletion are barriers. A
 * change that cannot be applied after bounded retries is recorded as a failure in the container and
 * left to the reconciler: a dead replica never stops the projection.
 */
final class SyncHandler extends Handler<List<EventEnvelope<Object>>> {

  /** Decodes the audit envelopes the journal stores the container events in. */
  private final ObjectMapper auditMapper;

  private static final Logger log = LoggerFactory.getLogger(SyncHandler.class);

  private final int slice;
  private final SyncDatabase db;
  private final ObjectSync objects;
  private final CopyPermits permits;
  private final ProgressReporter reporter;
  private final SyncMetrics metrics;
  private final SyncSettings settings;
  private final Materializer materializer;
  private final ExternalSync external;
  private final Function<BackendContainer, CompletionStage<ContainerState>> containerState;

  /** Replicated containers of this slice by persistence id; loaded at the first group. */
  private Map<String, ReplicatedContainer> known;

  SyncHandler(
      ActorSystem<?> system,
      int slice,
      SyncDatabase db,
      ObjectSync objects,
      CopyPermits permits,
      ProgressReporter reporter,
      SyncMetrics metrics,
      SyncSettings settings,
      ExternalSync external,
      Function<BackendContainer, CompletionStage<ContainerState>> containerState) {
    this.external = external;
    this.containerState = containerState;
    this.slice = slice;
    this.db = db;
    this.objects = objects;
    this.permits = permits;
    this.reporter = reporter;
    this.metrics = metrics;
    this.settings = settings;
    this.materializer = Materializer.matFromSystem(system);
    this.auditMapper = AuditMapper.of(system);
  }

  @Override
  public CompletionStage<Done> start() {
    return db.slice(slice)
        .thenApply(
            rows -> {
              Map<String, ReplicatedContainer> m = new ConcurrentHashMap<>();
              rows.forEach(r -> m.put(r.persistenceId(), r));
              known = m;
              return Done.getInstance();
            });
  }

  @Override
  public CompletionStage<Done> process(List<EventEnvelope<Object>> envelopes) {
    Map<String, List<Change>> byContainer = new LinkedHashMap<>();
    for (EventEnvelope<Object> e : envelopes) {
      SyncEvents.unwrap(e.event(), auditMapper)
          .ifPresent(
              event ->
                  byContainer
                      .computeIfAbsent(e.persistenceId(), k -> new ArrayList<>())
                      .add(new Change(e.sequenceNr(), event)));
    }
    return Source.from(new ArrayList<>(byContainer.entrySet()))
        .mapAsyncUnordered(
            Math.max(1, settings.maxParallelCopies()), e -> container(e.getKey(), e.getValue()))
        .runWith(Sink.ignore(), materializer);
  }

  /** A container event and its sequence number in the container's log. */
  private record Change(long sequenceNr, ContainerEntity.Event event) {}

  private CompletionStage<Void> container(String pid, List<Change> events) {
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    List<Change> run = new ArrayList<>();
    for (Change e : events) {
      ContainerEntity.Event event = e.event();
      if (event instanceof ContainerEntity.ContainerCreated
          || event instanceof ContainerEntity.ContainerDeleted
          || event instanceof ContainerEntity.MigrationCutOver
          || event instanceof ContainerEntity.ContainerMetadataUpdated m
              && touchesExternalSync(m.changes())) {
        List<Change> objectsBefore = List.copyOf(run);
        run.clear();
        chain =
            chain
                .thenCompose(ok -> objectChanges(pid, objectsBefore))
                .thenCompose(ok -> containerChange(pid, e));
      } else {
        run.add(e);
      }
    }
    List<Change> rest = List.copyOf(run);
    return chain.thenCompose(ok -> objectChanges(pid, rest));
  }

  private CompletionStage<Void> objectChanges(String pid, List<Change> events) {
    ReplicatedContainer rc = known.get(pid);
    if (rc == null || events.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long lastSeqNr = events.get(events.size() - 1).sequenceNr();
    Map<String, ContainerEntity.Event> lastChange = new LinkedHashMap<>();
    for (Change e : events) {
      objectNameOf(e.event()).ifPresent(name -> lastChange.put(name, e.event()));
    }
    Map<String, Failures> failures = new HashMap<>();
    rc.replicas().forEach(r -> failures.put(r, new Failures()));
    List<CompletableFuture<?>> all = new ArrayList<>();
    external
        .target(rc.syncMetadata())
        .ifPresent(
            resolution -> {
              if (resolution instanceof SyncTargets.Refused refused) {
                // As Swift's container-sync daemon: a target the current config does not allow is
                // not sent to; the failure is logged and counted.
                if (!lastChange.isEmpty()) {
                  metrics.failed();
                  log.warn(
                      "container sync of {} to {} refused: {}",
                      rc,
                      rc.syncTo(),
                      refused.rejection());
                }
                return;
              }
              SyncTargets.Target target = ((SyncTargets.Resolved) resolution).target();
              for (ContainerEntity.Event change : lastChange.values()) {
                all.add(
                    permits
                        .run(
                            () ->
                                change instanceof ContainerEntity.ObjectDeleted d
                                    ? external.delete(rc.where(), d.name(), d.timestamp(), target)
                                    : external.write(
                                        rc.primary(), rc.where(), nameOf(change), target))
                        .handle(
                            (action, failure) -> {
                              if (failure != null) {
                                metrics.failed();
                                log.warn(
                                    "container sync of {} to {}: {}",
                                    rc,
                                    target.url(),
                                    ObjectSync.unwrap(failure).getMessage());
                              }
                              return null;
                            })
                        .toCompletableFuture());
              }
            });
    // One listing page of each replica tells which written objects it does not hold at all: those
    // are copied without first asking both sides about each one (two HEADs per object).
    List<String> written = new ArrayList<>();
    lastChange.forEach(
        (name, change) -> {
          if (!(change instanceof ContainerEntity.ObjectDeleted)) {
            written.add(name);
          }
        });
    for (String replica : rc.replicas()) {
      CompletionStage<Set<String>> absent =
          objects.absentOnReplica(replica, rc.where(), written, settings.reconcilePageSize());
      for (ContainerEntity.Event change : lastChange.values()) {
        all.add(
            absent
                .thenCompose(
                    newOnReplica ->
                        permits.run(
                            () ->
                                newOnReplica.contains(nameOf(change))
                                    ? objects.syncNewOnReplica(
                                        rc.primary(), replica, rc.where(), nameOf(change))
                                    : apply(rc, replica, change)))
                .handle(
                    (outcome, failure) -> {
                      if (failure != null) {
                        failures.get(replica).add(ObjectSync.unwrap(failure));
                      } else {
                        report(rc, nameOf(change), outcome);
                      }
                      return null;
                    })
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              failures.forEach(
                  (replica, f) -> {
                    if (f.count == 0) {
                      reporter.progress(rc.entityId(), replica, lastSeqNr);
                    } else {
                      log.warn(
                          "sync of {} to {}: {} change(s) left to the reconciler; last error: {}",
                          rc,
                          replica,
                          f.count,
                          f.last);
                      reporter.failure(rc.entityId(), replica, f.count, f.last);
                    }
                  });
              return null;
            });
  }

  /**
   * The object an event changes: a write, a delete, or a metadata change (which the replicas get as
   * a write: the primary's version, new metadata and newer timestamp, is copied over).
   */
  private static Optional<String> objectNameOf(ContainerEntity.Event event) {
    if (event instanceof ContainerEntity.ObjectWritten w) {
      return Optional.of(w.name());
    }
    if (event instanceof ContainerEntity.ObjectDeleted d) {
      return Optional.of(d.name());
    }
    if (event instanceof ContainerEntity.ObjectMetadataReplaced m) {
      return Optional.of(m.name());
    }
    return Optional.empty();
  }

  private static String nameOf(ContainerEntity.Event change) {
    return objectNameOf(change).orElseThrow();
  }

  private CompletionStage<ObjectSync.Outcome> apply(
      ReplicatedContainer rc, String replica, ContainerEntity.Event change) {
    BackendContainer where = rc.where();
    if (change instanceof ContainerEntity.ObjectDeleted d) {
      return objects.syncDelete(rc.primary(), replica, where, d.name(), d.timestamp());
    }
    return objects.syncWrite(rc.primary(), replica, where, nameOf(change));
  }

  private void report(ReplicatedContainer rc, String name, ObjectSync.Outcome outcome) {
    outcome
        .conflict()
        .ifPresent(
            c -> {
              metrics.conflict();
              reporter.conflict(rc.entityId(), c);
            });
    if (outcome.restoredPrimary()) {
      reporter.failoverResolved(
          rc.entityId(),
          new ContainerEntity.FailoverResolved(
              name,
              outcome
                  .conflict()
                  .map(ContainerEntity.SyncConflict::winner)
                  .orElse(SwiftTimestamp.now())));
    }
  }

  private static boolean touchesExternalSync(Map<String, String> changes) {
    return changes.containsKey(ExternalSync.SYNC_TO) || changes.containsKey(ExternalSync.SYNC_KEY);
  }

  /**
   * Follows X-Container-Sync-To / -Key changes: the container is followed while it has a target.
   */
  private CompletionStage<Void> syncTargetChanged(
      String pid, ContainerEntity.ContainerMetadataUpdated m) {
    ReplicatedContainer current = known.get(pid);
    CompletionStage<ReplicatedContainer> base;
    if (current != null) {
      base = CompletableFuture.completedFuture(current);
    } else {
      // Not followed yet (no replicas): where the container lives comes from its entity.
      int bar = pid.indexOf('|');
      String entityId = pid.substring(bar + 1);
      int slash = entityId.indexOf('/');
      if (slash <= 0 || entityId.startsWith("#", slash + 1)) {
        log.warn("container sync: cannot follow {} (name too long for its persistence id)", pid);
        return CompletableFuture.completedFuture(null);
      }
      String account = entityId.substring(0, slash);
      String container = entityId.substring(slash + 1);
      base =
          containerState
              .apply(new BackendContainer(account, container))
              .thenApply(
                  state ->
                      new ReplicatedContainer(
                          pid,
                          slice,
                          account,
                          container,
                          state.primaryBackend(),
                          state.replicaBackends()));
    }
    return base.thenCompose(
            rc -> {
              String to = m.changes().getOrDefault(ExternalSync.SYNC_TO, rc.syncTo());
              String key = m.changes().getOrDefault(ExternalSync.SYNC_KEY, rc.syncKey());
              ReplicatedContainer updated =
                  new ReplicatedContainer(
                      pid,
                      slice,
                      rc.account(),
                      rc.container(),
                      rc.primary(),
                      rc.replicas(),
                      to,
                      key);
              return store(updated);
            })
        .exceptionally(
            failure -> {
              log.warn(
                  "container sync: cannot follow {}: {}",
                  pid,
                  ObjectSync.unwrap(failure).getMessage());
              return null;
            });
  }

  private CompletionStage<Void> store(ReplicatedContainer rc) {
    if (!rc.followed()) {
      if (known.remove(rc.persistenceId()) == null) {
        return CompletableFuture.completedFuture(null);
      }
      return db.remove(rc.persistenceId());
    }
    return db.upsert(rc)
        .thenApply(
            ok -> {
              known.put(rc.persistenceId(), rc);
              return null;
            });
  }

  private CompletionStage<Void> containerChange(String pid, Change envelope) {
    if (envelope.event() instanceof ContainerEntity.ContainerMetadataUpdated m) {
      return syncTargetChanged(pid, m);
    }
    if (envelope.event() instanceof ContainerEntity.MigrationCutOver) {
      return placementMoved(pid);
    }
    if (envelope.event() instanceof ContainerEntity.ContainerCreated c) {
      ReplicatedContainer rc =
          new ReplicatedContainer(
              pid,
              slice,
              c.account(),
              c.container(),
              c.primaryBackend(),
              c.replicaBackends(),
              c.metadata().getOrDefault(ExternalSync.SYNC_TO, ""),
              c.metadata().getOrDefault(ExternalSync.SYNC_KEY, ""));
      if (rc.replicas().isEmpty()) {
        return store(rc);
      }
      return db.upsert(rc)
          .thenCompose(
              ok -> {
                known.put(pid, rc);
                return eachReplica(
                    rc,
                    envelope.sequenceNr(),
                    replica -> objects.createContainer(replica, rc.where()));
              });
    }
    ReplicatedContainer rc = known.get(pid);
    if (rc == null) {
      return CompletableFuture.completedFuture(null);
    }
    return eachReplica(
            rc,
            envelope.sequenceNr(),
            replica -> objects.deleteContainer(replica, rc.where(), settings.reconcilePageSize()))
        .thenCompose(ok -> db.remove(pid))
        .thenApply(
            ok -> {
              known.remove(pid);
              return null;
            });
  }

  /**
   * A migration's cut-over moved the primary or a replica: later changes go from the container's
   * primary now to its replicas now (the entity marked them for a reconcile, which brings over what
   * the move left behind). A replica that left the set is emptied here as well as by the
   * migration's clean-up: changes from before the cut-over that this projection copied to it after
   * that clean-up would stay there otherwise.
   */
  private CompletionStage<Void> placementMoved(String pid) {
    ReplicatedContainer rc = known.get(pid);
    if (rc == null) {
      return CompletableFuture.completedFuture(null);
    }
    return containerState
        .apply(rc.where())
        .thenCompose(
            state -> {
              ReplicatedContainer moved =
                  new ReplicatedContainer(
                      pid,
                      slice,
                      rc.account(),
                      rc.container(),
                      state.primaryBackend(),
                      state.replicaBackends(),
                      rc.syncTo(),
                      rc.syncKey());
              List<CompletableFuture<?>> emptied = new ArrayList<>();
              for (String left : rc.replicas()) {
                if (!moved.replicas().contains(left) && !left.equals(moved.primary())) {
                  emptied.add(
                      objects
                          .deleteContainer(left, rc.where(), settings.reconcilePageSize())
                          .handle(
                              (done, failure) -> {
                                if (failure != null) {
                                  log.info(
                                      "container sync: {} left the replicas of {}; its copy is"
                                          + " removed by the migration: {}",
                                      left,
                                      rc,
                                      ObjectSync.unwrap(failure).getMessage());
                                }
                                return null;
                              })
                          .toCompletableFuture());
                }
              }
              return store(moved)
                  .thenCompose(
                      ok -> CompletableFuture.allOf(emptied.toArray(CompletableFuture[]::new)))
                  .thenApply(d -> (Void) null);
            })
        .exceptionally(
            failure -> {
              log.warn(
                  "container sync: cannot follow the move of {}: {}",
                  pid,
                  ObjectSync.unwrap(failure).getMessage());
              return null;
            });
  }

  private CompletionStage<Void> eachReplica(
      ReplicatedContainer rc,
      long seqNr,
      Function<String, CompletionStage<ObjectSync.Action>> step) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (String replica : rc.replicas()) {
      all.add(
          step.apply(replica)
              .handle(
                  (action, failure) -> {
                    if (failure == null) {
                      reporter.progress(rc.entityId(), replica, seqNr);
                    } else {
                      log.warn(
                          "sync of {} to {}: {}",
                          rc,
                          replica,
                          ObjectSync.unwrap(failure).getMessage());
                      reporter.failure(
                          rc.entityId(),
                          replica,
                          1,
                          String.valueOf(ObjectSync.unwrap(failure).getMessage()));
                    }
                    return null;
                  })
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(d -> null);
  }

  private final class Failures {
    long count;
    String last = "";

    synchronized void add(Throwable t) {
      count++;
      last = String.valueOf(t.getMessage());
      metrics.failed();
    }
  }
}
