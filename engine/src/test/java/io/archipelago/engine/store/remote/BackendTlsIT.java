package io.archipelago.engine.store.remote;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.read;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.testing.SwiftCluster;
import io.archipelago.testing.TlsMaterial;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both drivers over HTTPS to real servers with a self-signed certificate: they work with the
 * certificate in {@code tls.trust-store} and refuse the connection without it.
 */
class BackendTlsIT {

  static ActorTestKit testKit;
  static Materializer mat;
  static TlsMaterial tls;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
    tls = RealBackends.get().s3().tls();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Map<String, String> trusting(Map<String, String> settings) {
    Map<String, String> s = new HashMap<>(settings);
    s.put("tls.trust-store", tls.trustStore().toString());
    s.put("tls.trust-store-password", tls.password());
    return s;
  }

  private static void roundTrip(ObjectStore store) {
    BackendContainer c = new BackendContainer("AUTH_test", "tls");
    await(store.createContainer(c));
    await(store.put(c, "secret", attributes(utf8("over tls")), bytes(utf8("over tls"))));
    assertEquals(
        "over tls",
        new String(read(await(store.get(c, "secret", Optional.empty())).orElseThrow(), mat)));
    // above WholeBody.MAX_SIZE: streamed (S3: on a connection of its own)
    byte[] streamed = new byte[200_000];
    Arrays.fill(streamed, (byte) 't');
    await(store.put(c, "streamed", attributes(streamed), bytes(streamed)));
    assertArrayEquals(
        streamed, read(await(store.get(c, "streamed", Optional.empty())).orElseThrow(), mat));
  }

  @Test
  void swiftOverTls() {
    SwiftCluster cluster = RealBackends.get().swiftA();
    Map<String, String> settings = new HashMap<>(cluster.driverSettings("tls_"));
    settings.put("auth-url", cluster.startTlsProxy(tls));
    roundTrip(
        new SwiftObjectStore(
            "swift-tls", new DriverSettings("swift-tls", trusting(settings)), 0, testKit.system()));
    SwiftObjectStore untrusting =
        new SwiftObjectStore(
            "swift-untrusted",
            new DriverSettings("swift-untrusted", settings),
            0,
            testKit.system());
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(untrusting.probe()));
  }

  @Test
  void s3OverTls() {
    S3ProxyServer server = RealBackends.get().s3();
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "tls-tests"));
    settings.put("endpoint", server.secureEndpoint());
    roundTrip(
        new S3ObjectStore(
            "s3-tls", new DriverSettings("s3-tls", trusting(settings)), 0, testKit.system()));
    S3ObjectStore untrusting =
        new S3ObjectStore(
            "s3-untrusted", new DriverSettings("s3-untrusted", settings), 0, testKit.system());
    assertInstanceOf(ObjectStoreException.BackendUnavailable.class, failureOf(untrusting.probe()));
  }
}
