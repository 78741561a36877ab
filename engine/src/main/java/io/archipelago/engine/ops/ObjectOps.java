package io.archipelago.engine.ops;

import akka.Done;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Object operations. Bytes stream between the client and the container's backend and never
 * pass through an actor; the container entity is asked for the route and told about writes and
 * deletes, and a write is acknowledged only once its event is persisted.
 */
public final class ObjectOps {

  private final EngineContext ctx;
  private final ContainerOps containers;

  public ObjectOps(EngineContext ctx, ContainerOps containers) {
    this.ctx = ctx;
    this.containers = containers;
  }

  /** Streams the body to the container's backend, then records the write in the entity. */
  public CompletionStage<ObjectInfo> put(
      String account,
      String container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body,
      RequestContext request) {
    BackendContainer where = new BackendContainer(account, container);
    return containers
        .get(account, container)
        .thenCompose(
            state -> {
              ObjectStore store = ctx.store(state.primaryBackend());
              return store
                  .put(where, name, attributes, body)
                  .thenCompose(result -> record(account, container, name, result, request, store));
            });
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
            ctx.<Done>askContainer(account, container,
                replyTo -> new ContainerEntity.RecordObjectWrite(
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
                    .handle((d, e) -> { throw g; });
              }
              return java.util.concurrent.CompletableFuture.failedStage(EntityAsk.unwrap(failure));
            });
  }

  public CompletionStage<ObjectInfo> head(String account, String container, String name) {
    return containers
        .get(account, container)
        .thenCompose(
            state -> ctx.store(state.primaryBackend())
                .head(new BackendContainer(account, container), name))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound));
  }

  /** Opens the object (or a range of it) on the container's backend. */
  public CompletionStage<ObjectContent> get(
      String account, String container, String name, Optional<ByteRange> range) {
    return containers
        .get(account, container)
        .thenCompose(
            state -> ctx.store(state.primaryBackend())
                .get(new BackendContainer(account, container), name, range))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound));
  }

  /** Swift POST: replaces the object's metadata. */
  public CompletionStage<ObjectInfo> replaceMetadata(
      String account,
      String container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    return containers
        .get(account, container)
        .thenCompose(
            state -> ctx.store(state.primaryBackend())
                .replaceMetadata(
                    new BackendContainer(account, container), name, contentType, metadata, timestamp))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound));
  }

  /** Deletes on the backend, then records the delete in the entity. */
  public CompletionStage<ObjectInfo> delete(
      String account, String container, String name, SwiftTimestamp timestamp, RequestContext request) {
    return containers
        .get(account, container)
        .thenCompose(
            (ContainerState state) -> ctx.store(state.primaryBackend())
                .delete(new BackendContainer(account, container), name))
        .thenApply(found -> found.orElseThrow(ObjectOps::objectNotFound))
        .thenCompose(
            deleted -> EntityAsk.translated(
                    ctx.<Done>askContainer(account, container,
                replyTo -> new ContainerEntity.RecordObjectDelete(
                                name, deleted.size(), timestamp, request.audit(), replyTo)))
                .thenApply(done -> deleted));
  }

  private static GatewayException objectNotFound() {
    return new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
  }
}
