package io.archipelago.engine.ops;

import akka.Done;
import akka.cluster.typed.Cluster;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.placement.Placement;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.SwiftTimestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Container operations: create (with placement), read, metadata, listing, delete. */
public final class ContainerOps {

  /** The outcome of a create: the state and whether the container is new (201) or not (202). */
  public record CreateOutcome(ContainerState state, boolean created) {}

  private final EngineContext ctx;
  private final ContainerRouteView routes;
  private final Cluster cluster;
  private final PlacementOps placement;

  /**
   * Containers whose entity lately did not answer a read in time, by entity id, with when that was:
   * their reads go to the route view at once while one probe ask at a time checks whether the
   * entity is back. Entries end when a probe gets an answer, or count as gone after {@link
   * #SUSPECT_FOR_NANOS}, so the map holds at most the containers read during an outage.
   */
  private final ConcurrentHashMap<String, Suspect> suspects = new ConcurrentHashMap<>();

  private static final long SUSPECT_FOR_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** When a read's first ask last timed out on this node (System.nanoTime). */
  private volatile long lastReadTimeoutNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

  private static final long TROUBLE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private record Suspect(long sinceNanos, AtomicBoolean probing) {}

  public ContainerOps(EngineContext ctx) {
    this.placement = new PlacementOps(ctx);
    this.ctx = ctx;
    this.routes = ContainerRouteView.get(ctx.system());
    this.cluster = Cluster.get(ctx.system());
  }

  /**
   * Creates the container: places it by policy, creates it on its backends, records it in the
   * entity and lists it in the account. For an existing container, merges the metadata.
   */
  public CompletionStage<CreateOutcome> create(
      String account,
      String container,
      Optional<String> requestedPolicy,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      RequestContext request) {
    return get(account, container)
        .thenApply(Optional::of)
        .exceptionally(
            failure -> {
              if (EntityAsk.unwrap(failure) instanceof GatewayException g
                  && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                return Optional.empty();
              }
              throw asRuntime(failure);
            })
        .thenCompose(
            existing -> {
              if (existing.isPresent()) {
                ContainerState state = existing.get();
                if (requestedPolicy.isPresent() && !requestedPolicy.get().equals(state.policy())) {
                  throw new GatewayException(
                      GatewayException.Reason.POLICY_MISMATCH,
                      "Storage Policy "
                          + requestedPolicy.get()
                          + " does not match existing "
                          + state.policy());
                }
                return record(
                    account,
                    container,
                    state.policy(),
                    state.primaryBackend(),
                    state.replicaBackends(),
                    metadata,
                    timestamp,
                    request);
              }
              PlacementPolicy policy = policy(requestedPolicy);
              Placement.Decision decision =
                  placement
                      .forNewContainer(policy)
                      .decision()
                      .orElseThrow(
                          () ->
                              new GatewayException(
                                  GatewayException.Reason.NO_BACKEND_FOR_POLICY,
                                  "No backend available for storage policy " + policy.name()));
              List<String> backends = new ArrayList<>();
              backends.add(decision.primary());
              backends.addAll(decision.replicas());
              BackendContainer where = new BackendContainer(account, container);
              // The primary must take the container; a replica that is down gets it from the
              // sync (on ContainerCreated) or the reconciler once it is back.
              CompletableFuture<?>[] creations =
                  backends.stream()
                      .map(
                          id -> {
                            CompletableFuture<Done> c =
                                ctx.store(id).createContainer(where).toCompletableFuture();
                            return id.equals(decision.primary())
                                ? c
                                : c.exceptionally(e -> Done.getInstance());
                          })
                      .toArray(CompletableFuture[]::new);
              return CompletableFuture.allOf(creations)
                  .thenCompose(
                      done ->
                          record(
                              account,
                              container,
                              policy.name(),
                              decision.primary(),
                              decision.replicas(),
                              metadata,
                              timestamp,
                              request));
            });
  }

