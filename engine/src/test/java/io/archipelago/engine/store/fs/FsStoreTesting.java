package io.archipelago.engine.store.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Helpers shared by the filesystem store tests. */
final class FsStoreTesting {

  static final BackendContainer CONTAINER = new BackendContainer("AUTH_test", "photos");

  /** Swift's listing order, independent of the code under test: unsigned UTF-8 bytes. */
  static final Comparator<String> SWIFT_ORDER = (a, b) -> Arrays.compareUnsigned(utf8(a), utf8(b));

  private FsStoreTesting() {}

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("stage failed", e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The exception the stage failed with (unwrapped). */
  static Throwable failureOf(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      while (t instanceof CompletionException && t.getCause() != null) {
        t = t.getCause();
      }
      return t;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return fail("expected the stage to fail");
  }

  static ObjectAttributes attributes() {
    return new ObjectAttributes(
        "application/octet-stream",
        SwiftTimestamp.now(),
        Map.of(),
        Optional.empty(),
        OptionalLong.empty());
  }

  static PutResult put(ObjectStore store, BackendContainer c, String name, byte[] body) {
    return await(store.put(c, name, attributes(), Source.single(ByteString.fromArray(body))));
  }

  static PutResult put(ObjectStore store, String name, byte[] body) {
    return put(store, CONTAINER, name, body);
  }

  static byte[] bytes(ObjectContent content, Materializer mat) {
    ByteString all =
        await(
            content
                .data()
                .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), mat));
    return all.toArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String md5Hex(byte[] data) {
    MessageDigest md5 = md5();
    return HexFormat.of().formatHex(md5.digest(data));
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static FilesystemObjectStore newStore(ActorTestKit kit, Path root) {
    return new FilesystemObjectStore("fs-test", root, 0, kit.system());
  }

  static Path containerDir(Path root) {
    return root.resolve("AUTH_test").resolve("photos");
  }

  static List<Path> regularFiles(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  static void assertTmpEmpty(Path root) throws IOException {
    assertEquals(List.of(), regularFiles(root.resolve(".tmp")), "leftovers in .tmp");
  }

  /** Every file below {@code base} lies below {@code inside}. */
  static void assertAllFilesUnder(Path base, Path inside) throws IOException {
    for (Path file : regularFiles(base)) {
      assertTrue(file.startsWith(inside), file + " escaped " + inside);
    }
  }
}
