package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.integrity.Integrity;
import io.archipelago.engine.integrity.IntegrityLedger;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.SwiftTimestamp;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Brings one object of a replicated container to the same version on the primary and one replica,
 * by the rule newest X-Timestamp wins. Bytes stream from one backend's GET into the other's PUT
 * (never whole in memory), keeping X-Timestamp, etag, content type and metadata, so a copy is
 * identical to its source. A copy never replaces a newer version by itself: when the replica holds
 * a newer one than the primary, that is a conflict, reported; a failover write recorded for the
 * replica wins and is copied to the primary, any other newer copy is replaced by the primary's
 * acknowledged version. A replica copy with the primary's timestamp but another ETag is replaced
 * too. Large-object manifests are copied after the segments they reference exist on the replica.
 * Every backend call goes through bounded retries.
 */
public final class ObjectSync {

  /** What one step did. */
  public enum Action {
    IN_SYNC,
    COPIED,
    DELETED,
    NOTHING
  }

  /** The outcome for one object and one replica, and a conflict if one was resolved. */
  public record Outcome(
      Action action, Optional<ContainerEntity.SyncConflict> conflict, boolean restoredPrimary) {
    static Outcome of(Action action) {
      return new Outcome(action, Optional.empty(), false);
    }
  }

  /** A replica or the primary is down or kept failing; the reconciler repairs this later. */
  public static final class GaveUp extends RuntimeException {
    GaveUp(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private static final String SLO = "x-static-large-object";
  private static final String DLO = "x-object-manifest";
  private static final long MAX_MANIFEST_BYTES = 8L * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BackendRegistry registry;
  private final Function<BackendContainer, CompletionStage<ContainerState>> containers;
  private final Retrying retrying;
  private final Materializer materializer;
  private final SyncMetrics metrics;
  private final IntegrityLedger ledger;

  public ObjectSync(
      ActorSystem<?> system,
      BackendRegistry registry,
      Function<BackendContainer, CompletionStage<ContainerState>> containers,
      Retrying retrying,
      SyncMetrics metrics) {
    this.registry = registry;
    this.containers = containers;
    this.retrying = retrying;
    this.materializer = Materializer.matFromSystem(system);
    this.metrics = metrics;
    this.ledger = IntegrityLedger.get(system);
  }

  /**
   * After a write on the primary: makes the replica hold the newest version of {@code name} (the
   * primary's, or the replica's if newer: a conflict, then the primary gets it).
   */
  public CompletionStage<Outcome> syncWrite(
      String primary, String replica, BackendContainer where, String name) {
    return both(primary, replica, where, name)
        .thenCompose(
            found -> {
              Optional<ObjectInfo> p = found.primary();
              Optional<ObjectInfo> r = found.replica();
              if (p.isEmpty()) {
                if (r.isPresent()) {
                  // A failover write (taken by the replica while the primary was down) goes back to
                  // the
                  // primary; anything else was deleted since, and a later event says what to do.
                  return containers
                      .apply(where)
                      .thenCompose(
                          state ->
                              replicaOnly(
                                  primary,
                                  replica,
                                  where,
                                  name,
                                  r.get(),
                                  Optional.of(state),
                                  false));
                }
                return done(Action.NOTHING);
              }
              if (r.isPresent() && !p.get().timestamp().isNewerThan(r.get().timestamp())) {
                if (r.get().timestamp().isNewerThan(p.get().timestamp())) {
                  // Only a failover write recorded for this replica beats the primary's
                  // acknowledged version; any other newer copy there is not the gateway's.
                  return containers
                      .apply(where)
                      .thenCompose(
                          state ->
                              isFailoverWrite(state, replica, name, r.get())
                                  ? resolveConflict(primary, replica, where, name, r.get(), p.get())
                                  : primaryWins(primary, replica, where, name, p.get(), r.get()));
                }
                if (!sameContent(p.get(), r.get())) {
                  // same timestamp, other bytes: the primary's copy is the acknowledged one
                  return replaceOnReplica(primary, replica, where, name, p.get())
                      .thenApply(Outcome::of);
                }
                return done(Action.IN_SYNC);
              }
              return copy(primary, replica, where, name, p.get()).thenApply(Outcome::of);
            });
  }

  /**
   * The names of a group of writes that the replica does not hold at all, told by one listing page
   * of the replica (from just before the first name in Swift name order) instead of a HEAD of each
   * object on both sides; a name the page does not reach is not among them, nor a failover write
   * recorded for this replica (those need the full check of {@link #syncWrite}). A listing that
   * fails, or a container state that cannot be read, leaves every name to the full check.
   */
  public CompletionStage<Set<String>> absentOnReplica(
      String replica, BackendContainer where, Collection<String> names, int pageSize) {
    if (names.isEmpty()) {
      return CompletableFuture.completedFuture(Set.of());
    }
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(NameOrder.UTF8);
    String first = sorted.get(0);
    // Every name of the group sorts after the first name without its last character.
    String below = first.substring(0, first.offsetByCodePoints(first.length(), -1));
    int limit = Math.max(1, Math.min(pageSize, 2 * sorted.size() + 16));
    ListingQuery query =
        new ListingQuery(
            Optional.empty(),
            Optional.empty(),
            below.isEmpty() ? Optional.empty() : Optional.of(below),
            Optional.empty(),
            limit,
            false);
    CompletionStage<ListingPage> page;
    CompletionStage<Optional<ContainerState>> state;
    try {
      page = store(replica).list(where, query);
      state = containers.apply(where).thenApply(Optional::of);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Set.of());
    }
    return page.thenCombine(
            state,
            (rows, container) -> {
              if (container.isEmpty()) {
                return Set.<String>of();
              }
              Set<String> listed = new HashSet<>();
              String last = null;
              for (ListingEntry e : rows.entries()) {
                if (e instanceof ListingEntry.ObjectRow row) {
                  listed.add(row.name());
                  last = row.name();
                }
              }
              boolean wholeRest = rows.entries().size() < limit;
              Map<String, ?> failoverWrites = container.get().sync().failoverWrites();
              Set<String> absent = new HashSet<>();
              for (String name : sorted) {
                boolean covered = wholeRest || (last != null && NameOrder.compare(name, last) <= 0);
                if (!covered) {
                  break;
                }
                if (!listed.contains(name) && !failoverWrites.containsKey(name)) {
                  absent.add(name);
                }
              }
              return (Set<String>) absent;
            })
        .exceptionally(failure -> Set.of());
  }

