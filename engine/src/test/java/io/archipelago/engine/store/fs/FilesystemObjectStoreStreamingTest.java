package io.archipelago.engine.store.fs;

import static io.archipelago.engine.store.fs.FsStoreTesting.CONTAINER;
import static io.archipelago.engine.store.fs.FsStoreTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 300 MiB object flows through put and get without being held in memory. */
class FilesystemObjectStoreStreamingTest {

  private static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 1200; // 300 MiB
  private static final long SIZE = (long) CHUNK * CHUNKS;

  private static ActorTestKit testKit;
  private static Materializer mat;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create();
    mat = Materializer.matFromSystem(testKit.system());
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  /** Chunks generated on demand: a random block with the chunk number stamped in. */
  private static Source<ByteString, ?> generated(MessageDigest md5) {
    byte[] block = new byte[CHUNK];
    new Random(42).nextBytes(block);
    return Source.range(0, CHUNKS - 1)
        .map(
            i -> {
              byte[] chunk = block.clone();
              ByteBuffer.wrap(chunk).putInt(i).putInt(CHUNK / 2, ~i);
              md5.update(chunk);
              return ByteString.fromArrayUnsafe(chunk);
            });
  }

  private static Pair<Long, String> sizeAndMd5(Source<ByteString, ?> data) {
    MessageDigest md5 = FsStoreTesting.md5();
    CompletionStage<Long> size =
        data.toMat(
                Sink.fold(
                    0L,
                    (Long total, ByteString chunk) -> {
                      for (ByteBuffer b : chunk.getByteBuffers()) {
                        md5.update(b);
                      }
                      return total + chunk.size();
                    }),
                Keep.right())
            .run(mat);
    long total = await(size);
    return Pair.create(total, HexFormat.of().formatHex(md5.digest()));
  }

  @Test
  void largeObjectStreamsBothWays(@TempDir Path root) {
    FilesystemObjectStore store = FsStoreTesting.newStore(testKit, root);
    MessageDigest sent = FsStoreTesting.md5();
    ObjectAttributes attrs =
        new ObjectAttributes(
            "application/octet-stream", SwiftTimestamp.now(), Map.of(), Optional.empty(), OptionalLong.of(SIZE));
    PutResult result = await(store.put(CONTAINER, "big/blob", attrs, generated(sent)));
    String sentMd5 = HexFormat.of().formatHex(sent.digest());
    assertEquals(SIZE, result.stored().size());
    assertEquals(sentMd5, result.stored().etag());

    ObjectContent content = await(store.get(CONTAINER, "big/blob", Optional.empty())).orElseThrow();
    assertEquals(SIZE, content.contentLength());
    assertEquals(Pair.create(SIZE, sentMd5), sizeAndMd5(content.data()));

    // the last 1 MiB + 1 byte, read from the middle of a chunk boundary
    long tail = 1024 * 1024 + 1;
    ObjectContent range =
        await(store.get(CONTAINER, "big/blob", Optional.of(new ByteRange.Suffix(tail)))).orElseThrow();
    assertEquals(tail, range.contentLength());
    assertEquals(tail, (long) sizeAndMd5(range.data()).first());
  }
}
