package io.archipelago.engine.store.fs;

import akka.NotUsed;
import akka.actor.Cancellable;
import akka.actor.typed.Scheduler;
import akka.stream.ActorAttributes;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import scala.concurrent.ExecutionContext;

/**
 * A stream of a byte range of a data file that was opened when the object was looked up, so the
 * stream delivers the version whose facts were answered even if the object is overwritten or
 * deleted before the stream runs (the open file keeps the unlinked data alive).
 *
 * <p>The first materialisation takes over the open channel. If nobody materialises the source
 * within the claim timeout, the channel is closed so that an abandoned response cannot leak a file
 * descriptor; a later materialisation opens the file by path again (and fails if that version is
 * gone by then). Reads run on Akka's blocking IO dispatcher, like {@code FileIO}.
 */
final class DataFileSource {

  private DataFileSource() {}

  /** Bytes {@code [start, start + length)} of the file open in {@code channel}. */
  static Source<ByteString, NotUsed> of(
      FileChannel channel,
      Path path,
      long start,
      long length,
      int chunkSize,
      Scheduler scheduler,
      ExecutionContext blocking,
      String dispatcher,
      Duration claimTimeout) {
    AtomicReference<FileChannel> unclaimed = new AtomicReference<>(channel);
    Cancellable expiry =
        scheduler.scheduleOnce(
            claimTimeout, () -> closeQuietly(unclaimed.getAndSet(null)), blocking);
    return Source.<ByteString, Cursor>unfoldResource(
            () -> {
              FileChannel open = unclaimed.getAndSet(null);
              if (open != null) {
                expiry.cancel();
              } else {
                open = FileChannel.open(path, StandardOpenOption.READ);
              }
              return new Cursor(open, start, length, chunkSize);
            },
            Cursor::next,
            Cursor::close)
        .withAttributes(ActorAttributes.dispatcher(dispatcher));
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was written through it
      }
    }
  }

  private static final class Cursor {
    private final FileChannel channel;
    private final int chunkSize;
    private long position;
    private long remaining;

    Cursor(FileChannel channel, long start, long length, int chunkSize) {
      this.channel = channel;
      this.position = start;
      this.remaining = length;
      this.chunkSize = chunkSize;
    }

    Optional<ByteString> next() throws IOException {
      if (remaining == 0) {
        return Optional.empty();
      }
      int n = (int) Math.min(chunkSize, remaining);
      ByteBuffer buffer = ByteBuffer.allocate(n);
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw new EOFException("data file ends before the recorded size");
        }
      }
      position += n;
      remaining -= n;
      return Optional.of(ByteString.fromArrayUnsafe(buffer.array()));
    }

    void close() throws IOException {
      channel.close();
    }
  }
}
