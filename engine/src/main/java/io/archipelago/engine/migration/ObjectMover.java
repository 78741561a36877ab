package io.archipelago.engine.migration;

import akka.Done;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Moves one object's version from one backend to another during a migration, streaming (never whole
 * in memory) and keeping X-Timestamp, ETag, content type and metadata. Newest X-Timestamp wins: a
 * version the other side already holds, or a newer one there (a client's write during the
 * migration), is left alone.
 *
 * <p>A client delete during a migration removes the object from the side copied from first, then
 * from the side copied to. A copy that read the version just before such a delete may land after
 * it; so after each copy the side copied from is asked again, and when the version is gone from it
 * the copy is taken back (unless a newer version replaced it meanwhile). What remains is a window
 * of a few milliseconds between that check and the take-back (stated in the README). A migration
 * asks for a batch of copies at once with one listing page of the side copied from ({@link #settle}
 * then only for the names missing there).
 */
public final class ObjectMover {

  /** What one move did: the bytes copied, 0 when nothing had to move. */
  public record Moved(long bytes, boolean copied) {
    static final Moved NOTHING = new Moved(0, false);
  }

  private final BackendRegistry registry;

  public ObjectMover(BackendRegistry registry) {
    this.registry = registry;
  }

  /** Makes {@code to} hold {@code from}'s version of {@code name} unless it holds it or newer. */
  public CompletionStage<Moved> move(String from, String to, BackendContainer where, String name) {
    return inspect(from, to, where, name)
        .thenCompose(this::transfer)
        .thenCompose(this::settle)
        .thenApply(Transfer::moved);
  }

  /**
   * The first step of a move, split into three so that a migration can pipeline them (each step
   * with its own parallelism, the slow one, the transfer, never waiting for the others): both
   * sides' HEADs, and whether the source's version must go over.
   */
  record Inspection(
      String from,
      String to,
      BackendContainer where,
      String name,
      Optional<ObjectInfo> source,
      boolean copy) {}

  /** What the transfer did: the version copied (to settle) or nothing to do. */
  record Transfer(
      String from,
      String to,
      BackendContainer where,
      String name,
      Optional<ObjectInfo> copied,
      Moved moved) {}

  CompletionStage<Inspection> inspect(String from, String to, BackendContainer where, String name) {
    return store(from)
        .head(where, name)
        .thenCombine(
            store(to).head(where, name),
            (s, t) ->
                new Inspection(
                    from,
                    to,
                    where,
                    name,
                    s,
                    s.isPresent()
                        && (t.isEmpty() || s.get().timestamp().isNewerThan(t.get().timestamp()))));
  }

  /**
   * The inspection from both sides' listing rows instead of HEADs (the copy walks both listings in
   * name order): the source's version goes over unless the target holds it or a newer one. A row
   * that is stale by the time of the copy costs nothing wrong: the GET takes the source's version
   * of then, and the target keeps a newer one ({@link ObjectStoreException.NewerExists}).
   */
  static Inspection inspection(
      String from,
      String to,
      BackendContainer where,
      ListingEntry.ObjectRow source,
      Optional<ListingEntry.ObjectRow> target) {
    ObjectInfo info =
        new ObjectInfo(
            source.name(),
            source.size(),
            source.etag(),
            source.contentType(),
            source.timestamp(),
            Map.of());
    boolean copy = target.isEmpty() || source.timestamp().isNewerThan(target.get().timestamp());
    return new Inspection(from, to, where, source.name(), Optional.of(info), copy);
  }

  CompletionStage<Transfer> transfer(Inspection i) {
    if (!i.copy()) {
      Moved moved = i.source().map(s -> new Moved(s.size(), false)).orElse(Moved.NOTHING);
      return CompletableFuture.completedFuture(
          new Transfer(i.from(), i.to(), i.where(), i.name(), Optional.empty(), moved));
    }
    return copy(store(i.from()), store(i.to()), i.where(), i.name())
        .thenApply(
            copied ->
                new Transfer(
                    i.from(),
                    i.to(),
                    i.where(),
                    i.name(),
                    copied.map(Copied::info).filter(c -> copied.get().written()),
                    copied.map(Copied::moved).orElse(Moved.NOTHING)));
  }

  /** After a copy: takes it back when a client deleted the source's version meanwhile. */
  CompletionStage<Transfer> settle(Transfer t) {
    if (t.copied().isEmpty()) {
      return CompletableFuture.completedFuture(t);
    }
    return takeBackIfDeleted(store(t.from()), store(t.to()), t.where(), t.name(), t.copied().get())
        .thenApply(d -> t);
  }

  private record Copied(ObjectInfo info, boolean written, Moved moved) {}

  private CompletionStage<Optional<Copied>> copy(
      ObjectStore source, ObjectStore target, BackendContainer where, String name) {
    return source
        .get(where, name, Optional.empty())
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<Copied>empty());
              }
              ObjectContent content = found.get();
              ObjectInfo info = content.info();
              ObjectAttributes attributes =
                  new ObjectAttributes(
                      info.contentType(),
                      info.timestamp(),
                      info.metadata(),
                      Optional.of(info.etag()),
                      OptionalLong.of(info.size()));
              return target
                  .put(where, name, attributes, content.data())
                  .thenApply(
                      put -> Optional.of(new Copied(info, true, new Moved(info.size(), true))))
                  .exceptionally(
                      failure -> {
                        if (unwrap(failure) instanceof ObjectStoreException.NewerExists) {
                          return Optional.of(
                              new Copied(info, false, new Moved(info.size(), false)));
                        }
                        throw new CompletionException(unwrap(failure));
                      });
            });
  }

  /** The copied version left the source while it was copied (a client deleted it): undo it. */
  private CompletionStage<Done> takeBackIfDeleted(
      ObjectStore source, ObjectStore target, BackendContainer where, String name, ObjectInfo v) {
    return source
        .head(where, name)
        .thenCompose(
            now -> {
              if (now.isPresent()) {
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              return target
                  .head(where, name)
                  .thenCompose(
                      there ->
                          there.isPresent() && there.get().timestamp().equals(v.timestamp())
                              ? target.delete(where, name).thenApply(d -> Done.getInstance())
                              : CompletableFuture.completedFuture(Done.getInstance()));
            });
  }

  ObjectStore store(String backend) {
    return registry
        .store(backend)
        .orElseThrow(
            () ->
                new ObjectStoreException.BackendUnavailable(
                    backend, "not configured on this node", null));
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
