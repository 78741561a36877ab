package io.archipelago.engine.store;

import static io.archipelago.engine.testing.StoreTesting.await;
import static io.archipelago.engine.testing.StoreTesting.failureOf;
import static io.archipelago.engine.testing.StoreTesting.md5;
import static io.archipelago.engine.testing.StoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.NotUsed;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.testkit.TestPublisher;
import akka.stream.testkit.TestSubscriber;
import akka.stream.testkit.javadsl.TestSink;
import akka.stream.testkit.javadsl.TestSource;
import akka.util.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The upload contract every driver relies on, branch by branch. */
class UploadGuardTest {

  static ActorTestKit testKit;
  static Materializer mat;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static ObjectAttributes announced(Optional<String> etag, OptionalLong length) {
    return new ObjectAttributes("text/plain", SwiftTimestamp.now(), Map.of(), etag, length);
  }

  static Source<ByteString, ?> chunks(String... parts) {
    List<ByteString> list = new ArrayList<>();
    for (String p : parts) {
      list.add(ByteString.fromString(p));
    }
    return Source.from(list);
  }

  /** A driver that stores what it reads (into {@code sink}) and answers the guard's outcome. */
  static CompletionStage<UploadGuard.Verified> store(
      Source<ByteString, ?> body,
      ObjectAttributes attributes,
      UploadGuard.Digest digest,
      List<ByteString> sink) {
    return UploadGuard.upload(
        body,
        attributes,
        digest,
        mat,
        guard -> guard.body().runForeach(sink::add, mat).thenCompose(done -> guard.verified()));
  }

  @Test
  void aBodyAsAnnouncedPassesWithItsSizeAndMd5() {
    List<ByteString> stored = new ArrayList<>();
    UploadGuard.Verified verified =
        await(
            store(
                chunks("hello ", "guard"),
                announced(
                    Optional.of("\"" + md5(utf8("hello guard")).toUpperCase() + "\""),
                    OptionalLong.of(11)),
                UploadGuard.Digest.COMPUTED,
                stored));
    assertEquals(new UploadGuard.Verified(11, Optional.of(md5(utf8("hello guard")))), verified);
    assertEquals(List.of(ByteString.fromString("hello "), ByteString.fromString("guard")), stored);
  }

  @Test
  void unknownLengthAndEmptyBodies() {
    List<ByteString> stored = new ArrayList<>();
    assertEquals(
        new UploadGuard.Verified(3, Optional.of(md5(utf8("abc")))),
        await(
            store(
                chunks("a", "bc"),
                announced(Optional.empty(), OptionalLong.empty()),
                UploadGuard.Digest.COMPUTED,
                stored)));
    assertEquals(
        new UploadGuard.Verified(0, Optional.of(md5(new byte[0]))),
        await(
            store(
                Source.empty(),
                announced(Optional.empty(), OptionalLong.of(0)),
                UploadGuard.Digest.COMPUTED,
                new ArrayList<>())));
  }

  @Test
  void aBodyLongerThanAnnouncedFailsAtOnceAndItsLastAnnouncedByteIsNeverReleased() {
    TestPublisher.Probe<ByteString> client =
        TestPublisher.probe(0L, testKit.system().classicSystem());
    List<ByteString> stored = new ArrayList<>();
    CompletionStage<UploadGuard.Verified> result =
        store(
            Source.fromPublisher(client),
            announced(Optional.empty(), OptionalLong.of(4)),
            UploadGuard.Digest.COMPUTED,
            stored);
    client.sendNext(ByteString.fromString("ab"));
    client.sendNext(ByteString.fromString("cd")); // exactly the announced length: held back
    client.sendNext(ByteString.fromString("e"));
    client.expectCancellation();
    ObjectStoreException.LengthMismatch failure =
        assertInstanceOf(ObjectStoreException.LengthMismatch.class, failureOf(result));
    assertTrue(
        failure.getMessage().contains("body length 5 differs from Content-Length 4"),
        failure.getMessage());
    assertEquals(List.of(ByteString.fromString("ab")), stored);
  }

  @Test
  void aBodyShorterThanAnnouncedFailsWhenItEndsAndItsLastChunkIsNeverReleased() {
    List<ByteString> stored = new ArrayList<>();
    Throwable failure =
        failureOf(
            store(
                chunks("ab", "cd"),
                announced(Optional.empty(), OptionalLong.of(10)),
                UploadGuard.Digest.COMPUTED,
                stored));
    assertInstanceOf(ObjectStoreException.LengthMismatch.class, failure);
    assertTrue(
        failure.getMessage().contains("body length 4 differs from Content-Length 10"),
        failure.getMessage());
    assertEquals(List.of(ByteString.fromString("ab")), stored);
  }

