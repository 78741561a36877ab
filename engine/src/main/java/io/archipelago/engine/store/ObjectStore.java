package io.archipelago.engine.store;

import akka.Done;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One backend storage cluster as the gateway sees it. Every method is asynchronous and never blocks
 * the caller; object bodies are streams in both directions and are never held whole in memory. "Not
 * found" is an empty Optional; every other failure completes the stage exceptionally with an {@link
 * ObjectStoreException}.
 */
public interface ObjectStore {

  /** The registry id of the backend this store talks to. */
  String backendId();

  /** Makes sure the container exists on the backend. Idempotent. */
  CompletionStage<Done> createContainer(BackendContainer container);

  /**
   * Removes the container from the backend. Fails with {@link
   * ObjectStoreException.ContainerNotEmpty} while it still holds objects; succeeds when it does not
   * exist.
   */
  CompletionStage<Done> deleteContainer(BackendContainer container);

  /**
   * Stores an object atomically: readers see the previous version or the complete new one, never a
   * part. The body is consumed as it arrives. When {@code attributes.expectedEtag} or {@code
   * expectedLength} is set and does not match, nothing is stored and the stage fails with {@link
   * ObjectStoreException.EtagMismatch} or {@link ObjectStoreException.LengthMismatch}. A body
   * stream that fails leaves nothing behind either. Newest X-Timestamp wins: when the stored
   * object's timestamp is not older than {@code attributes.timestamp}, nothing is stored and the
   * stage fails with {@link ObjectStoreException.NewerExists}; the check and the commit are one
   * atomic step. Drivers run the body through an {@link UploadGuard}, which owns the checks of what
   * the client announced and cancels a body the driver never takes.
   */
  CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body);

  CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name);

  /**
   * Opens the object, or the given byte range of it. When the range cannot be satisfied the content
   * says so ({@link ObjectContent#rangeNotSatisfiable()}) and carries no data.
   */
  CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range);

  /**
   * Replaces all user metadata of an object (Swift POST semantics: what is not given is removed)
   * and its content type when given; data, etag and size stay.
   */
  CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp);

  /** Deletes the object; answers what was deleted, or empty when there was nothing. */
  CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name);

  /** One page of the container's objects in Swift order (UTF-8 byte order of names). */
  CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query);

  /** Total and used bytes as the backend knows them, for placement. */
  CompletionStage<Capacity> capacity();

  /**
   * Moves the stored version of an object found corrupt out of the namespace (the gateway's own
   * object auditor), when it is still the version with this timestamp and etag. Answers whether it
   * moved; backends that cannot quarantine answer false, and the gateway only records it.
   */
  default CompletionStage<Boolean> quarantine(
      BackendContainer container, String name, SwiftTimestamp timestamp, String etag) {
    return CompletableFuture.completedFuture(false);
  }
}
