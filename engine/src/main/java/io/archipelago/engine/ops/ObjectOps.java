package io.archipelago.engine.ops;

import akka.Done;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.integrity.Integrity;
import io.archipelago.engine.migration.ObjectMover;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Object operations. Bytes stream between the client and the container's backend and never pass
 * through an actor; the container entity is asked for the route and told about writes and deletes,
 * and a write is acknowledged only once its event is persisted.
 */
public final class ObjectOps {

  private final EngineContext ctx;
  private final ContainerOps containers;
  private final Integrity integrity;

  public ObjectOps(EngineContext ctx, ContainerOps containers, Integrity integrity) {
    this.ctx = ctx;
    this.containers = containers;
    this.integrity = integrity;
  }

  /** Streams the body to the container's backend, then records the write in the entity. */
  public CompletionStage<ObjectInfo> put(
      String account,
      String container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body,
      RequestContext request) {
    return containers
        .get(account, container)
        .thenCompose(state -> put(state, name, attributes, body, request));
  }

  /**
   * Writes into a container whose state the caller has just read (one entity round trip fewer per
   * write); the entity still refuses the record if the container is gone by then.
   */
  public CompletionStage<ObjectInfo> put(
      ContainerState state,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body,
      RequestContext request) {
    String account = state.account();
    String container = state.container();
    ObjectStore store = ctx.store(state.writeBackend());
    return store
        .put(new BackendContainer(account, container), name, attributes, body)
        .thenCompose(result -> replacedDuringMigration(state, name, result))
        .thenCompose(result -> record(account, container, name, result, request, store))
        .exceptionallyCompose(
            failure ->
                writeFailover(state, failure)
                    ? putOnReplica(state, 0, name, attributes, body, request, failure)
                    : CompletableFuture.failedStage(EntityAsk.unwrap(failure)));
  }

  /**
   * During a migration a new name on the write backend may replace the other backend's version (not
   * copied yet): the counts must treat it as a replacement.
   */
  private CompletionStage<PutResult> replacedDuringMigration(
      ContainerState state, String name, PutResult result) {
    Optional<Migration> migration = state.routingMigration();
    if (migration.isEmpty() || result.replaced().isPresent()) {
      return CompletableFuture.completedFuture(result);
    }
    return ctx.store(migration.get().fallbackBackend())
        .head(new BackendContainer(state.account(), state.container()), name)
        .handle(
            (found, failure) ->
                failure == null && found.isPresent()
                    ? new PutResult(result.stored(), found)
                    : result);
  }

  /** Whether a failed write may go to a replica: the primary is down and the policy allows it. */
  private boolean writeFailover(ContainerState state, Throwable failure) {
    var policy = ctx.policies().get(state.policy());
    return EntityAsk.unwrap(failure) instanceof ObjectStoreException.BackendUnavailable
        && policy != null
        && policy.writeFailover()
        && !state.replicaBackends().isEmpty();
  }

  /**
   * Writes to the replicas in turn while the primary is down, and records the write as a failover
   * write: the sync brings it back to the primary, and the reconciler does not take it for an
   * object deleted on the primary.
   */
  private CompletionStage<ObjectInfo> putOnReplica(
      ContainerState state,
      int index,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body,
      RequestContext request,
      Throwable primaryFailure) {
    if (index >= state.replicaBackends().size()) {
      return CompletableFuture.failedStage(EntityAsk.unwrap(primaryFailure));
    }
    String replica = state.replicaBackends().get(index);
    BackendContainer where = new BackendContainer(state.account(), state.container());
    ObjectStore store = ctx.store(replica);
    return store
        .put(where, name, attributes, body)
        .thenCompose(
            result ->
                EntityAsk.translated(
                        ctx.<Done>askContainer(
                            state.account(),
                            state.container(),
                            replyTo ->
                                new ContainerEntity.RecordFailoverWrite(
                                    name,
                                    replica,
                                    result.stored().timestamp(),
                                    request.audit(),
                                    replyTo)))
                    .thenCompose(
                        done ->
                            record(
                                state.account(), state.container(), name, result, request, store)))
        .exceptionallyCompose(
            failure ->
                EntityAsk.unwrap(failure) instanceof ObjectStoreException.BackendUnavailable
                    ? putOnReplica(
                        state, index + 1, name, attributes, body, request, primaryFailure)
                    : CompletableFuture.failedStage(EntityAsk.unwrap(failure)));
  }

