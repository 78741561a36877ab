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
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.StoreTesting;
import io.archipelago.testing.Net;
import io.archipelago.testing.SwiftCluster;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Swift driver against a real Swift cluster (Debian's packages, on loopback): what is Swift's
 * own (names, tokens, containers made on demand, capacity); what every store does is in {@link
 * SwiftObjectStoreContractIT}.
 */
class SwiftObjectStoreIT {

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
    return new SwiftObjectStore(
        "swift-" + cluster.name(),
        new DriverSettings("swift-" + cluster.name(), cluster.driverSettings(prefix)),
        0,
        testKit.system());
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
  void metadataIsStoredAsSwiftHasIt() {
    BackendContainer c = container("round");
    byte[] data = utf8("hello swift");
    Map<String, String> metadata =
        Map.of(
            "x-object-meta-color", "blue",
            "x-object-meta-archipelago-timestamp", "user value, not the gateway's",
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

    // Seen from the backend with Swift's own client: the mapped container and the metadata.
    String stat = cluster.swiftCli("stat", "drv_AUTH_test~round", "dir/hello.txt");
    assertTrue(stat.contains("Meta Color: blue"), stat);
    assertTrue(stat.contains("Meta Archipelago-H-X-Delete-At: 4102444800"), stat);
    assertTrue(
        stat.toLowerCase(Locale.ROOT).contains("content type: text/plain; charset=utf-8"), stat);
  }

  @Test
  void contentTypesWithoutASlashAreListedAsSent() {
    // Swift keeps any text as a content type; Akka's client can send only media types
    BackendContainer c = container("raw-types");
    List<String> types = List.of("abc", "x y+z*%/", "caf\u00e9");
    for (String type : types) {
      byte[] data = utf8(type);
      await(
          store.put(
              c,
              type,
              attributes(type, Map.of(), Optional.empty(), OptionalLong.of(data.length)),
              bytes(data)));
      assertEquals(type, await(store.head(c, type)).orElseThrow().contentType());
    }
    for (ListingEntry row : await(store.list(c, ListingQuery.all(10))).entries()) {
      assertEquals(row.sortKey(), ((ListingEntry.ObjectRow) row).contentType());
    }
  }

  @Test
  void streamedUploadsAreCheckedByTheGatewaysMd5WhenAskedTo() {
    Map<String, String> settings = new HashMap<>(cluster.driverSettings("drv_"));
    settings.put("gateway-md5", "on");
    SwiftObjectStore checking =
        new SwiftObjectStore(
            "swift-a-md5", new DriverSettings("swift-a-md5", settings), 0, testKit.system());
    BackendContainer c = container("streamed-etag");
    int chunk = 1 << 20; // above the size read whole: these stream
    MessageDigest sent = StoreTesting.newMd5();
    PutResult r =
        await(
            checking.put(
                c,
                "right",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of(3L * chunk)),
                StoreTesting.generated(chunk, 3, sent)));
    assertEquals(HexFormat.of().formatHex(sent.digest()), r.stored().etag());
    Throwable failure =
        failureOf(
            checking.put(
                c,
                "wrong",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.of(md5(utf8("other"))),
                    OptionalLong.of(3L * chunk)),
                StoreTesting.generated(chunk, 3, StoreTesting.newMd5())));
    assertInstanceOf(ObjectStoreException.EtagMismatch.class, failure);
    assertTrue(await(checking.head(c, "wrong")).isEmpty());
  }

  @Test
  void dotNamesStayObjectNames() {
    BackendContainer c = container("dots");
    List<String> names = List.of("a/../b", "../x", "a/.", "a//b", "/lead", "%2F", "q?x#y", "...");
    names.forEach(n -> put(c, n, utf8("v:" + n)));
    for (String n : names) {
      assertEquals(
          "v:" + n,
          new String(read(await(store.get(c, n, Optional.empty())).orElseThrow(), mat)),
          n);
    }
    List<String> listed =
        await(store.list(c, ListingQuery.all(100))).entries().stream()
            .map(ListingEntry::sortKey)
            .toList();
    List<String> expected = new ArrayList<>(names);
    expected.sort(NameOrder.UTF8);
    assertEquals(expected, listed);
    assertEquals("../x", await(store.delete(c, "../x")).orElseThrow().name());
    // Akka's client would resolve these as dot segments: refused rather than misdirected.
    assertInstanceOf(
        ObjectStoreException.InvalidRequest.class,
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
    assertEquals(
        "long",
        new String(read(await(store.get(longName, "o", Optional.empty())).orElseThrow(), mat)));
  }

  @Test
  void capacityReportsTheAccountsBytes() {
    var capacity = await(store.capacity());
    assertTrue(capacity.usedBytes() >= 0);
    SwiftObjectStore quota =
        new SwiftObjectStore(
            "q", new DriverSettings("q", cluster.driverSettings("q_")), 1L << 40, testKit.system());
    assertEquals(1L << 40, await(quota.capacity()).totalBytes());
  }

  @Test
  void unreachableBackendIsUnavailable() {
    Map<String, String> settings = new HashMap<>(cluster.driverSettings("x_"));
    settings.put("auth-url", "http://127.0.0.1:" + Net.freePort() + "/auth/v1.0");
    SwiftObjectStore down =
        new SwiftObjectStore("down", new DriverSettings("down", settings), 0, testKit.system());
    assertInstanceOf(
        ObjectStoreException.BackendUnavailable.class,
        failureOf(down.head(new BackendContainer("AUTH_test", "c"), "o")));
    assertInstanceOf(
        ObjectStoreException.BackendUnavailable.class,
        failureOf(
            down.put(
                new BackendContainer("AUTH_test", "c"),
                "o",
                attributes(utf8("x")),
                bytes(utf8("x")))));
    assertFalse(down.logins() == 0);
  }
}
