package io.archipelago.http.access;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Swift's TempURL: {@code temp_url_sig} and {@code temp_url_expires} (plus optional {@code
 * temp_url_prefix}, {@code temp_url_ip_range}, {@code filename}, {@code inline}) grant a request on
 * an object without a token when the signature is the HMAC, under one of the account's or the
 * container's {@code Temp-URL-Key}s, of {@code [ip=<range>\n]<method>\n<expires>\n<path>}.
 * Signatures are hex (SHA-1, SHA-256 or SHA-512 told apart by length) or {@code <digest>:<base64>}.
 * HEAD is allowed by a signature for HEAD, GET, POST or PUT. Behaviour and messages follow Swift
 * 2.30's {@code tempurl} middleware with its defaults.
 */
public final class TempUrl {

  public static final List<String> METHODS = List.of("GET", "HEAD", "PUT", "POST", "DELETE");
  public static final List<String> DIGESTS = List.of("sha1", "sha256", "sha512");
  public static final List<String> DEPRECATED_DIGESTS = List.of("sha1");
  public static final List<String> INCOMING_REMOVE_HEADERS = List.of("x-timestamp");
  public static final List<String> OUTGOING_REMOVE_HEADERS = List.of("x-object-meta-*");
  public static final List<String> OUTGOING_ALLOW_HEADERS = List.of("x-object-meta-public-*");
  private static final List<String> DISALLOWED_INCOMING_HEADERS =
      List.of("x-object-manifest", "x-symlink-target");

  private static final DateTimeFormatter ISO_EXPIRES =
      DateTimeFormatter.ofPattern("uuuu-M-d'T'H:m:s'Z'", Locale.ROOT)
          .withResolverStyle(ResolverStyle.STRICT);
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  /** Which key signed: an account key grants the account, a container key the container. */
  public enum Scope {
    ACCOUNT,
    CONTAINER
  }

  /** A {@code Temp-URL-Key} and where it is set. */
  public record Key(String value, Scope scope) {}

  /** The query parameters of a temporary URL; present if the URL has a signature or expiry. */
  public record Params(
      Optional<String> sig,
      Optional<String> expires,
      Optional<String> prefix,
      Optional<String> filename,
      boolean inline,
      Optional<String> ipRange) {

    public static Optional<Params> of(Map<String, String> query) {
      if (!query.containsKey("temp_url_sig") && !query.containsKey("temp_url_expires")) {
        return Optional.empty();
      }
      return Optional.of(
          new Params(
              Optional.ofNullable(query.get("temp_url_sig")),
              Optional.ofNullable(query.get("temp_url_expires")),
              Optional.ofNullable(query.get("temp_url_prefix")),
              Optional.ofNullable(query.get("filename")),
              query.containsKey("inline"),
              Optional.ofNullable(query.get("temp_url_ip_range"))));
    }

    /** The query the request continues with: Swift drops every other parameter. */
    public Map<String, String> forwardedQuery() {
      Map<String, String> q = new LinkedHashMap<>();
      sig.ifPresent(s -> q.put("temp_url_sig", s));
      expires.ifPresent(e -> q.put("temp_url_expires", e));
      prefix.ifPresent(p -> q.put("temp_url_prefix", p));
      filename.filter(f -> !f.isEmpty()).ifPresent(f -> q.put("filename", f));
      if (inline) {
        q.put("inline", "");
      }
      return q;
    }
  }

  /**
   * A request whose parameters are well formed, waiting for the keys to check its signature.
   *
   * @param hmacPath what was signed: {@code /v1/a/c/o} or {@code prefix:/v1/a/c/<prefix>}
   */
  public record Candidate(
      Params params,
      String method,
      String digest,
      String signatureHex,
      long expires,
      String hmacPath,
      Optional<String> ipRange) {}

  /** A valid temporary URL. */
  public record Grant(Scope scope, long expires) {}

  /** 9999-12-31T23:59:59Z, the last instant an HTTP date (four-digit year) can express. */
  static final long LAST_EXPIRES = 253402300799L;

  private final Clock clock;

  public TempUrl(Clock clock) {
    this.clock = clock;
  }

