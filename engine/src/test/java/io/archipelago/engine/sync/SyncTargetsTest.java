package io.archipelago.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.engine.sync.SyncTargets.Rejection.Reason;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * X-Container-Sync-To values against realms, allowed hosts and the gateway's own ports, as Swift's
 * validate_sync_to words its refusals; and the connection-level check on the address a host
 * actually resolves to.
 */
class SyncTargetsTest {

  private static final int HTTP_PORT = 18080;
  private static final int MANAGEMENT_PORT = 18558;
  private static final int ARTERY_PORT = 25599;

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            "sync-targets",
            ConfigFactory.parseString("akka.actor.provider = local")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static SyncTargets targets(String sync) {
    Config config =
        ConfigFactory.parseString(sync)
            .withFallback(
                ConfigFactory.parseMap(
                    Map.of(
                        "archipelago.http.port", HTTP_PORT,
                        "akka.management.http.port", MANAGEMENT_PORT,
                        "akka.remote.artery.canonical.port", ARTERY_PORT)))
            .withFallback(ConfigFactory.load());
    return new SyncTargets(config);
  }

  private static final SyncTargets CONFIGURED =
      targets(
          """
      archipelago.sync.container-sync-realms {
        Realm1 { key = "realm-key", clusters { Remote = "https://swift.example.com:8443/v1/", self = "http://127.0.0.1:18080/v1/" } }
        nokey { clusters { c = "https://swift.example.com/v1/" } }
      }
      archipelago.sync.allowed-sync-hosts = ["full.example.com", "10.1.2.3:8080", "127.0.0.1"]
      """);

  private static void refused(SyncTargets targets, String value, Reason reason, String... values) {
    SyncTargets.Rejection r =
        targets.check(value).orElseThrow(() -> new AssertionError(value + " was accepted"));
    assertEquals(reason, r.reason(), value);
    assertEquals(List.of(values), r.values(), value);
  }

  private static SyncTargets.Target resolved(SyncTargets targets, String value) {
    SyncTargets.Resolution r = targets.resolve(value, "user-key");
    assertTrue(r instanceof SyncTargets.Resolved, value + ": " + r);
    return ((SyncTargets.Resolved) r).target();
  }

  @Test
  void realmTargetsNameAConfiguredClusterWhateverTheCase() {
    SyncTargets.Target t = resolved(CONFIGURED, "//realm1/REMOTE/AUTH_b/target/");
    assertEquals("https://swift.example.com:8443/v1/AUTH_b/target", t.url());
    assertEquals("REALM1", t.realm());
    assertEquals("realm-key", t.realmKey());
    assertEquals("user-key", t.key());
    assertTrue(CONFIGURED.check("").isEmpty());
  }

  @Test
  void unknownRealmsClustersAndMalformedRealmValuesAreRefused() {
    refused(CONFIGURED, "//other/remote/AUTH_b/c", Reason.NO_REALM_KEY, "other");
    refused(CONFIGURED, "//nokey/c/AUTH_b/c", Reason.NO_REALM_KEY, "nokey");
    refused(CONFIGURED, "//realm1/nope/AUTH_b/c", Reason.NO_CLUSTER_ENDPOINT, "realm1", "nope");
    refused(CONFIGURED, "//realm1/remote/AUTH_b", Reason.INVALID_FORMAT, "//realm1/remote/AUTH_b");
    refused(
        CONFIGURED,
        "//realm1/remote/AUTH_b/c/d",
        Reason.INVALID_FORMAT,
        "//realm1/remote/AUTH_b/c/d");
    refused(CONFIGURED, "//realm1/remote/../c", Reason.INVALID_FORMAT, "//realm1/remote/../c");
    refused(
        CONFIGURED,
        "//realm1/remote/AUTH_b/c?x=",
        Reason.INVALID_FORMAT,
        "//realm1/remote/AUTH_b/c?x=");
  }

