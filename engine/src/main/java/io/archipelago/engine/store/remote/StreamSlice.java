package io.archipelago.engine.store.remote;

import akka.NotUsed;
import akka.stream.javadsl.Flow;
import akka.util.ByteString;
import java.util.List;

/**
 * Cuts bytes {@code [first, first + length)} out of a byte stream, chunk by chunk (for a backend
 * that answered a whole object to a range request; the rest of the stream is read and dropped).
 */
public final class StreamSlice {

  private StreamSlice() {}

  public static Flow<ByteString, ByteString, NotUsed> of(long first, long length) {
    return Flow.<ByteString>create()
        .statefulMapConcat(
            () -> {
              long[] offset = {0};
              return chunk -> {
                long start = offset[0];
                long end = start + chunk.size();
                offset[0] = end;
                long from = Math.max(first, start);
                long to = Math.min(first + length, end);
                if (from >= to) {
                  return List.of();
                }
                return List.of(chunk.slice((int) (from - start), (int) (to - start)));
              };
            });
  }
}
