package io.archipelago.engine.store;

import akka.NotUsed;
import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Materializer;
import akka.stream.Outlet;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.util.ByteString;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The upload contract, in one place: every object body a client sends passes through one guard on
 * its way to a backend driver, which then only moves bytes.
 *
 * <ul>
 *   <li>An untaken body is cancelled: when the write ends (either way) without anyone having run
 *       the body, it is cancelled, so that the client's connection is not left hanging.
 *   <li>Bytes are counted; a body that runs past the announced length fails at once, one that ends
 *       short fails when it ends.
 *   <li>The MD5 is computed as the bytes pass (unless the backend is trusted with it, see {@link
 *       Digest}) and checked against the client's ETag when it sent one. Past the first MiB it is
 *       computed beside the stream, on another thread, a few chunks behind at most: one stream's
 *       MD5 (about 1.3 s of CPU per GiB here) then overlaps the driver's writes instead of adding
 *       to them.
 *   <li>The last chunk is held back until the body has ended and passed every check: a driver never
 *       hands a backend the whole announced body of an upload that then fails, so a short, long or
 *       corrupted body never becomes a stored object.
 *   <li>A failure of the body itself (the client's stream broke, or a check failed) is what the
 *       write fails with, whatever the driver made of it.
 * </ul>
 *
 * The guarded body is to be run once.
 */
public final class UploadGuard {

  /** Who computes the MD5 of the body. */
  public enum Digest {
    /** The guard computes it and checks it against the client's ETag. */
    COMPUTED,
    /**
     * The backend computes it from the bytes it stores, and checks the client's ETag, which the
     * driver sends along (saves the gateway a core's worth of CPU per ~600 MiB/s).
     */
    LEFT_TO_BACKEND
  }

  /**
   * A body that ended and passed its checks.
   *
   * @param size the bytes received (the announced length, when one was announced)
   * @param md5 their MD5 hex, unless left to the backend
   */
  public record Verified(long size, Optional<String> md5) {}

  private final ObjectAttributes attributes;
  private final Digest digest;
  private final Source<ByteString, NotUsed> body;
  private final AtomicLong received = new AtomicLong();
  private final AtomicReference<Throwable> bodyFailure = new AtomicReference<>();
  private final CompletableFuture<Verified> verified = new CompletableFuture<>();
  private final Executor digestLane;

  /** Bytes digested on the stream's own thread before the MD5 moves beside it. */
  static final long INLINE_DIGEST_BYTES = 1 << 20;

  /** Chunks handed to the MD5 beside the stream and not digested yet, at most. */
  static final int DIGESTS_AHEAD = 4;

  private UploadGuard(
      Source<ByteString, ?> body, ObjectAttributes attributes, Digest digest, Executor digestLane) {
    this.attributes = attributes;
    this.digest = digest;
    this.digestLane = digestLane;
    this.body = body.via(new Check()).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /**
   * Runs a driver's upload of {@code body} behind a guard: the driver gets the guarded body and its
   * outcome; the write fails with the body's own failure when there is one, and the body is
   * cancelled when the driver never ran it. A driver that throws fails the write.
   */
  public static <T> CompletionStage<T> upload(
      Source<ByteString, ?> body,
      ObjectAttributes attributes,
      Digest digest,
      Materializer materializer,
      Function<UploadGuard, CompletionStage<T>> driver) {
    return upload(body, attributes, digest, materializer, materializer.executionContext(), driver);
  }

  /** As {@link #upload}, the MD5 beside the stream run by {@code digestLane}. */
  static <T> CompletionStage<T> upload(
      Source<ByteString, ?> body,
      ObjectAttributes attributes,
      Digest digest,
      Materializer materializer,
      Executor digestLane,
      Function<UploadGuard, CompletionStage<T>> driver) {
    return cancelUntaken(
        body,
        materializer,
        taken -> {
          UploadGuard guard = new UploadGuard(taken, attributes, digest, digestLane);
          return driver
              .apply(guard)
              .handle(
                  (result, failure) -> {
                    if (failure != null) {
                      throw new CompletionException(guard.bodyFailure().orElse(unwrap(failure)));
                    }
                    return result;
                  });
        });
  }

  /**
   * Runs {@code use} with the body and cancels the body once the stage {@code use} returned
   * completes if nobody ran it by then (a write refused before its body was needed). A {@code use}
   * that throws fails the stage, and the body is cancelled.
   */
  public static <T> CompletionStage<T> cancelUntaken(
      Source<ByteString, ?> body,
      Materializer materializer,
      Function<Source<ByteString, ?>, CompletionStage<T>> use) {
    AtomicBoolean taken = new AtomicBoolean();
    Source<ByteString, ?> watched =
        body.mapMaterializedValue(
            m -> {
              taken.set(true);
              return m;
            });
    CompletionStage<T> result;
    try {
      result = use.apply(watched);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.whenComplete(
        (value, failure) -> {
          if (!taken.getAndSet(true)) {
            try {
              body.runWith(Sink.cancelled(), materializer);
            } catch (RuntimeException e) {
              // the materializer is shut down: nothing runs any more, this body neither
            }
          }
        });
  }

  private static void update(MessageDigest md5, ByteString chunk) {
    for (ByteBuffer b : chunk.getByteBuffers()) {
      md5.update(b);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The body to send: counted, checked, its last chunk released only once all checks passed. */
  public Source<ByteString, NotUsed> body() {
    return body;
  }

  /**
   * Completes when the body ended and passed its checks (before its last chunk is released); fails
   * with the body's failure, or when the body was not read to its end.
   */
  public CompletionStage<Verified> verified() {
    return verified;
  }

  /** Bytes received so far. */
  public long received() {
    return received.get();
  }

  /**
   * The body's own failure, if it had one: the client's stream failed, or it broke the announced
   * length or ETag ({@link ObjectStoreException.LengthMismatch}, {@link
   * ObjectStoreException.EtagMismatch}).
   */
  public Optional<Throwable> bodyFailure() {
    return Optional.ofNullable(bodyFailure.get());
  }

  /** Counts, checks and digests the bytes; holds the latest chunk back until the next one. */
  private final class Check extends GraphStage<FlowShape<ByteString, ByteString>> {
    private final Inlet<ByteString> in = Inlet.create("UploadGuard.in");
    private final Outlet<ByteString> out = Outlet.create("UploadGuard.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

    @Override
    public FlowShape<ByteString, ByteString> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
      OptionalLong expected = attributes.expectedLength();
      MessageDigest md5 = digest == Digest.COMPUTED ? Etags.newMd5() : null;
      return new GraphStageLogic(shape) {
        private ByteString held;

        /** The MD5 updates handed to the lane, in order; each runs after the one before. */
        private CompletableFuture<Void> digested = CompletableFuture.completedFuture(null);

        private int digestsAhead;
        private boolean ended;
        private final AsyncCallback<Void> digestDone =
            createAsyncCallback(
                done -> {
                  digestsAhead--;
                  if (ended) {
                    if (digestsAhead == 0) {
                      finish();
                    }
                  } else {
                    pullWhenWanted();
                  }
                });

        {
          setHandler(
              in,
              new AbstractInHandler() {
                @Override
                public void onPush() {
                  ByteString chunk = grab(in);
                  long total = received.addAndGet(chunk.size());
                  if (expected.isPresent() && total > expected.getAsLong()) {
                    fail(new ObjectStoreException.LengthMismatch(expected.getAsLong(), total));
                    return;
                  }
                  if (md5 != null) {
                    digest(chunk, total);
                  }
                  ByteString previous = held;
                  held = chunk;
                  if (previous == null) {
                    pullWhenWanted(); // downstream's demand is still open
                  } else {
                    push(out, previous);
                  }
                }

                @Override
                public void onUpstreamFinish() {
                  ended = true;
                  if (digestsAhead == 0) {
                    finish();
                  }
                }

                @Override
                public void onUpstreamFailure(Throwable ex) {
                  fail(ex);
                }
              });
          setHandler(
              out,
              new AbstractOutHandler() {
                @Override
                public void onPull() {
                  pullWhenWanted();
                }
              });
        }

        /**
         * Digests the chunk: on this thread within the first MiB (a small body pays no hand-over),
         * beside the stream after that, in order.
         */
        private void digest(ByteString chunk, long total) {
          if (total <= INLINE_DIGEST_BYTES && digestsAhead == 0) {
            update(md5, chunk);
            return;
          }
          digestsAhead++;
          digested =
              digested
                  .thenRunAsync(() -> update(md5, chunk), digestLane)
                  .whenComplete((v, failure) -> digestDone.invoke(null));
        }

        /** Asks for the next chunk when downstream wants one and the MD5 is not too far behind. */
        private void pullWhenWanted() {
          if (isAvailable(out)
              && !hasBeenPulled(in)
              && !isClosed(in)
              && digestsAhead < DIGESTS_AHEAD) {
            pull(in);
          }
        }

        /** The body ended and every chunk is digested: check it, then release the last chunk. */
        private void finish() {
          Optional<String> computed =
              Optional.ofNullable(md5).map(d -> HexFormat.of().formatHex(d.digest()));
          Optional<ObjectStoreException> broken = check(received.get(), computed);
          if (broken.isPresent()) {
            fail(broken.get());
            return;
          }
          verified.complete(new Verified(received.get(), computed));
          if (held != null) {
            emit(out, held);
            held = null;
          }
          complete(out);
        }

        /** The failure of a body that ended now, if it broke what the client announced. */
        private Optional<ObjectStoreException> check(long size, Optional<String> computed) {
          if (expected.isPresent() && expected.getAsLong() != size) {
            return Optional.of(new ObjectStoreException.LengthMismatch(expected.getAsLong(), size));
          }
          Optional<String> etag = attributes.expectedEtag().map(Etags::bare);
          if (computed.isPresent()
              && etag.isPresent()
              && !etag.get().equalsIgnoreCase(computed.get())) {
            return Optional.of(new ObjectStoreException.EtagMismatch(etag.get(), computed.get()));
          }
          return Optional.empty();
        }

        private void fail(Throwable failure) {
          bodyFailure.compareAndSet(null, failure);
          verified.completeExceptionally(failure);
          held = null;
          failStage(failure);
        }

        @Override
        public void postStop() {
          verified.completeExceptionally(
              new IllegalStateException("the upload body was not read to its end"));
        }
      };
    }
  }
}
