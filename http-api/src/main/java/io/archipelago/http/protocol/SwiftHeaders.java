package io.archipelago.http.protocol;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.headers.RawHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reading metadata headers from requests and writing them to responses, as Swift names them. */
public final class SwiftHeaders {

  /**
   * Object headers Swift keeps besides user metadata: its object server's default {@code
   * allowed_headers}, less X-Static-Large-Object, which only an SLO manifest PUT sets.
   */
  private static final List<String> KEPT_OBJECT_HEADERS =
      List.of(
          "content-encoding",
          "content-disposition",
          "x-delete-at",
          "x-object-manifest",
          "cache-control",
          "content-language",
          "expires",
          "x-robots-tag");

  /** System metadata: kept with an object or container, never shown to clients. */
  public static final String OBJECT_SYSMETA_PREFIX = "x-object-sysmeta-";

  /** The stored flag of an SLO manifest, kept when a POST replaces the metadata. */
  public static final String STATIC_LARGE_OBJECT = "x-static-large-object";

  private static final String SWIFT_BYTES = "swift_bytes=";

  /**
   * An SLO manifest's etag, kept on its content type so that listings show it as Swift's {@code
   * slo_etag}; the {@code swift_} namespace is the gateway's (clients may not send it).
   */
  private static final String SWIFT_SLO_ETAG = "swift_slo_etag=";

  /** The parameters that keep a symlink's target on its content type, for listings. */
  private static final String SWIFT_SYMLINK = "swift_symlink_";

  /** Container headers Swift keeps besides user metadata. */
  private static final List<String> KEPT_CONTAINER_HEADERS =
      List.of(
          "x-container-read",
          "x-container-write",
          "x-versions-location",
          "x-history-location",
          "x-container-sync-to",
          "x-container-sync-key");

  private SwiftHeaders() {}

  /** {@code x-object-meta-*} and the other kept object headers of a PUT or POST. */
  public static Map<String, String> objectMetadata(Map<String, String> headers) {
    Map<String, String> result = new HashMap<>();
    headers.forEach(
        (name, value) -> {
          if (name.startsWith("x-object-meta-") && name.length() > "x-object-meta-".length()) {
            result.put(name, value);
          } else if (KEPT_OBJECT_HEADERS.contains(name)) {
            result.put(name, value);
          }
        });
    return result;
  }

  /**
   * Metadata changes of a container PUT or POST: set values, and empty values for {@code
   * X-Remove-Container-Meta-*} and for headers sent empty (both remove in Swift).
   */
  public static Map<String, String> containerMetadataChanges(Map<String, String> headers) {
    return changes(
        headers,
        "x-container-meta-",
        "x-remove-container-meta-",
        KEPT_CONTAINER_HEADERS,
        "x-remove-");
  }

  /** Account headers kept besides user metadata (the account ACL, validated before). */
  private static final List<String> KEPT_ACCOUNT_HEADERS = List.of("x-account-access-control");

  /** Metadata changes of an account POST. */
  public static Map<String, String> accountMetadataChanges(Map<String, String> headers) {
    return changes(
        headers, "x-account-meta-", "x-remove-account-meta-", KEPT_ACCOUNT_HEADERS, "x-remove-");
  }

  private static Map<String, String> changes(
      Map<String, String> headers,
      String metaPrefix,
      String removePrefix,
      List<String> kept,
      String removeKept) {
    Map<String, String> result = new HashMap<>();
    headers.forEach(
        (name, value) -> {
          if (name.startsWith(metaPrefix) && name.length() > metaPrefix.length()) {
            result.put(name, value.trim());
          } else if (name.startsWith(removePrefix) && name.length() > removePrefix.length()) {
            result.put(metaPrefix + name.substring(removePrefix.length()), "");
          } else if (kept.contains(name)) {
            result.put(name, value.trim());
          } else if (name.startsWith(removeKept)
              && kept.contains("x-" + name.substring(removeKept.length()))) {
            result.put("x-" + name.substring(removeKept.length()), "");
          }
        });
    return result;
  }

