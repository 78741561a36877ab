package io.archipelago.engine.store.fs;

import static io.archipelago.engine.store.fs.FsStoreTesting.CONTAINER;
import static io.archipelago.engine.store.fs.FsStoreTesting.assertTmpEmpty;
import static io.archipelago.engine.store.fs.FsStoreTesting.attributes;
import static io.archipelago.engine.store.fs.FsStoreTesting.await;
import static io.archipelago.engine.store.fs.FsStoreTesting.bytes;
import static io.archipelago.engine.store.fs.FsStoreTesting.containerDir;
import static io.archipelago.engine.store.fs.FsStoreTesting.failureOf;
import static io.archipelago.engine.store.fs.FsStoreTesting.md5Hex;
import static io.archipelago.engine.store.fs.FsStoreTesting.put;
import static io.archipelago.engine.store.fs.FsStoreTesting.regularFiles;
import static io.archipelago.engine.store.fs.FsStoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is the filesystem store's own: its files, directories and temp files, newest X-Timestamp
 * wins, concurrent writers, capacity; what every store does is in {@link
 * FilesystemObjectStoreContractTest}.
 */
class FilesystemObjectStoreTest {

  private static ActorTestKit testKit;
  private static Materializer mat;

  @TempDir Path root;
  private FilesystemObjectStore store;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void openStore() {
    store = FsStoreTesting.newStore(testKit, root);
    await(store.createContainer(CONTAINER));
  }

  @Test
  void anObjectIsAMetadataFileBesideItsName() {
    byte[] body = utf8("hello, archipelago");
    await(
        store.put(
            CONTAINER,
            "docs/hello.txt",
            FsStoreTesting.attributes(),
            Source.single(ByteString.fromArray(body))));
    assertTrue(Files.exists(containerDir(root).resolve("docs").resolve("hello.txt%m")));
  }

  @Test
  void failedOverwriteKeepsPreviousVersion() throws IOException {
    put(store, "keep", utf8("version one"));
    ObjectAttributes wrongEtag =
        new ObjectAttributes(
            "text/plain",
            SwiftTimestamp.now(),
            Map.of(),
            Optional.of(md5Hex(utf8("x"))),
            OptionalLong.empty());
    failureOf(
        store.put(
            CONTAINER, "keep", wrongEtag, Source.single(ByteString.fromString("version two"))));
    ObjectContent content = await(store.get(CONTAINER, "keep", Optional.empty())).orElseThrow();
    assertArrayEquals(utf8("version one"), bytes(content, mat));
    assertEquals(2, regularFiles(containerDir(root)).size()); // metadata and one data file
    assertTmpEmpty(root);
  }

  @Test
  void anOverwriteRemovesTheReplacedData() throws IOException {
    put(store, "a/b", utf8("first"));
    put(store, "a/b", utf8("second version"));
    List<String> files =
        regularFiles(containerDir(root)).stream()
            .map(p -> p.getFileName().toString())
            .sorted()
            .collect(Collectors.toList());
    assertEquals(2, files.size(), files.toString());
    assertEquals("b%m", files.get(0));
    assertTrue(files.get(1).startsWith("b%v"));
  }

  @Test
  void aDataFileRecordsTheCrc32cOfItsBytesForTheCheckOnRead() throws IOException {
    byte[] body = new byte[300_000];
    new Random(3).nextBytes(body);
    put(store, "checked", body);
    CRC32C crc = new CRC32C();
    crc.update(body);
    ObjectContent content = await(store.get(CONTAINER, "checked", Optional.empty())).orElseThrow();
    assertEquals(OptionalLong.of(crc.getValue()), content.crc32c());
    assertArrayEquals(body, bytes(content, mat));

    // a metadata file written before the CRC-32C was recorded: the read checks the MD5 instead
    Path meta = containerDir(root).resolve("checked%m");
    String document = Files.readString(meta, StandardCharsets.ISO_8859_1);
    String older = document.replaceFirst(",\"crc32c\":[0-9]+", "");
    assertNotEquals(document, older);
    Files.writeString(meta, older, StandardCharsets.ISO_8859_1);
    ObjectContent old = await(store.get(CONTAINER, "checked", Optional.empty())).orElseThrow();
    assertEquals(OptionalLong.empty(), old.crc32c());
    assertArrayEquals(body, bytes(old, mat));
  }

