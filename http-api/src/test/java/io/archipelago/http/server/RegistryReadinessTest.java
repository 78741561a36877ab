package io.archipelago.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import com.typesafe.config.Config;
import io.archipelago.engine.backend.BackendRegistryEntity;
import io.archipelago.engine.backend.RegistryRecovery;
import io.archipelago.http.Main;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.persistence.SchemaBootstrap;
import io.archipelago.testing.Net;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted right after a backend was added at run time is not ready until its backend
 * registry has read the cluster's: while the registry entity does not answer, the readiness check
 * is false, {@code /healthcheck} and client/admin requests answer 503 saying why (not 404 "Unknown
 * backend"), and the start does not complete; once it answers, all of that turns.
 */
class RegistryReadinessTest {

  @TempDir Path dataDir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void untilTheRegistryRecoversTheNodeIsNotReadyAndSaysWhy() throws Exception {
    try (TestGateway first = TestGateway.start(dataDir)) {
      SwiftClient admin = SwiftClient.login(first.baseUrl(), "admin:admin", "admin");
      HttpResponse<String> added =
          call(
              first.baseUrl(),
              admin.token(),
              "POST",
              "/admin/backends",
              "{\"id\":\"late-r\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],"
                  + "\"settings\":{\"root\":\"backends/late-r\"}}");
      assertEquals(200, added.statusCode(), added.body());
    }

    int port = Net.freePort();
    Config config =
        TestGateway.config(
            dataDir,
            Map.of(
                "archipelago.http.port",
                port,
                "archipelago.engine.ask-timeout",
                "1s",
                "archipelago.engine.registry-refresh-interval",
                "200ms"));
    SchemaBootstrap.apply(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "archipelago", config);
    try {
      AtomicBoolean released = new AtomicBoolean();
      // Registered before the engine's own init, which then finds the entity type taken: the
      // registry entity drops every command until released, as if its recovery were slow.
      ClusterSharding.get(system)
          .init(
              Entity.of(
                  BackendRegistryEntity.TYPE_KEY,
                  ctx ->
                      Behaviors.intercept(
                          () -> new DropUntil(released), BackendRegistryEntity.create())));
      CompletableFuture<HttpServer.Binding> started = Main.start(system).toCompletableFuture();
      String base = "http://127.0.0.1:" + port;

      HttpResponse<String> health = awaitAnswer(base + "/healthcheck");
      assertEquals(503, health.statusCode(), health.body());
      assertEquals(RegistryRecovery.NOT_RECOVERED, health.body());
      SwiftClient admin = SwiftClient.login(base, "admin:admin", "admin");
      HttpResponse<String> drain =
          call(base, admin.token(), "GET", "/admin/backends/late-r/drain", null);
      assertEquals(503, drain.statusCode(), drain.body());
      assertTrue(drain.body().contains("backend registry not recovered"), drain.body());
      assertEquals("1", drain.headers().firstValue("Retry-After").orElse(""));
      SwiftClient tester = SwiftClient.login(base, "test:tester", "testing");
      assertEquals(503, tester.call("GET", "").statusCode());
      GatewayReadiness readiness = new GatewayReadiness(Adapter.toClassic(system));
      assertFalse(readiness.get().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertFalse(started.isDone(), "the start completed before the registry recovered");

      released.set(true);
      started.get(30, TimeUnit.SECONDS);
      assertTrue(readiness.get().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertEquals(200, awaitAnswer(base + "/healthcheck").statusCode());
      HttpResponse<String> backends = call(base, admin.token(), "GET", "/admin/backends", null);
      assertEquals(200, backends.statusCode(), backends.body());
      assertTrue(backends.body().contains("\"late-r\""), backends.body());
      HttpResponse<String> noDrain =
          call(base, admin.token(), "GET", "/admin/backends/late-r/drain", null);
      assertFalse(noDrain.body().contains("Unknown backend"), noDrain.body());
      int account = tester.call("GET", "").statusCode();
      assertTrue(account == 200 || account == 204, "account GET -> " + account);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The first answer of the node's port (it binds a moment after the start began). */
  private HttpResponse<String> awaitAnswer(String url) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        return http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException notBound) {
        assertTrue(System.nanoTime() < deadline, "the node never bound " + url);
        Thread.sleep(100);
      }
    }
  }

  private HttpResponse<String> call(
      String base, String token, String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("X-Auth-Token", token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Drops every message until released, then passes them on. */
  private static final class DropUntil
      extends BehaviorInterceptor<BackendRegistryEntity.Command, BackendRegistryEntity.Command> {
    private final AtomicBoolean released;

    DropUntil(AtomicBoolean released) {
      super(BackendRegistryEntity.Command.class);
      this.released = released;
    }

    @Override
    public Behavior<BackendRegistryEntity.Command> aroundReceive(
        TypedActorContext<BackendRegistryEntity.Command> ctx,
        BackendRegistryEntity.Command msg,
        ReceiveTarget<BackendRegistryEntity.Command> target) {
      return released.get() ? target.apply(ctx, msg) : Behaviors.same();
    }
  }
}
