package io.archipelago.engine.store;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.md5;
import static io.archipelago.engine.testing.StoreTesting.read;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.NotUsed;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.stream.testkit.TestPublisher;
import akka.stream.testkit.javadsl.TestSource;
import akka.util.ByteString;
import io.archipelago.engine.testing.StoreTesting;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What every {@link ObjectStore} does, whatever its kind: one subclass per kind runs it against a
 * real backend (a filesystem, a Swift cluster, S3Proxy). Kind-specific behaviour (how the backend
 * holds things, its names, its failures) is tested in each kind's own test.
 *
 * <p>One store and one actor system per subclass; every test works in containers of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ObjectStoreContract {

  /** Above {@link WholeBody#MAX_SIZE}: bodies of this size stream to the backend. */
  protected static final int STREAMED = 3 << 20;

  protected ActorTestKit testKit;
  protected Materializer mat;
  private ObjectStore store;

  /** Opens the store under test (once per class). */
  protected abstract ObjectStore openStore(ActorTestKit testKit);

  /** The store for a 256 MiB object (the store under test unless the kind tunes it). */
  protected ObjectStore largeObjectStore() {
    return store;
  }

  /** How many MiB the large object has. */
  protected int largeObjectMiB() {
    return 256;
  }

  /** Names the listing test adds to its own (those the kind's backend is known to keep). */
  protected List<String> extraListingNames() {
    return List.of();
  }

  /**
   * Whether the kind keeps Swift's largest metadata ({@link #swiftsLargestMetadata}); a kind that
   * does not refuses it with {@link ObjectStoreException.InvalidRequest}, storing nothing.
   */
  protected boolean keepsSwiftsLargestMetadata() {
    return true;
  }

  /**
   * Checks what the backend holds after a put into {@code container} that stored nothing (no
   * object, no part, no temp file); by default nothing more than the store's own answers say.
   */
  protected void assertNothingLeft(BackendContainer container) {}

  @BeforeAll
  void openContract() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
    store = openStore(testKit);
  }

  @AfterAll
  void closeContract() {
    testKit.shutdownTestKit();
  }

  protected ObjectStore store() {
    return store;
  }

  protected BackendContainer container(String name) {
    BackendContainer c = new BackendContainer("AUTH_contract", name);
    await(store.createContainer(c));
    return c;
  }

  private PutResult put(BackendContainer c, String name, byte[] data) {
    return await(store.put(c, name, attributes(data), bytes(data)));
  }

  private static ObjectAttributes unknownLength() {
    return attributes("application/octet-stream", Map.of(), Optional.empty(), OptionalLong.empty());
  }

  private static byte[] random(int size, int seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** The body in chunks of 64 KiB, as a client's upload arrives. */
  private static Source<ByteString, ?> chunked(byte[] body) {
    List<ByteString> chunks = new ArrayList<>();
    for (int off = 0; off < body.length; off += 64 << 10) {
      chunks.add(ByteString.fromArray(body, off, Math.min(64 << 10, body.length - off)));
    }
    return Source.from(chunks);
  }

  private void assertNothingStored(BackendContainer c, String name) {
    assertTrue(await(store.head(c, name)).isEmpty(), name);
    assertEquals(List.of(), await(store.list(c, ListingQuery.all(100))).entries());
    assertNothingLeft(c);
  }

  @Test
  void roundTripKeepsDataMetadataAndTimestamp() {
    BackendContainer c = container("round");
    byte[] data = utf8("hello, archipelago");
    Map<String, String> metadata =
        Map.of(
            "x-object-meta-color", "blue",
            "x-object-meta-archipelago-timestamp", "user value, not the gateway's",
            "x-object-meta-archipelago-md5", "user value",
            "x-object-meta-unicode", "gr\u00fcn \u2603",
            "content-encoding", "identity",
            "content-disposition", "attachment; filename=\"a b.txt\"",
            "x-delete-at", "4102444800");
    ObjectAttributes attrs =
        new ObjectAttributes(
            "text/plain; charset=utf-8",
            SwiftTimestamp.parse("1700000000.12345"),
            metadata,
            Optional.of(md5(data)),
            OptionalLong.of(data.length));
    PutResult result = await(store.put(c, "docs/hello.txt", attrs, bytes(data)));

    ObjectInfo expected =
        new ObjectInfo(
            "docs/hello.txt",
            data.length,
            md5(data),
            "text/plain; charset=utf-8",
            SwiftTimestamp.parse("1700000000.12345"),
            metadata);
    assertEquals(expected, result.stored());
    assertEquals(Optional.empty(), result.replaced());
    assertEquals(Optional.of(expected), await(store.head(c, "docs/hello.txt")));

    ObjectContent content = await(store.get(c, "docs/hello.txt", Optional.empty())).orElseThrow();
    assertEquals(expected, content.info());
    assertFalse(content.rangeNotSatisfiable());
    assertEquals(data.length, content.contentLength());
    assertArrayEquals(data, read(content, mat));

    assertEquals(Optional.empty(), await(store.head(c, "docs/missing")));
    assertEquals(Optional.empty(), await(store.get(c, "docs/missing", Optional.empty())));
  }

  @Test
  void anOverwriteAnswersTheVersionItReplaced() {
    BackendContainer c = container("overwrite");
    PutResult first = put(c, "a/b", utf8("first"));
    PutResult second = put(c, "a/b", utf8("second version"));
    assertEquals(Optional.of(first.stored()), second.replaced());
    assertEquals(md5(utf8("second version")), second.stored().etag());
    assertArrayEquals(
        utf8("second version"),
        read(await(store.get(c, "a/b", Optional.empty())).orElseThrow(), mat));
    // a streamed one replacing a small one, and back
    byte[] large = random(STREAMED, 1);
    PutResult third = await(store.put(c, "a/b", attributes(large), chunked(large)));
    assertEquals(md5(large), third.stored().etag());
    assertEquals(md5(large), await(store.head(c, "a/b")).orElseThrow().etag());
    assertEquals(utf8("second version").length, third.replaced().orElseThrow().size());
    PutResult fourth = put(c, "a/b", utf8("small again"));
    assertEquals(STREAMED, fourth.replaced().orElseThrow().size());
    assertArrayEquals(
        utf8("small again"), read(await(store.get(c, "a/b", Optional.empty())).orElseThrow(), mat));
  }

  @Test
  // Last: S3Proxy answers a refused Content-MD5 by closing the connection, and the SDK can hand
  // that pooled connection to the next request before it sees the close (a known driver limit).
  @Order(Integer.MAX_VALUE)
  void anEtagMismatchStoresNothing() {
    BackendContainer c = container("etag");
    byte[] data = utf8("payload");
    Optional<String> other = Optional.of(md5(utf8("other")));
    assertInstanceOf(
        ObjectStoreException.EtagMismatch.class,
        failureOf(
            store.put(
                c,
                "known",
                attributes("text/plain", Map.of(), other, OptionalLong.of(data.length)),
                bytes(data))));
    assertInstanceOf(
        ObjectStoreException.EtagMismatch.class,
        failureOf(
            store.put(
                c,
                "unknown",
                attributes("text/plain", Map.of(), other, OptionalLong.empty()),
                bytes(data))));
    byte[] large = random(STREAMED, 2);
    assertInstanceOf(
        ObjectStoreException.EtagMismatch.class,
        failureOf(
            store.put(
                c,
                "streamed",
                attributes(
                    "application/octet-stream", Map.of(), other, OptionalLong.of(large.length)),
                chunked(large))));
    for (String name : List.of("known", "unknown", "streamed")) {
      assertNothingStored(c, name);
    }

    // a failed overwrite keeps the previous version
    put(c, "keep", utf8("version one"));
    failureOf(
        store.put(
            c,
            "keep",
            attributes("text/plain", Map.of(), Optional.of(md5(utf8("x"))), OptionalLong.empty()),
            bytes(utf8("version two"))));
    assertArrayEquals(
        utf8("version one"),
        read(await(store.get(c, "keep", Optional.empty())).orElseThrow(), mat));
  }

  @Test
  void aQuotedUpperCaseEtagMatches() {
    BackendContainer c = container("quoted");
    byte[] body = utf8("quoted");
    PutResult result =
        await(
            store.put(
                c,
                "q",
                attributes(
                    "text/plain",
                    Map.of(),
                    Optional.of("\"" + md5(body).toUpperCase() + "\""),
                    OptionalLong.empty()),
                bytes(body)));
    assertEquals(md5(body), result.stored().etag());
  }

  @Test
  void shortAndLongBodiesStoreNothing() {
    BackendContainer c = container("length");
    ObjectAttributes expectTen =
        attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.of(10));
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(store.put(c, "short", expectTen, bytes(utf8("12345")))));
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(
            store.put(
                c,
                "long",
                expectTen,
                Source.from(
                    List.of(ByteString.fromString("123456"), ByteString.fromString("78901"))))));
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(
            store.put(
                c,
                "too-long",
                attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.of(3)),
                bytes(utf8("too long")))));
    byte[] large = random(STREAMED, 3);
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(
            store.put(
                c,
                "streamed-short",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of(large.length + 1L)),
                chunked(large))));
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(
            store.put(
                c,
                "streamed-long",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of(large.length - 1L)),
                chunked(large))));
    for (String name : List.of("short", "long", "too-long", "streamed-short", "streamed-long")) {
      assertNothingStored(c, name);
    }
  }

  @Test
  void aFailingBodyStoresNothingAndItsFailureIsTheAnswer() {
    BackendContainer c = container("broken");
    RuntimeException boom = new RuntimeException("client went away");
    Source<ByteString, ?> small =
        Source.from(List.of(ByteString.fromString("part one"), ByteString.fromString("part two")))
            .concat(Source.failed(boom));
    assertSame(boom, failureOf(store.put(c, "small", unknownLength(), small)));
    byte[] large = random(STREAMED, 4);
    Source<ByteString, ?> streamed =
        chunked(large).concat(Source.lazySource(() -> Source.failed(boom)));
    assertSame(
        boom,
        failureOf(
            store.put(
                c,
                "streamed",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of(large.length + 10L)),
                streamed)));
    assertNothingStored(c, "small");
    assertNothingStored(c, "streamed");
  }

  @Test
  void chunkedAndEmptyUploads() {
    BackendContainer c = container("chunked");
    Source<ByteString, ?> parts =
        Source.from(List.of(ByteString.fromString("a"), ByteString.fromString("bc")));
    PutResult r =
        await(
            store.put(
                c,
                "chunked",
                attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.empty()),
                parts));
    assertEquals(3, r.stored().size());
    assertEquals(md5(utf8("abc")), await(store.head(c, "chunked")).orElseThrow().etag());

    List<ByteString> chunks = new ArrayList<>();
    ByteString all = ByteString.emptyByteString();
    for (int i = 0; i < 100; i++) {
      ByteString chunk = ByteString.fromString("chunk " + i + ";");
      chunks.add(chunk);
      all = all.concat(chunk);
    }
    PutResult multi = await(store.put(c, "multi", unknownLength(), Source.from(chunks)));
    assertEquals(md5(all.toArray()), multi.stored().etag());
    assertArrayEquals(
        all.toArray(), read(await(store.get(c, "multi", Optional.empty())).orElseThrow(), mat));

    PutResult empty = await(store.put(c, "empty", attributes(new byte[0]), Source.empty()));
    assertEquals(0, empty.stored().size());
    assertEquals("d41d8cd98f00b204e9800998ecf8427e", empty.stored().etag());
    assertEquals(0, await(store.head(c, "empty")).orElseThrow().size());
    PutResult unannounced = await(store.put(c, "empty-unknown", unknownLength(), Source.empty()));
    assertEquals(md5(new byte[0]), unannounced.stored().etag());
    assertArrayEquals(
        new byte[0],
        read(await(store.get(c, "empty-unknown", Optional.empty())).orElseThrow(), mat));
  }

  @Test
  void rangesAreServedAndUnsatisfiableOnesSaid() {
    BackendContainer c = container("ranges");
    put(c, "digits", utf8("0123456789"));
    assertRange(c, new ByteRange.FromTo(2, 4), "234", 2, 4);
    assertRange(c, new ByteRange.FromTo(2, 5), "2345", 2, 5);
    assertRange(c, new ByteRange.FromTo(8, 100), "89", 8, 9);
    assertRange(c, new ByteRange.FromTo(0, 0), "0", 0, 0);
    assertRange(c, new ByteRange.From(7), "789", 7, 9);
    assertRange(c, new ByteRange.From(0), "0123456789", 0, 9);
    assertRange(c, new ByteRange.Suffix(2), "89", 8, 9);
    assertRange(c, new ByteRange.Suffix(3), "789", 7, 9);
    assertRange(c, new ByteRange.Suffix(50), "0123456789", 0, 9);
    for (ByteRange unsatisfiable : List.of(new ByteRange.FromTo(10, 20), new ByteRange.From(10))) {
      ObjectContent content =
          await(store.get(c, "digits", Optional.of(unsatisfiable))).orElseThrow();
      assertTrue(content.rangeNotSatisfiable(), unsatisfiable.toString());
      assertEquals(Optional.empty(), content.range());
      assertEquals(10, content.info().size());
      assertArrayEquals(new byte[0], read(content, mat));
    }
    assertTrue(await(store.get(c, "missing", Optional.empty())).isEmpty());

    // across the read chunks of a larger object
    byte[] body = new byte[200_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31 + i / 7);
    }
    await(store.put(c, "big", attributes(body), chunked(body)));
    ObjectContent content =
        await(store.get(c, "big", Optional.of(new ByteRange.FromTo(65_000, 140_000))))
            .orElseThrow();
    assertArrayEquals(Arrays.copyOfRange(body, 65_000, 140_001), read(content, mat));
  }

  private void assertRange(
      BackendContainer c, ByteRange range, String expected, long first, long last) {
    ObjectContent content = await(store.get(c, "digits", Optional.of(range))).orElseThrow();
    assertFalse(content.rangeNotSatisfiable(), range.toString());
    assertEquals(
        Optional.of(new ByteRange.Resolved(first, last)), content.range(), range.toString());
    assertEquals(10, content.info().size());
    assertEquals(expected.length(), content.contentLength());
    assertEquals(expected, new String(read(content, mat)), range.toString());
  }

  @Test
  void listingsPageWithMarkersPrefixDelimiterAndReverse() {
    BackendContainer c = container("listing");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      names.add(String.format("obj-%02d", i));
    }
    names.addAll(List.of("dir/a", "dir/b", "dir/sub/c", "\u00e9t\u00e9"));
    names.addAll(extraListingNames());
    names.forEach(n -> put(c, n, utf8(n)));

    List<String> all = new ArrayList<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      ListingPage page =
          await(
              store.list(
                  c,
                  new ListingQuery(
                      Optional.empty(), Optional.empty(), marker, Optional.empty(), 5, false)));
      if (page.entries().isEmpty()) {
        break;
      }
      page.entries().forEach(e -> all.add(e.sortKey()));
      marker = Optional.of(page.entries().get(page.entries().size() - 1).sortKey());
    }
    List<String> expected = new ArrayList<>(names);
    expected.sort(NameOrder.UTF8);
    assertEquals(expected, all);

    ListingPage top =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.empty(),
                    Optional.of("/"),
                    Optional.empty(),
                    Optional.empty(),
                    100,
                    false)));
    assertTrue(top.entries().contains(new ListingEntry.SubdirRow("dir/")), top.toString());
    assertEquals(names.size() - 2, top.entries().size()); // the three under dir/ are one row
    ListingPage inDir =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.of("dir/"),
                    Optional.of("/"),
                    Optional.empty(),
                    Optional.empty(),
                    100,
                    false)));
    assertEquals(List.of("dir/a", "dir/b", "dir/sub/"), keys(inDir));
    ListingPage afterDir =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.empty(),
                    Optional.of("/"),
                    Optional.of("dir/"),
                    Optional.empty(),
                    2,
                    false)));
    assertEquals(List.of("obj-00", "obj-01"), keys(afterDir));
    ListingPage reversed =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.of("obj-"),
                    Optional.empty(),
                    Optional.of("obj-05"),
                    Optional.of("obj-01"),
                    100,
                    true)));
    assertEquals(List.of("obj-04", "obj-03", "obj-02"), keys(reversed));
    ListingPage lastTwo =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.of("obj-"),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    2,
                    true)));
    assertEquals(List.of("obj-11", "obj-10"), keys(lastTwo));
    ListingPage bounded =
        await(
            store.list(
                c,
                new ListingQuery(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of("obj-02"),
                    100,
                    false)));
    assertEquals(List.of("dir/a", "dir/b", "dir/sub/c", "obj-00", "obj-01"), keys(bounded));
    ListingEntry.ObjectRow row = (ListingEntry.ObjectRow) bounded.entries().get(0);
    assertEquals(md5(utf8("dir/a")), row.etag());
    assertEquals("application/octet-stream", row.contentType());
    assertEquals(5, row.size());
  }

  private static List<String> keys(ListingPage page) {
    return page.entries().stream().map(ListingEntry::sortKey).toList();
  }

  @Test
  void aMissingContainerListsEmptyAndHoldsNothing() {
    BackendContainer missing = new BackendContainer("AUTH_none", "never-created");
    assertEquals(List.of(), await(store.list(missing, ListingQuery.all(10))).entries());
    assertEquals(Optional.empty(), await(store.head(missing, "x")));
  }

  @Test
  void containerDeleteRefusesNonEmptyAndIsIdempotent() {
    BackendContainer c = container("deleting");
    await(store.createContainer(c)); // idempotent
    PutResult stored = put(c, "a/b/c", utf8("c"));
    assertInstanceOf(
        ObjectStoreException.ContainerNotEmpty.class, failureOf(store.deleteContainer(c)));
    assertEquals(Optional.of(stored.stored()), await(store.delete(c, "a/b/c")));
    assertTrue(await(store.delete(c, "a/b/c")).isEmpty());
    assertTrue(await(store.head(c, "a/b/c")).isEmpty());
    await(store.deleteContainer(c));
    await(store.deleteContainer(c));
  }

  @Test
  void metadataIsReplacedByPost() {
    BackendContainer c = container("post");
    byte[] data = utf8("post me");
    await(
        store.put(
            c,
            "o",
            attributes(
                "text/plain",
                Map.of("x-object-meta-a", "1", "content-encoding", "gzip"),
                Optional.empty(),
                OptionalLong.of(data.length)),
            bytes(data)));
    SwiftTimestamp ts = SwiftTimestamp.now();
    ObjectInfo expected =
        new ObjectInfo(
            "o", data.length, md5(data), "text/markdown", ts, Map.of("x-object-meta-b", "2"));
    await(
            store.replaceMetadata(
                c, "o", Optional.of("text/markdown"), Map.of("x-object-meta-b", "2"), ts))
        .orElseThrow();
    assertEquals(Optional.of(expected), await(store.head(c, "o")));

    SwiftTimestamp later = SwiftTimestamp.now();
    await(store.replaceMetadata(c, "o", Optional.empty(), Map.of(), later)).orElseThrow();
    ObjectContent content = await(store.get(c, "o", Optional.empty())).orElseThrow();
    assertEquals(
        new ObjectInfo("o", data.length, md5(data), "text/markdown", later, Map.of()),
        content.info());
    assertArrayEquals(data, read(content, mat));
    ListingEntry.ObjectRow row =
        (ListingEntry.ObjectRow) await(store.list(c, ListingQuery.all(10))).entries().get(0);
    assertEquals("text/markdown", row.contentType());

    assertTrue(
        await(store.replaceMetadata(c, "missing", Optional.empty(), Map.of(), ts)).isEmpty());
  }

  /**
   * The most metadata Swift allows an object: 90 entries, names of up to 128 bytes, values of up to
   * 256, 4096 bytes of names and values in all.
   */
  private static Map<String, String> swiftsLargestMetadata() {
    Map<String, String> metadata = new HashMap<>();
    metadata.put("x-object-meta-" + "a".repeat(128), "\u00e9".repeat(128));
    metadata.put("x-object-meta-" + "b".repeat(128), "v".repeat(256));
    for (int i = metadata.size(); i < 90; i++) {
      metadata.put(String.format("x-object-meta-m%02d", i), String.format("%02d", i).repeat(17));
    }
    return metadata;
  }

  /** Many entries, few bytes: what every kind keeps. */
  private static Map<String, String> manySmallEntries() {
    Map<String, String> metadata = new HashMap<>();
    for (int i = 0; i < 90; i++) {
      metadata.put(String.format("x-object-meta-m%02d", i), "v" + i);
    }
    return metadata;
  }

  @Test
  void manyMetadataEntriesAllComeBack() {
    BackendContainer c = container("many-meta");
    byte[] data = utf8("many");
    Map<String, String> metadata = manySmallEntries();
    await(
        store.put(
            c,
            "o",
            attributes("text/plain", metadata, Optional.empty(), OptionalLong.of(data.length)),
            bytes(data)));
    assertEquals(metadata, await(store.head(c, "o")).orElseThrow().metadata());
    ObjectContent content = await(store.get(c, "o", Optional.empty())).orElseThrow();
    assertEquals(metadata, content.info().metadata());
    assertArrayEquals(data, read(content, mat));

    Map<String, String> replaced = new HashMap<>(metadata);
    replaced.put("x-object-meta-m00", "changed");
    await(store.replaceMetadata(c, "o", Optional.empty(), replaced, SwiftTimestamp.now()))
        .orElseThrow();
    assertEquals(replaced, await(store.head(c, "o")).orElseThrow().metadata());
  }

  @Test
  void swiftsLargestMetadataComesBackWholeOrIsRefused() {
    BackendContainer c = container("max-meta");
    byte[] data = utf8("max");
    Map<String, String> metadata = swiftsLargestMetadata();
    ObjectAttributes attrs =
        attributes("text/plain", metadata, Optional.empty(), OptionalLong.of(data.length));
    if (!keepsSwiftsLargestMetadata()) {
      assertInstanceOf(
          ObjectStoreException.InvalidRequest.class,
          failureOf(store.put(c, "o", attrs, bytes(data))));
      assertNothingStored(c, "o");
      put(c, "o", data);
      assertInstanceOf(
          ObjectStoreException.InvalidRequest.class,
          failureOf(
              store.replaceMetadata(c, "o", Optional.empty(), metadata, SwiftTimestamp.now())));
      assertEquals(Map.of(), await(store.head(c, "o")).orElseThrow().metadata());
      return;
    }
    await(store.put(c, "o", attrs, bytes(data)));
    assertEquals(metadata, await(store.head(c, "o")).orElseThrow().metadata());
    ObjectContent content = await(store.get(c, "o", Optional.empty())).orElseThrow();
    assertEquals(metadata, content.info().metadata());
    assertArrayEquals(data, read(content, mat));

    await(store.replaceMetadata(c, "o", Optional.empty(), Map.of(), SwiftTimestamp.now()))
        .orElseThrow();
    await(store.replaceMetadata(c, "o", Optional.empty(), metadata, SwiftTimestamp.now()))
        .orElseThrow();
    assertEquals(metadata, await(store.head(c, "o")).orElseThrow().metadata());
  }

  @Test
  void aRefusedPutCancelsTheBodyItNeverTook() {
    BackendContainer c = container("refused");
    Pair<TestPublisher.Probe<ByteString>, Source<ByteString, NotUsed>> client =
        TestSource.<ByteString>probe(testKit.system().classicSystem()).preMaterialize(mat);
    assertInstanceOf(
        ObjectStoreException.InvalidRequest.class,
        failureOf(store.put(c, "", attributes(utf8("x")), client.second())));
    client.first().expectCancellation();
  }

  @Test
  void largeObjectStreamsBothWays() {
    ObjectStore large = largeObjectStore();
    BackendContainer c = container("large");
    int chunk = 1 << 20;
    int chunks = largeObjectMiB();
    MessageDigest sent = StoreTesting.newMd5();
    PutResult r =
        await(
            large.put(
                c,
                "big.bin",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of((long) chunk * chunks)),
                StoreTesting.generated(chunk, chunks, sent)));
    String sentMd5 = HexFormat.of().formatHex(sent.digest());
    assertEquals((long) chunk * chunks, r.stored().size());
    assertEquals(sentMd5, r.stored().etag());
    ObjectContent content = await(large.get(c, "big.bin", Optional.empty())).orElseThrow();
    assertEquals((long) chunk * chunks, content.contentLength());
    assertEquals(sentMd5, content.info().etag());
    Map.Entry<String, Long> received = StoreTesting.digest(content.data(), mat);
    assertEquals((long) chunk * chunks, received.getValue());
    assertEquals(sentMd5, received.getKey());

    // the last 1 MiB + 1 byte, from the middle of a chunk
    long tail = chunk + 1L;
    ObjectContent range =
        await(large.get(c, "big.bin", Optional.of(new ByteRange.Suffix(tail)))).orElseThrow();
    assertEquals(tail, range.contentLength());
    assertEquals(tail, (long) StoreTesting.digest(range.data(), mat).getValue());
    await(large.delete(c, "big.bin"));
  }
}
