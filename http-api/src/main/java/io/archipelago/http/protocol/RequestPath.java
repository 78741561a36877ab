package io.archipelago.http.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Swift API path, split as Swift's proxy splits it: {@code
 * /v1/<account>[/<container>[/<object>]]}, where the object part keeps every further '/' (so {@code
 * a//b} and {@code /lead} are names). Decoding is strict: bytes that are not UTF-8, or a NUL, are
 * refused with 412 as Swift does.
 */
public record RequestPath(
    String version, String account, Optional<String> container, Optional<String> object) {

  public enum Level {
    ACCOUNT,
    CONTAINER,
    OBJECT
  }

  public Level level() {
    if (object.isPresent()) {
      return Level.OBJECT;
    }
    return container.isPresent() ? Level.CONTAINER : Level.ACCOUNT;
  }

  /** Parses the raw (still percent-encoded) path of {@code /v1/...}. */
  public static RequestPath parse(String rawPath) {
    String path = decode(rawPath, false);
    String[] parts = path.split("/", 5);
    // parts[0] is empty (leading slash), parts[1] the version.
    if (parts.length < 3 || !parts[0].isEmpty() || parts[2].isEmpty()) {
      throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Invalid path: " + path);
    }
    String account = parts[2];
    Optional<String> container =
        parts.length > 3 && !parts[3].isEmpty() ? Optional.of(parts[3]) : Optional.empty();
    Optional<String> object =
        parts.length > 4 && !parts[4].isEmpty() ? Optional.of(parts[4]) : Optional.empty();
    if (container.isEmpty() && object.isPresent()) {
      throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Invalid path: " + path);
    }
    return new RequestPath(parts[1], account, container, object);
  }

  /** Splits and decodes a raw query string; '+' is a space, as in Swift's parse_qs. */
  public static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> result = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return result;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq), true);
      // Swift's validate_params checks values for UTF-8 only: a listing marker may hold a NUL
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true, true);
      result.putIfAbsent(key, value);
    }
    return result;
  }

  /** Percent-decodes strictly into UTF-8; a NUL is refused. */
  public static String decode(String raw, boolean plusIsSpace) {
    return decode(raw, plusIsSpace, false);
  }

  private static String decode(String raw, boolean plusIsSpace, boolean nulAllowed) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          bytes.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c <= 0xFF) {
        // The raw request line arrives as ISO-8859-1: one char per byte the client sent.
        bytes.write(c);
      } else {
        int cp = raw.codePointAt(i);
        byte[] encoded = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
        i += Character.charCount(cp) - 1;
      }
    }
    byte[] raw8 = bytes.toByteArray();
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw8))
              .toString();
      if (!nulAllowed && text.indexOf('\0') >= 0) {
        throw invalid();
      }
      return text;
    } catch (CharacterCodingException e) {
      throw invalid();
    }
  }

  private static SwiftException invalid() {
    return new SwiftException(SwiftError.PRECONDITION_FAILED, "Invalid UTF8 or contains NULL");
  }
}
