package io.archipelago.engine.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.Etags;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The check on read: corrupt bytes never reach the end of the stream; good ones pass unchanged. */
class VerifyingFlowTest {

  private static ActorTestKit testKit;
  private static Materializer materializer;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    materializer = Materializer.matFromSystem(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static final List<ByteString> CHUNKS =
      List.of(
          ByteString.fromString("first chunk "),
          ByteString.fromString("second chunk "),
          ByteString.fromString("last chunk"));

  private static String md5(List<ByteString> chunks) {
    var digest = Etags.newMd5();
    chunks.forEach(c -> digest.update(c.toArray()));
    return HexFormat.of().formatHex(digest.digest());
  }

  private record Run(List<ByteString> emitted, Throwable failure, List<String> corrupt) {}

  private static long crc32c(List<ByteString> chunks) {
    CRC32C crc = new CRC32C();
    chunks.forEach(c -> crc.update(c.toArray()));
    return crc.getValue();
  }

  private static Run run(
      List<ByteString> chunks, long size, String etag, Throwable upstreamFailure) {
    return run(chunks, size, etag, OptionalLong.empty(), upstreamFailure);
  }

  private static Run run(
      List<ByteString> chunks,
      long size,
      String etag,
      OptionalLong crc32c,
      Throwable upstreamFailure) {
    List<ByteString> emitted = new CopyOnWriteArrayList<>();
    List<String> corrupt = new CopyOnWriteArrayList<>();
    Source<ByteString, ?> source = Source.from(chunks);
    if (upstreamFailure != null) {
      source = source.concat(Source.failed(upstreamFailure));
    }
    Throwable failure = null;
    try {
      source
          .via(new VerifyingFlow(size, etag, crc32c, corrupt::add, bytes -> {}, true))
          .runWith(Sink.foreach(emitted::add), materializer)
          .toCompletableFuture()
          .join();
    } catch (CompletionException e) {
      failure = e.getCause();
    }
    return new Run(new ArrayList<>(emitted), failure, corrupt);
  }

  @Test
  void goodBytesPassWhole() {
    Run r = run(CHUNKS, 35, md5(CHUNKS), null);
    assertEquals(null, r.failure());
    assertEquals(CHUNKS, r.emitted());
    assertTrue(r.corrupt().isEmpty());
  }

  @Test
  void aFlippedByteFailsTheStreamBeforeItsLastChunk() {
    List<ByteString> flipped =
        List.of(CHUNKS.get(0), ByteString.fromString("secXnd chunk "), CHUNKS.get(2));
    Run r = run(flipped, 35, md5(CHUNKS), null);
    assertInstanceOf(CorruptObjectException.class, r.failure());
    assertEquals(flipped.subList(0, 2), r.emitted(), "the last chunk is held back");
    assertEquals(1, r.corrupt().size());
  }

  @Test
  void shortOrLongDataIsCorrupt() {
    Run cut = run(CHUNKS.subList(0, 2), 35, md5(CHUNKS), null);
    assertInstanceOf(CorruptObjectException.class, cut.failure());
    Run early = run(CHUNKS.subList(0, 2), 35, md5(CHUNKS), new EOFException("file ends early"));
    assertInstanceOf(CorruptObjectException.class, early.failure());
    assertTrue(early.emitted().size() < 2, "the last chunk read is held back");
    Run longer = run(CHUNKS, 20, md5(CHUNKS), null);
    assertInstanceOf(CorruptObjectException.class, longer.failure());
  }

  @Test
  void otherFailuresPassThroughAsTheyAre() {
    IllegalStateException broken = new IllegalStateException("connection reset");
    Run r = run(CHUNKS.subList(0, 1), 35, md5(CHUNKS), broken);
    assertEquals(broken, r.failure());
    assertTrue(r.corrupt().isEmpty());
  }

  @Test
  void aRecordedCrc32cIsCheckedInsteadOfTheMd5() {
    OptionalLong crc = OptionalLong.of(crc32c(CHUNKS));
    // the CRC-32C decides: the MD5 is not computed (a wrong ETag passes with the right CRC)
    Run good = run(CHUNKS, 35, "0".repeat(32), crc, null);
    assertEquals(null, good.failure());
    assertEquals(CHUNKS, good.emitted());
    assertTrue(good.corrupt().isEmpty());

    List<ByteString> flipped =
        List.of(CHUNKS.get(0), ByteString.fromString("secXnd chunk "), CHUNKS.get(2));
    Run bad = run(flipped, 35, md5(CHUNKS), crc, null);
    assertInstanceOf(CorruptObjectException.class, bad.failure());
    assertEquals(flipped.subList(0, 2), bad.emitted(), "the last chunk is held back");
    assertEquals(1, bad.corrupt().size());
    assertTrue(bad.corrupt().get(0).contains("CRC-32C"), bad.corrupt().get(0));

    Run cut = run(CHUNKS.subList(0, 2), 35, md5(CHUNKS), crc, new EOFException("ends early"));
    assertInstanceOf(CorruptObjectException.class, cut.failure());
  }
}
