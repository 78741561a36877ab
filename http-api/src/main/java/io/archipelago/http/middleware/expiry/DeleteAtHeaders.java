package io.archipelago.http.middleware.expiry;

import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;

/**
 * The object headers of expiry: X-Delete-At, X-Delete-After and X-If-Delete-At, checked as Swift
 * checks them.
 */
public final class DeleteAtHeaders {

  private DeleteAtHeaders() {}

  /**
   * {@code check_delete_headers}: X-Delete-After becomes X-Delete-At (request time plus the
   * seconds); both must be integers in the future. Answers the normalized X-Delete-At.
   */
  public static Optional<String> deleteAt(SwiftRequest request, SwiftTimestamp now) {
    double seconds = now.ticks() / 100_000.0;
    Optional<String> at = request.header("x-delete-at");
    Optional<String> after = request.header("x-delete-after");
    if (after.isPresent()) {
      long delta;
      try {
        delta = pythonInt(after.get());
      } catch (NumberFormatException e) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "Non-integer X-Delete-After");
      }
      String actual = normalizeDeleteAt(seconds + delta);
      if (Long.parseLong(actual) <= seconds) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "X-Delete-After in past");
      }
      at = Optional.of(actual);
    }
    if (at.isEmpty()) {
      return Optional.empty();
    }
    long value;
    try {
      value = Long.parseLong(normalizeDeleteAt(pythonInt(at.get())));
    } catch (NumberFormatException e) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Non-integer X-Delete-At");
    }
    if (value <= seconds) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "X-Delete-At in past");
    }
    return Optional.of(normalizeDeleteAt(value));
  }

  /**
   * Python's {@code int()} of a header, which has no size limit: values beyond a long are clamped
   * (the delete time is clamped to 0..9999999999 afterwards anyway).
   */
  private static long pythonInt(String text) {
    BigInteger value = new BigInteger(text.strip());
    return value
        .max(BigInteger.valueOf(Long.MIN_VALUE))
        .min(BigInteger.valueOf(Long.MAX_VALUE))
        .longValue();
  }

  /** Swift's {@code normalize_delete_at_timestamp}: ten digits, clamped to 0..9999999999. */
  private static String normalizeDeleteAt(double timestamp) {
    long clamped = (long) Math.min(Math.max(0, timestamp), 9999999999L);
    return String.format(Locale.ROOT, "%010d", clamped);
  }

  /** The object server reads X-If-Delete-At as a Swift timestamp first: 400 when it is none. */
  public static void checkIfDeleteAt(String value) {
    String seconds = value.trim();
    int offset = seconds.indexOf('_');
    boolean valid;
    try {
      double parsed = Double.parseDouble(offset < 0 ? seconds : seconds.substring(0, offset));
      valid =
          parsed >= 0
              && parsed < 1e10
              && !seconds.endsWith("d")
              && !seconds.endsWith("f")
              && (offset < 0 || seconds.substring(offset + 1).matches("[0-9a-fA-F]+"));
    } catch (NumberFormatException e) {
      valid = false;
    }
    if (!valid) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Bad X-If-Delete-At header value");
    }
  }
}
