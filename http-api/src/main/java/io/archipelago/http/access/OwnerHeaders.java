package io.archipelago.http.access;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Swift's {@code swift_owner_headers}: ACLs, sync settings, TempURL keys and the account ACL are
 * shown to and accepted from the account's owners only. Others get responses without them, and
 * container writes by others (read-write account ACL) silently drop them.
 */
public final class OwnerHeaders {

  static final List<String> NAMES =
      List.of(
          "x-container-read",
          "x-container-write",
          "x-container-sync-key",
          "x-container-sync-to",
          "x-account-meta-temp-url-key",
          "x-account-meta-temp-url-key-2",
          "x-container-meta-temp-url-key",
          "x-container-meta-temp-url-key-2",
          AccountAcl.HEADER);

  private OwnerHeaders() {}

  /** The request headers a non-owner may send: privileged ones and their removals dropped. */
  public static Map<String, String> strip(Map<String, String> headers) {
    Map<String, String> result = new TreeMap<>(headers);
    for (String name : NAMES) {
      result.remove(name);
      result.remove("x-remove-" + name.substring("x-".length()));
    }
    return result;
  }

  /** The response without privileged headers. */
  public static HttpResponse strip(HttpResponse response) {
    List<HttpHeader> kept = new ArrayList<>();
    boolean removed = false;
    for (HttpHeader h : response.getHeaders()) {
      if (NAMES.contains(h.lowercaseName())) {
        removed = true;
      } else {
        kept.add(h);
      }
    }
    return removed ? response.withHeaders(kept) : response;
  }
}
