package io.archipelago.engine.store.swift;

import io.archipelago.engine.store.BackendContainer;
import io.archipelago.persistence.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Names of gateway containers on a Swift backend. Several gateway accounts (and several gateway
 * deployments, each with its own prefix) may share one backend service account, so the backend
 * container name carries both the gateway account and container:
 *
 * <pre>
 *   prefix + escape(account) + separator + escape(container)
 * </pre>
 *
 * {@code escape} percent-encodes {@code %}, {@code /}, NUL (Swift refuses it; the gateway's own
 * versions containers have it) and every character of the separator (UTF-8 bytes as {@code %XX},
 * upper-case hex). The separator may not contain {@code %}, {@code /} or hex digits, so the first
 * separator in a name ends the escaped account and the mapping is injective: two gateway containers
 * never share a backend container.
 *
 * <p>Swift limits container names to 256 bytes. A longer name is replaced by
 *
 * <pre>
 *   prefix + "%h" + hex(SHA-256(account + NUL + container))
 * </pre>
 *
 * which cannot collide with an unhashed name ({@code escape} never produces {@code %h}: every
 * {@code %} it writes is followed by two hex digits) and, SHA-256 being what it is, not with
 * another hashed one.
 */
final class SwiftContainerNames {

  static final int MAX_CONTAINER_NAME_BYTES = 256;
  private static final String HASH_MARK = "%h";

  private final String prefix;
  private final String separator;

  SwiftContainerNames(String prefix, String separator) {
    if (separator.isEmpty()
        || separator.chars().anyMatch(c -> c == '%' || c == '/' || Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          "container-separator must be non-empty without '%', '/' or hex digits: '"
              + separator
              + "'");
    }
    if (prefix.contains("/")) {
      throw new IllegalArgumentException("container-prefix must not contain '/'");
    }
    if (utf8Length(prefix) + HASH_MARK.length() + 64 > MAX_CONTAINER_NAME_BYTES) {
      throw new IllegalArgumentException("container-prefix is too long: '" + prefix + "'");
    }
    this.prefix = prefix;
    this.separator = separator;
  }

  String backendName(BackendContainer container) {
    String name = prefix + escape(container.account()) + separator + escape(container.container());
    if (utf8Length(name) <= MAX_CONTAINER_NAME_BYTES) {
      return name;
    }
    return prefix
        + HASH_MARK
        + HexFormat.of().formatHex(Sha256.ofUtf8(container.account(), container.container()));
  }

  private String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      if (cp == '%' || cp == '/' || cp == 0 || separator.contains(ch)) {
        for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(String.format("%02X", b & 0xff));
        }
      } else {
        out.append(ch);
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
