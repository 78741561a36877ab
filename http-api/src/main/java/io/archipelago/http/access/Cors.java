package io.archipelago.http.access;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * CORS as Swift's proxy does it, per container, from {@code X-Container-Meta-Access-Control-*}:
 * {@code Allow-Origin} (space separated origins, or {@code *}), {@code Max-Age} and {@code
 * Expose-Headers}. Preflight OPTIONS answers 200 with the {@code Access-Control-Allow-*} headers,
 * or 401 when the origin or the method is not allowed. Actual requests carrying {@code Origin} get
 * {@code Access-Control-Allow-Origin} and {@code Access-Control-Expose-Headers} when the origin is
 * allowed (strict CORS mode, as advertised in /info).
 */
public final class Cors {

  /** Headers always exposed: the simple response headers and Swift's own. */
  static final List<String> DEFAULT_EXPOSE_HEADERS =
      List.of(
          "cache-control",
          "content-language",
          "content-type",
          "expires",
          "last-modified",
          "pragma",
          "etag",
          "x-timestamp",
          "x-trans-id",
          "x-openstack-request-id");

  private static final String PREFIX = "x-container-meta-access-control-";

  /** A container's CORS settings. */
  public record Rules(
      Optional<String> allowOrigin, Optional<String> exposeHeaders, Optional<String> maxAge) {

    public static final Rules NONE =
        new Rules(Optional.empty(), Optional.empty(), Optional.empty());

    public static Rules of(Map<String, String> containerMetadata) {
      return new Rules(
          Optional.ofNullable(containerMetadata.get(PREFIX + "allow-origin")),
          Optional.ofNullable(containerMetadata.get(PREFIX + "expose-headers")),
          Optional.ofNullable(containerMetadata.get(PREFIX + "max-age")));
    }

    boolean allows(String origin) {
      Set<String> allowed = new LinkedHashSet<>();
      allowOrigin.ifPresent(
          a ->
              Arrays.stream(a.split(" "))
                  .map(String::strip)
                  .filter(s -> !s.isEmpty())
                  .forEach(allowed::add));
      return allowed.contains(origin) || allowed.contains("*");
    }

    boolean wildcard() {
      return allowOrigin.map(a -> a.strip().equals("*")).orElse(false);
    }
  }

  private Cors() {}

  /**
   * The answer to OPTIONS. Without {@code Origin}, or on an account, it only lists the allowed
   * methods; otherwise it is a CORS preflight judged against the container's rules.
   */
  public static HttpResponse preflight(
      List<String> allowedMethods, Map<String, String> headers, Optional<Rules> containerRules) {
    String allow = String.join(", ", allowedMethods);
    String origin = headers.get("origin");
    if (origin == null || origin.isEmpty() || containerRules.isEmpty()) {
      return HttpResponse.create()
          .withStatus(StatusCodes.OK)
          .addHeader(RawHeader.create("Allow", allow));
    }
    Rules rules = containerRules.get();
    String requestMethod = headers.get("access-control-request-method");
    if (!rules.allows(origin) || requestMethod == null || !allowedMethods.contains(requestMethod)) {
      return SwiftErrors.response(SwiftError.UNAUTHORIZED)
          .addHeader(RawHeader.create("Allow", allow));
    }
    List<HttpHeader> out = new ArrayList<>();
    out.add(RawHeader.create("Allow", allow));
    List<String> vary = new ArrayList<>();
    if (rules.wildcard()) {
      out.add(RawHeader.create("Access-Control-Allow-Origin", "*"));
    } else {
      out.add(RawHeader.create("Access-Control-Allow-Origin", origin));
      vary.add("Origin");
    }
    rules.maxAge().ifPresent(m -> out.add(RawHeader.create("Access-Control-Max-Age", m)));
    out.add(RawHeader.create("Access-Control-Allow-Methods", allow));
    Set<String> requested = new LinkedHashSet<>();
    String requestHeaders = headers.getOrDefault("access-control-request-headers", "");
    for (String h : requestHeaders.split(",")) {
      if (!h.strip().isEmpty()) {
        requested.add(h.strip());
      }
    }
    if (!requested.isEmpty()) {
      out.add(RawHeader.create("Access-Control-Allow-Headers", String.join(", ", requested)));
      vary.add("Access-Control-Request-Headers");
    }
    if (!vary.isEmpty()) {
      out.add(RawHeader.create("Vary", String.join(", ", vary)));
    }
    return HttpResponse.create().withStatus(StatusCodes.OK).addHeaders(out);
  }

  /** Adds the CORS headers of an actual request's response, if the origin is allowed. */
  public static HttpResponse decorate(HttpResponse response, String origin, Rules rules) {
    if (!rules.allows(origin)) {
      return response;
    }
    HttpResponse r = response;
    if (r.getHeader("Access-Control-Expose-Headers").isEmpty()) {
      Set<String> expose = new LinkedHashSet<>(DEFAULT_EXPOSE_HEADERS);
      for (HttpHeader h : r.getHeaders()) {
        String name = h.lowercaseName();
        if (name.startsWith("x-container-meta") || name.startsWith("x-object-meta")) {
          expose.add(name);
        }
      }
      rules
          .exposeHeaders()
          .ifPresent(
              e ->
                  Arrays.stream(e.split(" "))
                      .map(s -> s.strip().toLowerCase(Locale.ROOT))
                      .filter(s -> !s.isEmpty())
                      .forEach(expose::add));
      r = r.addHeader(RawHeader.create("Access-Control-Expose-Headers", String.join(", ", expose)));
    }
    if (r.getHeader("Access-Control-Allow-Origin").isEmpty()) {
      if (rules.wildcard()) {
        r = r.addHeader(RawHeader.create("Access-Control-Allow-Origin", "*"));
      } else {
        r = r.addHeader(RawHeader.create("Access-Control-Allow-Origin", origin));
        Optional<HttpHeader> vary = r.getHeader("Vary");
        r =
            vary.isPresent()
                ? r.removeHeader("Vary")
                    .addHeader(RawHeader.create("Vary", vary.get().value() + ", Origin"))
                : r.addHeader(RawHeader.create("Vary", "Origin"));
      }
    }
    return r;
  }
}
