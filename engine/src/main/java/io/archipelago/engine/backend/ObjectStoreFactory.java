package io.archipelago.engine.backend;

import akka.actor.typed.ActorSystem;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.OfflineFlagStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import java.nio.file.Path;

/** Builds the driver for a backend descriptor. */
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
    return flag == null || flag.isBlank() ? store : new OfflineFlagStore(store, dataDir.resolve(flag));
  }

  private ObjectStore driver(BackendDescriptor backend) {
    return switch (backend.kind()) {
      case FILESYSTEM -> {
        String root = backend.settings().getOrDefault("root", "backends/" + backend.id());
        yield new FilesystemObjectStore(
            backend.id(), dataDir.resolve(root), backend.capacityBytes(), system);
      }
      case SWIFT, S3 -> throw new IllegalArgumentException(
          "backend " + backend.id() + ": the " + backend.kind().configValue()
              + " driver is not available in this build");
    };
  }
}
