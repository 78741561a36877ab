package io.archipelago.engine.testing;

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.SwiftTimestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Helpers for tests of object stores against real servers. */
public final class StoreTesting {

  private StoreTesting() {}

  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The exception the stage failed with (unwrapped); fails when it succeeded. */
  public static Throwable failureOf(CompletionStage<?> stage) {
    try {
      Object value = stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      while (t instanceof CompletionException && t.getCause() != null) {
        t = t.getCause();
      }
      return t;
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  public static ObjectAttributes attributes(
      String contentType,
      Map<String, String> metadata,
      Optional<String> etag,
      OptionalLong length) {
    return new ObjectAttributes(contentType, SwiftTimestamp.now(), metadata, etag, length);
  }

  public static ObjectAttributes attributes(byte[] data) {
    return attributes(
        "application/octet-stream", Map.of(), Optional.empty(), OptionalLong.of(data.length));
  }

  public static Source<ByteString, ?> bytes(byte[] data) {
    return Source.single(ByteString.fromArray(data));
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] read(ObjectContent content, Materializer mat) {
    return await(
            content
                .data()
                .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), mat))
        .toArray();
  }

  public static String md5(byte[] data) {
    return HexFormat.of().formatHex(newMd5().digest(data));
  }

  public static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code chunks} chunks of {@code chunkSize} generated on demand (a random block with the chunk
   * number stamped in), fed into {@code md5} as they are produced.
   */
  public static Source<ByteString, ?> generated(int chunkSize, int chunks, MessageDigest md5) {
    byte[] block = new byte[chunkSize];
    new Random(42).nextBytes(block);
    return Source.range(0, chunks - 1)
        .map(
            i -> {
              byte[] chunk = block.clone();
              ByteBuffer.wrap(chunk).putInt(0, i);
              md5.update(chunk);
              return ByteString.fromArrayUnsafe(chunk);
            });
  }

  /** Reads a stream to its end, returning its MD5 hex and length. */
  public static Map.Entry<String, Long> digest(Source<ByteString, ?> data, Materializer mat) {
    MessageDigest md5 = newMd5();
    long length =
        await(
            data.runWith(
                Sink.fold(
                    0L,
                    (n, chunk) -> {
                      for (ByteBuffer b : chunk.getByteBuffers()) {
                        md5.update(b);
                      }
                      return n + chunk.size();
                    }),
                mat));
    return Map.entry(HexFormat.of().formatHex(md5.digest()), length);
  }
}