  private CompletionStage<CreateOutcome> record(
      String account,
      String container,
      String policy,
      String primary,
      List<String> replicas,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      RequestContext request) {
    CompletionStage<ContainerEntity.CreateResult> created =
        EntityAsk.translated(
            ctx.askContainer(
                account,
                container,
                replyTo ->
                    new ContainerEntity.Create(
                        policy, primary, replicas, metadata, timestamp, request.audit(), replyTo)));
    return created.thenCompose(
        result -> {
          if (!result.created()) {
            return CompletableFuture.completedFuture(new CreateOutcome(result.state(), false));
          }
          return ctx.<Done>askAccount(
                  account,
                  replyTo ->
                      new AccountEntity.ListContainer(
                          ContainerSummary.of(result.state()), request.audit(), replyTo))
              .thenApply(done -> new CreateOutcome(result.state(), true));
        });
  }

  /** The container's state; fails with CONTAINER_NOT_FOUND unless it is active. */
  public CompletionStage<ContainerState> get(String account, String container) {
    return EntityAsk.translated(ctx.askContainer(account, container, ContainerEntity.Get::new));
  }

  /**
   * The container's state for a read (object GET/HEAD, container GET/HEAD, authorization of a
   * read). Asks the entity, but waits only first-ask-timeout: when the entity does not answer by
   * then (its shard is moving after a node crash, which takes 15-20 s), the state comes from the
   * route view that the entity published, ACLs included. Only a timeout leads to the view: "not
   * found" or any other answer of the entity stands. A container the view does not know waits for
   * the entity as {@link #get} does. Writes never use this: they need the entity.
   */
  public CompletionStage<ContainerState> read(String account, String container) {
    if (!ctx.readFallback().enabled()) {
      return get(account, container);
    }
    String id = ContainerEntity.entityId(account, container);
    Suspect suspect = suspects.get(id);
    if (suspect != null && System.nanoTime() - suspect.sinceNanos() < SUSPECT_FOR_NANOS) {
      Optional<ContainerState> fromView;
      try {
        fromView = fromView(account, container);
      } catch (GatewayException notFound) {
        return CompletableFuture.failedStage(notFound);
      }
      if (fromView.isPresent()) {
        probe(account, container, id, suspect);
        return CompletableFuture.completedFuture(fromView.get());
      }
    }
    // Readers that meet the crashed node's containers one after another each pay this wait
    // once per container and node, so it is kept short while a crash is likely: a member is
    // unreachable, or a read here timed out lately (a crash is noticed by that before the
    // failure detector marks the member unreachable, 3-5 s).
    boolean troubled =
        !cluster.state().getUnreachable().isEmpty()
            || System.nanoTime() - lastReadTimeoutNanos < TROUBLE_WINDOW_NANOS;
    Duration firstWait =
        troubled
            ? ctx.readFallback().firstAskTimeoutWhileUnreachable()
            : ctx.readFallback().firstAskTimeout();
    CompletionStage<ContainerState> first =
        EntityAsk.translated(
            ContainerEntity.<ContainerState>ask(
                ctx.container(account, container), ContainerEntity.Get::new, firstWait));
    return first
        .thenApply(
            state -> {
              suspects.remove(id);
              return state;
            })
        .exceptionallyCompose(
            failure -> {
              Throwable cause = EntityAsk.unwrap(failure);
              if (!Retry.isTimeout(cause)) {
                suspects.remove(id);
                return CompletableFuture.failedStage(cause);
              }
              lastReadTimeoutNanos = System.nanoTime();
              Optional<ContainerState> fromView = fromView(account, container);
              if (fromView.isEmpty()) {
                return get(account, container);
              }
              suspects.put(id, new Suspect(System.nanoTime(), new AtomicBoolean()));
              return CompletableFuture.completedFuture(fromView.get());
            });
  }

  /** The state the view holds: deleted in the view is "not found", as the entity would say. */
  private Optional<ContainerState> fromView(String account, String container) {
    return routes
        .route(ContainerEntity.entityId(account, container))
        .map(
            route -> {
              if (route.deleted()) {
                throw new GatewayException(
                    GatewayException.Reason.CONTAINER_NOT_FOUND, "Container not found");
              }
              return route.toState(account, container);
            });
  }