  @Test
  void fullUrlsNeedAnAllowedHostAndNoQuery() {
    assertEquals(
        "https://full.example.com:9999/v1/AUTH_b/c",
        resolved(CONFIGURED, "https://full.example.com:9999/v1/AUTH_b/c").url());
    assertEquals("", resolved(CONFIGURED, "http://10.1.2.3:8080/v1/AUTH_b/c").realm());
    refused(CONFIGURED, "http://10.1.2.3:8081/v1/AUTH_b/c", Reason.INVALID_HOST, "10.1.2.3");
    refused(
        CONFIGURED, "http://evil.example.com/v1/AUTH_b/c", Reason.INVALID_HOST, "evil.example.com");
    refused(CONFIGURED, "http://full.example.com/v1/AUTH_b/c?x=", Reason.PARAMS_NOT_ALLOWED);
    refused(CONFIGURED, "http://full.example.com/v1/AUTH_b/c#f", Reason.PARAMS_NOT_ALLOWED);
    refused(CONFIGURED, "ftp://full.example.com/v1/AUTH_b/c", Reason.INVALID_SCHEME, "ftp");
    refused(CONFIGURED, "http://full.example.com/", Reason.PATH_REQUIRED);
    // Nothing is allowed by default: the reproduced attack on the management port.
    refused(
        targets(""),
        "http://127.0.0.1:8558/cluster/members/archipelago@127.0.0.1:25520",
        Reason.INVALID_HOST,
        "127.0.0.1");
  }

  @Test
  void theGatewaysOwnPortsAreRefusedEvenWhenConfigured() {
    refused(CONFIGURED, "//realm1/self/AUTH_b/c", Reason.GATEWAY_ITSELF);
    refused(CONFIGURED, "http://127.0.0.1:18558/cluster/members/x", Reason.GATEWAY_ITSELF);
    refused(CONFIGURED, "http://127.0.0.1:25599/x", Reason.GATEWAY_ITSELF);
    SyncTargets loopback =
        targets(
            """
        archipelago.sync.allowed-sync-hosts = ["localhost", "::1", "0.0.0.0", "127.0.0.2"]
        """);
    refused(loopback, "http://localhost:18080/v1/AUTH_b/c", Reason.GATEWAY_ITSELF);
    refused(loopback, "http://[::1]:18080/v1/AUTH_b/c", Reason.GATEWAY_ITSELF);
    refused(loopback, "http://0.0.0.0:18080/v1/AUTH_b/c", Reason.GATEWAY_ITSELF);
    refused(loopback, "http://127.0.0.2:18080/v1/AUTH_b/c", Reason.GATEWAY_ITSELF);
    // Another port of the same host is an ordinary allowed target.
    resolved(CONFIGURED, "http://127.0.0.1:18081/v1/AUTH_b/c");
    // A port bound late (port 0 in the config) counts once registered.
    CONFIGURED.addGatewayPort(18082);
    refused(CONFIGURED, "http://127.0.0.1:18082/v1/AUTH_b/c", Reason.GATEWAY_ITSELF);
  }

  @Test
  void connectionsToANameThatResolvesToTheGatewayAreRefused() throws Exception {
    AtomicInteger received = new AtomicInteger();
    HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stub.createContext(
        "/",
        exchange -> {
          received.incrementAndGet();
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    stub.start();
    try {
      int port = stub.getAddress().getPort();
      Http http = Http.get(Adapter.toClassic(testKit.system()));
      HttpRequest request = HttpRequest.PUT("http://localhost:" + port + "/v1/AUTH_b/c/o");

      // A port that is not the gateway's: the request goes through.
      SyncTargets elsewhere = targets("");
      HttpResponse ok =
          http.singleRequest(
                  request,
                  http.defaultClientHttpsContext(),
                  elsewhere.connectionSettings(testKit.system()),
                  Adapter.toClassic(testKit.system()).log())
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      ok.discardEntityBytes(testKit.system());
      assertEquals(201, ok.status().intValue());
      assertEquals(1, received.get());

      // The same port registered as one of the gateway's: no connection is made.
      SyncTargets self = targets("");
      self.addGatewayPort(port);
      assertThrows(
          Exception.class,
          () ->
              http.singleRequest(
                      request,
                      http.defaultClientHttpsContext(),
                      self.connectionSettings(testKit.system()),
                      Adapter.toClassic(testKit.system()).log())
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS));
      assertEquals(1, received.get());
    } finally {
      stub.stop(0);
    }
  }
}
