package io.archipelago.http.access;

import io.archipelago.http.protocol.PyText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Swift's version-1 container ACLs ({@code X-Container-Read}, {@code X-Container-Write}): a comma
 * separated list of referrer designations ({@code .r:*}, {@code .r:.example.com}, {@code
 * .r:-bad.example.com}), {@code .rlistings}, and groups ({@code account}, {@code account:user}).
 * Same rules and messages as {@code swift.common.middleware.acl}.
 *
 * @param referrers referrer designations without their {@code .r:}
 * @param groups everything else, URL-unquoted
 */
public record ContainerAcl(List<String> referrers, List<String> groups) {

  private static final Set<String> REFERRER_DESIGNATORS =
      Set.of(".r", ".ref", ".referer", ".referrer");

  public static final ContainerAcl NONE = new ContainerAcl(List.of(), List.of());

  public ContainerAcl {
    referrers = List.copyOf(referrers);
    groups = List.copyOf(groups);
  }

  /** A refused ACL; the message is the body of Swift's 400. */
  public static final class InvalidAcl extends IllegalArgumentException {
    InvalidAcl(String message) {
      super(message, null);
    }
  }

  /**
   * Validates and tidies an ACL header value ({@code "bob , sue"} becomes {@code "bob,sue"}, {@code
   * ".referrer : *"} becomes {@code ".r:*"}).
   *
   * @param headerName the header it comes in; referrers are refused in write ACLs
   * @throws InvalidAcl with Swift's message
   */
  public static String clean(String headerName, String value) {
    boolean write = headerName.toLowerCase(Locale.ROOT).contains("write");
    List<String> values = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      String raw = part.strip();
      if (raw.isEmpty()) {
        continue;
      }
      int colon = raw.indexOf(':');
      if (colon < 0) {
        values.add(raw);
        continue;
      }
      String first = raw.substring(0, colon).strip();
      String second = raw.substring(colon + 1).strip();
      if (first.isEmpty() || !first.startsWith(".")) {
        values.add(raw);
      } else if (REFERRER_DESIGNATORS.contains(first)) {
        if (write) {
          throw new InvalidAcl("Referrers not allowed in write ACL: " + PyText.repr(raw));
        }
        boolean negate = false;
        if (second.startsWith("-")) {
          negate = true;
          second = second.substring(1).strip();
        }
        if (!second.isEmpty() && !second.equals("*") && second.startsWith("*")) {
          second = second.substring(1).strip();
        }
        if (second.isEmpty() || second.equals(".")) {
          throw new InvalidAcl(
              "No host/domain value after referrer designation in ACL: " + PyText.repr(raw));
        }
        values.add(".r:" + (negate ? "-" : "") + second);
      } else {
        throw new InvalidAcl(
            "Unknown designator " + PyText.repr(first) + " in ACL: " + PyText.repr(raw));
      }
    }
    return String.join(",", values);
  }

  /** Parses a stored (cleaned) ACL; null or empty is no grant at all. */
  public static ContainerAcl parse(String acl) {
    if (acl == null || acl.isEmpty()) {
      return NONE;
    }
    List<String> referrers = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    for (String value : acl.split(",", -1)) {
      if (value.startsWith(".r:")) {
        referrers.add(value.substring(3));
      } else {
        groups.add(PyText.unquote(value));
      }
    }
    return new ContainerAcl(referrers, groups);
  }

  /** Whether {@code .rlistings} is granted. */
  public boolean listings() {
    return groups.contains(".rlistings");
  }

  /**
   * Whether a request with this {@code Referer} passes the referrer designations, applied in order
   * so that later ones override earlier ones ({@code .r:*,.r:-bad.example.com}).
   */
  public boolean referrerAllowed(String referer) {
    boolean allow = false;
    if (referrers.isEmpty()) {
      return false;
    }
    String host = hostOf(referer == null ? "" : referer);
    for (String designation : referrers) {
      if (designation.startsWith("-")) {
        String denied = designation.substring(1);
        if (denied.equals(host) || (denied.startsWith(".") && host.endsWith(denied))) {
          allow = false;
        }
      } else if (designation.equals("*")
          || designation.equals(host)
          || (designation.startsWith(".") && host.endsWith(designation))) {
        allow = true;
      }
    }
    return allow;
  }

  /** {@code urlparse(referer).hostname or 'unknown'}. */
  static String hostOf(String url) {
    int i = 0;
    // An optional scheme: letters first, then letters, digits, '+', '-', '.' up to ':'.
    int colon = url.indexOf(':');
    if (colon > 0 && Character.isLetter(url.charAt(0))) {
      boolean scheme = true;
      for (int k = 0; k < colon; k++) {
        char c = url.charAt(k);
        if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '+' && c != '-' && c != '.') {
          scheme = false;
          break;
        }
      }
      if (scheme) {
        i = colon + 1;
      }
    }
    if (!url.startsWith("//", i)) {
      return "unknown";
    }
    int start = i + 2;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String netloc = url.substring(start, end);
    int at = netloc.lastIndexOf('@');
    String hostPort = at >= 0 ? netloc.substring(at + 1) : netloc;
    String host;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      host = close > 0 ? hostPort.substring(1, close) : hostPort.substring(1);
    } else {
      int portColon = hostPort.indexOf(':');
      host = portColon >= 0 ? hostPort.substring(0, portColon) : hostPort;
    }
    host = host.toLowerCase(Locale.ROOT);
    return host.isEmpty() ? "unknown" : host;
  }
}
