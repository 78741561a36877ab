package io.archipelago.engine.store.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreContract;
import io.archipelago.testing.SwiftCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/** The object store contract on a filesystem backend (a temp directory). */
class FilesystemObjectStoreContractTest extends ObjectStoreContract {

  private Path root;

  @Override
  protected ObjectStore openStore(ActorTestKit testKit) {
    try {
      root = Files.createTempDirectory("archipelago-fs-contract");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return FsStoreTesting.newStore(testKit, root);
  }

  @AfterAll
  void removeRoot() {
    SwiftCluster.deleteTree(root);
  }

  /** 300 MiB: more than any buffer the store could hold it in. */
  @Override
  protected int largeObjectMiB() {
    return 300;
  }

  /** No file in the container's directory, nothing in {@code .tmp}. */
  @Override
  protected void assertNothingLeft(BackendContainer container) {
    try {
      assertEquals(
          List.of(),
          FsStoreTesting.regularFiles(
              root.resolve(container.account()).resolve(container.container())));
      FsStoreTesting.assertTmpEmpty(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