  @Test
  void openedContentSurvivesOverwriteAndDelete() {
    put(store, "snap", utf8("old bytes"));
    ObjectContent opened = await(store.get(CONTAINER, "snap", Optional.empty())).orElseThrow();
    put(store, "snap", utf8("new bytes, longer"));
    assertArrayEquals(utf8("old bytes"), bytes(opened, mat));

    ObjectContent openedAgain = await(store.get(CONTAINER, "snap", Optional.empty())).orElseThrow();
    await(store.delete(CONTAINER, "snap"));
    assertArrayEquals(utf8("new bytes, longer"), bytes(openedAgain, mat));
  }

  @Test
  void emptyAndReversedRangesAreUnsatisfiable() {
    put(store, "digits", utf8("0123456789"));
    for (ByteRange unsatisfiable : List.of(new ByteRange.Suffix(0), new ByteRange.FromTo(5, 4))) {
      ObjectContent content =
          await(store.get(CONTAINER, "digits", Optional.of(unsatisfiable))).orElseThrow();
      assertTrue(content.rangeNotSatisfiable(), unsatisfiable.toString());
      assertEquals(Optional.empty(), content.range());
      assertEquals(10, content.info().size());
      assertArrayEquals(new byte[0], bytes(content, mat));
    }
  }

  @Test
  void deleteAnswersDeletedAndPrunesDirectories() throws IOException {
    put(store, "x/y/z/deep", utf8("deep"));
    PutResult sibling = put(store, "x/keep", utf8("keep"));
    PutResult deep = put(store, "x/y/z/deep2", utf8("deep2"));

    assertEquals(Optional.of(deep.stored()), await(store.delete(CONTAINER, "x/y/z/deep2")));
    assertTrue(Files.isDirectory(containerDir(root).resolve("x/y/z")));
    await(store.delete(CONTAINER, "x/y/z/deep"));
    assertFalse(Files.exists(containerDir(root).resolve("x/y")));
    assertTrue(Files.isDirectory(containerDir(root).resolve("x")));

    assertEquals(Optional.of(sibling.stored()), await(store.delete(CONTAINER, "x/keep")));
    assertEquals(List.of(), listDir(containerDir(root)));
    assertTrue(Files.isDirectory(containerDir(root)));
    assertEquals(Optional.empty(), await(store.delete(CONTAINER, "x/keep")));
    assertEquals(Optional.empty(), await(store.head(CONTAINER, "x/keep")));
    assertEquals(List.of(), await(store.list(CONTAINER, ListingQuery.all(10))).entries());
  }

  @Test
  void deleteContainerRefusesWhileObjectsRemain() throws IOException {
    BackendContainer other = new BackendContainer("AUTH_test", "other");
    await(store.createContainer(other));
    await(store.createContainer(other)); // idempotent
    put(store, other, "a/b/c", utf8("c"));

    Throwable failure = failureOf(store.deleteContainer(other));
    assertInstanceOf(ObjectStoreException.ContainerNotEmpty.class, failure);
    assertTrue(Files.exists(root.resolve("AUTH_test/other/a/b/c%m")));

    await(store.delete(other, "a/b/c"));
    Files.createFile(root.resolve("AUTH_test/other/leftover%vabcdefabcdef")); // a crash leftover
    await(store.deleteContainer(other));
    assertFalse(Files.exists(root.resolve("AUTH_test/other")));
    assertTrue(Files.isDirectory(containerDir(root)));
    await(store.deleteContainer(other)); // absent: fine
    await(store.deleteContainer(CONTAINER));
    assertEquals(List.of(".tmp"), listDir(root));
  }

  @Test
  void rejectsInvalidNames() {
    assertInstanceOf(
        ObjectStoreException.InvalidRequest.class,
        failureOf(
            store.put(
                CONTAINER, "bad\uD800", attributes(), Source.single(ByteString.fromString("x")))));
    assertInstanceOf(
        ObjectStoreException.InvalidRequest.class, failureOf(store.head(CONTAINER, "")));
  }

