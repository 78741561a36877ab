package io.archipelago.http.admin;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * A cross-site request forgery defence of the admin API besides its custom token header: a state
 * change (any method but GET, HEAD and OPTIONS) whose {@code Origin} header is present and is not
 * the gateway's own (the host and port the request was addressed to, from {@code Host}) is refused
 * with 403 before anything is done. Browsers always send {@code Origin} with such requests from
 * scripts; command-line clients send none and are not affected.
 */
public final class AdminOrigin {

  private AdminOrigin() {}

  /** Throws 403 for a state change from a foreign origin. */
  public static void check(HttpRequest request) {
    var method = request.method();
    if (method.equals(HttpMethods.GET)
        || method.equals(HttpMethods.HEAD)
        || method.equals(HttpMethods.OPTIONS)) {
      return;
    }
    Optional<String> origin = request.getHeader("Origin").map(h -> h.value().trim());
    if (origin.isEmpty()) {
      return;
    }
    Optional<String> host = request.getHeader("Host").map(h -> h.value().trim());
    if (host.isEmpty() || !sameAuthority(origin.get(), host.get())) {
      throw SwiftException.plain(
          SwiftError.FORBIDDEN,
          "Admin changes are accepted only from the gateway's own origin, not from "
              + origin.get());
    }
  }

  /** Whether {@code origin} ({@code scheme://host[:port]}) names the authority {@code host}. */
  static boolean sameAuthority(String origin, String host) {
    URI uri;
    URI own;
    try {
      uri = new URI(origin);
      // the scheme only lets URI parse Host's host and port; the origin's scheme decides ports
      own = new URI("http://" + host);
    } catch (URISyntaxException e) {
      return false;
    }
    if (uri.getScheme() == null || uri.getHost() == null || own.getHost() == null) {
      return false; // "null" (sandboxed or file: pages) and anything malformed
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return false;
    }
    return uri.getHost().equalsIgnoreCase(own.getHost())
        && port(uri, scheme) == port(own, scheme)
        && (uri.getPath() == null || uri.getPath().isEmpty());
  }

  private static int port(URI uri, String scheme) {
    return uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
  }
}
