package io.archipelago.http.swift;

import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.Locale;
import java.util.Optional;

/**
 * The listing query parameters Swift accepts, validated as Swift validates them.
 *
 * @param path the legacy {@code path=} of a container listing, normalized to end with one '/' (or
 *     empty): then prefix is the path and delimiter '/'
 */
public record ListingParams(
    Optional<String> prefix,
    Optional<String> delimiter,
    Optional<String> marker,
    Optional<String> endMarker,
    int limit,
    boolean reverse,
    Optional<String> path) {

  static final int MAX_LIMIT = 10_000;

  public static ListingParams of(SwiftRequest request) {
    // constrain_req_limit: a limit that is not all digits is ignored (the default applies);
    // only one above the maximum is refused.
    int limit = MAX_LIMIT;
    Optional<String> limitParam =
        request
            .queryParam("limit")
            .filter(l -> !l.isEmpty() && l.chars().allMatch(c -> c >= '0' && c <= '9'));
    if (limitParam.isPresent()) {
      String digits = limitParam.get().replaceFirst("^0+(?=.)", "");
      if (digits.length() > 5 || Integer.parseInt(digits) > MAX_LIMIT) {
        throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Maximum limit is " + MAX_LIMIT);
      }
      limit = Integer.parseInt(digits);
    }
    // Swift 2.30 accepts delimiters of any length.
    Optional<String> delimiter = request.queryParam("delimiter").filter(d -> !d.isEmpty());
    Optional<String> prefix = request.queryParam("prefix").filter(p -> !p.isEmpty());
    Optional<String> path = request.queryParam("path");
    if (path.isPresent()) {
      // path=p lists the direct children of pseudo-directory p (Swift's legacy form).
      // As Swift's container broker: the prefix is the path with its trailing '/'s made one.
      String p = path.get();
      p = p.isEmpty() ? p : p.replaceFirst("/+$", "") + "/";
      path = Optional.of(p);
      prefix = p.isEmpty() ? Optional.empty() : Optional.of(p);
      delimiter = Optional.of("/");
    }
    String reverse = request.queryParam("reverse").orElse("").toLowerCase(Locale.ROOT);
    return new ListingParams(
        prefix,
        delimiter,
        request.queryParam("marker").filter(m -> !m.isEmpty()),
        request.queryParam("end_marker").filter(m -> !m.isEmpty()),
        limit,
        switch (reverse) {
          case "true", "1", "yes", "on", "t", "y" -> true;
          default -> false;
        },
        path);
  }
}
