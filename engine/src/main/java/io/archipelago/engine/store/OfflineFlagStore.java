package io.archipelago.engine.store;

import akka.Done;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A backend an operator can take offline by creating a file (setting {@code offline-flag-file}):
 * while the file exists every operation fails at once with {@link
 * ObjectStoreException.BackendUnavailable}, as if the cluster were unreachable, without touching
 * the request body. For outage drills on one machine, and for tests of failover and sync.
 */
public final class OfflineFlagStore implements ObjectStore {

  private final ObjectStore store;
  private final Path flag;

  public OfflineFlagStore(ObjectStore store, Path flag) {
    this.store = store;
    this.flag = flag;
  }

  private <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
    if (Files.exists(flag)) {
      return CompletableFuture.failedFuture(
          new ObjectStoreException.BackendUnavailable(
              store.backendId(), "offline (" + flag + " exists)", null));
    }
    return call.get();
  }

  @Override
  public String backendId() {
    return store.backendId();
  }

  @Override
  public CompletionStage<Done> createContainer(BackendContainer container) {
    return guarded(() -> store.createContainer(container));
  }

  @Override
  public CompletionStage<Done> deleteContainer(BackendContainer container) {
    return guarded(() -> store.deleteContainer(container));
  }

  @Override
  public CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    return guarded(() -> store.put(container, name, attributes, body));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
    return guarded(() -> store.head(container, name));
  }

  @Override
  public CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range) {
    return guarded(() -> store.get(container, name, range));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    return guarded(() -> store.replaceMetadata(container, name, contentType, metadata, timestamp));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
    return guarded(() -> store.delete(container, name));
  }

  @Override
  public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
    return guarded(() -> store.list(container, query));
  }

  @Override
  public CompletionStage<Capacity> capacity() {
    return guarded(store::capacity);
  }

  @Override
  public CompletionStage<Boolean> quarantine(
      BackendContainer container, String name, SwiftTimestamp timestamp, String etag) {
    return guarded(() -> store.quarantine(container, name, timestamp, etag));
  }
}
