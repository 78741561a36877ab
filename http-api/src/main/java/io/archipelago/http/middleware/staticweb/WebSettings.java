package io.archipelago.http.middleware.staticweb;

import io.archipelago.http.protocol.SwiftHeaders;
import java.util.Map;

/**
 * A container's static web metadata, each value stripped as Swift's staticweb reads it (empty when
 * not set).
 *
 * @param index {@code X-Container-Meta-Web-Index}: the object served for a pseudo-directory
 * @param error {@code X-Container-Meta-Web-Error}: the suffix of error pages ({@code
 *     404error.html})
 * @param listings {@code X-Container-Meta-Web-Listings}: HTML listings when true
 * @param listingsLabel {@code X-Container-Meta-Web-Listings-Label}: shown instead of the path's
 *     {@code /v1/<account>/<container>}
 * @param listingsCss {@code X-Container-Meta-Web-Listings-Css}: the style sheet listings link to
 * @param directoryType {@code X-Container-Meta-Web-Directory-Type}: the content type of directory
 *     marker objects
 */
record WebSettings(
    String index,
    String error,
    String listings,
    String listingsLabel,
    String listingsCss,
    String directoryType) {

  /** A container that does not exist, or has no web metadata. */
  static final WebSettings NONE = new WebSettings("", "", "", "", "", "");

  static final String DEFAULT_DIRECTORY_TYPE = "application/directory";

  static WebSettings of(Map<String, String> metadata) {
    return new WebSettings(
        meta(metadata, "web-index"),
        meta(metadata, "web-error"),
        meta(metadata, "web-listings"),
        meta(metadata, "web-listings-label"),
        meta(metadata, "web-listings-css"),
        meta(metadata, "web-directory-type"));
  }

  private static String meta(Map<String, String> metadata, String name) {
    return metadata.getOrDefault("x-container-meta-" + name, "").strip();
  }

  /** Whether the container serves index files or listings: otherwise staticweb stays out. */
  boolean serves() {
    return !index.isEmpty() || !listings.isEmpty();
  }

  boolean listingsEnabled() {
    return SwiftHeaders.isTrue(listings);
  }

  /** The content type that makes a 0- or 1-byte object a directory marker. */
  String markerType() {
    return directoryType.isEmpty() ? DEFAULT_DIRECTORY_TYPE : directoryType;
  }
}
