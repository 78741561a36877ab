package io.archipelago.http.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Text forms Swift's messages are made of, so that our answers read byte for byte like Swift's:
 * Python's {@code repr()} of a string, {@code json.dumps} of a string with {@code ensure_ascii},
 * and {@code urllib.parse.quote}/{@code unquote}.
 */
public final class PyText {

  private PyText() {}

  /** Python 3's {@code repr(str)}: single quotes unless the text holds ' and no ". */
  public static String repr(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
    s.codePoints()
        .forEach(
            cp -> {
              if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
              } else if (cp == '\n') {
                sb.append("\\n");
              } else if (cp == '\r') {
                sb.append("\\r");
              } else if (cp == '\t') {
                sb.append("\\t");
              } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0)) {
                sb.append(String.format("\\x%02x", cp));
              } else {
                sb.appendCodePoint(cp);
              }
            });
    return sb.append(quote).toString();
  }

  /** {@code json.dumps(s)} with Python's defaults ({@code ensure_ascii=True}). */
  public static String jsonString(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /**
   * {@code urllib.parse.quote(s, safe)}: UTF-8, every byte but letters, digits, {@code _.-~} and
   * the safe characters percent-encoded (upper-case hex).
   */
  public static String quote(String s, String safe) {
    StringBuilder sb = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '.'
          || c == '-'
          || c == '~'
          || (c < 0x80 && safe.indexOf(c) >= 0)) {
        sb.append((char) c);
      } else {
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  /** {@code urllib.parse.quote(s)}: '/' stays. */
  public static String quote(String s) {
    return quote(s, "/");
  }

  /** {@code urllib.parse.unquote(s)}: %XX sequences decoded as UTF-8, bad bytes replaced. */
  public static String unquote(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        bytes = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
        i++;
      }
      out.write(bytes, 0, bytes.length);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
