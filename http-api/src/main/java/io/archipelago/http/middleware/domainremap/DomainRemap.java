package io.archipelago.http.middleware.domainremap;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Swift's {@code domain_remap}: a request whose {@code Host} is {@code
 * <container>.<account>.<storage domain>} or {@code <account>.<storage domain>} is served as {@code
 * /<path root>/<account>[/<container>]/<path>}, and {@code Location} / {@code Content-Location}
 * answers naming the rewritten path name the path the client asked for.
 *
 * <p>As in Swift, the account label may use '-' for its first '_' ({@code auth-test} is {@code
 * AUTH_test}), and a reseller prefix matches in any case but is written as configured. An account
 * under none of the prefixes gets the default reseller prefix if one is configured, else the
 * request passes unchanged. The Host only names the path: the rewritten request is authorized like
 * any other for that account, and nothing here picks where the gateway connects.
 */
public final class DomainRemap {

  private static final Pattern LABEL_SAFE = Pattern.compile("[A-Za-z0-9_.~-]*");

  private final List<String> storageDomains;
  private final String pathRoot;
  private final List<String> resellerPrefixes;
  private final Optional<String> defaultResellerPrefix;
  private final boolean mangleClientPaths;

  /**
   * @param storageDomains as Swift's {@code storage_domain} list; empty turns remapping off
   * @param pathRoot the version segment of rewritten paths ({@code v1})
   * @param resellerPrefixes as Swift's {@code reseller_prefixes}, without the '_'
   * @param defaultResellerPrefix prefixed to accounts under none of them, if present
   * @param mangleClientPaths drop a leading {@code /<path root>/} of the client's path
   */
  public DomainRemap(
      List<String> storageDomains,
      String pathRoot,
      List<String> resellerPrefixes,
      Optional<String> defaultResellerPrefix,
      boolean mangleClientPaths) {
    List<String> domains = new ArrayList<>();
    for (String domain : storageDomains) {
      String trimmed = domain.trim();
      if (!trimmed.isEmpty() && !trimmed.startsWith(".")) {
        domains.add("." + trimmed);
      }
    }
    for (String domain : storageDomains) {
      String trimmed = domain.trim();
      if (trimmed.startsWith(".") && trimmed.length() > 1) {
        domains.add(trimmed);
      }
    }
    this.storageDomains = List.copyOf(domains);
    this.pathRoot = stripSlashes(pathRoot);
    if (this.pathRoot.isEmpty() || this.pathRoot.contains("/")) {
      throw new IllegalArgumentException(
          "archipelago.http.domain-remap.path-root must be one path segment: " + pathRoot);
    }
    this.resellerPrefixes =
        resellerPrefixes.stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
    this.defaultResellerPrefix = defaultResellerPrefix.map(String::trim).filter(p -> !p.isEmpty());
    this.mangleClientPaths = mangleClientPaths;
  }

  /**
   * From {@code archipelago.http.domain-remap}; without reseller prefixes of its own it uses the
   * gateway's ({@code archipelago.auth}), without their trailing '_'.
   */
  public static DomainRemap fromConfig(Config config, ResellerPrefixes auth) {
    Config remap = config.getConfig("archipelago.http.domain-remap");
    List<String> prefixes = remap.getStringList("reseller-prefixes");
    if (prefixes.isEmpty()) {
      prefixes =
          auth.prefixes().stream()
              .map(p -> p.endsWith("_") ? p.substring(0, p.length() - 1) : p)
              .toList();
    }
    String defaultPrefix = remap.getString("default-reseller-prefix");
    return new DomainRemap(
        remap.getStringList("storage-domain"),
        remap.getString("path-root"),
        prefixes,
        defaultPrefix.isEmpty() ? Optional.empty() : Optional.of(defaultPrefix),
        remap.getBoolean("mangle-client-paths"));
  }

  public boolean enabled() {
    return !storageDomains.isEmpty();
  }

  /** The {@code domain_remap} section of {@code /info}, as Swift registers it, when enabled. */
  public void capabilities(ObjectNode root) {
    if (!enabled()) {
      return;
    }
    ObjectNode section = root.putObject("domain_remap");
    if (defaultResellerPrefix.isPresent()) {
      section.put("default_reseller_prefix", defaultResellerPrefix.get());
    } else {
      section.putNull("default_reseller_prefix");
    }
  }

