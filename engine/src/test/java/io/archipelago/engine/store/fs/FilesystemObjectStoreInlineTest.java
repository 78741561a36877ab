package io.archipelago.engine.store.fs;

import static io.archipelago.engine.store.fs.FsStoreTesting.CONTAINER;
import static io.archipelago.engine.store.fs.FsStoreTesting.assertTmpEmpty;
import static io.archipelago.engine.store.fs.FsStoreTesting.await;
import static io.archipelago.engine.store.fs.FsStoreTesting.bytes;
import static io.archipelago.engine.store.fs.FsStoreTesting.containerDir;
import static io.archipelago.engine.store.fs.FsStoreTesting.failureOf;
import static io.archipelago.engine.store.fs.FsStoreTesting.md5Hex;
import static io.archipelago.engine.store.fs.FsStoreTesting.regularFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.WholeBody;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small objects of announced length are stored inline: one metadata file holds the document and the
 * bytes. Mixed with objects in data files of their own (unknown length, or large), and with
 * metadata files of the earlier format (JSON only).
 */
class FilesystemObjectStoreInlineTest {

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

  private static byte[] randomBytes(int size, int seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static ObjectAttributes announced(long length, Map<String, String> metadata) {
    return new ObjectAttributes(
        "application/x-test",
        SwiftTimestamp.now(),
        metadata,
        Optional.empty(),
        OptionalLong.of(length));
  }

  private PutResult putAnnounced(String name, byte[] body) {
    return await(
        store.put(CONTAINER, name, announced(body.length, Map.of("Color", "blue")), chunked(body)));
  }

  /** The body in chunks of 1000 bytes, as a client's upload arrives. */
  private static Source<ByteString, ?> chunked(byte[] body) {
    List<ByteString> chunks = new java.util.ArrayList<>();
    for (int off = 0; off < body.length; off += 1000) {
      chunks.add(ByteString.fromArray(body, off, Math.min(1000, body.length - off)));
    }
    return Source.from(chunks);
  }

  private byte[] get(String name, Optional<ByteRange> range) {
    return bytes(await(store.get(CONTAINER, name, range)).orElseThrow(), mat);
  }

  @Test
  void aSmallObjectIsOneFileWithItsBytesAfterItsDocument() throws IOException {
    byte[] body = randomBytes(4096, 1);
    // bytes that look like the format's own separators must come back unchanged
    body[0] = '\n';
    body[1] = '{';
    PutResult result = putAnnounced("dir/small", body);
    assertEquals(md5Hex(body), result.stored().etag());

    List<Path> files = regularFiles(containerDir(root));
    assertEquals(1, files.size(), "the metadata file alone: " + files);
    assertTrue(files.get(0).getFileName().toString().endsWith(NameCodec.META_SUFFIX));
    assertTrue(Files.size(files.get(0)) > body.length);
    assertTmpEmpty(root);

    assertArrayEquals(body, get("dir/small", Optional.empty()));
    assertEquals(4096, await(store.head(CONTAINER, "dir/small")).orElseThrow().size());
    assertEquals(
        Map.of("Color", "blue"),
        await(store.head(CONTAINER, "dir/small")).orElseThrow().metadata());
    ObjectContent ranged =
        await(store.get(CONTAINER, "dir/small", Optional.of(new ByteRange.FromTo(100, 199))))
            .orElseThrow();
    assertArrayEquals(Arrays.copyOfRange(body, 100, 200), bytes(ranged, mat));
    assertEquals(100, ranged.range().orElseThrow().first());
    ObjectContent suffix =
        await(store.get(CONTAINER, "dir/small", Optional.of(new ByteRange.Suffix(10))))
            .orElseThrow();
    assertArrayEquals(Arrays.copyOfRange(body, 4086, 4096), bytes(suffix, mat));
    ObjectContent unsatisfiable =
        await(store.get(CONTAINER, "dir/small", Optional.of(new ByteRange.From(5000))))
            .orElseThrow();
    assertTrue(unsatisfiable.rangeNotSatisfiable());

    List<ListingEntry> listed = await(store.list(CONTAINER, ListingQuery.all(100))).entries();
    assertEquals(1, listed.size());
    ListingEntry.ObjectRow row = (ListingEntry.ObjectRow) listed.get(0);
    assertEquals(4096, row.size());
    assertEquals(md5Hex(body), row.etag());
  }

  @Test
  void metadataUpdatesKeepTheInlineBytes() throws IOException {
    byte[] body = randomBytes(20_000, 2);
    putAnnounced("post/me", body);
    await(
        store.replaceMetadata(
            CONTAINER,
            "post/me",
            Optional.of("text/plain"),
            Map.of("Shape", "round"),
            SwiftTimestamp.now()));
    ObjectContent content = await(store.get(CONTAINER, "post/me", Optional.empty())).orElseThrow();
    assertEquals("text/plain", content.info().contentType());
    assertEquals(Map.of("Shape", "round"), content.info().metadata());
    assertArrayEquals(body, bytes(content, mat));
    assertEquals(1, regularFiles(containerDir(root)).size());
    assertTmpEmpty(root);
  }

  @Test
  void overwritesBetweenInlineAndDataFilesLeaveOnlyTheNewVersion() throws IOException {
    byte[] large =
        randomBytes(Math.toIntExact(WholeBody.MAX_SIZE) + 1, 3); // stored in a data file of its own
    byte[] small = randomBytes(3000, 4);
    putAnnounced("swap", large);
    assertEquals(2, regularFiles(containerDir(root)).size());
    PutResult replacedLarge = putAnnounced("swap", small);
    assertEquals(large.length, replacedLarge.replaced().orElseThrow().size());
    assertEquals(
        1, regularFiles(containerDir(root)).size(), "the large version's data file is gone");
    assertArrayEquals(small, get("swap", Optional.empty()));

    // unknown length: streamed into a data file, replacing the inline version
    await(store.put(CONTAINER, "swap", FsStoreTesting.attributes(), chunked(large)));
    assertEquals(2, regularFiles(containerDir(root)).size());
    assertArrayEquals(large, get("swap", Optional.empty()));

    await(store.delete(CONTAINER, "swap"));
    putAnnounced("gone", small);
    await(store.delete(CONTAINER, "gone"));
    assertEquals(List.of(), regularFiles(containerDir(root)));
    assertTrue(await(store.get(CONTAINER, "gone", Optional.empty())).isEmpty());
    assertTmpEmpty(root);
  }

  @Test
  void anEmptyObjectOfAnnouncedLengthIsInline() throws IOException {
    putAnnounced("empty", new byte[0]);
    assertEquals(1, regularFiles(containerDir(root)).size());
    assertArrayEquals(new byte[0], get("empty", Optional.empty()));
  }

  @Test
  void anOlderInlinePutLosesToTheStoredVersion() throws IOException {
    ObjectAttributes newer =
        new ObjectAttributes(
            "text/plain",
            SwiftTimestamp.parse("1700000010.00000"),
            Map.of(),
            Optional.empty(),
            OptionalLong.of(5));
    await(store.put(CONTAINER, "ts", newer, Source.single(ByteString.fromString("newer"))));
    ObjectAttributes older =
        new ObjectAttributes(
            "text/plain",
            SwiftTimestamp.parse("1700000009.00000"),
            Map.of(),
            Optional.empty(),
            OptionalLong.of(5));
    assertInstanceOf(
        ObjectStoreException.NewerExists.class,
        failureOf(
            store.put(CONTAINER, "ts", older, Source.single(ByteString.fromString("older")))));
    assertArrayEquals("newer".getBytes(), get("ts", Optional.empty()));
    assertEquals(1, regularFiles(containerDir(root)).size());
    assertTmpEmpty(root);
  }

  @Test
  void capacityCountsInlineBytesAlsoAfterReopening() throws IOException {
    putAnnounced("a", new byte[1000]);
    putAnnounced("b", new byte[500]);
    await(
        store.put(
            CONTAINER, "c", FsStoreTesting.attributes(), chunked(new byte[250]))); // data file
    assertEquals(1750, await(store.capacity()).usedBytes());
    FilesystemObjectStore reopened = FsStoreTesting.newStore(testKit, root);
    assertEquals(1750, await(reopened.capacity()).usedBytes());
    for (String name : List.of("a", "b", "c")) {
      await(reopened.delete(CONTAINER, name));
    }
    assertEquals(0, await(reopened.capacity()).usedBytes());
    await(reopened.deleteContainer(CONTAINER));
    assertFalse(Files.exists(containerDir(root)));
  }
}