  @Test
  void anEtagMismatchFailsBeforeTheLastChunkIsReleased() {
    for (OptionalLong length : List.of(OptionalLong.of(7), OptionalLong.empty())) {
      List<ByteString> stored = new ArrayList<>();
      Throwable failure =
          failureOf(
              store(
                  chunks("pay", "load"),
                  announced(Optional.of(md5(utf8("other"))), length),
                  UploadGuard.Digest.COMPUTED,
                  stored));
      assertInstanceOf(ObjectStoreException.EtagMismatch.class, failure);
      assertTrue(failure.getMessage().contains(md5(utf8("payload"))), failure.getMessage());
      assertEquals(List.of(ByteString.fromString("pay")), stored);
    }
  }

  /** 3 MiB in 64 KiB chunks of varied bytes: past the first MiB the MD5 runs beside the stream. */
  static List<ByteString> largeBody() {
    List<ByteString> parts = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      byte[] part = new byte[64 << 10];
      java.util.Arrays.fill(part, (byte) (i * 31 + 7));
      parts.add(ByteString.fromArray(part));
    }
    return parts;
  }

  static byte[] joined(List<ByteString> parts) {
    ByteString all = ByteString.emptyByteString();
    for (ByteString p : parts) {
      all = all.concat(p);
    }
    return all.toArray();
  }

  @Test
  void aLargeBodyIsDigestedBesideTheStreamInOrderAndChecked() {
    List<ByteString> body = largeBody();
    String md5 = md5(joined(body));
    List<ByteString> stored = new ArrayList<>();
    UploadGuard.Verified verified =
        await(
            store(
                Source.from(body),
                announced(Optional.of(md5), OptionalLong.of(48L << 16)),
                UploadGuard.Digest.COMPUTED,
                stored));
    assertEquals(new UploadGuard.Verified(48L << 16, Optional.of(md5)), verified);
    assertEquals(body, stored);

    List<ByteString> refused = new ArrayList<>();
    Throwable failure =
        failureOf(
            store(
                Source.from(body),
                announced(Optional.of(md5(utf8("other"))), OptionalLong.empty()),
                UploadGuard.Digest.COMPUTED,
                refused));
    assertInstanceOf(ObjectStoreException.EtagMismatch.class, failure);
    assertTrue(failure.getMessage().contains(md5), failure.getMessage());
    assertEquals(body.subList(0, body.size() - 1), refused, "the last chunk is never released");
  }

  @Test
  void theStreamReadsAtMostAFewChunksAheadOfTheMd5BesideIt() throws Exception {
    java.util.concurrent.LinkedBlockingQueue<Runnable> lane =
        new java.util.concurrent.LinkedBlockingQueue<>();
    List<ByteString> body = largeBody();
    List<ByteString> stored = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletionStage<UploadGuard.Verified> result =
        UploadGuard.upload(
            Source.from(body),
            announced(Optional.of(md5(joined(body))), OptionalLong.empty()),
            UploadGuard.Digest.COMPUTED,
            mat,
            lane::add, // runs nothing until the test does
            guard -> guard.body().runForeach(stored::add, mat).thenCompose(d -> guard.verified()));
    // The first MiB is digested on the stream's thread, then DIGESTS_AHEAD chunks are handed to
    // the lane and the stream stops reading: every chunk read but the held one reached the driver.
    int readAhead =
        (int) (UploadGuard.INLINE_DIGEST_BYTES / (64 << 10)) + UploadGuard.DIGESTS_AHEAD;
    Thread.sleep(300);
    assertEquals(readAhead - 1, stored.size());
    assertFalse(result.toCompletableFuture().isDone());
    // One digest done: one more chunk read.
    lane.take().run();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (stored.size() < readAhead && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(100);
    assertEquals(readAhead, stored.size());
    Thread laneThread =
        new Thread(
            () -> {
              try {
                while (true) {
                  lane.take().run();
                }
              } catch (InterruptedException stop) {
                // done
              }
            });
    laneThread.start();
    try {
      assertEquals(md5(joined(body)), await(result).md5().orElseThrow());
      assertEquals(body, stored);
    } finally {
      laneThread.interrupt();
    }
  }

  @Test
  void aDigestLeftToTheBackendIsNeitherComputedNorChecked() {
    List<ByteString> stored = new ArrayList<>();
    UploadGuard.Verified verified =
        await(
            store(
                chunks("pay", "load"),
                announced(Optional.of(md5(utf8("other"))), OptionalLong.of(7)),
                UploadGuard.Digest.LEFT_TO_BACKEND,
                stored));
    assertEquals(new UploadGuard.Verified(7, Optional.empty()), verified);
    assertEquals(2, stored.size());
    // the length is still the guard's
    assertInstanceOf(
        ObjectStoreException.LengthMismatch.class,
        failureOf(
            store(
                chunks("pay"),
                announced(Optional.empty(), OptionalLong.of(7)),
                UploadGuard.Digest.LEFT_TO_BACKEND,
                new ArrayList<>())));
  }

  @Test
  void theClientsOwnFailureIsWhatTheWriteFailsWith() {
    RuntimeException boom = new RuntimeException("client went away");
    AtomicReference<UploadGuard> seen = new AtomicReference<>();
    CompletionStage<String> result =
        UploadGuard.upload(
            chunks("part one").concat(Source.lazySource(() -> Source.<ByteString>failed(boom))),
            announced(Optional.empty(), OptionalLong.empty()),
            UploadGuard.Digest.COMPUTED,
            mat,
            guard -> {
              seen.set(guard);
              // whatever the driver makes of it (here: a backend failure)
              return guard
                  .body()
                  .runWith(Sink.ignore(), mat)
                  .handle(
                      (done, e) -> {
                        throw new ObjectStoreException.BackendUnavailable("b", "put failed", e);
                      });
            });
    assertSame(boom, failureOf(result));
    assertSame(boom, seen.get().bodyFailure().orElseThrow());
    assertSame(boom, failureOf(seen.get().verified()));
    assertEquals(8, seen.get().received());
  }

  @Test
  void aDriverFailureWithAHealthyBodyIsTheDriversOwn() {
    ObjectStoreException.BackendUnavailable down =
        new ObjectStoreException.BackendUnavailable("b", "down", null);
    AtomicReference<UploadGuard> seen = new AtomicReference<>();
    CompletionStage<String> result =
        UploadGuard.upload(
            chunks("fine"),
            announced(Optional.empty(), OptionalLong.of(4)),
            UploadGuard.Digest.COMPUTED,
            mat,
            guard -> {
              seen.set(guard);
              return guard
                  .body()
                  .runWith(Sink.ignore(), mat)
                  .thenCompose(done -> CompletableFuture.failedFuture(down));
            });
    assertSame(down, failureOf(result));
    // unwrapped: callers that catch ExecutionException see the driver's failure itself
    ExecutionException raw =
        assertThrows(
            ExecutionException.class, () -> result.toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertSame(down, raw.getCause());
    assertTrue(seen.get().bodyFailure().isEmpty());
    assertEquals(
        new UploadGuard.Verified(4, Optional.of(md5(utf8("fine")))), await(seen.get().verified()));
  }

  @Test
  void aBodyTheDriverNeverTookIsCancelled() {
    for (boolean throwing : List.of(false, true)) {
      Pair<TestPublisher.Probe<ByteString>, Source<ByteString, NotUsed>> client =
          TestSource.<ByteString>probe(testKit.system().classicSystem()).preMaterialize(mat);
      ObjectStoreException.InvalidRequest refused =
          new ObjectStoreException.InvalidRequest("refused early");
      CompletionStage<String> result =
          UploadGuard.upload(
              client.second(),
              announced(Optional.empty(), OptionalLong.of(10)),
              UploadGuard.Digest.COMPUTED,
              mat,
              guard -> {
                if (throwing) {
                  throw refused;
                }
                return CompletableFuture.failedFuture(refused);
              });
      assertSame(refused, failureOf(result));
      client.first().expectCancellation();
    }
  }

  @Test
  void aBodyThatWasTakenIsLeftToWhoeverTookIt() {
    TestPublisher.Probe<ByteString> client =
        TestPublisher.probe(0L, testKit.system().classicSystem());
    CompletableFuture<String> driver = new CompletableFuture<>();
    AtomicReference<TestSubscriber.Probe<ByteString>> reader = new AtomicReference<>();
    CompletionStage<String> result =
        UploadGuard.upload(
            Source.fromPublisher(client),
            announced(Optional.empty(), OptionalLong.empty()),
            UploadGuard.Digest.COMPUTED,
            mat,
            guard -> {
              reader.set(
                  guard
                      .body()
                      .toMat(TestSink.probe(testKit.system().classicSystem()), Keep.right())
                      .run(mat));
              return driver;
            });
    reader.get().request(2);
    client.sendNext(ByteString.fromString("a"));
    client.sendNext(ByteString.fromString("b"));
    reader.get().expectNext(ByteString.fromString("a"));
    driver.complete("stored");
    assertEquals("stored", await(result));
    client.sendComplete();
    reader.get().expectNext(ByteString.fromString("b"));
    reader.get().expectComplete();
  }

  @Test
  void cancelUntakenCancelsOnlyABodyNobodyRan() {
    TestPublisher.Probe<ByteString> untaken =
        TestPublisher.probe(0L, testKit.system().classicSystem());
    assertEquals(
        "answered",
        await(
            UploadGuard.cancelUntaken(
                Source.fromPublisher(untaken),
                mat,
                body -> CompletableFuture.completedFuture("answered"))));
    untaken.expectCancellation();

    List<ByteString> read = new ArrayList<>();
    assertEquals(
        Integer.valueOf(1),
        await(
            UploadGuard.<Integer>cancelUntaken(
                chunks("x"),
                mat,
                body -> body.runForeach(read::add, mat).thenApply(done -> read.size()))));
    assertFalse(read.isEmpty());
  }
}
