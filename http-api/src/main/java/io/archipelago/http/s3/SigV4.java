package io.archipelago.http.s3;

import io.archipelago.persistence.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 as S3 computes it: canonical request, string to sign, signing key. Pure
 * functions, checked against AWS's published examples (SigV4Test).
 */
public final class SigV4 {

  public static final String ALGORITHM = "AWS4-HMAC-SHA256";
  public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  public static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final HexFormat HEX = HexFormat.of();

  private SigV4() {}

  /** The scope of a signature: {@code <key>/<yyyymmdd>/<region>/<service>/aws4_request}. */
  public record Credential(String accessKey, String date, String region, String service) {

    /** Parses a credential; the access key is everything before the last four parts. */
    public static Credential parse(String value) {
      String[] parts = value.split("/", -1);
      if (parts.length < 5 || !parts[parts.length - 1].equals("aws4_request")) {
        throw new IllegalArgumentException(
            "Credential should be scoped to a valid region, not '" + value + "'.");
      }
      int n = parts.length;
      String key = String.join("/", List.of(parts).subList(0, n - 4));
      if (key.isEmpty() || !parts[n - 4].matches("\\d{8}")) {
        throw new IllegalArgumentException("Credential is malformed: '" + value + "'.");
      }
      return new Credential(key, parts[n - 4], parts[n - 3], parts[n - 2]);
    }

    public String scope() {
      return date + "/" + region + "/" + service + "/aws4_request";
    }
  }

  /**
   * AWS's URI encoding: unreserved characters ({@code A-Z a-z 0-9 - _ . ~}) as they are, every
   * other byte of the UTF-8 form as {@code %XY} (upper case); {@code /} kept when asked.
   */
  public static String uriEncode(String text, boolean keepSlash) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || (keepSlash && c == '/')) {
        sb.append((char) c);
      } else {
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  /**
   * Percent-decoding as Python's {@code unquote} (and so Swift's s3api) does it: {@code +} stays, a
   * {@code %} that starts no valid escape stays as it is (a client's unencoded {@code %-sign} is no
   * error), and the bytes are read as UTF-8.
   */
  public static String decode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        bytes.write(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
        i += 2;
      } else {
        bytes.write(raw[i]);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit((char) b, 16);
  }

  /**
   * The canonical query string: every parameter but {@code exclude}d ones, decoded and re-encoded,
   * sorted by name and then value.
   */
  public static String canonicalQuery(String rawQuery, Set<String> exclude) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> params = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!exclude.contains(name)) {
        params.add(new String[] {uriEncode(name, false), uriEncode(value, false)});
      }
    }
    params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    StringBuilder sb = new StringBuilder();
    for (String[] p : params) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(p[0]).append('=').append(p[1]);
    }
    return sb.toString();
  }

  /** A header value as signed: trimmed, inner runs of spaces folded to one. */
  public static String canonicalHeaderValue(String value) {
    return value.strip().replaceAll("\\s+", " ");
  }

  /**
   * The canonical request.
   *
   * @param headers values of the signed headers by lower-case name
   */
  public static String canonicalRequest(
      String method,
      String canonicalUri,
      String canonicalQuery,
      List<String> signedHeaders,
      Map<String, String> headers,
      String payloadHash) {
    StringBuilder sb = new StringBuilder();
    sb.append(method)
        .append('\n')
        .append(canonicalUri)
        .append('\n')
        .append(canonicalQuery)
        .append('\n');
    for (String name : signedHeaders) {
      String value = headers.get(name);
      sb.append(name)
          .append(':')
          .append(value == null ? "" : canonicalHeaderValue(value))
          .append('\n');
    }
    sb.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
    return sb.toString();
  }

  public static String stringToSign(String amzDate, String scope, String canonicalRequest) {
    return ALGORITHM
        + "\n"
        + amzDate
        + "\n"
        + scope
        + "\n"
        + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] signingKey(String secret, Credential credential) {
    byte[] date = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), credential.date());
    byte[] region = hmac(date, credential.region());
    byte[] service = hmac(region, credential.service());
    return hmac(service, "aws4_request");
  }

  public static String signature(byte[] signingKey, String stringToSign) {
    return HEX.formatHex(hmac(signingKey, stringToSign));
  }

  /** Compares two hex signatures in constant time. */
  public static boolean same(String expected, String given) {
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        given.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }

  public static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256Hex(byte[] data) {
    return HEX.formatHex(sha256().digest(data));
  }

  public static MessageDigest sha256() {
    return Sha256.newDigest();
  }

  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }
}