  @Test
  void concurrentOverwritesEndWithTheNewestVersion() throws IOException {
    int writers = 8;
    List<CompletionStage<PutResult>> puts = new ArrayList<>();
    List<SwiftTimestamp> timestamps = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      byte[] body = new byte[256 * 1024 + w];
      Arrays.fill(body, (byte) ('a' + w));
      List<ByteString> chunks = new ArrayList<>();
      for (int off = 0; off < body.length; off += 16 * 1024) {
        chunks.add(ByteString.fromArray(body, off, Math.min(16 * 1024, body.length - off)));
      }
      ObjectAttributes attrs = attributes();
      timestamps.add(attrs.timestamp());
      puts.add(store.put(CONTAINER, "hot/object", attrs, Source.from(chunks)));
    }
    List<PutResult> stored = new ArrayList<>();
    for (CompletionStage<PutResult> put : puts) {
      try {
        stored.add(put.toCompletableFuture().get(60, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        // a put that committed after a newer one lost: newest X-Timestamp wins
        assertInstanceOf(ObjectStoreException.NewerExists.class, e.getCause());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    ObjectContent content =
        await(store.get(CONTAINER, "hot/object", Optional.empty())).orElseThrow();
    byte[] data = bytes(content, mat);
    assertEquals(content.info().size(), data.length);
    assertEquals(content.info().etag(), md5Hex(data));
    // the newest write is the one that stays, whatever the order of the commits
    assertEquals(timestamps.get(writers - 1), content.info().timestamp());
    assertEquals(256 * 1024 + writers - 1, data.length);

    // the successful puts form one chain: exactly one replaced nothing, each replaced an older one
    assertEquals(1, stored.stream().filter(r -> r.replaced().isEmpty()).count());
    for (PutResult r : stored) {
      r.replaced()
          .ifPresent(old -> assertTrue(r.stored().timestamp().isNewerThan(old.timestamp())));
    }

    assertEquals(2, regularFiles(containerDir(root)).size(), "one metadata and one data file");
    assertTmpEmpty(root);
  }

  @Test
  void aPutOlderThanTheStoredObjectStoresNothing() throws IOException {
    ObjectAttributes newer =
        new ObjectAttributes(
            "text/plain",
            SwiftTimestamp.parse("1700000010.00000"),
            Map.of(),
            Optional.empty(),
            OptionalLong.empty());
    await(store.put(CONTAINER, "ts/object", newer, Source.single(ByteString.fromString("newer"))));
    for (String ts : List.of("1700000009.99999", "1700000010.00000")) {
      ObjectAttributes older =
          new ObjectAttributes(
              "text/plain",
              SwiftTimestamp.parse(ts),
              Map.of(),
              Optional.empty(),
              OptionalLong.empty());
      Throwable failure =
          failureOf(
              store.put(
                  CONTAINER, "ts/object", older, Source.single(ByteString.fromString("older"))));
      assertInstanceOf(ObjectStoreException.NewerExists.class, failure);
    }
    ObjectContent content =
        await(store.get(CONTAINER, "ts/object", Optional.empty())).orElseThrow();
    assertArrayEquals(utf8("newer"), bytes(content, mat));
    assertEquals(2, regularFiles(containerDir(root)).size(), "one metadata and one data file");
    assertTmpEmpty(root);
  }

  @Test
  void putsSurviveConcurrentPruning() throws IOException {
    List<CompletionStage<?>> work = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      String churn = "p/q/r/churn" + i;
      work.add(putAsync(churn).thenCompose(r -> store.delete(CONTAINER, churn)));
      if (i % 3 == 0) {
        String keep = "p/q/" + (i % 2 == 0 ? "r/" : "s/") + "keep" + i;
        kept.add(keep);
        work.add(putAsync(keep));
      }
    }
    work.forEach(FsStoreTesting::await);
    kept.sort(FsStoreTesting.SWIFT_ORDER);
    List<String> listed =
        await(store.list(CONTAINER, ListingQuery.all(1000))).entries().stream()
            .map(ListingEntry::sortKey)
            .collect(Collectors.toList());
    assertEquals(kept, listed);
    for (String name : kept) {
      assertArrayEquals(
          utf8(name),
          bytes(await(store.get(CONTAINER, name, Optional.empty())).orElseThrow(), mat));
    }
    assertEquals(2 * kept.size(), regularFiles(containerDir(root)).size());
    assertTmpEmpty(root);
  }

  private CompletionStage<PutResult> putAsync(String name) {
    return store.put(
        CONTAINER, name, attributes(), Source.single(ByteString.fromArray(utf8(name))));
  }

  @Test
  void capacityCountsStoredData() throws Exception {
    FilesystemObjectStore sized =
        new FilesystemObjectStore("fs-sized", root, 10_000, testKit.system());
    assertEquals(new Capacity(10_000, 0), await(sized.capacity()));
    put(sized, "one", new byte[1000]);
    put(sized, "two", new byte[500]);
    assertEquals(new Capacity(10_000, 1500), await(sized.capacity()));
    put(sized, "one", new byte[100]);
    assertEquals(1600 - 1000, await(sized.capacity()).usedBytes());
    await(sized.delete(CONTAINER, "two"));
    assertEquals(100, await(sized.capacity()).usedBytes());

    // a new store on the same root counts what is there
    FilesystemObjectStore reopened =
        new FilesystemObjectStore("fs-sized", root, 0, testKit.system());
    Capacity capacity = await(reopened.capacity());
    assertEquals(100, capacity.usedBytes());
    assertEquals(Files.getFileStore(root).getTotalSpace(), capacity.totalBytes());
  }

  @Test
  void listingReadsOnlyDirectoriesThePageNeeds() throws IOException {
    List<CompletionStage<PutResult>> puts = new ArrayList<>();
    for (int d = 0; d < 30; d++) {
      for (int o = 0; o < 3; o++) {
        String name = String.format("d%02d/sub/o%d", d, o);
        puts.add(
            store.put(CONTAINER, name, attributes(), Source.single(ByteString.fromString(name))));
      }
    }
    puts.forEach(FsStoreTesting::await);
    Path dir = containerDir(root);

    ContainerListing prefixed =
        ContainerListing.run(dir, query("d17/", null, null, null, 100, false));
    assertEquals(List.of("d17/sub/o0", "d17/sub/o1", "d17/sub/o2"), keys(prefixed));
    assertEquals(3, prefixed.directoriesRead()); // the container, d17, d17/sub

    ContainerListing afterMarker =
        ContainerListing.run(dir, query(null, null, "d28/sub/o1", null, 100, false));
    assertEquals(
        List.of("d28/sub/o2", "d29/sub/o0", "d29/sub/o1", "d29/sub/o2"), keys(afterMarker));
    assertEquals(5, afterMarker.directoriesRead());

    ContainerListing rolledUp = ContainerListing.run(dir, query(null, "/", null, null, 10, false));
    assertEquals(10, rolledUp.page().entries().size());
    assertEquals("d09/", rolledUp.page().entries().get(9).sortKey());
    assertEquals(1 + 10 * 2, rolledUp.directoriesRead()); // one name per subdir, then skipped

    ContainerListing reversed =
        ContainerListing.run(dir, query(null, null, null, "d27/sub/o2", 100, true));
    assertEquals(
        List.of("d29/sub/o2", "d29/sub/o1", "d29/sub/o0", "d28/sub/o2", "d28/sub/o1", "d28/sub/o0"),
        keys(reversed));
    assertEquals(1 + 3 * 2, reversed.directoriesRead()); // d27/sub is read to find nothing above o2
  }

  private static ListingQuery query(
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    return new ListingQuery(
        Optional.ofNullable(prefix),
        Optional.ofNullable(delimiter),
        Optional.ofNullable(marker),
        Optional.ofNullable(endMarker),
        limit,
        reverse);
  }

  private static List<String> keys(ContainerListing listing) {
    return listing.page().entries().stream()
        .map(ListingEntry::sortKey)
        .collect(Collectors.toList());
  }

  @Test
  void namesBeyondThePathLimitAreRefused() {
    String tooDeep = "/".repeat(1400);
    assertInstanceOf(
        ObjectStoreException.InvalidRequest.class,
        failureOf(
            store.put(
                CONTAINER, tooDeep, attributes(), Source.single(ByteString.fromString("x")))));
    assertEquals(Optional.empty(), await(store.head(CONTAINER, tooDeep)));
    assertEquals(Optional.empty(), await(store.delete(CONTAINER, tooDeep)));
  }

  private static List<String> listDir(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
