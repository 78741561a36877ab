package io.archipelago.http.protocol;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.ops.RequestContext;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One authenticated Swift API request as the controllers see it: path parts, decoded query, headers
 * by lower-case name, who asks and the request id.
 */
public record SwiftRequest(
    HttpRequest http,
    RequestPath path,
    Map<String, String> query,
    Map<String, String> headers,
    Principal principal,
    String clientAddress,
    String node,
    String requestId) {

  /**
   * The request's headers by lower-case name, as the client sent them: Host with its case (and a
   * value Akka refuses), without the gateway's internal headers.
   */
  public static Map<String, String> headersOf(HttpRequest request) {
    Map<String, String> headers = new TreeMap<>();
    for (HttpHeader h : request.getHeaders()) {
      if (!ClientHead.isInternal(h.lowercaseName())) {
        headers.merge(h.lowercaseName(), h.value(), (a, b) -> a + "," + b);
      }
    }
    ClientHead.host(request).ifPresent(host -> headers.put("host", host));
    return headers;
  }

  /** The request's path as the client sent it (still percent-encoded), without the query. */
  public static String rawPath(HttpRequest request) {
    String rawUri = rawUri(request);
    int q = rawUri.indexOf('?');
    return q < 0 ? rawUri : rawUri.substring(0, q);
  }

  /** The request's target as the client sent it: path and query, still percent-encoded. */
  public static String rawUri(HttpRequest request) {
    return request
        .getHeader("Raw-Request-URI")
        .map(HttpHeader::value)
        .orElse(request.getUri().toString());
  }

  /**
   * Scheme and authority the client addressed ({@code Host}), as swob's {@code host_url}: what
   * storage URLs and absolute redirects start with.
   */
  public static String hostUrl(HttpRequest request) {
    Optional<String> host = ClientHead.host(request);
    String scheme = request.getUri().scheme().isEmpty() ? "http" : request.getUri().scheme();
    return scheme
        + "://"
        + host.orElse(request.getUri().host().address() + ":" + request.getUri().port());
  }

  public String account() {
    return path.account();
  }

  public String container() {
    return path.container().orElseThrow();
  }

  public String object() {
    return path.object().orElseThrow();
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  public Optional<String> queryParam(String name) {
    return Optional.ofNullable(query.get(name));
  }

  public RequestContext context() {
    return new RequestContext(principal.user(), path.account(), clientAddress, node, requestId);
  }
}