  /**
   * After a write on the primary, for a name the replica's listing did not show ({@link
   * #absentOnReplica}): the primary's version is streamed over without the HEADs of {@link
   * #syncWrite}. Whatever the listing could not tell falls back to that full check: the primary no
   * longer holds the object, it is a large-object manifest (its segments go first), or the replica
   * holds a version at least as new (the listing was behind).
   */
  public CompletionStage<Outcome> syncNewOnReplica(
      String primary, String replica, BackendContainer where, String name) {
    return retrying
        .attempt(
            List.of(primary, replica),
            "copy " + where + "/" + name + " to " + replica,
            () -> streamUnlessManifest(primary, replica, where, name))
        .thenCompose(
            copied ->
                copied.isPresent() ? done(copied.get()) : syncWrite(primary, replica, where, name));
  }

  /** The plain copy of {@link #syncNewOnReplica}; empty when the full check must decide. */
  private CompletionStage<Optional<Action>> streamUnlessManifest(
      String from, String to, BackendContainer where, String name) {
    return store(from)
        .get(where, name, Optional.empty())
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<Action>empty());
              }
              ObjectContent content = found.get();
              ObjectInfo info = content.info();
              if (info.metadata().containsKey(DLO) || isTrue(info.metadata().get(SLO))) {
                content.data().runWith(Sink.cancelled(), materializer);
                return CompletableFuture.completedFuture(Optional.<Action>empty());
              }
              return store(to)
                  .put(where, name, attributesOf(info), content.data())
                  .thenApply(
                      put -> {
                        metrics.copied(info.size());
                        return Optional.of(Action.COPIED);
                      })
                  .exceptionally(
                      failure -> {
                        if (unwrap(failure) instanceof ObjectStoreException.NewerExists) {
                          return Optional.<Action>empty();
                        }
                        throw new CompletionException(unwrap(failure));
                      });
            });
  }

  /**
   * After a delete on the primary: removes the replica's version unless it is newer than the
   * delete, or the primary holds the object again.
   */
  public CompletionStage<Outcome> syncDelete(
      String primary,
      String replica,
      BackendContainer where,
      String name,
      SwiftTimestamp deletedAt) {
    return both(primary, replica, where, name)
        .thenCompose(
            found -> {
              Optional<ObjectInfo> r = found.replica();
              if (r.isEmpty() || r.get().timestamp().isNewerThan(deletedAt)) {
                return done(Action.NOTHING);
              }
              if (found.primary().isPresent()) {
                // Written again after the delete: the write's own event brings it over.
                return done(Action.NOTHING);
              }
              return deleteOn(replica, where, name).thenApply(Outcome::of);
            });
  }

  /**
   * The reconciler found {@code name} on the replica only: it was deleted on the primary (then it
   * goes), unless it is a failover write the primary never got (then the primary gets it).
   */
  public CompletionStage<Outcome> replicaOnly(
      String primary,
      String replica,
      BackendContainer where,
      String name,
      ObjectInfo onReplica,
      Optional<ContainerState> state) {
    return replicaOnly(primary, replica, where, name, onReplica, state, true);
  }

  private CompletionStage<Outcome> replicaOnly(
      String primary,
      String replica,
      BackendContainer where,
      String name,
      ObjectInfo onReplica,
      Optional<ContainerState> state,
      boolean deleteOthers) {
    boolean failoverWrite =
        state.map(s -> isFailoverWrite(s, replica, name, onReplica)).orElse(false);
    if (!deleteOthers) {
      return failoverWrite
          ? copy(replica, primary, where, name, onReplica)
              .thenApply(a -> new Outcome(a, Optional.empty(), true))
          : done(Action.NOTHING);
    }
    return head(primary, where, name)
        .thenCompose(
            p -> {
              if (p.isPresent()) {
                // Arrived on the primary since its listing page was read.
                return syncWrite(primary, replica, where, name);
              }
              if (failoverWrite) {
                return copy(replica, primary, where, name, onReplica)
                    .thenApply(a -> new Outcome(a, Optional.empty(), true));
              }
              if (ledger.awaitingRepair(primary, where, name)) {
                // the primary's copy was quarantined as corrupt, not deleted: restore it
                return copy(replica, primary, where, name, onReplica).thenApply(Outcome::of);
              }
              return deleteOn(replica, where, name).thenApply(Outcome::of);
            });
  }

  /** Empties the replica's copy of a deleted container and removes it. */
  public CompletionStage<Action> deleteContainer(
      String replica, BackendContainer where, int pageSize) {
    return retrying
        .attempt(replica, "delete container " + where, () -> store(replica).deleteContainer(where))
        .thenApply(d -> Action.DELETED)
        .exceptionallyCompose(
            failure -> {
              if (unwrap(failure) instanceof GaveUp g
                  && g.getCause() instanceof ObjectStoreException.ContainerNotEmpty) {
                return emptyContainer(replica, where, pageSize)
                    .thenCompose(
                        d ->
                            retrying.attempt(
                                replica,
                                "delete container " + where,
                                () -> store(replica).deleteContainer(where)))
                    .thenApply(d -> Action.DELETED);
              }
              return CompletableFuture.failedFuture(unwrap(failure));
            });
  }

  public CompletionStage<Action> createContainer(String replica, BackendContainer where) {
    return retrying
        .attempt(replica, "create container " + where, () -> store(replica).createContainer(where))
        .thenApply(d -> Action.COPIED);
  }

  private CompletionStage<Void> emptyContainer(
      String replica, BackendContainer where, int pageSize) {
    return retrying
        .attempt(
            replica, "list " + where, () -> store(replica).list(where, ListingQuery.all(pageSize)))
        .thenCompose(
            page -> {
              if (page.entries().isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              List<CompletableFuture<?>> deletes = new ArrayList<>();
              for (ListingEntry e : page.entries()) {
                if (e instanceof ListingEntry.ObjectRow row) {
                  deletes.add(deleteOn(replica, where, row.name()).toCompletableFuture());
                }
              }
              return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new))
                  .thenCompose(d -> emptyContainer(replica, where, pageSize));
            });
  }

  // ---- conflicts ----

  /** Whether the replica's version is a failover write recorded for it (or a later one). */
  private static boolean isFailoverWrite(
      ContainerState state, String replica, String name, ObjectInfo onReplica) {
    return Optional.ofNullable(state.sync().failoverWrites().get(name))
        .filter(
            w -> w.backend().equals(replica) && !w.timestamp().isNewerThan(onReplica.timestamp()))
        .isPresent();
  }

  /**
   * Same version: same timestamp (checked by the caller) and the same ETag and size. Only plain
   * objects are compared: a manifest's or a multipart ETag may be told differently by different
   * kinds of backend.
   */
  private static boolean sameContent(ObjectInfo primary, ObjectInfo replica) {
    if (!Integrity.verifiable(primary) || !Integrity.verifiable(replica)) {
      return true;
    }
    return Etags.bare(primary.etag()).equalsIgnoreCase(Etags.bare(replica.etag()))
        && primary.size() == replica.size();
  }

  /**
   * A newer version on the replica that no failover write explains: the primary's acknowledged
   * version replaces it, and the conflict is reported with the primary as winner.
   */
  private CompletionStage<Outcome> primaryWins(
      String primary,
      String replica,
      BackendContainer where,
      String name,
      ObjectInfo onPrimary,
      ObjectInfo onReplica) {
    return replaceOnReplica(primary, replica, where, name, onPrimary)
        .thenApply(
            action ->
                new Outcome(
                    action,
                    Optional.of(
                        new ContainerEntity.SyncConflict(
                            name, replica, primary, onPrimary.timestamp(), onReplica.timestamp())),
                    false));
  }

  /**
   * Replaces the replica's copy with the primary's version, which a plain copy cannot do when the
   * replica's timestamp is not older (newest X-Timestamp wins in every store): delete, then copy.
   */
  private CompletionStage<Action> replaceOnReplica(
      String primary, String replica, BackendContainer where, String name, ObjectInfo onPrimary) {
    return deleteOn(replica, where, name)
        .thenCompose(d -> copy(primary, replica, where, name, onPrimary));
  }

  private CompletionStage<Outcome> resolveConflict(
      String primary,
      String replica,
      BackendContainer where,
      String name,
      ObjectInfo newer,
      ObjectInfo older) {
    // Newest X-Timestamp wins: the replica's version stays and the primary gets it.
    return copy(replica, primary, where, name, newer)
        .thenApply(
            action ->
                new Outcome(
                    action,
                    Optional.of(
                        new ContainerEntity.SyncConflict(
                            name, replica, replica, newer.timestamp(), older.timestamp())),
                    true));
  }

  // ---- copying ----

  /** Copies {@code info}'s version from one backend to another, segments first for manifests. */
  CompletionStage<Action> copy(
      String from, String to, BackendContainer where, String name, ObjectInfo info) {
    return segmentsFirst(from, to, where, info)
        .thenCompose(
            ok ->
                retrying.attempt(
                    List.of(from, to),
                    "copy " + where + "/" + name + " to " + to,
                    () -> stream(from, to, where, name)));
  }

  private CompletionStage<Action> stream(
      String from, String to, BackendContainer where, String name) {
    return store(from)
        .get(where, name, Optional.empty())
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Action.NOTHING);
              }
              ObjectContent content = found.get();
              ObjectInfo info = content.info();
              return store(to)
                  .put(where, name, attributesOf(info), content.data())
                  .thenApply(
                      put -> {
                        metrics.copied(info.size());
                        return Action.COPIED;
                      })
                  .exceptionally(
                      failure -> {
                        if (unwrap(failure) instanceof ObjectStoreException.NewerExists) {
                          return Action.IN_SYNC; // a newer version got there first; it wins
                        }
                        throw new CompletionException(unwrap(failure));
                      });
            });
  }

  /** A copy's attributes: the source version's timestamp, type, metadata, ETag and size. */
  private static ObjectAttributes attributesOf(ObjectInfo info) {
    return new ObjectAttributes(
        info.contentType(),
        info.timestamp(),
        info.metadata(),
        Optional.of(info.etag()),
        OptionalLong.of(info.size()));
  }

  private CompletionStage<Action> deleteOn(String backend, BackendContainer where, String name) {
    return retrying
        .attempt(
            backend,
            "delete " + where + "/" + name + " on " + backend,
            () -> store(backend).delete(where, name))
        .thenApply(
            d -> {
              metrics.deleted();
              return d.isPresent() ? Action.DELETED : Action.NOTHING;
            });
  }

  // ---- large objects ----

  /**
   * For a Swift large-object manifest, makes sure the segments it references are on the target
   * first, so that the manifest never appears there before its data. Segments in a container that
   * is not replicated to the target cannot be brought over; the manifest is copied anyway, as
   * Swift's container sync does.
   */
  private CompletionStage<Void> segmentsFirst(
      String from, String to, BackendContainer where, ObjectInfo info) {
    Map<String, String> meta = info.metadata();
    if (meta.containsKey(DLO)) {
      String ref = decode(meta.get(DLO));
      int slash = ref.indexOf('/');
      if (slash <= 0) {
        return CompletableFuture.completedFuture(null);
      }
      BackendContainer segments = new BackendContainer(where.account(), ref.substring(0, slash));
      String prefix = ref.substring(slash + 1);
      return segmentRoute(segments, from, to)
          .thenCompose(
              route ->
                  route.isEmpty()
                      ? CompletableFuture.completedFuture(null)
                      : dloSegments(route.get(), segments, prefix, Optional.empty()));
    }
    if (isTrue(meta.get(SLO))) {
      return manifestSegments(from, where, info.name())
          .thenCompose(
              refs -> {
                CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
                for (Map.Entry<String, List<String>> e : refs.entrySet()) {
                  BackendContainer segments = new BackendContainer(where.account(), e.getKey());
                  chain =
                      chain
                          .thenCompose(ok -> segmentRoute(segments, from, to))
                          .thenCompose(
                              route -> {
                                if (route.isEmpty()) {
                                  return CompletableFuture.completedFuture(null);
                                }
                                List<CompletableFuture<?>> each = new ArrayList<>();
                                for (String segment : e.getValue()) {
                                  each.add(
                                      syncWrite(
                                              route.get().from(),
                                              route.get().to(),
                                              segments,
                                              segment)
                                          .toCompletableFuture());
                                }
                                return CompletableFuture.allOf(
                                        each.toArray(CompletableFuture[]::new))
                                    .thenApply(d -> null);
                              });
                }
                return chain;
              });
    }
    return CompletableFuture.completedFuture(null);
  }

  private record Route(String from, String to) {}

  /**
   * Where the segments' container copies from and to: the same backends when the segments'
   * container is replicated between them too.
   */
  private CompletionStage<Optional<Route>> segmentRoute(
      BackendContainer segments, String from, String to) {
    return containers
        .apply(segments)
        .thenApply(
            state -> {
              List<String> all = new ArrayList<>(state.replicaBackends());
              all.add(state.primaryBackend());
              return all.contains(from) && all.contains(to)
                  ? Optional.of(new Route(from, to))
                  : Optional.<Route>empty();
            })
        .exceptionally(failure -> Optional.empty());
  }

  private CompletionStage<Void> dloSegments(
      Route route, BackendContainer segments, String prefix, Optional<String> marker) {
    ListingQuery query =
        new ListingQuery(
            Optional.of(prefix), Optional.empty(), marker, Optional.empty(), 1000, false);
    return retrying
        .attempt(route.from(), "list " + segments, () -> store(route.from()).list(segments, query))
        .thenCompose(
            page -> {
              List<CompletableFuture<?>> each = new ArrayList<>();
              String last = null;
              for (ListingEntry e : page.entries()) {
                if (e instanceof ListingEntry.ObjectRow row) {
                  each.add(
                      syncWrite(route.from(), route.to(), segments, row.name())
                          .toCompletableFuture());
                  last = row.name();
                }
              }
              String next = last;
              return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                  .thenCompose(
                      d ->
                          next == null || page.entries().size() < 1000
                              ? CompletableFuture.completedFuture(null)
                              : dloSegments(route, segments, prefix, Optional.of(next)));
            });
  }

  /** The segments an SLO manifest references, by container, in Swift's stored manifest format. */
  private CompletionStage<Map<String, List<String>>> manifestSegments(
      String from, BackendContainer where, String name) {
    return retrying
        .attempt(
            from,
            "read manifest " + where + "/" + name,
            () -> store(from).get(where, name, Optional.empty()))
        .thenCompose(
            found ->
                found.isEmpty()
                    ? CompletableFuture.completedFuture(ByteString.emptyByteString())
                    : found
                        .get()
                        .data()
                        .limitWeighted(MAX_MANIFEST_BYTES, b -> (long) b.size())
                        .runWith(
                            Sink.fold(ByteString.emptyByteString(), ByteString::concat),
                            materializer))
        .thenApply(ObjectSync::parseManifest);
  }

  static Map<String, List<String>> parseManifest(ByteString json) {
    Map<String, List<String>> result = new LinkedHashMap<>();
    if (json.isEmpty()) {
      return result;
    }
    try {
      JsonNode root = JSON.readTree(json.toArray());
      for (JsonNode n : root) {
        String path = n.path("name").asText(n.path("path").asText(""));
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        if (slash > 0 && slash < p.length() - 1) {
          result
              .computeIfAbsent(decode(p.substring(0, slash)), k -> new ArrayList<>())
              .add(decode(p.substring(slash + 1)));
        }
      }
    } catch (IOException e) {
      // not a manifest we understand: copy it as it is
    }
    return result;
  }

  // ---- plumbing ----

  private record Both(Optional<ObjectInfo> primary, Optional<ObjectInfo> replica) {}

  private CompletionStage<Both> both(
      String primary, String replica, BackendContainer where, String name) {
    CompletionStage<Optional<ObjectInfo>> p = head(primary, where, name);
    CompletionStage<Optional<ObjectInfo>> r = head(replica, where, name);
    return p.thenCombine(r, Both::new);
  }

  private CompletionStage<Optional<ObjectInfo>> head(
      String backend, BackendContainer where, String name) {
    return retrying.attempt(
        backend,
        "head " + where + "/" + name + " on " + backend,
        () -> store(backend).head(where, name));
  }

  private ObjectStore store(String backend) {
    return registry
        .store(backend)
        .orElseThrow(
            () ->
                new ObjectStoreException.BackendUnavailable(
                    backend, "not configured on this node", null));
  }

  private static CompletionStage<Outcome> done(Action action) {
    return CompletableFuture.completedFuture(Outcome.of(action));
  }

  private static boolean isTrue(String value) {
    return value != null
        && Set.of("true", "yes", "1", "on", "t", "y")
            .contains(value.trim().toLowerCase(Locale.ROOT));
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
