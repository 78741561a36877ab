package io.archipelago.engine.store;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An opened object: its facts and the bytes of the requested part.
 *
 * @param range the resolved range served, empty when the whole object is served
 * @param rangeNotSatisfiable true when a range was asked for that the object cannot satisfy (then
 *     {@code data} is empty)
 * @param crc32c the CRC-32C of the whole object's bytes as the store recorded them when they were
 *     written, where the store keeps one (the filesystem store, for objects in a data file): a
 *     whole read can be checked against it at a fraction of the MD5's cost
 */
public record ObjectContent(
    ObjectInfo info,
    Optional<ByteRange.Resolved> range,
    boolean rangeNotSatisfiable,
    Source<ByteString, ?> data,
    OptionalLong crc32c) {

  /** Content without a recorded CRC-32C (a whole read is checked against the MD5 ETag). */
  public ObjectContent(
      ObjectInfo info,
      Optional<ByteRange.Resolved> range,
      boolean rangeNotSatisfiable,
      Source<ByteString, ?> data) {
    this(info, range, rangeNotSatisfiable, data, OptionalLong.empty());
  }

  public long contentLength() {
    return range.map(ByteRange.Resolved::length).orElse(info.size());
  }
}
