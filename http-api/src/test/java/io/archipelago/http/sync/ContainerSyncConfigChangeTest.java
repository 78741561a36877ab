package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync checks a container's target again when it sends: a target accepted under one config (a
 * full URL on an allowed host, or a journal written before targets were checked) is no longer sent
 * to once the node restarts with a config that does not allow it.
 */
class ContainerSyncConfigChangeTest {

  @TempDir Path dataDir;

  @Test
  void aTargetTheCurrentConfigNoLongerAllowsIsNotSentTo() {
    try (RemoteSwiftStub remote = new RemoteSwiftStub()) {
      String byUrl = remote.endpoint() + "AUTH_remote/byurl";
      try (TestGateway first =
          TestGateway.start(dataDir, config(remote, List.of("127.0.0.1:" + remote.port())))) {
        SwiftClient tester = SwiftClient.login(first.baseUrl(), "test:tester", "testing");
        assertEquals(
            201,
            tester
                .call(
                    "PUT",
                    "/byurl",
                    Map.of("X-Container-Sync-To", byUrl, "X-Container-Sync-Key", "k"),
                    null)
                .statusCode());
        assertEquals(201, tester.call("PUT", "/byurl/one", Map.of(), "one").statusCode());
        await(
            "the first object on the remote",
            30_000,
            () -> !remote.at("/v1/AUTH_remote/byurl/one").isEmpty());
      }

      // Same journal, no host allowed any more; the realm still is.
      try (TestGateway second = TestGateway.start(dataDir, config(remote, List.of()))) {
        SwiftClient tester = SwiftClient.login(second.baseUrl(), "test:tester", "testing");
        assertEquals(
            201,
            tester
                .call(
                    "PUT",
                    "/byrealm",
                    Map.of(
                        "X-Container-Sync-To",
                        "//realm1/remote/AUTH_remote/byrealm",
                        "X-Container-Sync-Key",
                        "k"),
                    null)
                .statusCode());
        assertEquals(201, tester.call("PUT", "/byurl/two", Map.of(), "two").statusCode());
        assertEquals(201, tester.call("PUT", "/byrealm/control", Map.of(), "control").statusCode());
        await(
            "the sync at work (control object) and the refusal counted",
            30_000,
            () -> !remote.at("/v1/AUTH_remote/byrealm/control").isEmpty() && failures(second) >= 1);
        assertEquals(List.of(), remote.at("/v1/AUTH_remote/byurl/two"));
      }
    }
  }

  private static Map<String, Object> config(RemoteSwiftStub remote, List<String> allowedHosts) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("archipelago.sync.container-sync-realms.realm1.key", "realm-secret");
    overrides.put(
        "archipelago.sync.container-sync-realms.realm1.clusters.remote", remote.endpoint());
    overrides.put("archipelago.sync.allowed-sync-hosts", allowedHosts);
    overrides.put("jdbc-read-journal.refresh-interval", "200ms");
    return overrides;
  }

  /** archipelago_sync_failures_total of the node's /metrics. */
  private static double failures(TestGateway gateway) {
    String body =
        new SwiftClient(gateway.baseUrl())
            .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/metrics")).GET().build())
            .body();
    return body.lines()
        .filter(l -> l.startsWith("archipelago_sync_failures_total "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
        .findFirst()
        .orElse(0);
  }
}
