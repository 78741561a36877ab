package io.archipelago.http.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Swift's constraints ({@code swift/common/constraints.py}): the limits published in {@code /info}
 * and the checks that enforce them, with Swift's status codes and messages.
 */
public final class Constraints {

  public static final int MAX_META_NAME_LENGTH = 128;
  public static final int MAX_META_VALUE_LENGTH = 256;
  public static final int MAX_META_COUNT = 90;
  public static final int MAX_META_OVERALL_SIZE = 4096;
  public static final int MAX_HEADER_SIZE = 8192;
  public static final int MAX_REQUEST_LINE = 8192;
  public static final int MAX_OBJECT_NAME_LENGTH = 1024;
  public static final int MAX_CONTAINER_NAME_LENGTH = 256;
  public static final int MAX_ACCOUNT_NAME_LENGTH = 256;
  public static final int CONTAINER_LISTING_LIMIT = 10_000;
  public static final int ACCOUNT_LISTING_LIMIT = 10_000;
  public static final int EXTRA_HEADER_COUNT = 0;

  /** Swift's MAX_HEADER_COUNT: metadata plus 36 for its own and HTTP's headers. */
  public static final int MAX_HEADER_COUNT = MAX_META_COUNT + 36 + EXTRA_HEADER_COUNT;

  private Constraints() {}

  /** Length as Swift counts it: bytes of the UTF-8 form. */
  public static int length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * {@code check_metadata}: every header value at most {@link #MAX_HEADER_SIZE}, and the {@code
   * x-<type>-meta-*} headers of the request within the name, value, count and overall size limits.
   * 400 with Swift's text otherwise.
   */
  /**
   * The length Swift's WSGI strings give a header value: its UTF-8 bytes, a U+FFFD counted as the
   * one byte outside well-formed UTF-8 it stands for (see {@code RequestHeadGuard}).
   */
  static int wireLength(String s) {
    int replaced = 0;
    for (int i = s.indexOf('\uFFFD'); i >= 0; i = s.indexOf('\uFFFD', i + 1)) {
      replaced++;
    }
    return length(s) - 2 * replaced;
  }

  public static void checkMetadata(Map<String, String> headers, String targetType) {
    String prefix = "x-" + targetType + "-meta-";
    int count = 0;
    int size = 0;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String value = h.getValue();
      if (wireLength(value) > MAX_HEADER_SIZE) {
        String key = h.getKey();
        throw plainBadRequest(
            "Header value too long: "
                + SwiftHeaders.titleCase(
                    key.substring(0, Math.min(key.length(), MAX_META_NAME_LENGTH))));
      }
      if (!h.getKey().startsWith(prefix)) {
        continue;
      }
      String key = h.getKey().substring(prefix.length());
      if (key.isEmpty()) {
        throw plainBadRequest("Metadata name cannot be empty");
      }
      if (!targetType.equals("object") && (!validUtf8(key) || !validUtf8(value))) {
        throw plainBadRequest("Metadata must be valid UTF-8");
      }
      count++;
      size += wireLength(key) + wireLength(value);
      if (wireLength(key) > MAX_META_NAME_LENGTH) {
        throw plainBadRequest("Metadata name too long: " + prefix + key);
      }
      if (wireLength(value) > MAX_META_VALUE_LENGTH) {
        throw plainBadRequest(
            "Metadata value longer than " + MAX_META_VALUE_LENGTH + ": " + prefix + key);
      }
      if (count > MAX_META_COUNT) {
        throw plainBadRequest("Too many metadata items; max " + MAX_META_COUNT);
      }
      if (size > MAX_META_OVERALL_SIZE) {
        throw plainBadRequest("Total metadata too large; max " + MAX_META_OVERALL_SIZE);
      }
    }
  }

  /**
   * The check Swift's account and container servers make on the metadata a change results in
   * ({@code DatabaseBroker.validate_metadata}): count and overall size of the whole set.
   */
  public static void checkResultingMetadata(Map<String, String> metadata, String targetType) {
    String prefix = "x-" + targetType + "-meta-";
    int count = 0;
    int size = 0;
    for (Map.Entry<String, String> m : metadata.entrySet()) {
      if (m.getValue().isEmpty() || !m.getKey().startsWith(prefix)) {
        continue;
      }
      count++;
      size += length(m.getKey().substring(prefix.length())) + length(m.getValue());
    }
    if (count > MAX_META_COUNT) {
      throw plainBadRequest("Too many metadata items; max " + MAX_META_COUNT);
    }
    if (size > MAX_META_OVERALL_SIZE) {
      throw plainBadRequest("Total metadata too large; max " + MAX_META_OVERALL_SIZE);
    }
  }

  /** The object name rules of {@code check_object_creation}. */
  public static void checkObjectName(String name) {
    int length = length(name);
    if (length > MAX_OBJECT_NAME_LENGTH) {
      throw plainBadRequest(
          "Object name length of " + length + " longer than " + MAX_OBJECT_NAME_LENGTH);
    }
  }

  /** The container name rules of the proxy's container PUT. */
  public static void checkContainerName(String name) {
    int length = length(name);
    if (length > MAX_CONTAINER_NAME_LENGTH) {
      throw new SwiftException(
          SwiftError.BAD_REQUEST,
          "Container name length of " + length + " longer than " + MAX_CONTAINER_NAME_LENGTH);
    }
  }

  /**
   * {@code check_container_format} / {@code check_account_format}: a name given in a header
   * (Destination, X-Versions-Location, ...) is not empty and has no '/'; 412 otherwise.
   */
  public static String checkNameFormat(String name, String targetType) {
    if (name.isEmpty()) {
      throw new SwiftException(
          SwiftError.PRECONDITION_FAILED, targetType + " name cannot be empty");
    }
    if (name.indexOf('/') >= 0) {
      throw new SwiftException(
          SwiftError.PRECONDITION_FAILED, targetType + " name cannot contain slashes");
    }
    return name;
  }

  /**
   * Whether a header value came as valid UTF-8 without NUL ({@code check_utf8}): Akka decodes
   * header bytes as UTF-8 and turns invalid sequences into U+FFFD.
   */
  private static boolean validUtf8(String text) {
    return text.indexOf('\uFFFD') < 0 && text.indexOf('\0') < 0;
  }

  public static SwiftException plainBadRequest(String body) {
    return SwiftException.plain(SwiftError.BAD_REQUEST, body);
  }
}