  /** A rewritten request path, and the path the client asked for (both raw, percent-encoded). */
  public record Remapped(String requestedPath, String rewrittenPath) {

    /**
     * Swift's RewriteContext: a Location naming the rewritten path names the requested one. Both
     * are compared quoted as Swift quotes them, whatever escapes the client chose.
     */
    public HttpResponse restore(HttpResponse response) {
      String requested;
      String rewritten;
      try {
        requested = PyText.quote(RequestPath.decode(requestedPath, false));
        rewritten = PyText.quote(RequestPath.decode(rewrittenPath, false));
      } catch (SwiftException e) {
        return response;
      }
      Pattern located = Pattern.compile("^(https?://[^/]+)" + Pattern.quote(rewritten) + "(.*)$");
      HttpResponse result = response;
      for (HttpHeader header : response.getHeaders()) {
        String name = header.lowercaseName();
        if (name.equals("location") || name.equals("content-location")) {
          Matcher m = located.matcher(header.value());
          if (m.matches()) {
            result =
                result
                    .removeHeader(header.name())
                    .addHeader(
                        RawHeader.create(header.name(), m.group(1) + requested + m.group(2)));
          }
        }
      }
      return result;
    }
  }

  /**
   * The rewritten path of a request whose Host is under a storage domain, or empty when the request
   * is served as it came. A Host under a storage domain with more than two labels before it is
   * refused (400), as Swift does.
   */
  public Optional<Remapped> remap(HttpRequest request, String rawPath) {
    if (storageDomains.isEmpty()) {
      return Optional.empty();
    }
    // the case the client sent: a redirect names the host as it was asked for
    Optional<String> hostHeader = ClientHead.host(request);
    if (hostHeader.isEmpty()) {
      return Optional.empty();
    }
    String given = hostHeader.get();
    int colon = given.lastIndexOf(':');
    if (colon >= 0) {
      given = given.substring(0, colon);
    }
    String host = given;
    Optional<String> domain = storageDomains.stream().filter(host::endsWith).findFirst();
    if (domain.isEmpty()) {
      return Optional.empty();
    }
    String[] parts =
        stripDots(host.substring(0, host.length() - domain.get().length())).split("\\.", -1);
    String container;
    String account;
    if (parts.length == 2) {
      container = parts[0];
      account = parts[1];
    } else if (parts.length == 1) {
      container = null;
      account = parts[0];
    } else {
      throw new SwiftException(SwiftError.BAD_REQUEST, "Bad domain in host header");
    }
    if (!resellerPrefixes.isEmpty()) {
      if (!account.contains("_") && account.contains("-")) {
        account = account.replaceFirst("-", "_");
      }
      String accountPrefix = account.split("_", 2)[0].toLowerCase(Locale.ROOT);
      Optional<String> real =
          resellerPrefixes.stream()
              .filter(p -> p.toLowerCase(Locale.ROOT).equals(accountPrefix))
              .findFirst();
      if (real.isPresent()) {
        if (!account.startsWith(real.get())) {
          account = real.get() + account.substring(real.get().length());
        }
      } else if (defaultResellerPrefix.isPresent()) {
        account = defaultResellerPrefix.get() + "_" + account;
      } else {
        return Optional.empty();
      }
    }
    String path = rawPath.isEmpty() ? "" : rawPath.substring(1);
    if (mangleClientPaths && (path + "/").startsWith(pathRoot + "/")) {
      path = path.substring(Math.min(path.length(), pathRoot.length() + 1));
    }
    StringBuilder rewritten = new StringBuilder("/").append(pathRoot).append('/');
    rewritten.append(label(account)).append('/');
    if (container != null) {
      rewritten.append(label(container)).append('/');
    }
    rewritten.append(path);
    return Optional.of(new Remapped(rawPath, rewritten.toString()));
  }

  /** A Host label as one path segment: never a '/', '?' or '%' of its own. */
  private static String label(String label) {
    return LABEL_SAFE.matcher(label).matches() ? label : PyText.quote(label, "");
  }

  private static String stripDots(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '.') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '.') {
      end--;
    }
    return s.substring(start, end);
  }

  private static String stripSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }
}