  /** One ask at a time per suspect: any answer (not a timeout) ends the suspicion. */
  private void probe(String account, String container, String id, Suspect suspect) {
    if (!suspect.probing().compareAndSet(false, true)) {
      return;
    }
    ContainerEntity.<ContainerState>ask(
            ctx.container(account, container), ContainerEntity.Get::new, ctx.askTimeout())
        .whenComplete(
            (state, failure) -> {
              if (failure == null || !Retry.isTimeout(EntityAsk.unwrap(failure))) {
                suspects.remove(id, suspect);
              }
              suspect.probing().set(false);
            });
  }

  public CompletionStage<ContainerState> updateMetadata(
      String account,
      String container,
      Map<String, String> changes,
      SwiftTimestamp timestamp,
      RequestContext request) {
    return EntityAsk.translated(
        ctx.askContainer(
            account,
            container,
            replyTo ->
                new ContainerEntity.UpdateMetadata(changes, timestamp, request.audit(), replyTo)));
  }

  /**
   * An operator skips a damaged event of the container's record (one that cannot be read or
   * applied), so that the container serves again without it.
   */
  public CompletionStage<Done> skipDamagedEvent(
      String account, String container, long sequenceNr, RequestContext request) {
    return EntityAsk.translated(
        ctx.askContainer(
            account,
            container,
            replyTo -> new ContainerEntity.SkipDamagedEvent(sequenceNr, request.audit(), replyTo)));
  }

  /** One listing page from the container's primary backend, with the container's state. */
  public CompletionStage<Listing> list(String account, String container, ListingQuery query) {
    BackendContainer where = new BackendContainer(account, container);
    return read(account, container)
        .thenCompose(
            state -> {
              Optional<Migration> migration = state.routingMigration();
              if (migration.isPresent()) {
                return ctx.store(migration.get().writeBackend())
                    .list(where, query)
                    .thenCombine(
                        ctx.store(migration.get().fallbackBackend()).list(where, query),
                        (first, other) -> merged(first, other, query))
                    .thenApply(page -> new Listing(state, page));
              }
              return listFrom(state, state.primaryBackend(), 0, where, query, null)
                  .thenApply(page -> new Listing(state, page));
            });
  }

  /**
   * During a migration a listing is both backends' pages merged in listing order; a name on both is
   * shown once, as its newest X-Timestamp has it. Each page holds the first {@code limit} rows
   * after the marker of its side, so the first {@code limit} rows of the merge are the container's.
   */
  static ListingPage merged(ListingPage first, ListingPage other, ListingQuery query) {
    Comparator<String> order = query.reverse() ? NameOrder.UTF8.reversed() : NameOrder.UTF8;
    List<ListingEntry> a = first.entries();
    List<ListingEntry> b = other.entries();
    List<ListingEntry> result = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (result.size() < query.limit() && (i < a.size() || j < b.size())) {
      if (j >= b.size()) {
        result.add(a.get(i++));
      } else if (i >= a.size()) {
        result.add(b.get(j++));
      } else {
        ListingEntry x = a.get(i);
        ListingEntry y = b.get(j);
        int c = order.compare(x.sortKey(), y.sortKey());
        if (c < 0) {
          result.add(x);
          i++;
        } else if (c > 0) {
          result.add(y);
          j++;
        } else {
          result.add(newer(x, y));
          i++;
          j++;
        }
      }
    }
    return new ListingPage(result);
  }

  private static ListingEntry newer(ListingEntry x, ListingEntry y) {
    if (x instanceof ListingEntry.ObjectRow ox && y instanceof ListingEntry.ObjectRow oy) {
      return oy.timestamp().isNewerThan(ox.timestamp()) ? oy : ox;
    }
    return x instanceof ListingEntry.ObjectRow ? x : y;
  }