  private CompletionStage<ObjectInfo> record(
      String account,
      String container,
      String name,
      PutResult result,
      RequestContext request,
      ObjectStore store) {
    ObjectInfo stored = result.stored();
    return EntityAsk.translated(
            ctx.<Done>askContainer(
                account,
                container,
                replyTo ->
                    new ContainerEntity.RecordObjectWrite(
                        name,
                        stored.etag(),
                        stored.size(),
                        stored.contentType(),
                        stored.timestamp(),
                        result.replaced().isPresent(),
                        result.replaced().map(ObjectInfo::size).orElse(0L),
                        request.audit(),
                        replyTo)))
        .thenApply(done -> stored)
        .exceptionallyCompose(
            failure -> {
              // The container was deleted while the body streamed: take the object back out so
              // that nothing unrecorded stays on the backend.
              if (EntityAsk.unwrap(failure) instanceof GatewayException g
                  && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                return store
                    .delete(new BackendContainer(account, container), name)
                    .handle(
                        (d, e) -> {
                          throw g;
                        });
              }
              return CompletableFuture.failedStage(EntityAsk.unwrap(failure));
            });
  }

  /**
   * The object's facts from the primary, or from a replica holding it while the primary is down.
   */
  public CompletionStage<ObjectInfo> head(String account, String container, String name) {
    BackendContainer where = new BackendContainer(account, container);
    return containers
        .read(account, container)
        .thenCompose(state -> withFailover(state, where, name, store -> store.head(where, name)))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound));
  }

  /**
   * Opens the object (or a range of it) on the container's primary, or on a replica holding it
   * while the primary is down. A whole object's bytes are checked as they stream, against the
   * CRC-32C the store recorded when it wrote them or else against the ETag's MD5 (see {@link
   * Integrity#verifyingRead}): corrupt bytes end the stream with a failure.
   */
  public CompletionStage<ObjectContent> get(
      String account, String container, String name, Optional<ByteRange> range) {
    BackendContainer where = new BackendContainer(account, container);
    return containers
        .read(account, container)
        .thenCompose(
            state ->
                withFailover(
                    state,
                    where,
                    name,
                    store ->
                        store
                            .get(where, name, range)
                            .thenApply(
                                found ->
                                    found.map(
                                        content ->
                                            integrity.verifyingRead(
                                                store.backendId(), where, content)))))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound));
  }

  /**
   * Runs a read on the primary; when the primary is unavailable, on the replicas in turn until one
   * has the object. The primary's "not found" is the answer (it is the authority); when no replica
   * has the object either, the primary's failure is (503).
   */
  private <T> CompletionStage<Optional<T>> withFailover(
      ContainerState state,
      BackendContainer where,
      String name,
      Function<ObjectStore, CompletionStage<Optional<T>>> read) {
    Optional<Migration> migration = state.routingMigration();
    if (migration.isPresent() && migration.get().phase() == MigrationPhase.CANCELLED) {
      return afterCancel(migration.get(), where, name, read);
    }
    if (migration.isPresent()) {
      return duringMigration(migration.get(), read);
    }
    return read.apply(ctx.store(state.primaryBackend()))
        .exceptionallyCompose(
            failure -> {
              Throwable cause = EntityAsk.unwrap(failure);
              if (!(cause instanceof ObjectStoreException.BackendUnavailable)
                  || state.replicaBackends().isEmpty()) {
                return CompletableFuture.failedStage(cause);
              }
              return fromReplicas(state.replicaBackends(), 0, read, cause);
            });
  }

  /**
   * During a migration: the write backend first (it holds every write since the start), then the
   * other one (objects not copied yet). When the first is unavailable the other still answers.
   */
  private <T> CompletionStage<Optional<T>> duringMigration(
      Migration migration, Function<ObjectStore, CompletionStage<Optional<T>>> read) {
    return read.apply(ctx.store(migration.writeBackend()))
        .handle(
            (found, failure) -> {
              if (failure == null && found.isPresent()) {
                return CompletableFuture.completedStage(found);
              }
              return read.apply(ctx.store(migration.fallbackBackend()))
                  .thenApply(
                      other -> {
                        if (other.isEmpty() && failure != null) {
                          throw new CompletionException(EntityAsk.unwrap(failure));
                        }
                        return other;
                      });
            })
        .thenCompose(x -> x);
  }

  /**
   * After a cancel, until the target's writes are back on the source, either side may hold the
   * newest version of an object (written to the target before the cancel, or to the source after
   * it): the read goes to the side whose version is newer.
   */
  private <T> CompletionStage<Optional<T>> afterCancel(
      Migration migration,
      BackendContainer where,
      String name,
      Function<ObjectStore, CompletionStage<Optional<T>>> read) {
    ObjectStore source = ctx.store(migration.writeBackend());
    ObjectStore target = ctx.store(migration.fallbackBackend());
    CompletionStage<Optional<ObjectInfo>> onTarget =
        target.head(where, name).exceptionally(failure -> Optional.empty());
    return source
        .head(where, name)
        .exceptionally(failure -> Optional.empty())
        .thenCombine(
            onTarget,
            (s, t) ->
                t.isPresent()
                        && (s.isEmpty() || t.get().timestamp().isNewerThan(s.get().timestamp()))
                    ? List.of(target, source)
                    : List.of(source, target))
        .thenCompose(
            order ->
                read.apply(order.get(0))
                    .handle(
                        (found, failure) ->
                            failure == null && found.isPresent()
                                ? CompletableFuture.completedStage(found)
                                : read.apply(order.get(1)))
                    .thenCompose(x -> x));
  }

  private <T> CompletionStage<Optional<T>> fromReplicas(
      List<String> replicas,
      int index,
      Function<ObjectStore, CompletionStage<Optional<T>>> read,
      Throwable primaryFailure) {
    if (index >= replicas.size()) {
      return CompletableFuture.failedStage(primaryFailure);
    }
    Optional<ObjectStore> store = ctx.registry().store(replicas.get(index));
    if (store.isEmpty()) {
      return fromReplicas(replicas, index + 1, read, primaryFailure);
    }
    return read.apply(store.get())
        .handle(
            (found, failure) ->
                failure == null && found.isPresent()
                    ? CompletableFuture.completedStage(found)
                    : fromReplicas(replicas, index + 1, read, primaryFailure))
        .thenCompose(x -> x);
  }

  /**
   * Swift POST: replaces the object's metadata on the backend, then records the change in the
   * entity (audit trail and change feed: the replicas get the new metadata).
   */
  public CompletionStage<ObjectInfo> replaceMetadata(
      String account,
      String container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      RequestContext request) {
    BackendContainer where = new BackendContainer(account, container);
    return containers
        .get(account, container)
        .thenCompose(
            state -> {
              Optional<Migration> migration = state.routingMigration();
              if (migration.isEmpty()) {
                return ctx.store(state.primaryBackend())
                    .replaceMetadata(where, name, contentType, metadata, timestamp);
              }
              return metadataDuringMigration(
                  migration.get(), where, name, contentType, metadata, timestamp);
            })
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound))
        .thenCompose(
            updated ->
                EntityAsk.translated(
                        ctx.<Done>askContainer(
                            account,
                            container,
                            replyTo ->
                                new ContainerEntity.RecordObjectMetadata(
                                    name,
                                    updated.contentType(),
                                    updated.metadata(),
                                    updated.timestamp(),
                                    request.audit(),
                                    replyTo)))
                    .thenApply(done -> updated));
  }

  /**
   * During a migration an object POST reaches both backends: the object is first brought to the
   * write backend when only the other holds it (so that the new metadata is on the side reads try
   * first, and newer than any copy the worker may still make), then both are changed.
   */
  private CompletionStage<Optional<ObjectInfo>> metadataDuringMigration(
      Migration migration,
      BackendContainer where,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    String first = migration.writeBackend();
    String other = migration.fallbackBackend();
    return new ObjectMover(ctx.registry())
        .move(other, first, where, name)
        .thenCompose(
            moved ->
                ctx.store(first).replaceMetadata(where, name, contentType, metadata, timestamp))
        .thenCompose(
            changed ->
                ctx.store(other)
                    .replaceMetadata(where, name, contentType, metadata, timestamp)
                    .handle((ignored, failure) -> changed));
  }

  /** Deletes on the backend, then records the delete in the entity. */
  public CompletionStage<ObjectInfo> delete(
      String account,
      String container,
      String name,
      SwiftTimestamp timestamp,
      RequestContext request) {
    return containers
        .get(account, container)
        .thenCompose(
            (ContainerState state) -> {
              BackendContainer where = new BackendContainer(account, container);
              Optional<Migration> migration = state.routingMigration();
              if (migration.isEmpty()) {
                return ctx.store(state.primaryBackend()).delete(where, name);
              }
              // The side the worker copies from first, so that a copy racing this delete finds
              // the object gone there and takes its copy back (see ObjectMover).
              ObjectStore write = ctx.store(migration.get().writeBackend());
              return ctx.store(migration.get().fallbackBackend())
                  .delete(where, name)
                  .thenCompose(
                      fromOther ->
                          write
                              .delete(where, name)
                              .thenApply(fromWrite -> fromWrite.or(() -> fromOther)));
            })
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound))
        .thenCompose(
            deleted ->
                EntityAsk.translated(
                        ctx.<Done>askContainer(
                            account,
                            container,
                            replyTo ->
                                new ContainerEntity.RecordObjectDelete(
                                    name, deleted.size(), timestamp, request.audit(), replyTo)))
                    .thenApply(done -> deleted));
  }

  private static GatewayException objectNotFound() {
    return new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
  }
}
