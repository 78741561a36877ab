package io.archipelago.engine.integrity;

import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Outlet;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.util.ByteString;
import io.archipelago.engine.store.Etags;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Passes an object's bytes through while computing their MD5, holding back the last chunk until the
 * digest and the length are checked: a mismatch (or a data file that ends early) fails the stream
 * before its last bytes, so a reader never sees a clean end of corrupt content. {@code onCorrupt}
 * runs once, with the reason, when the bytes are found corrupt; a reader that cancels early
 * verifies nothing.
 */
final class VerifyingFlow extends GraphStage<FlowShape<ByteString, ByteString>> {

  private final Inlet<ByteString> in = Inlet.create("VerifyingFlow.in");
  private final Outlet<ByteString> out = Outlet.create("VerifyingFlow.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  private final long expectedSize;
  private final String expectedMd5;
  private final Consumer<String> onCorrupt;
  private final Consumer<Long> onVerified;
  private final boolean earlyEndIsCorrupt;

  /**
   * @param onVerified runs with the byte count when the whole object matched
   * @param earlyEndIsCorrupt whether a read that ends early ({@link EOFException}) means the stored
   *     data is short (a local file), rather than a connection that broke
   */
  VerifyingFlow(
      long expectedSize,
      String expectedMd5,
      Consumer<String> onCorrupt,
      Consumer<Long> onVerified,
      boolean earlyEndIsCorrupt) {
    this.earlyEndIsCorrupt = earlyEndIsCorrupt;
    this.expectedSize = expectedSize;
    this.expectedMd5 = expectedMd5;
    this.onCorrupt = onCorrupt;
    this.onVerified = onVerified;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private final MessageDigest md5 = Etags.newMd5();
      private long seen;
      private ByteString held;
      private boolean verifiedEnd;

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                ByteString chunk = grab(in);
                for (ByteBuffer b : chunk.getByteBuffers()) {
                  md5.update(b);
                }
                seen += chunk.size();
                if (seen > expectedSize) {
                  corrupt("more bytes than its size " + expectedSize);
                  return;
                }
                ByteString previous = held;
                held = chunk;
                if (previous == null) {
                  pull(in);
                } else {
                  push(out, previous);
                }
              }

              @Override
              public void onUpstreamFinish() {
                String actual = HexFormat.of().formatHex(md5.digest());
                if (seen != expectedSize) {
                  corrupt(seen + " bytes instead of " + expectedSize);
                } else if (!actual.equalsIgnoreCase(expectedMd5)) {
                  corrupt("MD5 " + actual + " instead of its ETag " + expectedMd5);
                } else {
                  onVerified.accept(seen);
                  verifiedEnd = true;
                  if (held == null) {
                    completeStage();
                  } else if (isAvailable(out)) {
                    push(out, held);
                    completeStage();
                  }
                }
              }

              @Override
              public void onUpstreamFailure(Throwable failure) {
                if (earlyEndIsCorrupt && endsEarly(failure)) {
                  corrupt("its data ends early: " + failure.getMessage());
                } else {
                  failStage(failure);
                }
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                if (verifiedEnd) {
                  push(out, held);
                  completeStage();
                } else if (!hasBeenPulled(in)) {
                  pull(in);
                }
              }
            });
      }

      private void corrupt(String reason) {
        onCorrupt.accept(reason);
        failStage(new CorruptObjectException("corrupt object: " + reason));
      }
    };
  }

  private static boolean endsEarly(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        return true;
      }
    }
    return false;
  }
}
