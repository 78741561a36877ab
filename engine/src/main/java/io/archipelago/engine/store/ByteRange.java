package io.archipelago.engine.store;

import java.util.Optional;

/** One byte range of an HTTP {@code Range} header, before it is resolved against a size. */
public sealed interface ByteRange {

  /** The concrete first and last byte (both inclusive) within an object. */
  record Resolved(long first, long last) {
    public long length() {
      return last - first + 1;
    }
  }

  /** {@code bytes=first-last} */
  record FromTo(long first, long last) implements ByteRange {
    @Override
    public Optional<Resolved> resolve(long size) {
      if (first >= size || last < first) {
        return Optional.empty();
      }
      return Optional.of(new Resolved(first, Math.min(last, size - 1)));
    }
  }

  /** {@code bytes=first-} */
  record From(long first) implements ByteRange {
    @Override
    public Optional<Resolved> resolve(long size) {
      return first >= size ? Optional.empty() : Optional.of(new Resolved(first, size - 1));
    }
  }

  /** {@code bytes=-length}: the last {@code length} bytes. */
  record Suffix(long length) implements ByteRange {
    @Override
    public Optional<Resolved> resolve(long size) {
      if (length <= 0 || size == 0) {
        return Optional.empty();
      }
      return Optional.of(new Resolved(Math.max(0, size - length), size - 1));
    }
  }

  /** The bytes this range selects from an object of {@code size} bytes; empty if none. */
  Optional<Resolved> resolve(long size);
}
