package io.archipelago.engine.store.s3;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.md5;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.engine.testing.StoreTesting;
import io.archipelago.testing.DroppingProxy;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests whose connection the server closes as they go out (a keep-alive connection it had just
 * given up) are sent again when they can be: against the real S3Proxy, through a relay that drops
 * connections on command.
 */
class S3LostConnectionIT {

  static ActorTestKit testKit;
  static DroppingProxy proxy;
  static S3ObjectStore store;
  static BackendContainer container;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    S3ProxyServer server = RealBackends.get().s3();
    proxy = new DroppingProxy(URI.create(server.endpoint()).getPort());
    Map<String, String> settings =
        new HashMap<>(server.driverSettings("prefix", "lost-connections"));
    settings.put("endpoint", "http://127.0.0.1:" + proxy.port());
    settings.put("part-size", "5MiB");
    settings.put("multipart-threshold", "8MiB");
    store = new S3ObjectStore("s3", new DriverSettings("s3", settings), 0, testKit.system());
    container = new BackendContainer("AUTH_test", "lost");
    await(store.createContainer(container));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    testKit.shutdownTestKit();
  }

  @Test
  void smallPutsHeadsListingsAndDeletesAreSentAgain() {
    byte[] data = utf8("sent twice, stored once");
    int before = proxy.dropped();

    proxy.dropNext("PUT");
    await(store.put(container, "small", attributes(data), bytes(data)));
    proxy.dropNext("HEAD");
    assertEquals(md5(data), await(store.head(container, "small")).orElseThrow().etag());
    proxy.dropNext("GET");
    assertEquals(
        1,
        await(
                store.list(
                    container,
                    new ListingQuery(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        10,
                        false)))
            .entries()
            .stream()
            .filter(e -> e.sortKey().equals("small"))
            .count());
    proxy.dropNext("DELETE");
    assertTrue(await(store.delete(container, "small")).isPresent());
    assertTrue(await(store.head(container, "small")).isEmpty());

    assertEquals(4, proxy.dropped() - before, "each dropped request was sent again");
  }

  @Test
  void partsOfLargeUploadsAreSentAgain() {
    MessageDigest sent = StoreTesting.newMd5();
    int before = proxy.dropped();
    proxy.dropNext("PUT");
    await(
        store.put(
            container,
            "parts",
            attributes(
                "application/octet-stream", Map.of(), Optional.empty(), OptionalLong.empty()),
            StoreTesting.generated(1 << 20, 12, sent)));
    assertEquals(1, proxy.dropped() - before);
    assertEquals(
        HexFormat.of().formatHex(sent.digest()),
        await(store.head(container, "parts")).orElseThrow().etag());
  }

  @Test
  void aSmallBodyWithTheWrongEtagIsRefusedBeforeItIsSent() {
    byte[] data = utf8("payload");
    proxy.dropNext("PUT");
    int before = proxy.dropped();
    assertInstanceOf(
        ObjectStoreException.EtagMismatch.class,
        failureOf(
            store.put(
                container,
                "wrong",
                attributes(
                    "text/plain",
                    Map.of(),
                    Optional.of(md5(utf8("other"))),
                    OptionalLong.of(data.length)),
                bytes(data))));
    assertTrue(await(store.head(container, "wrong")).isEmpty());
    assertEquals(before, proxy.dropped(), "no PUT went out");
    proxy.dropNext("NONE");
  }

  @Test
  void aStreamedBodyNeverGoesOutOnAKeptAliveConnection() {
    // S3Proxy (Jetty) closes a kept-alive connection after refusing a request whose body it did
    // not read, and after 30 s idle, without a Connection: close in its answer: a request that
    // takes that connection from the pool as the close crosses it is lost
    try {
      assertTrue(await(store.head(container, "fresh")).isEmpty()); // a kept-alive connection
      int before = proxy.dropped();
      proxy.dropNextReused("PUT");
      MessageDigest sent = StoreTesting.newMd5();
      await(
          store.put(
              container,
              "fresh",
              attributes(
                  "application/octet-stream",
                  Map.of(),
                  Optional.empty(),
                  OptionalLong.of(2L << 20)),
              StoreTesting.generated(1 << 20, 2, sent)));
      assertEquals(before, proxy.dropped(), "the streamed PUT went out on a new connection");
      assertEquals(
          HexFormat.of().formatHex(sent.digest()),
          await(store.head(container, "fresh")).orElseThrow().etag());
    } finally {
      proxy.dropNothing();
    }
  }

  @Test
  void aStreamedBodyIsNotSentAgainAndFailsAsUnavailable() {
    proxy.dropNext("PUT");
    Throwable failure =
        failureOf(
            store.put(
                container,
                "streamed",
                attributes(
                    "application/octet-stream",
                    Map.of(),
                    Optional.empty(),
                    OptionalLong.of(2L << 20)),
                StoreTesting.generated(1 << 20, 2, StoreTesting.newMd5())));
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failure);
    assertTrue(await(store.head(container, "streamed")).isEmpty());
  }
}
