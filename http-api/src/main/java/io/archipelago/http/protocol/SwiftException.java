package io.archipelago.http.protocol;

import java.util.Map;

/** A Swift error answer raised from inside the HTTP layer (bad header, no right, ...). */
public final class SwiftException extends RuntimeException {

  private final SwiftError error;
  private final String body;
  private final Map<String, String> headers;
  private final boolean plainText;

  public SwiftException(SwiftError error) {
    this(error, error.body(), Map.of());
  }

  public SwiftException(SwiftError error, String body) {
    this(error, body, Map.of());
  }

  public SwiftException(SwiftError error, String body, Map<String, String> headers) {
    this(error, body, headers, false);
  }

  private SwiftException(
      SwiftError error, String body, Map<String, String> headers, boolean plainText) {
    super(body, null, false, false);
    this.error = error;
    this.body = body;
    this.headers = Map.copyOf(headers);
    this.plainText = plainText;
  }

  /** An answer whose body is {@code text/plain}, as Swift sends its validation messages. */
  public static SwiftException plain(SwiftError error, String body) {
    return new SwiftException(error, body, Map.of(), true);
  }

  /** A {@code text/plain} answer with headers of its own. */
  public static SwiftException plain(SwiftError error, String body, Map<String, String> headers) {
    return new SwiftException(error, body, headers, true);
  }

  public SwiftError error() {
    return error;
  }

  public String body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public boolean plainText() {
    return plainText;
  }
}
