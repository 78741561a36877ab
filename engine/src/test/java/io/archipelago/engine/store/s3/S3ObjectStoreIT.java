package io.archipelago.engine.store.s3;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.md5;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.Materializer;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.engine.testing.StoreTesting;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The S3 driver against a real S3 server (S3Proxy, filesystem provider, on loopback): what is S3's
 * own (how objects and metadata look in S3, multipart uploads, bucket mode, capacity); what every
 * store does is in {@link S3ObjectStoreContractIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3ObjectStoreIT {

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
  void namesWithControlCharactersAndSymbolsAreListedAsStored() {
    BackendContainer c = container("odd-names");
    List<String> names =
        List.of(
            "ctl\u0001\u001fname",
            "plus+sign",
            "sp ace",
            "pct%41%",
            "amp&lt;<>\"'",
            "tab\tname",
            "uni\u2603\u00e9",
            "star*tilde~");
    for (String name : names) {
      put(c, name, utf8(name));
    }
    List<String> listed =
        await(store.list(c, ListingQuery.all(100))).entries().stream()
            .map(ListingEntry::sortKey)
            .toList();
    assertEquals(names.stream().sorted(NameOrder::compare).toList(), listed);
    assertEquals(
        List.of("plus+sign"),
        await(
                store.list(
                    c,
                    new ListingQuery(
                        Optional.of("plus+"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        10,
                        false)))
            .entries()
            .stream()
            .map(ListingEntry::sortKey)
            .toList());
  }

  @Test
  void contentTypesOutsideAsciiAreKeptAsSent() {
    BackendContainer c = container("utf8-types");
    byte[] data = utf8("typed");
    for (String type : List.of("\u8508\u5605/\u2603", "text/plain; charset=\u00e9")) {
      var attrs = attributes(type, Map.of(), Optional.empty(), OptionalLong.of(data.length));
      await(store.put(c, "o", attrs, bytes(data)));
      assertEquals(type, await(store.head(c, "o")).orElseThrow().contentType());
    }
  }

  @Test
  void namesTheServerCannotKeepAsFilesAreTheClientsError() {
    BackendContainer c = container("file-names");
    byte[] data = utf8("x");
    for (String name : List.of("x".repeat(256), "dir/" + "\u00e9".repeat(128) + "/x")) {
      assertInstanceOf(
          ObjectStoreException.InvalidRequest.class,
          failureOf(store.put(c, name, attributes(data), bytes(data))),
          name);
      assertEquals(Optional.empty(), await(store.head(c, name)), name);
    }
  }

  @Test
  void roundTripMapsMetadataToAmzMeta() {
    BackendContainer c = container("round");
    byte[] data = utf8("hello s3");
    Map<String, String> metadata =
        Map.of(
            "x-object-meta-color", "blue",
            "x-object-meta-archipelago-md5", "user value",
            "x-object-meta-unicode", "gr\u00fcn \u2603",
            "content-encoding", "identity",
            "content-disposition", "attachment; filename=\"a b.txt\"",
            "x-delete-at", "4102444800");
    var attrs =
        attributes(
            "text/plain; charset=utf-8",
            metadata,
            Optional.of(md5(data)),
            OptionalLong.of(data.length));
    await(store.put(c, "dir/hello.txt", attrs, bytes(data)));
    assertEquals(metadata, await(store.head(c, "dir/hello.txt")).orElseThrow().metadata());

    // As S3 itself has it, read with a plain S3 client.
    assertEquals("driver-tests", store.location(c, "x").first());
    assertEquals("AUTH_test/round/dir/hello.txt", store.location(c, "dir/hello.txt").second());
    HeadObjectResponse raw = directHead(c, "dir/hello.txt");
    assertEquals("blue", raw.metadata().get("color"));
    assertEquals("user value", raw.metadata().get("archipelago-u-md5"));
    assertEquals("4102444800", raw.metadata().get("archipelago-h-x-delete-at"));
    assertEquals("identity", raw.contentEncoding());
    assertEquals(
        "text/plain", raw.contentType()); // plain-content-type: the parameters are metadata
    assertEquals("text/plain; charset=utf-8", raw.metadata().get("archipelago-content-type"));
    assertEquals(data.length, raw.contentLength());
  }

  @Test
  // Last: S3Proxy answers a refused Content-MD5 by closing the connection, and the SDK can hand
  // that pooled connection to the next request before it sees the close (a known driver limit).
  @Order(Integer.MAX_VALUE)
  void etagMismatchStoresNothingForMultipartUploadsAndLeavesNoUpload() {
    BackendContainer c = container("etag");
    byte[] data = utf8("payload");
    MessageDigest ignored = StoreTesting.newMd5();
    assertInstanceOf(
        ObjectStoreException.EtagMismatch.class,
        failureOf(
            store.put(
                c,
                "big",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.of(md5(data)),
                    OptionalLong.empty()),
                StoreTesting.generated(1 << 20, 12, ignored))));
    assertTrue(await(store.head(c, "big")).isEmpty());
    var uploads = await(direct.listMultipartUploads(b -> b.bucket("driver-tests")));
    assertTrue(uploads.uploads().isEmpty(), uploads.toString());
  }

  @Test
  void unknownLengthUploadsAreMultipartWhenLarge() {
    BackendContainer c = container("chunked");
    MessageDigest sent = StoreTesting.newMd5();
    PutResult large =
        await(
            store.put(
                c,
                "large",
                attributes(
                    "application/x-big",
                    Map.of("x-object-meta-k", "v"),
                    Optional.empty(),
                    OptionalLong.empty()),
                StoreTesting.generated(1 << 20, 12, sent)));
    String expected = HexFormat.of().formatHex(sent.digest());
    assertEquals(expected, large.stored().etag());
    ObjectInfo info = await(store.head(c, "large")).orElseThrow();
    assertEquals(expected, info.etag());
    assertEquals(12L << 20, info.size());
    assertEquals(Map.of("x-object-meta-k", "v"), info.metadata());
    HeadObjectResponse raw = directHead(c, "large");
    assertEquals(expected, raw.metadata().get("archipelago-md5"));
    assertEquals(
        expected,
        StoreTesting.digest(
                await(store.get(c, "large", Optional.empty())).orElseThrow().data(), mat)
            .getKey());
  }

  @Test
  void bucketModeGivesEachContainerABucket() {
    Map<String, String> settings = new HashMap<>(server.driverSettings("bucket", "arch-"));
    S3ObjectStore buckets =
        new S3ObjectStore("s3b", new DriverSettings("s3b", settings), 0, testKit.system());
    BackendContainer c = new BackendContainer("AUTH_test", "Not A Valid_Bucket Name!");
    await(buckets.createContainer(c));
    String bucket = buckets.location(c, "o").first();
    assertTrue(bucket.startsWith("arch-") && bucket.length() == 63, bucket);
    await(direct.headBucket(b -> b.bucket(bucket)));
    await(buckets.put(c, "o", attributes(utf8("x")), bytes(utf8("x"))));
    assertInstanceOf(
        ObjectStoreException.ContainerNotEmpty.class, failureOf(buckets.deleteContainer(c)));
    await(buckets.delete(c, "o"));
    await(buckets.deleteContainer(c));
    await(buckets.deleteContainer(c));
    assertEquals(404, S3ObjectStore.status(failureOf(direct.headBucket(b -> b.bucket(bucket)))));
  }

  @Test
  void capacityCountsStoredBytes() {
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "capacity-tests"));
    S3ObjectStore fresh =
        new S3ObjectStore("s3c", new DriverSettings("s3c", settings), 1L << 30, testKit.system());
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
    try (Socket holder = new Socket()) {
      holder.bind(new InetSocketAddress("127.0.0.1", 0));
      assertFailsFastAgainst(holder.getLocalPort());
    }
  }

  private void assertFailsFastAgainst(int port) {
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "nowhere"));
    settings.put("endpoint", "http://127.0.0.1:" + port);
    // In CI (never alone) one of these calls has waited out the whole request time-out; a short
    // one keeps that wait bounded while the per-call times below say which call it was.
    settings.put("request-timeout", "3s");
    S3ObjectStore down =
        new S3ObjectStore("down", new DriverSettings("down", settings), 0, testKit.system());
    BackendContainer c = new BackendContainer("AUTH_test", "c");
    long t0 = System.nanoTime();
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(down.head(c, "o")));
    long t1 = System.nanoTime();
    assertInstanceOf(
        ObjectStoreException.BackendUnavailable.class,
        failureOf(down.put(c, "o", attributes(utf8("x")), bytes(utf8("x")))));
    long t2 = System.nanoTime();
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(down.probe()));
    long t3 = System.nanoTime();
    // A refused connection is final at once (not sent again), not after the request time-out.
    assertFalse(
        S3ObjectStore.connectionLost(
            SdkClientException.create("refused", new ConnectException("refused"))));
    assertTrue(
        S3ObjectStore.connectionLost(
            SdkClientException.create("lost", new IOException("connection closed"))));
    String times =
        String.format(
            "head %d ms, put %d ms, probe %d ms",
            (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    System.out.println("unreachable S3: " + times);
    assertTrue(t3 - t0 < 12_000_000_000L, times);
  }
}
