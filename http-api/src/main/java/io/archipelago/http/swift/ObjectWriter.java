package io.archipelago.http.swift;

import akka.Done;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.UploadGuard;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import io.archipelago.http.middleware.versioning.Versioning;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Object writes and deletes with Swift's semantics around {@code ObjectOps}: client PUTs,
 * server-side copies and SLO manifests all store through {@link #write}, DELETEs (also those of SLO
 * segments) through {@link #delete}. In order: the container must exist; {@code If-None-Match: *}
 * refuses when the object exists (412); a client-given X-Timestamp that is not newer than the
 * stored object's loses (PUT 202, DELETE 409; the store enforces it again atomically); the current
 * version is archived when the container is versioned; then {@code ObjectOps} stores or deletes and
 * records the change in the container.
 */
public final class ObjectWriter {

  /**
   * One object write.
   *
   * @param ifNoneMatchAny {@code If-None-Match: *}: only create, never overwrite
   * @param clientTimestamp whether the client chose the timestamp (then it is checked first)
   */
  public record Write(
      String account,
      String container,
      String name,
      String contentType,
      SwiftTimestamp timestamp,
      Map<String, String> metadata,
      Optional<String> expectedEtag,
      OptionalLong expectedLength,
      Source<ByteString, ?> body,
      boolean ifNoneMatchAny,
      boolean clientTimestamp) {

    public Write withContent(
        String contentType,
        Map<String, String> metadata,
        Optional<String> expectedEtag,
        OptionalLong expectedLength,
        Source<ByteString, ?> body) {
      return new Write(
          account,
          container,
          name,
          contentType,
          timestamp,
          metadata,
          expectedEtag,
          expectedLength,
          body,
          ifNoneMatchAny,
          clientTimestamp);
    }

    public ObjectAttributes attributes() {
      return new ObjectAttributes(contentType, timestamp, metadata, expectedEtag, expectedLength);
    }
  }

  private final LiveObjects objects;
  private final ContainerOps containers;
  private final Versioning versioning;
  private final ObjectVersioning objectVersioning;

  public ObjectWriter(
      LiveObjects objects,
      ContainerOps containers,
      Versioning versioning,
      ObjectVersioning objectVersioning) {
    this.objects = objects;
    this.containers = containers;
    this.versioning = versioning;
    this.objectVersioning = objectVersioning;
  }

  public LiveObjects objects() {
    return objects;
  }

  public ContainerOps containers() {
    return containers;
  }

  /** Stores the object; the body is consumed, or cancelled when the write is refused early. */
  public CompletionStage<ObjectInfo> write(Write w, RequestContext request) {
    return write(w, request, () -> containers.get(w.account(), w.container()));
  }

  /**
   * {@link #write} with the container's state as the entity answered it earlier in the same request
   * ({@code asked}, e.g. {@code InfoCache.forWrite}), so that the stages of one PUT ask it once.
   */
  public CompletionStage<ObjectInfo> write(
      Write w, RequestContext request, Supplier<CompletionStage<ContainerState>> asked) {
    return UploadGuard.cancelUntaken(
        w.body(),
        objects.materializer(),
        body ->
            asked
                .get()
                .thenCompose(
                    state -> {
                      Optional<Versioning.Config> versions = Versioning.of(state);
                      boolean needsCurrent = w.ifNoneMatchAny() || w.clientTimestamp();
                      CompletionStage<Optional<ObjectInfo>> current =
                          needsCurrent
                              ? objects.head(w.account(), w.container(), w.name(), request)
                              : CompletableFuture.completedFuture(Optional.empty());
                      return current.thenCompose(
                          existing -> {
                            if (existing.isPresent() && w.ifNoneMatchAny()) {
                              throw new SwiftException(SwiftError.PRECONDITION_FAILED);
                            }
                            if (existing.isPresent()
                                && !w.timestamp().isNewerThan(existing.get().timestamp())) {
                              throw new ObjectStoreException.NewerExists(
                                  w.name(), w.timestamp(), existing.get().timestamp());
                            }
                            if (ObjectVersioning.hasVersions(state)) {
                              boolean on = ObjectVersioning.enabled(state);
                              ObjectAttributes attributes =
                                  on
                                      ? w.withContent(
                                              SwiftHeaders.withVersionId(
                                                  w.contentType(), w.timestamp().internal()),
                                              w.metadata(),
                                              w.expectedEtag(),
                                              w.expectedLength(),
                                              w.body())
                                          .attributes()
                                      : w.attributes();
                              return objectVersioning
                                  .archiveCurrent(w.account(), w.container(), w.name(), on, request)
                                  .thenCompose(
                                      archived ->
                                          objects
                                              .ops()
                                              .put(state, w.name(), attributes, body, request));
                            }
                            CompletionStage<Done> archived =
                                versions.isPresent()
                                    ? versioning.archiveCurrent(
                                        w.account(),
                                        w.container(),
                                        w.name(),
                                        versions.get(),
                                        request)
                                    : CompletableFuture.completedFuture(Done.getInstance());
                            return archived.thenCompose(
                                done ->
                                    objects
                                        .ops()
                                        .put(state, w.name(), w.attributes(), body, request));
                          });
                    }));
  }

  /**
   * Deletes the object as a client DELETE does (versioning included); true when something was
   * deleted, false when there was nothing (404). An expired object is deleted and answers false.
   */
  public CompletionStage<Boolean> delete(
      String account,
      String container,
      String name,
      SwiftTimestamp timestamp,
      boolean clientTimestamp,
      RequestContext request) {
    return containers
        .get(account, container)
        .thenCompose(
            state -> {
              CompletionStage<Done> checked =
                  clientTimestamp
                      ? objects
                          .head(account, container, name, request)
                          .thenApply(
                              existing -> {
                                if (existing.isPresent()
                                    && !timestamp.isNewerThan(existing.get().timestamp())) {
                                  throw new SwiftException(SwiftError.CONFLICT);
                                }
                                return Done.getInstance();
                              })
                      : CompletableFuture.completedFuture(Done.getInstance());
              return checked.thenCompose(
                  done -> versionedDelete(state, account, container, name, timestamp, request));
            });
  }

  private CompletionStage<Boolean> versionedDelete(
      ContainerState state,
      String account,
      String container,
      String name,
      SwiftTimestamp timestamp,
      RequestContext request) {
    Optional<Versioning.Config> versions = Versioning.of(state);
    if (versions.isEmpty()) {
      return plainDelete(account, container, name, timestamp, request);
    }
    Versioning.Config config = versions.get();
    if (config.mode() == Versioning.Mode.HISTORY) {
      return versioning
          .archiveCurrent(account, container, name, config, request)
          .thenCompose(done -> versioning.writeDeleteMarker(account, name, config, request))
          .thenCompose(done -> plainDelete(account, container, name, timestamp, request));
    }
    return versioning
        .popVersion(account, container, name, config, request)
        .thenCompose(
            target ->
                target.isPresent()
                    ? plainDelete(
                        account,
                        target.get().container(),
                        target.get().name(),
                        SwiftTimestamp.now(),
                        request)
                    : plainDelete(account, container, name, timestamp, request));
  }

  private CompletionStage<Boolean> plainDelete(
      String account,
      String container,
      String name,
      SwiftTimestamp timestamp,
      RequestContext request) {
    return LiveObjects.absentIfNotFound(
            objects
                .ops()
                .delete(account, container, name, timestamp, request)
                .thenApply(Optional::of))
        .thenApply(deleted -> deleted.isPresent() && !LiveObjects.expired(deleted.get()));
  }
}
