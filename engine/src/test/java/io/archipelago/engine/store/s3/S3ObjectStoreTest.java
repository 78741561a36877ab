package io.archipelago.engine.store.s3;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.md5;
import static io.archipelago.engine.testing.StoreTesting.read;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.engine.testing.StoreTesting;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The S3 driver against a real S3 server (S3Proxy, filesystem provider, on loopback). */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class S3ObjectStoreTest {

  static ActorTestKit testKit;
  static Materializer mat;
  static S3ProxyServer server;
  static S3AsyncClient direct;
  static S3ObjectStore store;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
    server = RealBackends.get().s3();
    direct = server.client();
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "driver-tests"));
    settings.put("part-size", "5MiB");
    settings.put("multipart-threshold", "8MiB");
    store = new S3ObjectStore("s3", new DriverSettings("s3", settings), 0, testKit.system());
  }

  @AfterAll
  static void stop() {
    direct.close();
    testKit.shutdownTestKit();
  }

  static BackendContainer container(String name) {
    BackendContainer c = new BackendContainer("AUTH_test", name);
    await(store.createContainer(c));
    return c;
  }

  static PutResult put(BackendContainer c, String name, byte[] data) {
    return await(store.put(c, name, attributes(data), bytes(data)));
  }

  static HeadObjectResponse directHead(BackendContainer c, String name) {
    Pair<String, String> where = store.location(c, name);
    return await(direct.headObject(b -> b.bucket(where.first()).key(where.second())));
  }

  @Test
  void roundTripMapsMetadataToAmzMeta() {
    BackendContainer c = container("round");
    byte[] data = utf8("hello s3");
    Map<String, String> metadata = Map.of(
        "x-object-meta-color", "blue",
        "x-object-meta-archipelago-md5", "user value",
        "x-object-meta-unicode", "gr\u00fcn \u2603",
        "content-encoding", "identity",
        "content-disposition", "attachment; filename=\"a b.txt\"",
        "x-delete-at", "4102444800");
    var attrs = attributes("text/plain; charset=utf-8", metadata, Optional.of(md5(data)), OptionalLong.of(data.length));
    assertEquals(md5(data), await(store.put(c, "dir/hello.txt", attrs, bytes(data))).stored().etag());

    ObjectInfo info = await(store.head(c, "dir/hello.txt")).orElseThrow();
    assertEquals(md5(data), info.etag());
    assertEquals("text/plain; charset=utf-8", info.contentType());
    assertEquals(attrs.timestamp(), info.timestamp());
    assertEquals(metadata, info.metadata());
    ObjectContent content = await(store.get(c, "dir/hello.txt", Optional.empty())).orElseThrow();
    assertEquals("hello s3", new String(read(content, mat)));
    assertEquals(metadata, content.info().metadata());

    // As S3 itself has it, read with a plain S3 client.
    assertEquals("driver-tests", store.location(c, "x").first());
    assertEquals("AUTH_test/round/dir/hello.txt", store.location(c, "dir/hello.txt").second());
    HeadObjectResponse raw = directHead(c, "dir/hello.txt");
    assertEquals("blue", raw.metadata().get("color"));
    assertEquals("user value", raw.metadata().get("archipelago-u-md5"));
    assertEquals("4102444800", raw.metadata().get("archipelago-h-x-delete-at"));
    assertEquals("identity", raw.contentEncoding());
    assertEquals("text/plain", raw.contentType()); // plain-content-type: the parameters are metadata
    assertEquals("text/plain; charset=utf-8", raw.metadata().get("archipelago-content-type"));
    assertEquals(data.length, raw.contentLength());
  }

  @Test
  // Last: S3Proxy answers a refused Content-MD5 by closing the connection, and the SDK can hand
  // that pooled connection to the next request before it sees the close (a known driver limit).
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void etagMismatchStoresNothingForSingleAndMultipartUploads() {
    BackendContainer c = container("etag");
    byte[] data = utf8("payload");
    assertInstanceOf(ObjectStoreException.EtagMismatch.class, failureOf(store.put(c, "x",
        attributes("text/plain", Map.of(), Optional.of(md5(utf8("other"))), OptionalLong.of(data.length)), bytes(data))));
    assertTrue(await(store.head(c, "x")).isEmpty());
    MessageDigest ignored = StoreTesting.newMd5();
    assertInstanceOf(ObjectStoreException.EtagMismatch.class, failureOf(store.put(c, "big",
        attributes("application/octet-stream", Map.of(), Optional.of(md5(data)), OptionalLong.empty()),
        StoreTesting.generated(1 << 20, 12, ignored))));
    assertTrue(await(store.head(c, "big")).isEmpty());
    var uploads = await(direct.listMultipartUploads(b -> b.bucket("driver-tests")));
    assertTrue(uploads.uploads().isEmpty(), uploads.toString());
  }

  @Test
  void unknownLengthUploadsAreSingleWhenSmallAndMultipartWhenLarge() {
    BackendContainer c = container("chunked");
    Source<ByteString, ?> parts = Source.from(List.of(ByteString.fromString("a"), ByteString.fromString("bc")));
    PutResult small = await(store.put(c, "small", attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.empty()), parts));
    assertEquals(3, small.stored().size());
    assertEquals(md5(utf8("abc")), await(store.head(c, "small")).orElseThrow().etag());

    MessageDigest sent = StoreTesting.newMd5();
    PutResult large = await(store.put(c, "large", attributes("application/x-big", Map.of("x-object-meta-k", "v"),
        Optional.empty(), OptionalLong.empty()), StoreTesting.generated(1 << 20, 12, sent)));
    String expected = HexFormat.of().formatHex(sent.digest());
    assertEquals(expected, large.stored().etag());
    ObjectInfo info = await(store.head(c, "large")).orElseThrow();
    assertEquals(expected, info.etag());
    assertEquals(12L << 20, info.size());
    assertEquals(Map.of("x-object-meta-k", "v"), info.metadata());
    HeadObjectResponse raw = directHead(c, "large");
    assertEquals(expected, raw.metadata().get("archipelago-md5"));
    assertEquals(expected, StoreTesting.digest(await(store.get(c, "large", Optional.empty())).orElseThrow().data(), mat).getKey());

    PutResult empty = await(store.put(c, "empty", attributes(new byte[0]), Source.empty()));
    assertEquals(md5(new byte[0]), empty.stored().etag());
    assertEquals(0, await(store.head(c, "empty")).orElseThrow().size());
  }

  @Test
  void rangesAreServedAndUnsatisfiableOnesSaid() {
    BackendContainer c = container("ranges");
    put(c, "digits", utf8("0123456789"));
    ObjectContent fromTo = await(store.get(c, "digits", Optional.of(new ByteRange.FromTo(2, 4)))).orElseThrow();
    assertEquals("234", new String(read(fromTo, mat)));
    assertEquals(new ByteRange.Resolved(2, 4), fromTo.range().orElseThrow());
    assertEquals(10, fromTo.info().size());
    assertEquals("789", new String(read(await(store.get(c, "digits", Optional.of(new ByteRange.From(7)))).orElseThrow(), mat)));
    ObjectContent suffix = await(store.get(c, "digits", Optional.of(new ByteRange.Suffix(2)))).orElseThrow();
    assertEquals("89", new String(read(suffix, mat)));
    assertEquals(new ByteRange.Resolved(8, 9), suffix.range().orElseThrow());
    ObjectContent beyond = await(store.get(c, "digits", Optional.of(new ByteRange.From(10)))).orElseThrow();
    assertTrue(beyond.rangeNotSatisfiable());
    assertEquals(10, beyond.info().size());
    assertTrue(await(store.get(c, "missing", Optional.empty())).isEmpty());
  }

  @Test
  void listingsPageWithMarkersPrefixDelimiterAndReverse() {
    BackendContainer c = container("listing");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      names.add(String.format("obj-%02d", i));
    }
    names.addAll(List.of("dir/a", "dir/b", "dir/sub/c", "\u00e9t\u00e9"));
    names.forEach(n -> put(c, n, utf8(n)));

    List<String> all = new ArrayList<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      ListingPage page = await(store.list(c, new ListingQuery(Optional.empty(), Optional.empty(), marker, Optional.empty(), 5, false)));
      if (page.entries().isEmpty()) {
        break;
      }
      page.entries().forEach(e -> all.add(e.sortKey()));
      marker = Optional.of(page.entries().get(page.entries().size() - 1).sortKey());
    }
    List<String> expected = new ArrayList<>(names);
    expected.sort(NameOrder.UTF8);
    assertEquals(expected, all);

    ListingPage top = await(store.list(c, new ListingQuery(Optional.empty(), Optional.of("/"), Optional.empty(), Optional.empty(), 100, false)));
    assertTrue(top.entries().contains(new ListingEntry.SubdirRow("dir/")), top.toString());
    assertEquals(14, top.entries().size());
    ListingPage inDir = await(store.list(c, new ListingQuery(Optional.of("dir/"), Optional.of("/"), Optional.empty(), Optional.empty(), 100, false)));
    assertEquals(List.of("dir/a", "dir/b", "dir/sub/"), inDir.entries().stream().map(ListingEntry::sortKey).toList());
    ListingPage afterDir = await(store.list(c, new ListingQuery(Optional.empty(), Optional.of("/"), Optional.of("dir/"), Optional.empty(), 2, false)));
    assertEquals(List.of("obj-00", "obj-01"), afterDir.entries().stream().map(ListingEntry::sortKey).toList());
    ListingPage reversed = await(store.list(c, new ListingQuery(Optional.of("obj-"), Optional.empty(), Optional.of("obj-05"), Optional.of("obj-01"), 100, true)));
    assertEquals(List.of("obj-04", "obj-03", "obj-02"), reversed.entries().stream().map(ListingEntry::sortKey).toList());
    ListingPage lastTwo = await(store.list(c, new ListingQuery(Optional.of("obj-"), Optional.empty(), Optional.empty(), Optional.empty(), 2, true)));
    assertEquals(List.of("obj-11", "obj-10"), lastTwo.entries().stream().map(ListingEntry::sortKey).toList());
    ListingPage bounded = await(store.list(c, new ListingQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("obj-02"), 100, false)));
    assertEquals(List.of("dir/a", "dir/b", "dir/sub/c", "obj-00", "obj-01"), bounded.entries().stream().map(ListingEntry::sortKey).toList());
    ListingEntry.ObjectRow row = (ListingEntry.ObjectRow) bounded.entries().get(0);
    assertEquals(md5(utf8("dir/a")), row.etag());
    assertEquals("application/octet-stream", row.contentType());
    assertEquals(5, row.size());
  }

  @Test
  void bucketModeGivesEachContainerABucket() {
    Map<String, String> settings = new HashMap<>(server.driverSettings("bucket", "arch-"));
    S3ObjectStore buckets = new S3ObjectStore("s3b", new DriverSettings("s3b", settings), 0, testKit.system());
    BackendContainer c = new BackendContainer("AUTH_test", "Not A Valid_Bucket Name!");
    await(buckets.createContainer(c));
    String bucket = buckets.location(c, "o").first();
    assertTrue(bucket.startsWith("arch-") && bucket.length() == 63, bucket);
    await(direct.headBucket(b -> b.bucket(bucket)));
    await(buckets.put(c, "o", attributes(utf8("x")), bytes(utf8("x"))));
    assertInstanceOf(ObjectStoreException.ContainerNotEmpty.class, failureOf(buckets.deleteContainer(c)));
    await(buckets.delete(c, "o"));
    await(buckets.deleteContainer(c));
    await(buckets.deleteContainer(c));
    assertEquals(404, S3ObjectStore.status(failureOf(direct.headBucket(b -> b.bucket(bucket)))));
  }

  @Test
  void prefixModeContainerDeleteRefusesNonEmpty() {
    BackendContainer c = container("deleting");
    put(c, "x", utf8("x"));
    assertInstanceOf(ObjectStoreException.ContainerNotEmpty.class, failureOf(store.deleteContainer(c)));
    assertEquals("x", await(store.delete(c, "x")).orElseThrow().name());
    assertTrue(await(store.delete(c, "x")).isEmpty());
    await(store.deleteContainer(c));
  }

  @Test
  void metadataIsReplacedByPost() {
    BackendContainer c = container("post");
    byte[] data = utf8("post me");
    await(store.put(c, "o", attributes("text/plain", Map.of("x-object-meta-a", "1", "content-encoding", "gzip"),
        Optional.empty(), OptionalLong.of(data.length)), bytes(data)));
    SwiftTimestamp ts = SwiftTimestamp.now();
    await(store.replaceMetadata(c, "o", Optional.of("text/markdown"), Map.of("x-object-meta-b", "2"), ts)).orElseThrow();
    ObjectInfo updated = await(store.head(c, "o")).orElseThrow();
    assertEquals(Map.of("x-object-meta-b", "2"), updated.metadata());
    assertEquals("text/markdown", updated.contentType());
    assertEquals(ts, updated.timestamp());
    assertEquals(md5(data), updated.etag());
    assertTrue(await(store.replaceMetadata(c, "missing", Optional.empty(), Map.of(), ts)).isEmpty());
  }

  @Test
  void largeObjectStreamsBothWays() {
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "driver-tests"));
    S3ObjectStore defaults = new S3ObjectStore("s3d", new DriverSettings("s3d", settings), 0, testKit.system());
    BackendContainer c = container("large");
    int chunk = 1 << 20;
    int chunks = 256; // 256 MiB, multipart with 16 MiB parts
    MessageDigest sent = StoreTesting.newMd5();
    PutResult r = await(defaults.put(c, "big.bin",
        attributes("application/octet-stream", Map.of(), Optional.empty(), OptionalLong.of((long) chunk * chunks)),
        StoreTesting.generated(chunk, chunks, sent)));
    String sentMd5 = HexFormat.of().formatHex(sent.digest());
    assertEquals(sentMd5, r.stored().etag());
    ObjectContent content = await(defaults.get(c, "big.bin", Optional.empty())).orElseThrow();
    assertEquals(sentMd5, content.info().etag());
    Map.Entry<String, Long> received = StoreTesting.digest(content.data(), mat);
    assertEquals((long) chunk * chunks, received.getValue());
    assertEquals(sentMd5, received.getKey());
    await(defaults.delete(c, "big.bin"));
  }

  @Test
  void capacityCountsStoredBytes() {
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "capacity-tests"));
    S3ObjectStore fresh = new S3ObjectStore("s3c", new DriverSettings("s3c", settings), 1L << 30, testKit.system());
    BackendContainer c = new BackendContainer("AUTH_test", "cap");
    await(fresh.createContainer(c));
    assertEquals(0, await(fresh.capacity()).usedBytes());
    await(fresh.put(c, "o", attributes(new byte[1000]), bytes(new byte[1000])));
    assertEquals(1000, await(fresh.capacity()).usedBytes());
    assertEquals(1L << 30, await(fresh.capacity()).totalBytes());
  }

  @Test
  void unreachableServerIsUnavailable() throws IOException {
    // A port bound but never listening refuses connections, and no other process (nor a
    // connection to itself from the same ephemeral port) can answer on it meanwhile.
    try (java.net.Socket holder = new java.net.Socket()) {
      holder.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
      assertFailsFastAgainst(holder.getLocalPort());
    }
  }

  private void assertFailsFastAgainst(int port) {
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "nowhere"));
    settings.put("endpoint", "http://127.0.0.1:" + port);
    // In CI (never alone) one of these calls has waited out the whole request time-out; a short
    // one keeps that wait bounded while the per-call times below say which call it was.
    settings.put("request-timeout", "3s");
    S3ObjectStore down = new S3ObjectStore("down", new DriverSettings("down", settings), 0, testKit.system());
    BackendContainer c = new BackendContainer("AUTH_test", "c");
    long t0 = System.nanoTime();
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(down.head(c, "o")));
    long t1 = System.nanoTime();
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class,
        failureOf(down.put(c, "o", attributes(utf8("x")), bytes(utf8("x")))));
    long t2 = System.nanoTime();
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(down.probe()));
    long t3 = System.nanoTime();
    // A refused connection is final at once (not sent again), not after the request time-out.
    assertFalse(S3ObjectStore.connectionLost(
        software.amazon.awssdk.core.exception.SdkClientException.create("refused", new java.net.ConnectException("refused"))));
    assertTrue(S3ObjectStore.connectionLost(
        software.amazon.awssdk.core.exception.SdkClientException.create("lost", new java.io.IOException("connection closed"))));
    String times = String.format("head %d ms, put %d ms, probe %d ms",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    System.out.println("unreachable S3: " + times);
    assertTrue(t3 - t0 < 12_000_000_000L, times);
  }

}
