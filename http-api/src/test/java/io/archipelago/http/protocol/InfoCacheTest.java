package io.archipelago.http.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.container.ContainerState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A request's container reads, and apart from them its PUT's entity answers, are asked once per
 * container, and only within that request.
 */
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

  @Test
  void aPutsStagesShareTheEntitysOneAnswer() {
    HttpRequest request = InfoCache.attach(HttpRequest.PUT("/v1/AUTH_a/c/o"));
    CompletionStage<ContainerState> versioning =
        InfoCache.forWrite(request, "AUTH_a", "c", ask("c"));
    CompletionStage<ContainerState> quotas = InfoCache.forWrite(request, "AUTH_a", "c", ask("c"));
    CompletionStage<ContainerState> write = InfoCache.forWrite(request, "AUTH_a", "c", ask("c"));
    assertSame(versioning, quotas);
    assertSame(versioning, write);
    InfoCache.forWrite(request, "AUTH_a", "c+versions", ask("c+versions"));
    assertEquals(2, asks.get());
  }

  @Test
  void writesNeverTakeAReadsAnswer() {
    // a read's answer may come from the route view; a write's must be the entity's own
    HttpRequest request = InfoCache.attach(HttpRequest.PUT("/v1/AUTH_a/c/o"));
    CompletionStage<ContainerState> read = InfoCache.read(request, "AUTH_a", "c", ask("c"));
    CompletionStage<ContainerState> write = InfoCache.forWrite(request, "AUTH_a", "c", ask("c"));
    assertNotSame(read, write);
    assertEquals(2, asks.get());
  }

  @Test
  void aWriteWithoutCacheAsksEveryTime() {
    HttpRequest bare = HttpRequest.PUT("/v1/AUTH_a/c/o");
    InfoCache.forWrite(bare, "AUTH_a", "c", ask("c"));
    InfoCache.forWrite(bare, "AUTH_a", "c", ask("c"));
    assertEquals(2, asks.get());
  }
}
