package io.archipelago.engine.store;

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
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
   * Reads a guarded body (of announced length, at most {@link #MAX_SIZE}, and with its MD5 computed
   * by the guard) into memory. Fails as the guard does: with {@link
   * ObjectStoreException.LengthMismatch} as soon as it runs past the announced length or when it
   * ends short, with {@link ObjectStoreException.EtagMismatch} when its MD5 is not the ETag.
   */
  public static CompletionStage<WholeBody> read(UploadGuard guard, Materializer materializer) {
    return guard
        .body()
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), materializer)
        .thenCombine(
            guard.verified(),
            (whole, verified) -> new WholeBody(whole.compact(), verified.md5().orElseThrow()));
  }
}
