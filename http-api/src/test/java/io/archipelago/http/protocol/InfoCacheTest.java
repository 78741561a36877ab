package io.archipelago.http.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.container.ContainerState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A request's container reads are asked once per container, and only within that request. */
class InfoCacheTest {

  private final AtomicInteger asks = new AtomicInteger();

  private Supplier<CompletionStage<ContainerState>> ask(String container) {
    return () -> {
      asks.incrementAndGet();
      return CompletableFuture.completedFuture(ContainerState.empty("AUTH_a", container));
    };
  }

  @Test
  void aRequestAsksOncePerContainer() {
    HttpRequest request = InfoCache.attach(HttpRequest.GET("/v1/AUTH_a/c/o"));
    CompletionStage<ContainerState> first = InfoCache.read(request, "AUTH_a", "c", ask("c"));
    CompletionStage<ContainerState> second = InfoCache.read(request, "AUTH_a", "c", ask("c"));
    assertSame(first, second);
    InfoCache.read(request, "AUTH_a", "other", ask("other"));
    assertEquals(2, asks.get());
  }

  @Test
  void requestsDoNotShareAnswers() {
    HttpRequest one = InfoCache.attach(HttpRequest.GET("/v1/AUTH_a/c/o"));
    HttpRequest two = InfoCache.attach(HttpRequest.GET("/v1/AUTH_a/c/o"));
    InfoCache.read(one, "AUTH_a", "c", ask("c"));
    InfoCache.read(two, "AUTH_a", "c", ask("c"));
    assertEquals(2, asks.get());
  }

  @Test
  void aRequestWithoutCacheAsksEveryTime() {
    HttpRequest bare = HttpRequest.GET("/v1/AUTH_a/c/o");
    InfoCache.read(bare, "AUTH_a", "c", ask("c"));
    InfoCache.read(bare, "AUTH_a", "c", ask("c"));
    assertEquals(2, asks.get());
  }
}
