package io.archipelago.http.middleware.expiry;

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.ops.ObjectOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.protocol.SwiftErrors;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as Swift clients see them: {@link ObjectOps} reads where an object whose {@code
 * X-Delete-At} has passed counts as absent, as Swift's object server answers 404 for it. An expired
 * object found by a read is deleted then and there, through {@link ObjectOps#delete} so that the
 * container records it (the gateway's lazy form of Swift's object expirer). Until a read finds it,
 * an expired object stays in container listings, as in Swift until its expirer has run.
 */
public final class LiveObjects {

  private static final Logger log = LoggerFactory.getLogger(LiveObjects.class);

  /** The principal recorded for deletes of expired objects. */
  public static final String EXPIRER = ".expirer";

  private final ObjectOps ops;
  private final Materializer materializer;

  public LiveObjects(ObjectOps ops, Materializer materializer) {
    this.ops = ops;
    this.materializer = materializer;
  }

  public ObjectOps ops() {
    return ops;
  }

  public Materializer materializer() {
    return materializer;
  }

  /** The object's facts; empty when it does not exist or has expired. */
  public CompletionStage<Optional<ObjectInfo>> head(
      String account, String container, String name, RequestContext request) {
    return absentIfNotFound(ops.head(account, container, name).thenApply(Optional::of))
        .thenApply(
            found -> {
              if (found.isPresent() && expired(found.get())) {
                expire(account, container, name, found.get(), request);
                return Optional.empty();
              }
              return found;
            });
  }

  /** The object's bytes (or a range of them); empty when it does not exist or has expired. */
  public CompletionStage<Optional<ObjectContent>> get(
      String account,
      String container,
      String name,
      Optional<ByteRange> range,
      RequestContext request) {
    return absentIfNotFound(ops.get(account, container, name, range).thenApply(Optional::of))
        .thenApply(
            found -> {
              if (found.isPresent() && expired(found.get().info())) {
                found.get().data().runWith(Sink.cancelled(), materializer);
                expire(account, container, name, found.get().info(), request);
                return Optional.empty();
              }
              return found;
            });
  }

  /** Whether the object's {@code X-Delete-At} has passed. */
  public static boolean expired(ObjectInfo info) {
    return deleteAt(info).map(at -> at * 1000 <= System.currentTimeMillis()).orElse(false);
  }

  public static Optional<Long> deleteAt(ObjectInfo info) {
    String value = info.metadata().get("x-delete-at");
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Deletes an expired object in the background, unless it was replaced meanwhile (the version read
   * is still the stored one and still expired).
   */
  public void expire(
      String account, String container, String name, ObjectInfo seen, RequestContext request) {
    RequestContext expirer =
        new RequestContext(
            EXPIRER, account, request.clientAddress(), request.node(), request.requestId());
    absentIfNotFound(ops.head(account, container, name).thenApply(Optional::of))
        .thenCompose(
            now -> {
              if (now.isPresent()
                  && now.get().timestamp().equals(seen.timestamp())
                  && expired(now.get())) {
                return ops.delete(account, container, name, SwiftTimestamp.now(), expirer)
                    .thenApply(d -> true);
              }
              return CompletableFuture.completedFuture(false);
            })
        .whenComplete(
            (deleted, failure) -> {
              if (failure != null) {
                log.debug(
                    "[{}] could not delete expired {}/{}/{}: {}",
                    request.requestId(),
                    account,
                    container,
                    name,
                    failure.toString());
              } else if (deleted) {
                log.info(
                    "[{}] deleted expired object {}/{}/{}",
                    request.requestId(),
                    account,
                    container,
                    name);
              }
            });
  }

  /** Turns OBJECT_NOT_FOUND into an empty result; other failures stay. */
  public static <T> CompletionStage<Optional<T>> absentIfNotFound(
      CompletionStage<Optional<T>> stage) {
    return stage.exceptionally(
        failure -> {
          Throwable t = SwiftErrors.unwrap(failure);
          if (t instanceof GatewayException g
              && g.reason() == GatewayException.Reason.OBJECT_NOT_FOUND) {
            return Optional.empty();
          }
          throw t instanceof RuntimeException r ? r : new CompletionException(t);
        });
  }
}
