package io.archipelago.engine.store;

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * A small request body read whole, with its MD5, checked against the length and ETag the client
 * announced before anything is sent: a request with it can be sent again.
 */
public record WholeBody(ByteString data, String md5) {

  /**
   * The largest body the stores read whole (known-length bodies only): about a socket buffer, so
   * that a node with thousands of small uploads in flight holds no more than it would anyway.
   */
  public static final long MAX_SIZE = 64 << 10;

  /**
   * Reads a body that announced its length (a small one: it is held in memory). Fails with
   * {@link ObjectStoreException.LengthMismatch} as soon as it runs past the announced length or
   * when it ends short, and with {@link ObjectStoreException.EtagMismatch} when its MD5 is not
   * the announced ETag.
   */
  public static CompletionStage<WholeBody> read(
      Source<ByteString, ?> body, ObjectAttributes attributes, Materializer materializer) {
    long expected = attributes.expectedLength().orElseThrow();
    MessageDigest md5 = Etags.newMd5();
    return body
        .runWith(Sink.fold(ByteString.emptyByteString(), (whole, chunk) -> {
          if (whole.size() + (long) chunk.size() > expected) {
            throw new ObjectStoreException.LengthMismatch(expected, whole.size() + (long) chunk.size());
          }
          for (ByteBuffer b : chunk.getByteBuffers()) {
            md5.update(b);
          }
          return whole.concat(chunk);
        }), materializer)
        .thenApply(whole -> {
          if (whole.size() != expected) {
            throw new ObjectStoreException.LengthMismatch(expected, whole.size());
          }
          String computed = HexFormat.of().formatHex(md5.digest());
          attributes.expectedEtag().ifPresent(etag -> {
            if (!etag.equalsIgnoreCase(computed)) {
              throw new ObjectStoreException.EtagMismatch(etag, computed);
            }
          });
          return new WholeBody(whole.compact(), computed);
        });
  }

}