  /**
   * The page from the primary; while the primary is unavailable, from the first replica that
   * answers (it may lag behind the primary), else the primary's failure.
   */
  private CompletionStage<ListingPage> listFrom(
      ContainerState state,
      String backend,
      int nextReplica,
      BackendContainer where,
      ListingQuery query,
      Throwable primaryFailure) {
    return ctx.store(backend)
        .list(where, query)
        .exceptionallyCompose(
            failure -> {
              Throwable cause = EntityAsk.unwrap(failure);
              Throwable first = primaryFailure == null ? cause : primaryFailure;
              if (!(cause instanceof ObjectStoreException.BackendUnavailable)
                  || nextReplica >= state.replicaBackends().size()
                  || ctx.registry().store(state.replicaBackends().get(nextReplica)).isEmpty()) {
                return CompletableFuture.failedStage(first);
              }
              return listFrom(
                  state,
                  state.replicaBackends().get(nextReplica),
                  nextReplica + 1,
                  where,
                  query,
                  first);
            });
  }

  /** A listing page and the state of the container it belongs to. */
  public record Listing(ContainerState state, ListingPage page) {}

  /**
   * Deletes an empty container: 409 while its backend holds objects. The backend's own listing
   * decides emptiness, not the entity's counters.
   */
  public CompletionStage<Done> delete(
      String account, String container, SwiftTimestamp timestamp, RequestContext request) {
    BackendContainer where = new BackendContainer(account, container);
    return get(account, container)
        .thenCompose(
            state ->
                holdsObjects(state, where)
                    .thenCompose(
                        notEmpty -> {
                          if (notEmpty) {
                            throw new GatewayException(
                                GatewayException.Reason.CONTAINER_NOT_EMPTY,
                                "There was a conflict when trying to complete your request.");
                          }
                          return EntityAsk.translated(
                              ctx.<Done>askContainer(
                                  account,
                                  container,
                                  replyTo ->
                                      new ContainerEntity.Delete(
                                          timestamp, request.audit(), replyTo)));
                        })
                    .thenCompose(
                        deleted -> {
                          List<String> backends = new ArrayList<>(state.replicaBackends());
                          backends.add(0, state.primaryBackend());
                          state
                              .routingMigration()
                              .map(
                                  m ->
                                      m.source().equals(state.primaryBackend())
                                          ? m.target()
                                          : m.source())
                              .ifPresent(backends::add);
                          CompletableFuture<?>[] removals =
                              backends.stream()
                                  .map(
                                      id ->
                                          ctx.store(id)
                                              .deleteContainer(where)
                                              .toCompletableFuture()
                                              // The namespace no longer has it; a leftover
                                              // directory on a
                                              // backend is harmless and is created again on re-use.
                                              .exceptionally(e -> Done.getInstance()))
                                  .toArray(CompletableFuture[]::new);
                          return CompletableFuture.allOf(removals);
                        })
                    .thenCompose(
                        removed ->
                            ctx.<Done>askAccount(
                                account,
                                replyTo ->
                                    new AccountEntity.UnlistContainer(
                                        container, request.audit(), replyTo))));
  }

  /** Whether the backend (both backends during a migration) holds objects of the container. */
  private CompletionStage<Boolean> holdsObjects(ContainerState state, BackendContainer where) {
    CompletionStage<Boolean> primary =
        ctx.store(state.primaryBackend())
            .list(where, ListingQuery.all(1))
            .thenApply(page -> !page.entries().isEmpty());
    Optional<Migration> migration = state.routingMigration();
    if (migration.isEmpty()) {
      return primary;
    }
    String other =
        migration.get().source().equals(state.primaryBackend())
            ? migration.get().target()
            : migration.get().source();
    return primary.thenCombine(
        ctx.store(other)
            .list(where, ListingQuery.all(1))
            .thenApply(page -> !page.entries().isEmpty()),
        (a, b) -> a || b);
  }

  private PlacementPolicy policy(Optional<String> requested) {
    String name = requested.orElse(ctx.defaultPolicy());
    PlacementPolicy policy = ctx.policies().get(name);
    if (policy == null) {
      throw new GatewayException(
          GatewayException.Reason.POLICY_INVALID, "Invalid X-Storage-Policy '" + name + "'");
    }
    return policy;
  }

  private static RuntimeException asRuntime(Throwable failure) {
    Throwable cause = EntityAsk.unwrap(failure);
    return cause instanceof RuntimeException r ? r : new CompletionException(cause);
  }
}
