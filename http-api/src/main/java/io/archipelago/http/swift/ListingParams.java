package io.archipelago.http.swift;

import java.util.Optional;

/** The listing query parameters Swift accepts, validated as Swift validates them. */
record ListingParams(
    Optional<String> prefix,
    Optional<String> delimiter,
    Optional<String> marker,
    Optional<String> endMarker,
    int limit,
    boolean reverse) {

  static final int MAX_LIMIT = 10_000;

  static ListingParams of(SwiftRequest request) {
    int limit = MAX_LIMIT;
    Optional<String> limitParam = request.queryParam("limit");
    if (limitParam.isPresent()) {
      try {
        limit = Integer.parseInt(limitParam.get().trim());
      } catch (NumberFormatException e) {
        throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Value of limit must be an integer");
      }
      if (limit < 0) {
        throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Value of limit must be positive");
      }
      if (limit > MAX_LIMIT) {
        throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Maximum limit is " + MAX_LIMIT);
      }
    }
    Optional<String> delimiter = request.queryParam("delimiter").filter(d -> !d.isEmpty());
    if (delimiter.isPresent() && (delimiter.get().length() > 1 || delimiter.get().charAt(0) > 254)) {
      throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Bad delimiter");
    }
    Optional<String> prefix = request.queryParam("prefix").filter(p -> !p.isEmpty());
    Optional<String> path = request.queryParam("path");
    if (path.isPresent()) {
      // path=p lists the direct children of pseudo-directory p (Swift's legacy form).
      String p = path.get();
      prefix = p.isEmpty() ? Optional.empty() : Optional.of(p.endsWith("/") ? p : p + "/");
      delimiter = Optional.of("/");
    }
    String reverse = request.queryParam("reverse").orElse("").toLowerCase(java.util.Locale.ROOT);
    return new ListingParams(
        prefix,
        delimiter,
        request.queryParam("marker").filter(m -> !m.isEmpty()),
        request.queryParam("end_marker").filter(m -> !m.isEmpty()),
        limit,
        switch (reverse) {
          case "true", "1", "yes", "on", "t", "y" -> true;
          default -> false;
        });
  }
}
