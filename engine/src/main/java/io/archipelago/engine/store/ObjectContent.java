package io.archipelago.engine.store;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.util.Optional;

/**
 * An opened object: its facts and the bytes of the requested part.
 *
 * @param range the resolved range served, empty when the whole object is served
 * @param rangeNotSatisfiable true when a range was asked for that the object cannot satisfy (then
 *     {@code data} is empty)
 */
public record ObjectContent(
    ObjectInfo info,
    Optional<ByteRange.Resolved> range,
    boolean rangeNotSatisfiable,
    Source<ByteString, ?> data) {

  public long contentLength() {
    return range.map(ByteRange.Resolved::length).orElse(info.size());
  }
}
