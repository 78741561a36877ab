package io.archipelago.http.protocol;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Conditional GET and HEAD as Swift's swob evaluates them, in its order: {@code If-None-Match}
 * (304), {@code If-Match} (412), {@code If-Modified-Since} (304), {@code If-Unmodified-Since}
 * (412). Entity tags compare without quotes; {@code *} matches any existing object. Dates compare
 * at whole seconds against {@code Last-Modified}; a date that does not parse is ignored.
 */
public final class Conditions {

  public enum Outcome {
    PROCEED,
    NOT_MODIFIED,
    PRECONDITION_FAILED
  }

  private static final DateTimeFormatter RFC_850 =
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss zzz", Locale.US);
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

  private Conditions() {}

  /**
   * Evaluates the conditional headers against an existing object.
   *
   * @param etag the entity tag the response carries (quoted or not)
   * @param lastModifiedSeconds the {@code Last-Modified} second of the response
   */
  public static Outcome evaluate(
      Map<String, String> headers, String etag, long lastModifiedSeconds) {
    Optional<Set<String>> ifNoneMatch = tags(headers.get("if-none-match"));
    if (ifNoneMatch.isPresent() && matches(ifNoneMatch.get(), etag)) {
      return Outcome.NOT_MODIFIED;
    }
    Optional<Set<String>> ifMatch = tags(headers.get("if-match"));
    if (ifMatch.isPresent() && !matches(ifMatch.get(), etag)) {
      return Outcome.PRECONDITION_FAILED;
    }
    Optional<Long> ifModifiedSince = date(headers.get("if-modified-since"));
    if (ifModifiedSince.isPresent() && lastModifiedSeconds <= ifModifiedSince.get()) {
      return Outcome.NOT_MODIFIED;
    }
    Optional<Long> ifUnmodifiedSince = date(headers.get("if-unmodified-since"));
    if (ifUnmodifiedSince.isPresent() && lastModifiedSeconds > ifUnmodifiedSince.get()) {
      return Outcome.PRECONDITION_FAILED;
    }
    return Outcome.PROCEED;
  }

  /** A missing object: only {@code If-Match: *} turns its 404 into 412. */
  public static boolean failsForMissingObject(Map<String, String> headers) {
    return tags(headers.get("if-match")).map(t -> t.contains("*")).orElse(false);
  }

  /** The tags of an If-Match / If-None-Match value, unquoted; empty when the header is absent. */
  public static Optional<Set<String>> tags(String header) {
    if (header == null) {
      return Optional.empty();
    }
    Set<String> tags = new HashSet<>();
    for (String tag : header.split(",")) {
      String t = tag.trim();
      if (!t.isEmpty()) {
        tags.add(unquote(t));
      }
    }
    return Optional.of(tags);
  }

  private static boolean matches(Set<String> tags, String etag) {
    return tags.contains("*") || tags.contains(unquote(etag));
  }

  public static String unquote(String tag) {
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      return tag.substring(1, tag.length() - 1);
    }
    return tag;
  }

  /** An HTTP date as epoch seconds (RFC 1123, RFC 850 or asctime); empty when absent or bad. */
  public static Optional<Long> date(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.trim();
    for (DateTimeFormatter format :
        new DateTimeFormatter[] {DateTimeFormatter.RFC_1123_DATE_TIME, RFC_850, ASCTIME}) {
      try {
        return Optional.of(Instant.from(format.parse(value)).getEpochSecond());
      } catch (DateTimeException e) {
        // try the next form
      }
    }
    return Optional.empty();
  }
}