  /**
   * The checks that need no keys; empty means the URL is invalid (401). Expired URLs, unknown
   * digests, non-object paths, methods not allowed and client addresses outside the signed range
   * all end here.
   */
  public Optional<Candidate> candidate(
      Params params, String method, RequestPath path, String clientAddress) {
    long expires = params.expires().map(this::normalizeExpires).orElse(0L);
    String sig = params.sig().orElse("");
    if (sig.isEmpty() || expires == 0) {
      return Optional.empty();
    }
    Optional<String[]> digest = digestAndHex(sig);
    if (digest.isEmpty() || !DIGESTS.contains(digest.get()[0])) {
      return Optional.empty();
    }
    if (!METHODS.contains(method)
        || !path.version().equals("v1")
        || path.object().isEmpty()
        || path.object().get().replace("/", "").isEmpty()) {
      return Optional.empty();
    }
    Optional<String> ipRange = params.ipRange().filter(r -> !r.isEmpty());
    if (ipRange.isPresent() && !IpRange.contains(ipRange.get(), clientAddress)) {
      return Optional.empty();
    }
    String object = path.object().get();
    String hmacPath;
    if (params.prefix().isEmpty()) {
      hmacPath = "/v1/" + path.account() + "/" + path.container().orElseThrow() + "/" + object;
    } else {
      if (!object.startsWith(params.prefix().get())) {
        return Optional.empty();
      }
      hmacPath =
          "prefix:/v1/"
              + path.account()
              + "/"
              + path.container().orElseThrow()
              + "/"
              + params.prefix().get();
    }
    return Optional.of(
        new Candidate(
            params, method, digest.get()[0], digest.get()[1], expires, hmacPath, ipRange));
  }

