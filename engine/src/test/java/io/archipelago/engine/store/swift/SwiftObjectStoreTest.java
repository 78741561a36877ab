package io.archipelago.engine.store.swift;

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
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.StoreTesting;
import io.archipelago.testing.SwiftCluster;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Swift driver against a real Swift cluster (Debian's packages, on loopback). */
class SwiftObjectStoreTest {

  static ActorTestKit testKit;
  static Materializer mat;
  static SwiftCluster cluster;
  static SwiftObjectStore store;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
    cluster = RealBackends.get().swiftA();
    store = newStore(cluster, "drv_");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static SwiftObjectStore newStore(SwiftCluster cluster, String prefix) {
    return new SwiftObjectStore("swift-" + cluster.name(),
        new DriverSettings("swift-" + cluster.name(), cluster.driverSettings(prefix)), 0, testKit.system());
  }

  static BackendContainer container(String name) {
    BackendContainer c = new BackendContainer("AUTH_test", name);
    await(store.createContainer(c));
    return c;
  }

  static PutResult put(BackendContainer c, String name, byte[] data) {
    return await(store.put(c, name, attributes(data), bytes(data)));
  }

  @Test
  void roundTripKeepsDataMetadataAndTimestamp() {
    BackendContainer c = container("round");
    byte[] data = utf8("hello swift");
    Map<String, String> metadata = Map.of(
        "x-object-meta-color", "blue",
        "x-object-meta-archipelago-timestamp", "user value, not the gateway's",
        "x-object-meta-unicode", "gr\u00fcn \u2603",
        "content-encoding", "identity",
        "content-disposition", "attachment; filename=\"a b.txt\"",
        "x-delete-at", "4102444800");
    var attrs = attributes("text/plain; charset=utf-8", metadata, Optional.of(md5(data)), OptionalLong.of(data.length));
    PutResult result = await(store.put(c, "dir/hello.txt", attrs, bytes(data)));
    assertEquals(md5(data), result.stored().etag());
    assertTrue(result.replaced().isEmpty());

    ObjectInfo info = await(store.head(c, "dir/hello.txt")).orElseThrow();
    assertEquals(data.length, info.size());
    assertEquals(md5(data), info.etag());
    assertEquals("text/plain; charset=utf-8", info.contentType());
    assertEquals(attrs.timestamp(), info.timestamp());
    assertEquals(metadata, info.metadata());

    ObjectContent content = await(store.get(c, "dir/hello.txt", Optional.empty())).orElseThrow();
    assertEquals("hello swift", new String(read(content, mat)));
    assertEquals(metadata, content.info().metadata());

    // Seen from the backend with Swift's own client: the mapped container and the metadata.
    String stat = cluster.swiftCli("stat", "drv_AUTH_test~round", "dir/hello.txt");
    assertTrue(stat.contains("Meta Color: blue"), stat);
    assertTrue(stat.contains("Meta Archipelago-H-X-Delete-At: 4102444800"), stat);
    assertTrue(stat.toLowerCase(java.util.Locale.ROOT).contains("content type: text/plain; charset=utf-8"), stat);

    PutResult again = put(c, "dir/hello.txt", utf8("v2"));
    assertEquals(data.length, again.replaced().orElseThrow().size());
  }

  @Test
  void etagMismatchStoresNothing() {
    BackendContainer c = container("etag");
    byte[] data = utf8("payload");
    Throwable failure = failureOf(store.put(c, "x",
        attributes("text/plain", Map.of(), Optional.of(md5(utf8("other"))), OptionalLong.of(data.length)),
        bytes(data)));
    assertInstanceOf(ObjectStoreException.EtagMismatch.class, failure);
    assertTrue(await(store.head(c, "x")).isEmpty());
  }

  @Test
  void streamedUploadsAreCheckedWithOrWithoutTheGatewaysMd5() {
    Map<String, String> settings = new java.util.HashMap<>(cluster.driverSettings("drv_"));
    settings.put("gateway-md5", "on");
    SwiftObjectStore checking = new SwiftObjectStore("swift-a-md5", new DriverSettings("swift-a-md5", settings), 0,
        testKit.system());
    BackendContainer c = container("streamed-etag");
    int chunk = 1 << 20; // above the size read whole: these stream
    for (SwiftObjectStore s : List.of(store, checking)) {
      MessageDigest sent = StoreTesting.newMd5();
      PutResult r = await(s.put(c, "right", attributes("application/octet-stream", Map.of(), Optional.empty(),
          OptionalLong.of(3L * chunk)), StoreTesting.generated(chunk, 3, sent)));
      assertEquals(java.util.HexFormat.of().formatHex(sent.digest()), r.stored().etag());
      Throwable failure = failureOf(s.put(c, "wrong", attributes("application/octet-stream", Map.of(),
          Optional.of(md5(utf8("other"))), OptionalLong.of(3L * chunk)), StoreTesting.generated(chunk, 3, StoreTesting.newMd5())));
      assertInstanceOf(ObjectStoreException.EtagMismatch.class, failure);
      assertTrue(await(s.head(c, "wrong")).isEmpty());
    }
  }

  @Test
  void bodyLongerThanAnnouncedIsRefused() {
    BackendContainer c = container("length");
    Throwable failure = failureOf(store.put(c, "x",
        attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.of(3)), bytes(utf8("too long"))));
    assertInstanceOf(ObjectStoreException.LengthMismatch.class, failure);
    assertTrue(await(store.head(c, "x")).isEmpty());
  }

  @Test
  void chunkedAndEmptyUploads() {
    BackendContainer c = container("chunked");
    Source<ByteString, ?> parts = Source.from(List.of(ByteString.fromString("a"), ByteString.fromString("bc")));
    PutResult r = await(store.put(c, "chunked", attributes("text/plain", Map.of(), Optional.empty(), OptionalLong.empty()), parts));
    assertEquals(3, r.stored().size());
    assertEquals(md5(utf8("abc")), await(store.head(c, "chunked")).orElseThrow().etag());
    PutResult empty = await(store.put(c, "empty", attributes(new byte[0]), Source.empty()));
    assertEquals(0, empty.stored().size());
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
    ObjectContent from = await(store.get(c, "digits", Optional.of(new ByteRange.From(7)))).orElseThrow();
    assertEquals("789", new String(read(from, mat)));
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
    names.addAll(List.of("dir/a", "dir/b", "dir/sub/c", "\u00e9t\u00e9", "\ud83d\ude00"));
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
    expected.sort(io.archipelago.engine.store.NameOrder.UTF8);
    assertEquals(expected, all);

    ListingPage dirs = await(store.list(c, new ListingQuery(Optional.empty(), Optional.of("/"), Optional.empty(), Optional.empty(), 100, false)));
    assertTrue(dirs.entries().contains(new ListingEntry.SubdirRow("dir/")));
    ListingPage inDir = await(store.list(c, new ListingQuery(Optional.of("dir/"), Optional.of("/"), Optional.empty(), Optional.empty(), 100, false)));
    assertEquals(List.of("dir/a", "dir/b", "dir/sub/"), inDir.entries().stream().map(ListingEntry::sortKey).toList());
    ListingPage reversed = await(store.list(c, new ListingQuery(Optional.of("obj-"), Optional.empty(), Optional.of("obj-05"), Optional.of("obj-01"), 100, true)));
    assertEquals(List.of("obj-04", "obj-03", "obj-02"), reversed.entries().stream().map(ListingEntry::sortKey).toList());
    ListingEntry.ObjectRow row = (ListingEntry.ObjectRow) await(store.list(c, new ListingQuery(Optional.of("dir/a"), Optional.empty(), Optional.empty(), Optional.empty(), 1, false))).entries().get(0);
    assertEquals(md5(utf8("dir/a")), row.etag());
    assertEquals(5, row.size());
    assertTrue(await(store.list(new BackendContainer("AUTH_test", "never-created"), ListingQuery.all(10))).entries().isEmpty());
  }

  @Test
  void dotNamesStayObjectNames() {
    BackendContainer c = container("dots");
    List<String> names = List.of("a/../b", "../x", "a/.", "a//b", "/lead", "%2F", "q?x#y", "...");
    names.forEach(n -> put(c, n, utf8("v:" + n)));
    for (String n : names) {
      assertEquals("v:" + n, new String(read(await(store.get(c, n, Optional.empty())).orElseThrow(), mat)), n);
    }
    List<String> listed = await(store.list(c, ListingQuery.all(100))).entries().stream().map(ListingEntry::sortKey).toList();
    List<String> expected = new ArrayList<>(names);
    expected.sort(io.archipelago.engine.store.NameOrder.UTF8);
    assertEquals(expected, listed);
    assertEquals("../x", await(store.delete(c, "../x")).orElseThrow().name());
    // Akka's client would resolve these as dot segments: refused rather than misdirected.
    assertInstanceOf(ObjectStoreException.InvalidRequest.class,
        failureOf(store.put(c, "..", attributes(utf8("x")), bytes(utf8("x")))));
    assertInstanceOf(ObjectStoreException.InvalidRequest.class, failureOf(store.delete(c, ".")));
    assertEquals(names.size() - 1, await(store.list(c, ListingQuery.all(100))).entries().size());
  }

  @Test
  void tokenIsRenewedAfterTheBackendForgetsIt() {
    BackendContainer c = container("auth");
    put(c, "before", utf8("x"));
    int logins = store.logins();
    cluster.flushTokens();
    assertTrue(await(store.head(c, "before")).isPresent());
    assertEquals(logins + 1, store.logins());
    cluster.flushTokens();
    put(c, "after", utf8("y"));
    assertEquals(logins + 2, store.logins());
    assertEquals(2, await(store.list(c, ListingQuery.all(10))).entries().size());
  }

  @Test
  void containerDeleteRefusesNonEmptyAndIsIdempotent() {
    BackendContainer c = container("deleting");
    put(c, "x", utf8("x"));
    assertInstanceOf(ObjectStoreException.ContainerNotEmpty.class, failureOf(store.deleteContainer(c)));
    assertEquals("x", await(store.delete(c, "x")).orElseThrow().name());
    assertTrue(await(store.delete(c, "x")).isEmpty());
    await(store.deleteContainer(c));
    await(store.deleteContainer(c));
  }

  @Test
  void backendContainersAreCreatedOnDemand() {
    BackendContainer c = new BackendContainer("AUTH_test", "on-demand");
    put(c, "x", utf8("x")); // never created through createContainer
    cluster.swiftCli("delete", "drv_AUTH_test~on-demand"); // removed behind the gateway's back
    Throwable first = failureOf(store.put(c, "y", attributes(utf8("y")), bytes(utf8("y"))));
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, first);
    put(c, "y", utf8("y"));
    assertTrue(await(store.head(c, "y")).isPresent());
  }

  @Test
  void accountsSharingTheServiceAccountStayApartAndLongNamesAreHashed() {
    BackendContainer a = new BackendContainer("AUTH_a~x", "c");
    BackendContainer b = new BackendContainer("AUTH_a", "x~c");
    await(store.createContainer(a));
    await(store.createContainer(b));
    put(a, "o", utf8("from a"));
    assertTrue(await(store.head(b, "o")).isEmpty());
    assertEquals("drv_AUTH_a%7Ex~c", store.backendContainerName(a));
    assertEquals("drv_AUTH_a~x%7Ec", store.backendContainerName(b));

    BackendContainer longName = new BackendContainer("AUTH_test", "\u00e9".repeat(127));
    String backendName = store.backendContainerName(longName);
    assertTrue(backendName.startsWith("drv_%h") && backendName.length() == 4 + 2 + 64, backendName);
    await(store.createContainer(longName));
    put(longName, "o", utf8("long"));
    assertEquals("long", new String(read(await(store.get(longName, "o", Optional.empty())).orElseThrow(), mat)));
  }

  @Test
  void metadataIsReplacedByPost() {
    BackendContainer c = container("post");
    byte[] data = utf8("post me");
    await(store.put(c, "o", attributes("text/plain", Map.of("x-object-meta-a", "1", "content-encoding", "gzip"),
        Optional.empty(), OptionalLong.of(data.length)), bytes(data)));
    SwiftTimestamp ts = SwiftTimestamp.now();
    ObjectInfo updated = await(store.replaceMetadata(c, "o", Optional.of("text/markdown"),
        Map.of("x-object-meta-b", "2"), ts)).orElseThrow();
    assertEquals(Map.of("x-object-meta-b", "2"), updated.metadata());
    assertEquals("text/markdown", updated.contentType());
    assertEquals(ts, updated.timestamp());
    assertEquals(md5(data), updated.etag());
    assertTrue(await(store.replaceMetadata(c, "missing", Optional.empty(), Map.of(), ts)).isEmpty());
  }

  @Test
  void largeObjectStreamsBothWays() {
    BackendContainer c = container("large");
    int chunk = 1 << 20;
    int chunks = 256; // 256 MiB
    MessageDigest sent = StoreTesting.newMd5();
    PutResult r = await(store.put(c, "big.bin",
        attributes("application/octet-stream", Map.of(), Optional.empty(), OptionalLong.of((long) chunk * chunks)),
        StoreTesting.generated(chunk, chunks, sent)));
    String sentMd5 = java.util.HexFormat.of().formatHex(sent.digest());
    assertEquals(sentMd5, r.stored().etag());
    ObjectContent content = await(store.get(c, "big.bin", Optional.empty())).orElseThrow();
    Map.Entry<String, Long> received = StoreTesting.digest(content.data(), mat);
    assertEquals((long) chunk * chunks, received.getValue());
    assertEquals(sentMd5, received.getKey());
    await(store.delete(c, "big.bin"));
  }

  @Test
  void capacityReportsTheAccountsBytes() {
    var capacity = await(store.capacity());
    assertTrue(capacity.usedBytes() >= 0);
    SwiftObjectStore quota = new SwiftObjectStore("q", new DriverSettings("q", cluster.driverSettings("q_")),
        1L << 40, testKit.system());
    assertEquals(1L << 40, await(quota.capacity()).totalBytes());
  }

  @Test
  void unreachableBackendIsUnavailable() {
    Map<String, String> settings = new HashMap<>(cluster.driverSettings("x_"));
    settings.put("auth-url", "http://127.0.0.1:" + io.archipelago.testing.Net.freePort() + "/auth/v1.0");
    SwiftObjectStore down = new SwiftObjectStore("down", new DriverSettings("down", settings), 0, testKit.system());
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class,
        failureOf(down.head(new BackendContainer("AUTH_test", "c"), "o")));
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class,
        failureOf(down.put(new BackendContainer("AUTH_test", "c"), "o", attributes(utf8("x")), bytes(utf8("x")))));
    assertFalse(down.logins() == 0);
  }
}
