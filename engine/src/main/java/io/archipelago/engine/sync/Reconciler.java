package io.archipelago.engine.sync;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.persistence.audit.AuditInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy: compares the primary's and a replica's listings of a container page by page (name,
 * etag, X-Timestamp), merged in Swift name order, and repairs every difference: missing or older on
 * the replica is copied, the same timestamp with another ETag is replaced by the primary's copy,
 * newer on the replica is a conflict (a recorded failover write wins and goes to the primary;
 * anything else loses to the primary's acknowledged version), on the replica only is deleted,
 * unless it is a failover write the primary never got or the primary's copy was quarantined as
 * corrupt (then it restores the primary). Corrupt bytes under a correct ETag are the integrity
 * checks' to find (see {@code io.archipelago.engine.integrity}). When every difference is repaired,
 * the replica holds every change up to the container's last change at the start, which is recorded
 * in the entity.
 */
public final class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  /** What a reconcile of one replica found and did. */
  public record Report(
      String replica,
      long compared,
      long copied,
      long deleted,
      long conflicts,
      long failed,
      Optional<String> error) {}

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final ObjectSync objects;
  private final CopyPermits permits;
  private final ProgressReporter reporter;
  private final Retrying retrying;
  private final SyncMetrics metrics;
  private final SyncSettings settings;
  private final String node;
  private final Materializer materializer;

  Reconciler(
      ActorSystem<?> system,
      BackendRegistry registry,
      ObjectSync objects,
      CopyPermits permits,
      ProgressReporter reporter,
      Retrying retrying,
      SyncMetrics metrics,
      SyncSettings settings,
      String node) {
    this.system = system;
    this.registry = registry;
    this.objects = objects;
    this.permits = permits;
    this.reporter = reporter;
    this.retrying = retrying;
    this.metrics = metrics;
    this.settings = settings;
    this.node = node;
    this.materializer = Materializer.matFromSystem(system);
  }

  /** Reconciles every replica of the container (all of them, or only those with failures). */
  public CompletionStage<List<Report>> reconcile(
      String account, String container, boolean onlyFailed) {
    return reconcile(account, container, onlyFailed, AuditInfo.system(node, "reconcile"));
  }

  /** As {@link #reconcile(String, String, boolean)}, recorded as {@code audit}'s (an operator). */
  CompletionStage<List<Report>> reconcile(
      String account, String container, boolean onlyFailed, AuditInfo audit) {
    return status(account, container)
        .thenCompose(
            status -> {
              ContainerState state = status.state();
              List<CompletableFuture<Report>> reports = new ArrayList<>();
              for (String replica : state.replicaBackends()) {
                if (onlyFailed
                    && (!state.sync().replica(replica).needsReconcile()
                        || retrying.health().isDown(replica)
                        || retrying.health().isDown(state.primaryBackend()))) {
                  continue;
                }
                reports.add(reconcile(state, replica, audit).toCompletableFuture());
              }
              return CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new))
                  .thenApply(d -> reports.stream().map(CompletableFuture::join).toList());
            });
  }

  private CompletionStage<ContainerEntity.SyncStatus> status(String account, String container) {
    return ContainerEntity.ask(
        ClusterSharding.get(system)
            .entityRefFor(ContainerEntity.TYPE_KEY, ContainerEntity.entityId(account, container)),
        ContainerEntity.GetSyncStatus::new,
        settings.askTimeout());
  }

  private CompletionStage<Report> reconcile(ContainerState state, String replica, AuditInfo audit) {
    long upTo = state.sync().lastChangeSeqNr();
    long failuresAtStart = state.sync().replica(replica).failedObjects();
    String primary = state.primaryBackend();
    BackendContainer where = new BackendContainer(state.account(), state.container());
    String entityId = ContainerEntity.entityId(state.account(), state.container());
    AtomicLong compared = new AtomicLong();
    AtomicLong copied = new AtomicLong();
    AtomicLong deleted = new AtomicLong();
    AtomicLong conflicts = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> lastError = new AtomicReference<>();
    return objects
        .createContainer(replica, where)
        .thenCompose(
            created ->
                pairs(primary, replica, where)
                    .mapAsyncUnordered(
                        Math.max(1, settings.maxParallelCopies()),
                        pair -> {
                          compared.incrementAndGet();
                          ListingEntry.ObjectRow p = pair.first();
                          ListingEntry.ObjectRow r = pair.second();
                          if (p != null
                              && r != null
                              && p.timestamp().equals(r.timestamp())
                              && p.etag().equals(r.etag())) {
                            return CompletableFuture.completedFuture(Done.getInstance());
                          }
                          return permits
                              .run(() -> repair(state, primary, replica, where, p, r))
                              .handle(
                                  (outcome, failure) -> {
                                    if (failure != null) {
                                      failed.incrementAndGet();
                                      lastError.set(
                                          String.valueOf(ObjectSync.unwrap(failure).getMessage()));
                                      metrics.failed();
                                      return Done.getInstance();
                                    }
                                    switch (outcome.action()) {
                                      case COPIED -> copied.incrementAndGet();
                                      case DELETED -> deleted.incrementAndGet();
                                      default -> {}
                                    }
                                    outcome
                                        .conflict()
                                        .ifPresent(
                                            c -> {
                                              conflicts.incrementAndGet();
                                              metrics.conflict();
                                              reporter.conflict(entityId, c);
                                            });
                                    if (outcome.restoredPrimary()) {
                                      String name = p != null ? p.name() : r.name();
                                      reporter.failoverResolved(
                                          entityId,
                                          new ContainerEntity.FailoverResolved(
                                              name, r != null ? r.timestamp() : p.timestamp()));
                                    }
                                    return Done.getInstance();
                                  });
                        })
                    .runWith(Sink.ignore(), materializer))
        .thenCompose(
            done -> {
              metrics.reconciled(copied.get() + deleted.get());
              Report report =
                  new Report(
                      replica,
                      compared.get(),
                      copied.get(),
                      deleted.get(),
                      conflicts.get(),
                      failed.get(),
                      Optional.ofNullable(lastError.get()));
              if (failed.get() > 0) {
                reporter.failure(entityId, replica, failed.get(), lastError.get());
                return CompletableFuture.completedFuture(report);
              }
              reporter.flush();
              return ContainerEntity.<Done>ask(
                      ClusterSharding.get(system).entityRefFor(ContainerEntity.TYPE_KEY, entityId),
                      replyTo ->
                          new ContainerEntity.RecordReconciled(
                              replica,
                              upTo,
                              failuresAtStart,
                              copied.get(),
                              deleted.get(),
                              audit,
                              replyTo),
                      settings.askTimeout())
                  .thenApply(d -> report);
            })
        .exceptionally(
            failure -> {
              Throwable cause = ObjectSync.unwrap(failure);
              log.info(
                  "reconcile of {} with {} did not finish: {}", where, replica, cause.getMessage());
              return new Report(
                  replica,
                  compared.get(),
                  copied.get(),
                  deleted.get(),
                  conflicts.get(),
                  failed.get() + 1,
                  Optional.of(String.valueOf(cause.getMessage())));
            });
  }

  private CompletionStage<ObjectSync.Outcome> repair(
      ContainerState state,
      String primary,
      String replica,
      BackendContainer where,
      ListingEntry.ObjectRow p,
      ListingEntry.ObjectRow r) {
    if (p != null) {
      return objects.syncWrite(primary, replica, where, p.name());
    }
    ObjectInfo onReplica =
        new ObjectInfo(r.name(), r.size(), r.etag(), r.contentType(), r.timestamp(), Map.of());
    return objects.replicaOnly(primary, replica, where, r.name(), onReplica, Optional.of(state));
  }

  // ---- the merged listing ----

  private record Tagged(ListingEntry.ObjectRow row, boolean primary) {}

  private static final Tagged END = new Tagged(null, true);

  /** Both listings merged by name: (primary row or null, replica row or null). */
  private Source<Pair<ListingEntry.ObjectRow, ListingEntry.ObjectRow>, NotUsed> pairs(
      String primary, String replica, BackendContainer where) {
    Comparator<Tagged> order =
        Comparator.<Tagged, String>comparing(t -> t.row().name(), NameOrder.UTF8)
            .thenComparing(t -> !t.primary());
    Source<Tagged, NotUsed> merged =
        rows(primary, where)
            .map(r -> new Tagged(r, true))
            .mergeSorted(rows(replica, where).map(r -> new Tagged(r, false)), order);
    return merged
        .concat(Source.single(END))
        .statefulMapConcat(
            () -> {
              Tagged[] held = new Tagged[1];
              return t -> {
                List<Pair<ListingEntry.ObjectRow, ListingEntry.ObjectRow>> out = new ArrayList<>(1);
                Tagged prev = held[0];
                if (t == END) {
                  if (prev != null) {
                    out.add(single(prev));
                  }
                  held[0] = null;
                  return out;
                }
                if (prev == null) {
                  held[0] = t;
                } else if (prev.row().name().equals(t.row().name())) {
                  out.add(Pair.create(prev.row(), t.row()));
                  held[0] = null;
                } else {
                  out.add(single(prev));
                  held[0] = t;
                }
                return out;
              };
            });
  }

  private static Pair<ListingEntry.ObjectRow, ListingEntry.ObjectRow> single(Tagged t) {
    return t.primary() ? Pair.create(t.row(), null) : Pair.create(null, t.row());
  }

  private record Cursor(Optional<String> marker, boolean done) {}

  /** A backend's listing of the container, page by page. */
  private Source<ListingEntry.ObjectRow, NotUsed> rows(String backend, BackendContainer where) {
    int pageSize = settings.reconcilePageSize();
    return Source.unfoldAsync(
            new Cursor(Optional.empty(), false),
            cursor -> {
              if (cursor.done()) {
                return CompletableFuture.completedFuture(
                    Optional.<Pair<Cursor, List<ListingEntry.ObjectRow>>>empty());
              }
              ListingQuery query =
                  new ListingQuery(
                      Optional.empty(),
                      Optional.empty(),
                      cursor.marker(),
                      Optional.empty(),
                      pageSize,
                      false);
              return retrying
                  .attempt(
                      backend,
                      "list " + where + " on " + backend,
                      () -> store(backend).list(where, query))
                  .thenApply(
                      page -> {
                        List<ListingEntry.ObjectRow> rows = new ArrayList<>();
                        for (ListingEntry e : page.entries()) {
                          if (e instanceof ListingEntry.ObjectRow row) {
                            rows.add(row);
                          }
                        }
                        boolean last = page.entries().size() < pageSize || rows.isEmpty();
                        Cursor next =
                            new Cursor(
                                rows.isEmpty()
                                    ? cursor.marker()
                                    : Optional.of(rows.get(rows.size() - 1).name()),
                                last);
                        return Optional.of(Pair.create(next, rows));
                      });
            })
        .mapConcat(rows -> rows);
  }

  private ObjectStore store(String backend) {
    return registry
        .store(backend)
        .orElseThrow(
            () ->
                new ObjectStoreException.BackendUnavailable(
                    backend, "not configured on this node", null));
  }
}