  /**
   * Stored metadata as response headers, names title-cased as Swift sends them; system metadata
   * stays inside the gateway.
   */
  public static List<HttpHeader> render(Map<String, String> metadata) {
    List<HttpHeader> result = new ArrayList<>();
    metadata.forEach(
        (name, value) -> {
          if (!name.startsWith(OBJECT_SYSMETA_PREFIX) && !name.startsWith("x-container-sysmeta-")) {
            result.add(RawHeader.create(titleCase(name), wire(value)));
          }
        });
    return result;
  }

  /**
   * A header value as Akka must be given it to send its UTF-8 bytes: Akka decodes request header
   * values as UTF-8 but renders response header values one byte per char, so a non-ASCII value goes
   * out as its UTF-8 bytes, one char each (Swift sends the bytes it got).
   */
  public static String wire(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0x7f) {
        return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      }
    }
    return value;
  }

  /** Swift's {@code config_true_value}. */
  public static boolean isTrue(String value) {
    if (value == null) {
      return false;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on", "t", "y" -> true;
      default -> false;
    };
  }

  /**
   * A content type without its {@code swift_bytes}, {@code swift_slo_etag}, {@code swift_s3_etag}
   * and {@code swift_symlink_*} parameters, which carry what a listing shows for an SLO manifest or
   * a symlink and are never shown on the object itself.
   */
  public static String cleanContentType(String contentType) {
    StringBuilder sb = new StringBuilder();
    for (String part : contentType.split(";", -1)) {
      if (sb.length() > 0 && isSwiftParam(part)) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(';');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /**
   * Whether a content type parameter is one of the gateway's own, which a listing reads and the
   * object never shows: {@code swift_bytes}, {@code swift_slo_etag} and a symlink's {@code
   * swift_symlink_*} (Swift's own {@code swift_versions_deleted} of a delete marker is shown).
   */
  private static boolean isSwiftParam(String part) {
    String p = part.trim();
    return p.startsWith(SWIFT_BYTES)
        || p.startsWith(SWIFT_SLO_ETAG)
        || p.startsWith(SWIFT_SYMLINK)
        || p.startsWith(VERSION_ID)
        || p.startsWith(MultipartEtag.PARAM + "=");
  }

  /** The value of the gateway's own content type parameter {@code name} (with its prefix). */
  public static Optional<String> swiftParam(String contentType, String name) {
    String prefix = name + "=";
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith(prefix) && p.length() > prefix.length()) {
        return Optional.of(p.substring(prefix.length()));
      }
    }
    return Optional.empty();
  }

  /**
   * The version id of an object's current version (object versioning), which the gateway keeps on
   * its content type like {@code swift_bytes}; never shown to clients.
   */
  private static final String VERSION_ID = "swift_version_id=";

  /** The version id a content type carries, if any. */
  public static Optional<String> versionId(String contentType) {
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith(VERSION_ID) && p.length() > VERSION_ID.length()) {
        return Optional.of(p.substring(VERSION_ID.length()));
      }
    }
    return Optional.empty();
  }

  /** The content type with the version id set. */
  public static String withVersionId(String contentType, String versionId) {
    return withoutVersionId(contentType) + ";" + VERSION_ID + versionId;
  }

  /** The content type without a version id. */
  public static String withoutVersionId(String contentType) {
    StringBuilder sb = new StringBuilder();
    for (String part : contentType.split(";", -1)) {
      if (sb.length() > 0 && part.trim().startsWith(VERSION_ID)) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(';');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /** The gateway's own parameters of a content type, as a suffix to put on another type. */
  public static String swiftParams(String contentType) {
    StringBuilder sb = new StringBuilder();
    String[] parts = contentType.split(";", -1);
    for (int i = 1; i < parts.length; i++) {
      if (isSwiftParam(parts[i])) {
        sb.append(';').append(parts[i].trim());
      }
    }
    return sb.toString();
  }

  /** The SLO manifest etag a content type carries. */
  public static Optional<String> sloEtag(String contentType) {
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith(SWIFT_SLO_ETAG) && p.length() > SWIFT_SLO_ETAG.length()) {
        return Optional.of(p.substring(SWIFT_SLO_ETAG.length()));
      }
    }
    return Optional.empty();
  }

  /** The {@code swift_bytes} parameter of a content type. */
  public static Optional<Long> swiftBytes(String contentType) {
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith(SWIFT_BYTES)) {
        try {
          return Optional.of(Long.parseLong(p.substring(SWIFT_BYTES.length()).trim()));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
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
