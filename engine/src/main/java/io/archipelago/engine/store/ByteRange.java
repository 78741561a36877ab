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

  /** The range as an HTTP {@code Range} header value, for a backend request. */
  default String toHeader() {
    if (this instanceof FromTo r) {
      return "bytes=" + r.first() + "-" + r.last();
    }
    if (this instanceof From r) {
      return "bytes=" + r.first() + "-";
    }
    return "bytes=-" + ((Suffix) this).length();
  }

  /** A backend's {@code Content-Range: bytes first-last/size} as three numbers. */
  static Optional<long[]> parseContentRange(String value) {
    try {
      String v = value.trim();
      if (!v.startsWith("bytes ")) {
        return Optional.empty();
      }
      String[] rangeAndSize = v.substring(6).split("/");
      String[] firstLast = rangeAndSize[0].split("-");
      return Optional.of(
          new long[] {
            Long.parseLong(firstLast[0].trim()),
            Long.parseLong(firstLast[1].trim()),
            Long.parseLong(rangeAndSize[1].trim())
          });
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
