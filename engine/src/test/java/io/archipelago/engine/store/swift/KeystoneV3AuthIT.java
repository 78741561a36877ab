package io.archipelago.engine.store.swift;

import static io.archipelago.engine.testing.StoreTesting.attributes;
import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.bytes;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.read;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.testing.SwiftCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keystone v3 password auth of the Swift driver. There is no Keystone here: a stand-in answers
 * {@code POST /v3/auth/tokens} the way Keystone does (X-Subject-Token, a catalog with several
 * object-store endpoints), handing out a real token of the real Swift cluster, so that the driver's
 * requests after auth go to a real Swift.
 */
class KeystoneV3AuthIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static ActorTestKit testKit;
  static Materializer mat;
  static SwiftCluster cluster;
  static ServerBinding keystone;
  static final AtomicInteger logins = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
    cluster = RealBackends.get().swiftA();
    keystone =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(KeystoneV3AuthIT::handle)
            .toCompletableFuture()
            .get();
  }

  @AfterAll
  static void stop() {
    keystone.unbind();
    testKit.shutdownTestKit();
  }

  static java.util.concurrent.CompletionStage<HttpResponse> handle(HttpRequest request) {
    if (!request.getUri().path().equals("/v3/auth/tokens")) {
      request.discardEntityBytes(mat);
      return CompletableFuture.completedFuture(
          HttpResponse.create().withStatus(StatusCodes.NOT_FOUND));
    }
    return request
        .entity()
        .toStrict(5000, mat)
        .thenApply(
            entity -> {
              try {
                JsonNode auth = JSON.readTree(entity.getData().utf8String()).path("auth");
                JsonNode user = auth.at("/identity/password/user");
                boolean ok =
                    auth.at("/identity/methods/0").asText().equals("password")
                        && user.path("name").asText().equals("gateway")
                        && user.at("/domain/name").asText().equals("Default")
                        && user.path("password").asText().equals("s3cret")
                        && auth.at("/scope/project/name").asText().equals("storage")
                        && auth.at("/scope/project/domain/name").asText().equals("Default");
                if (!ok) {
                  return HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED);
                }
                logins.incrementAndGet();
                // A real token of the Swift cluster, as Keystone's would be valid there.
                var tempauth =
                    HttpClient.newHttpClient()
                        .send(
                            java.net.http.HttpRequest.newBuilder(URI.create(cluster.authUrl()))
                                .header("X-Auth-User", SwiftCluster.SERVICE_USER)
                                .header("X-Auth-Key", SwiftCluster.SERVICE_KEY)
                                .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding());
                String token = tempauth.headers().firstValue("X-Auth-Token").orElseThrow();
                String storageUrl = tempauth.headers().firstValue("X-Storage-Url").orElseThrow();
                String body =
                    """
            {"token": {"methods": ["password"], "expires_at": "%s",
              "project": {"name": "storage", "id": "p1", "domain": {"name": "Default", "id": "default"}},
              "catalog": [
                {"type": "identity", "name": "keystone", "endpoints": [
                  {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://127.0.0.1:1/v3"}]},
                {"type": "object-store", "name": "swift", "endpoints": [
                  {"interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://127.0.0.1:1/v1/AUTH_gw"},
                  {"interface": "public", "region": "RegionTwo", "region_id": "RegionTwo", "url": "http://127.0.0.1:2/v1/AUTH_gw"},
                  {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "%s"}]}]}}
            """
                        .formatted(Instant.now().plusSeconds(3600), storageUrl);
                return HttpResponse.create()
                    .withStatus(StatusCodes.CREATED)
                    .addHeader(RawHeader.create("X-Subject-Token", token))
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
              } catch (Exception e) {
                return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR);
              }
            });
  }

  static SwiftObjectStore store(String password) {
    Map<String, String> s = new HashMap<>();
    s.put("auth-version", "3");
    s.put("auth-url", "http://127.0.0.1:" + keystone.localAddress().getPort() + "/v3");
    s.put("user", "gateway");
    s.put("key", password);
    s.put("project", "storage");
    s.put("region", "RegionOne");
    s.put("container-prefix", "ks_");
    return new SwiftObjectStore("ks", new DriverSettings("ks", s), 0, testKit.system());
  }

  @Test
  void passwordAuthPicksThePublicEndpointOfTheRegionAndRenews() {
    SwiftObjectStore store = store("s3cret");
    BackendContainer c = new BackendContainer("AUTH_test", "keystone");
    await(store.createContainer(c));
    await(store.put(c, "o", attributes(utf8("via keystone")), bytes(utf8("via keystone"))));
    assertEquals(
        "via keystone",
        new String(read(await(store.get(c, "o", Optional.empty())).orElseThrow(), mat)));
    int before = logins.get();
    cluster.flushTokens();
    assertEquals(12, await(store.head(c, "o")).orElseThrow().size());
    assertEquals(before + 1, logins.get());
    cluster.swiftCli("stat", "ks_AUTH_test~keystone", "o");
  }

  @Test
  void refusedCredentialsMakeTheBackendUnavailable() {
    assertInstanceOf(
        ObjectStoreException.BackendUnavailable.class, failureOf(store("wrong").probe()));
  }
}
