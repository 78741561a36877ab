package io.archipelago.engine.store.fs;

import static io.archipelago.engine.store.fs.FsStoreTesting.CONTAINER;
import static io.archipelago.engine.store.fs.FsStoreTesting.assertAllFilesUnder;
import static io.archipelago.engine.store.fs.FsStoreTesting.assertTmpEmpty;
import static io.archipelago.engine.store.fs.FsStoreTesting.await;
import static io.archipelago.engine.store.fs.FsStoreTesting.bytes;
import static io.archipelago.engine.store.fs.FsStoreTesting.containerDir;
import static io.archipelago.engine.store.fs.FsStoreTesting.md5Hex;
import static io.archipelago.engine.store.fs.FsStoreTesting.put;
import static io.archipelago.engine.store.fs.FsStoreTesting.regularFiles;
import static io.archipelago.engine.store.fs.FsStoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that are awkward for a filesystem round-trip, stay inside their container and list right.
 */
class FilesystemObjectStoreNamesTest {

  private static ActorTestKit testKit;
  private static Materializer mat;

  @TempDir Path base;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  static List<String> nastyNames() {
    List<String> names =
        new ArrayList<>(
            List.of(
                "../x",
                "../../../../../x",
                "a//b",
                "/lead",
                "//double-lead",
                "/",
                "//",
                "trail/",
                "trail//",
                ".",
                "..",
                "...",
                ".hidden",
                "./a",
                "a/./b",
                "a/../b",
                "a/..",
                "with space",
                " leading space",
                "trailing space ",
                "ü/日本/😀",
                "%41",
                "A",
                "%",
                "%%",
                "%_",
                "%2E",
                "x%m",
                "x%v0123456789ab",
                "x%+",
                "tab\tand\nnewline",
                "\u0001ctrl",
                "del\u007f",
                "nul\u0000inside",
                "back\\slash",
                "a",
                "a/",
                "a-c",
                "a/b",
                "a0",
                "x".repeat(79) + "/y",
                "x".repeat(80),
                "x".repeat(80) + "/",
                "x".repeat(80) + "/y",
                "x".repeat(80) + "-",
                "x".repeat(81),
                "x".repeat(79) + "ü",
                "y".repeat(160) + "/" + "z".repeat(161),
                "q".repeat(1024),
                "/".repeat(1024),
                "日本ab.%".repeat(102) + "tail",
                segmented1024()));
    return names;
  }

  /** A 1024-byte name of 300 segments, with empty, dot and escaped segments among them. */
  static String segmented1024() {
    String[] pieces = {"..", ".", "a%", "é", "", "b c"};
    List<String> segments = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      segments.add(pieces[i % pieces.length]);
    }
    int length = utf8(String.join("/", segments)).length;
    segments.set(299, segments.get(299) + "z".repeat(1024 - length));
    String name = String.join("/", segments);
    assertEquals(1024, utf8(name).length);
    assertEquals(300, name.split("/", -1).length);
    return name;
  }

  @Test
  void awkwardNamesRoundTripStayInsideAndList() throws IOException {
    Path root = base.resolve("one").resolve("two").resolve("store");
    FilesystemObjectStore store = FsStoreTesting.newStore(testKit, root);
    List<String> names = nastyNames();
    for (String name : names) {
      put(store, name, utf8(name));
    }
    assertAllFilesUnder(base, containerDir(root));
    assertTmpEmpty(root);
    assertSafeFileNames(root);

    for (String name : names) {
      ObjectInfo info =
          await(store.head(CONTAINER, name)).orElseThrow(() -> new AssertionError(name));
      assertEquals(name, info.name());
      assertEquals(md5Hex(utf8(name)), info.etag());
      ObjectContent content = await(store.get(CONTAINER, name, Optional.empty())).orElseThrow();
      assertArrayEquals(utf8(name), bytes(content, mat), name);
    }

    List<String> expected = new ArrayList<>(names);
    expected.sort(FsStoreTesting.SWIFT_ORDER);
    List<String> listed =
        await(store.list(CONTAINER, ListingQuery.all(10_000))).entries().stream()
            .map(ListingEntry::sortKey)
            .collect(Collectors.toList());
    assertEquals(expected, listed);

    for (String name : names) {
      assertTrue(await(store.delete(CONTAINER, name)).isPresent(), name);
    }
    assertEquals(List.of(), regularFiles(root.resolve("AUTH_test")));
    try (Stream<Path> left = Files.list(containerDir(root))) {
      assertEquals(0, left.count(), "directories left after deleting everything");
    }
  }

  @Test
  void layoutIsReadable() {
    Path root = base.resolve("store");
    FilesystemObjectStore store = FsStoreTesting.newStore(testKit, root);
    put(store, "photos/2024/cat.jpg", utf8("meow"));
    put(store, "ü/日本/😀", utf8("unicode"));
    put(store, "../x", utf8("up"));
    put(store, "a//b", utf8("empty segment"));
    Path dir = containerDir(root);
    assertTrue(Files.exists(dir.resolve("photos/2024/cat.jpg%m")));
    assertTrue(Files.exists(dir.resolve("%C3%BC/%E6%97%A5%E6%9C%AC/%F0%9F%98%80%m")));
    assertTrue(Files.exists(dir.resolve("%2E./x%m")));
    assertTrue(Files.exists(dir.resolve("a/%_/b%m")));
  }

  @Test
  void awkwardAccountAndContainerNames() throws IOException {
    Path root = base.resolve("store");
    FilesystemObjectStore store = FsStoreTesting.newStore(testKit, root);
    List<BackendContainer> containers =
        List.of(
            new BackendContainer("..", ".."),
            new BackendContainer("AUTH_ü", "../../x"),
            new BackendContainer("a/b", "c"),
            new BackendContainer("a", "b/c"),
            new BackendContainer(".tmp", "x"),
            new BackendContainer("k".repeat(256), "日".repeat(85)));
    for (BackendContainer c : containers) {
      await(store.createContainer(c));
      put(store, c, "obj", utf8(c.toString()));
    }
    for (BackendContainer c : containers) {
      ObjectContent content = await(store.get(c, "obj", Optional.empty())).orElseThrow();
      assertArrayEquals(utf8(c.toString()), bytes(content, mat));
      assertEquals(1, await(store.list(c, ListingQuery.all(10))).entries().size());
    }
    assertAllFilesUnder(base, root);
    assertSafeFileNames(root);
    for (BackendContainer c : containers) {
      await(store.delete(c, "obj"));
      await(store.deleteContainer(c));
    }
    try (Stream<Path> left = Files.list(root)) {
      assertEquals(List.of(root.resolve(".tmp")), left.collect(Collectors.toList()));
    }
  }

  /** No component is hidden, '.' or '..', and each fits the 255-byte limit. */
  private static void assertSafeFileNames(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.collect(Collectors.toList())) {
        if (p.equals(root) || p.startsWith(root.resolve(".tmp"))) {
          continue;
        }
        String fileName = p.getFileName().toString();
        assertFalse(fileName.startsWith("."), p.toString());
        assertTrue(fileName.getBytes(StandardCharsets.UTF_8).length <= 255, p.toString());
        assertTrue(fileName.chars().allMatch(c -> c >= 0x20 && c < 0x7F), p.toString());
      }
    }
  }
}
