package io.archipelago.engine.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.Done;
import akka.NotUsed;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.testing.StoreTesting;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The breaker counts only unavailability: a backend's error answer to one request (a 4xx, a 500 for
 * one name, an unreadable answer) fails that request and leaves the backend in use.
 */
class GuardedObjectStoreTest {

  static final BackendContainer CONTAINER = new BackendContainer("AUTH_test", "c");
  static final GuardedObjectStore.Settings SETTINGS =
      new GuardedObjectStore.Settings(
          3,
          Duration.ofSeconds(5),
          Duration.ofSeconds(30),
          Duration.ofHours(1),
          2,
          Duration.ofMillis(10));

  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GuardedObjectStoreTest");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void errorAnswersToSingleRequestsNeverOpenTheBreaker() {
    FailingStore backend = new FailingStore();
    GuardedObjectStore guarded = new GuardedObjectStore(backend, SETTINGS, testKit.system());
    try {
      for (int status : new int[] {500, 403, 404, 400, 501}) {
        backend.failWith(
            ObjectStoreException.BackendUnavailable.answered(
                "b", "head answered " + status, status, null));
        for (int i = 0; i < 5; i++) {
          assertInstanceOf(
              ObjectStoreException.BackendUnavailable.class,
              failureOf(guarded.head(CONTAINER, "o")));
        }
      }
      backend.failWith(
          new ObjectStoreException.BackendUnavailable("b", "unreadable answer", null, false));
      for (int i = 0; i < 5; i++) {
        failureOf(guarded.list(CONTAINER, ListingQuery.all(100)));
      }
      assertTrue(guarded.available(), "the breaker opened on per-request errors");
      // a read failing for its own reason is not sent again
      assertEquals(30, backend.calls.get());

      backend.failWith(null);
      assertEquals(Optional.empty(), guarded.head(CONTAINER, "o").toCompletableFuture().join());
    } finally {
      guarded.stopProbes();
    }
  }

  @Test
  void outagesOpenTheBreaker() {
    for (ObjectStoreException outage :
        new ObjectStoreException[] {
          new ObjectStoreException.BackendUnavailable("b", "connection refused", null),
          ObjectStoreException.BackendUnavailable.answered("b", "answered 503", 503, null),
          ObjectStoreException.BackendUnavailable.answered("b", "answered 502", 502, null),
          ObjectStoreException.BackendUnavailable.answered("b", "answered 504", 504, null)
        }) {
      FailingStore backend = new FailingStore();
      GuardedObjectStore guarded = new GuardedObjectStore(backend, SETTINGS, testKit.system());
      try {
        backend.failWith(outage);
        failureOf(guarded.head(CONTAINER, "o"));
        // an outage is retried once (read-attempts 2): two calls, two failures counted
        assertEquals(2, backend.calls.get(), outage.getMessage());
        failureOf(guarded.delete(CONTAINER, "o"));
        assertFalse(guarded.available(), "the breaker stayed closed after " + outage.getMessage());
        int before = backend.calls.get();
        Throwable fast = failureOf(guarded.head(CONTAINER, "o"));
        assertInstanceOf(ObjectStoreException.BackendUnavailable.class, fast);
        assertTrue(fast.getMessage().contains("circuit breaker open"), fast.getMessage());
        assertEquals(before, backend.calls.get(), "an open breaker still called the backend");
      } finally {
        guarded.stopProbes();
      }
    }
  }

  @Test
  void aPutReachesTheBackendOnlyOnceTheClientSendsItsBody() throws Exception {
    FailingStore backend = new FailingStore();
    GuardedObjectStore guarded = new GuardedObjectStore(backend, SETTINGS, testKit.system());
    try {
      Pair<CompletableFuture<Optional<ByteString>>, Source<ByteString, NotUsed>> silent =
          Source.<ByteString>maybe().preMaterialize(testKit.system());
      ObjectAttributes fiveGib =
          StoreTesting.attributes(
              "application/octet-stream",
              Map.of(),
              Optional.empty(),
              OptionalLong.of(5L * 1024 * 1024 * 1024));
      CompletionStage<PutResult> put = guarded.put(CONTAINER, "big", fiveGib, silent.second());
      Thread.sleep(500);
      assertEquals(0, backend.calls.get(), "the backend was asked before any byte came");
      assertFalse(put.toCompletableFuture().isDone());

      silent.first().complete(Optional.of(ByteString.fromString("x")));
      put.toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(1, backend.calls.get());

      // an empty body goes at once
      guarded
          .put(CONTAINER, "empty", StoreTesting.attributes(new byte[0]), Source.empty())
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertEquals(2, backend.calls.get());
    } finally {
      guarded.stopProbes();
    }
  }

  @Test
  void onlyFiveHundredsThatSayUnavailableAreOutages() {
    for (int status = 400; status < 600; status++) {
      boolean outage = status == 502 || status == 503 || status == 504;
      assertEquals(
          outage,
          ObjectStoreException.BackendUnavailable.answered("b", "x", status, null).outage(),
          "status " + status);
    }
    assertTrue(new ObjectStoreException.BackendUnavailable("b", "x", null).outage());
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable t = e;
      while ((t instanceof CompletionException || t.getCause() instanceof ObjectStoreException)
          && t.getCause() != null) {
        t = t.getCause();
      }
      return t;
    }
    return fail("the call succeeded");
  }

  /** A backend whose every call fails with the given failure (or finds nothing). */
  static final class FailingStore implements RemoteObjectStore {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicReference<ObjectStoreException> failure = new AtomicReference<>();

    void failWith(ObjectStoreException f) {
      failure.set(f);
    }

    private <T> CompletionStage<T> answer(T value) {
      calls.incrementAndGet();
      ObjectStoreException f = failure.get();
      return f == null
          ? CompletableFuture.completedFuture(value)
          : CompletableFuture.failedFuture(f);
    }

    @Override
    public CompletionStage<Done> probe() {
      return answer(Done.getInstance());
    }

    @Override
    public String backendId() {
      return "b";
    }

    @Override
    public CompletionStage<Done> createContainer(BackendContainer container) {
      return answer(Done.getInstance());
    }

    @Override
    public CompletionStage<Done> deleteContainer(BackendContainer container) {
      return answer(Done.getInstance());
    }

    @Override
    public CompletionStage<PutResult> put(
        BackendContainer container,
        String name,
        ObjectAttributes attributes,
        Source<ByteString, ?> body) {
      return answer(null);
    }

    @Override
    public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
      return answer(Optional.empty());
    }

    @Override
    public CompletionStage<Optional<ObjectContent>> get(
        BackendContainer container, String name, Optional<ByteRange> range) {
      return answer(Optional.empty());
    }

    @Override
    public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
        BackendContainer container,
        String name,
        Optional<String> contentType,
        Map<String, String> metadata,
        SwiftTimestamp timestamp) {
      return answer(Optional.empty());
    }

    @Override
    public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
      return answer(Optional.empty());
    }

    @Override
    public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
      return answer(null);
    }

    @Override
    public CompletionStage<Capacity> capacity() {
      return answer(null);
    }
  }
}
