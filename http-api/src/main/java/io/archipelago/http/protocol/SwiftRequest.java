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

  public static Map<String, String> headersOf(HttpRequest request) {
    Map<String, String> headers = new TreeMap<>();
    for (HttpHeader h : request.getHeaders()) {
      headers.merge(h.lowercaseName(), h.value(), (a, b) -> a + "," + b);
    }
    return headers;
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
