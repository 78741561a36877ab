package io.archipelago.engine.backend;

import akka.actor.typed.ActorSystem;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.OfflineFlagStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.remote.GuardedObjectStore;
import io.archipelago.engine.store.remote.RemoteObjectStore;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import java.nio.file.Path;

/**
 * Builds the driver for a backend descriptor. Remote drivers (swift, s3) come wrapped in a {@link
 * GuardedObjectStore}: circuit breaker, health probes, retries of reads.
 */
public final class ObjectStoreFactory {

  private final ActorSystem<?> system;
  private final Path dataDir;

  public ObjectStoreFactory(ActorSystem<?> system, Path dataDir) {
    this.system = system;
    this.dataDir = dataDir;
  }

  public ObjectStore create(BackendDescriptor backend) {
    ObjectStore store = driver(backend);
    String flag = backend.settings().get("offline-flag-file");
    return flag == null || flag.isBlank()
        ? store
        : new OfflineFlagStore(store, dataDir.resolve(flag));
  }

  private ObjectStore driver(BackendDescriptor backend) {
    DriverSettings settings = new DriverSettings(backend.id(), backend.settings());
    return switch (backend.kind()) {
      case FILESYSTEM -> {
        String root = backend.settings().getOrDefault("root", "backends/" + backend.id());
        yield new FilesystemObjectStore(
            backend.id(), dataDir.resolve(root), backend.capacityBytes(), system);
      }
      case SWIFT ->
          guarded(
              new SwiftObjectStore(backend.id(), settings, backend.capacityBytes(), system),
              settings);
      case S3 ->
          guarded(
              new S3ObjectStore(backend.id(), settings, backend.capacityBytes(), system), settings);
    };
  }

  private ObjectStore guarded(RemoteObjectStore store, DriverSettings settings) {
    return new GuardedObjectStore(
        store, GuardedObjectStore.Settings.of(system.settings().config(), settings), system);
  }
}