  /** Checks the signature against the keys, account keys first; empty means 401. */
  public Optional<Grant> verify(Candidate c, List<Key> keys) {
    List<String> methods =
        c.method().equals("HEAD") ? List.of("HEAD", "GET", "POST", "PUT") : List.of(c.method());
    byte[] given = c.signatureHex().getBytes(StandardCharsets.US_ASCII);
    for (String method : methods) {
      for (Key key : keys) {
        String expected =
            hmac(c.digest(), key.value(), method, c.expires(), c.hmacPath(), c.ipRange());
        if (MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.US_ASCII))) {
          return Optional.of(new Grant(key.scope(), c.expires()));
        }
      }
    }
    return Optional.empty();
  }

  /** Keys from account and container metadata ({@code Temp-URL-Key}, {@code Temp-URL-Key-2}). */
  public static List<Key> keys(
      Map<String, String> accountMetadata, Map<String, String> containerMetadata) {
    List<Key> keys = new ArrayList<>();
    for (String suffix : List.of("temp-url-key", "temp-url-key-2")) {
      Optional.ofNullable(accountMetadata.get("x-account-meta-" + suffix))
          .ifPresent(k -> keys.add(new Key(k, Scope.ACCOUNT)));
    }
    for (String suffix : List.of("temp-url-key", "temp-url-key-2")) {
      Optional.ofNullable(containerMetadata.get("x-container-meta-" + suffix))
          .ifPresent(k -> keys.add(new Key(k, Scope.CONTAINER)));
    }
    return keys;
  }

  /**
   * A header that may not come with a write through a temporary URL (a manifest or symlink could
   * point at data the URL does not grant).
   */
  public static Optional<String> disallowedHeader(String method, Map<String, String> headers) {
    if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
      return Optional.empty();
    }
    return DISALLOWED_INCOMING_HEADERS.stream().filter(headers::containsKey).findFirst();
  }

  /** The request's headers without those TempURL removes ({@code X-Timestamp}). */
  public static Map<String, String> incomingHeaders(Map<String, String> headers) {
    Map<String, String> result = new TreeMap<>(headers);
    INCOMING_REMOVE_HEADERS.forEach(result::remove);
    return result;
  }

  /**
   * The response as a temporary URL answers it: private object metadata removed and, for a
   * successful GET or HEAD, a {@code Content-Disposition} (attachment named after the object, or
   * {@code filename=}, or {@code inline}) and an {@code Expires}.
   */
  public HttpResponse outgoing(HttpResponse response, Candidate c, RequestPath path) {
    List<HttpHeader> kept = new ArrayList<>();
    Optional<String> existingDisposition = Optional.empty();
    boolean success = response.status().isSuccess();
    boolean read = c.method().equals("GET") || c.method().equals("HEAD");
    for (HttpHeader h : response.getHeaders()) {
      String name = h.lowercaseName();
      if (name.startsWith("x-object-meta-") && !name.startsWith("x-object-meta-public-")) {
        continue;
      }
      if (read && success && name.equals("content-disposition")) {
        existingDisposition = Optional.of(h.value());
        continue;
      }
      kept.add(h);
    }
    if (read && success) {
      Optional<String> filename = c.params().filename().filter(f -> !f.isEmpty());
      String disposition;
      if (c.params().inline()) {
        disposition = filename.map(f -> dispositionFormat("inline", f)).orElse("inline");
      } else if (filename.isPresent()) {
        disposition = dispositionFormat("attachment", filename.get());
      } else if (existingDisposition.isPresent()) {
        disposition = existingDisposition.get();
      } else {
        String object = path.object().orElseThrow();
        String trimmed = object.replaceAll("/+$", "");
        disposition =
            dispositionFormat("attachment", trimmed.substring(trimmed.lastIndexOf('/') + 1));
      }
      kept.add(RawHeader.create("Content-Disposition", disposition.replace("\n", "%0A")));
      kept.add(RawHeader.create("Expires", HTTP_DATE.format(Instant.ofEpochSecond(c.expires()))));
    }
    return response.withHeaders(kept);
  }

  static String dispositionFormat(String type, String filename) {
    return type
        + "; filename=\""
        + PyText.quote(filename, " /")
        + "\"; filename*=UTF-8''"
        + PyText.quote(filename);
  }

  /**
   * Seconds since the epoch or {@code %Y-%m-%dT%H:%M:%SZ}; 0 when unreadable, past, or later than
   * any {@code Expires} date can say (Swift's gmtime fails there: an error, not a grant).
   */
  long normalizeExpires(String value) {
    long expires;
    try {
      expires = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      try {
        expires = LocalDateTime.parse(value, ISO_EXPIRES).toEpochSecond(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        expires = 0;
      }
    }
    if (expires * 1000.0 < clock.millis() || expires > LAST_EXPIRES) {
      return 0;
    }
    return expires;
  }

  /** (digest name, lower-case hex) of a signature, as Swift's extract_digest_and_algorithm. */
  static Optional<String[]> digestAndHex(String sig) {
    int colon = sig.indexOf(':');
    if (colon >= 0) {
      String algo = sig.substring(0, colon);
      String value = sig.substring(colon + 1);
      if ((value.contains("-") || value.contains("_"))
          && !(value.contains("+") || value.contains("/"))) {
        value = value.replace('-', '+').replace('_', '/');
      }
      String stripped = value.replaceAll("^=+|=+$", "");
      if (!stripped
          .chars()
          .allMatch(ch -> Character.isLetterOrDigit(ch) && ch < 0x80 || ch == '+' || ch == '/')) {
        return Optional.empty();
      }
      String data = value.replace("=", "");
      if (data.length() % 4 == 1) {
        return Optional.empty();
      }
      while (data.length() % 4 != 0) {
        data = data + "=";
      }
      try {
        return Optional.of(
            new String[] {algo, HexFormat.of().formatHex(Base64.getDecoder().decode(data))});
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    if (sig.length() % 2 != 0
        || !sig.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 && ch < 0x80)) {
      return Optional.empty();
    }
    String algo =
        switch (sig.length()) {
          case 40 -> "sha1";
          case 64 -> "sha256";
          case 128 -> "sha512";
          default -> null;
        };
    return algo == null ? Optional.empty() : Optional.of(new String[] {algo, sig});
  }

  /** Swift's get_hmac: hex HMAC of {@code [ip=<range>\n]<method>\n<expires>\n<path>}. */
  public static String hmac(
      String digest,
      String key,
      String method,
      long expires,
      String path,
      Optional<String> ipRange) {
    String message =
        ipRange.map(r -> "ip=" + r + "\n").orElse("") + method + "\n" + expires + "\n" + path;
    String algorithm =
        switch (digest) {
          case "sha1" -> "HmacSHA1";
          case "sha256" -> "HmacSHA256";
          case "sha512" -> "HmacSHA512";
          default -> throw new IllegalArgumentException("digest " + digest);
        };
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code temp_url_ip_range}: one address or a network ({@code 10.0.0.0/8}, host bits zero). */
  static final class IpRange {

    private IpRange() {}

    static boolean contains(String range, String client) {
      try {
        String[] parts = range.split("/", -1);
        if (parts.length > 2) {
          return false;
        }
        byte[] network = literal(parts[0]);
        byte[] address = literal(client);
        if (network == null || address == null || network.length != address.length) {
          return false;
        }
        int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
        if (bits < 0 || bits > network.length * 8) {
          return false;
        }
        for (int i = 0; i < network.length * 8; i++) {
          int nb = (network[i / 8] >> (7 - i % 8)) & 1;
          int ab = (address[i / 8] >> (7 - i % 8)) & 1;
          if (i >= bits && nb != 0) {
            return false; // host bits set: Python's ip_network refuses it
          }
          if (i < bits && nb != ab) {
            return false;
          }
        }
        return true;
      } catch (NumberFormatException e) {
        return false;
      }
    }

    /** The bytes of an IP literal; never a name lookup. */
    private static byte[] literal(String s) {
      if (s == null || s.isEmpty()) {
        return null;
      }
      if (s.contains(":")) {
        try {
          return InetAddress.getByName(s.startsWith("[") ? s : "[" + s + "]").getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
          return null;
        }
      }
      String[] octets = s.split("\\.", -1);
      if (octets.length != 4) {
        return null;
      }
      byte[] result = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (octets[i].isEmpty()
            || octets[i].length() > 3
            || !octets[i].chars().allMatch(Character::isDigit)
            || (octets[i].length() > 1 && octets[i].startsWith("0"))) {
          return null;
        }
        int v = Integer.parseInt(octets[i]);
        if (v > 255) {
          return null;
        }
        result[i] = (byte) v;
      }
      return result;
    }
  }
}
