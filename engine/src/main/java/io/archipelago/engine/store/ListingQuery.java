package io.archipelago.engine.store;

import java.util.Optional;

/**
 * A page request for a container listing, with Swift's semantics.
 *
 * @param prefix only names starting with this
 * @param delimiter roll names up to the first delimiter after the prefix into one subdir entry
 * @param marker only names strictly greater than this
 * @param endMarker only names strictly less than this
 * @param limit at most this many entries (objects and subdirs together)
 * @param reverse descending order (then marker bounds from above and end marker from below)
 */
public record ListingQuery(
    Optional<String> prefix,
    Optional<String> delimiter,
    Optional<String> marker,
    Optional<String> endMarker,
    int limit,
    boolean reverse) {

  public static ListingQuery all(int limit) {
    return new ListingQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit, false);
  }
}
