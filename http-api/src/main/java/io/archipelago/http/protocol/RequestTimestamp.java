package io.archipelago.http.protocol;

import io.archipelago.engine.store.SwiftTimestamp;
import java.util.Optional;

/**
 * The request's X-Timestamp, or now.
 *
 * @param fromClient whether the client chose the timestamp
 */
public record RequestTimestamp(SwiftTimestamp timestamp, boolean fromClient) {

  /**
   * Swift's {@code ensure_x_timestamp}: a client's X-Timestamp (every object verb reads it, before
   * anything reaches a backend or the journal) is checked as Swift's {@code Timestamp} checks it,
   * and refused with Swift's own answer.
   */
  public static RequestTimestamp of(SwiftRequest request) {
    Optional<String> given = request.header("x-timestamp");
    if (given.isEmpty()) {
      return new RequestTimestamp(SwiftTimestamp.now(), false);
    }
    try {
      return new RequestTimestamp(SwiftTimestamp.parse(given.get()), true);
    } catch (IllegalArgumentException e) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST,
          "X-Timestamp should be a UNIX timestamp float value; was " + PyText.repr(given.get()));
    }
  }
}
