package io.archipelago.http.swift;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.headers.RawHeader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reading metadata headers from requests and writing them to responses, as Swift names them. */
public final class SwiftHeaders {

  /** Object headers Swift keeps besides user metadata. */
  private static final List<String> KEPT_OBJECT_HEADERS =
      List.of("content-encoding", "content-disposition", "x-delete-at", "x-object-manifest",
          "x-static-large-object");

  /** Container headers Swift keeps besides user metadata. */
  private static final List<String> KEPT_CONTAINER_HEADERS =
      List.of("x-container-read", "x-container-write", "x-versions-location", "x-history-location",
          "x-container-sync-to", "x-container-sync-key");

  private SwiftHeaders() {}

  /** {@code x-object-meta-*} and the other kept object headers of a PUT or POST. */
  public static Map<String, String> objectMetadata(Map<String, String> headers) {
    Map<String, String> result = new HashMap<>();
    headers.forEach((name, value) -> {
      if (name.startsWith("x-object-meta-") && name.length() > "x-object-meta-".length()) {
        result.put(name, value);
      } else if (KEPT_OBJECT_HEADERS.contains(name)) {
        result.put(name, value);
      }
    });
    return result;
  }

  /**
   * Metadata changes of a container PUT or POST: set values, and empty values for
   * {@code X-Remove-Container-Meta-*} and for headers sent empty (both remove in Swift).
   */
  public static Map<String, String> containerMetadataChanges(Map<String, String> headers) {
    return changes(headers, "x-container-meta-", "x-remove-container-meta-", KEPT_CONTAINER_HEADERS,
        "x-remove-");
  }

  /** Account headers kept besides user metadata (the account ACL, validated before). */
  private static final List<String> KEPT_ACCOUNT_HEADERS = List.of("x-account-access-control");

  /** Metadata changes of an account POST. */
  public static Map<String, String> accountMetadataChanges(Map<String, String> headers) {
    return changes(headers, "x-account-meta-", "x-remove-account-meta-", KEPT_ACCOUNT_HEADERS,
        "x-remove-");
  }

  private static Map<String, String> changes(
      Map<String, String> headers, String metaPrefix, String removePrefix, List<String> kept,
      String removeKept) {
    Map<String, String> result = new HashMap<>();
    headers.forEach((name, value) -> {
      if (name.startsWith(metaPrefix) && name.length() > metaPrefix.length()) {
        result.put(name, value.trim());
      } else if (name.startsWith(removePrefix) && name.length() > removePrefix.length()) {
        result.put(metaPrefix + name.substring(removePrefix.length()), "");
      } else if (kept.contains(name)) {
        result.put(name, value.trim());
      } else if (name.startsWith(removeKept) && kept.contains("x-" + name.substring(removeKept.length()))) {
        result.put("x-" + name.substring(removeKept.length()), "");
      }
    });
    return result;
  }

  /** Stored metadata as response headers, names title-cased as Swift sends them. */
  public static List<HttpHeader> render(Map<String, String> metadata) {
    List<HttpHeader> result = new ArrayList<>();
    metadata.forEach((name, value) -> result.add(RawHeader.create(titleCase(name), value)));
    return result;
  }

  /** {@code x-object-meta-color} becomes {@code X-Object-Meta-Color}. */
  public static String titleCase(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    boolean upper = true;
    for (char c : name.toCharArray()) {
      sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return sb.toString();
  }

  public static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
