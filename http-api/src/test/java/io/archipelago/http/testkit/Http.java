package io.archipelago.http.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Small helpers for the HTTP compatibility tests: digests, names, and a raw HTTP/1.1 client. */
public final class Http {

  private Http() {}

  public static String md5(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String md5(String text) {
    return md5(text.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Percent-encodes a name for a path (keeps '/'). */
  public static String enc(String name) {
    StringBuilder sb = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(String.format("%02X", c));
      }
    }
    return sb.toString();
  }

  /** Text as the chars of its UTF-8 bytes, for {@link #raw} headers. */
  public static String wire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /** A raw response: status, headers by lower-case name, body. */
  public record RawResponse(int status, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * Sends one request over a fresh connection with exactly the given request line, headers (a Host
   * of its own, or the server's; one byte per char: pass UTF-8 as {@link #wire}) and body chunks,
   * then reads the response (also when the server answers before the body is sent). {@code chunked}
   * sends the chunks with Transfer-Encoding: chunked.
   */
  public static RawResponse raw(
      String baseUrl,
      String method,
      String rawPath,
      Map<String, String> headers,
      Iterable<byte[]> chunks,
      boolean chunked)
      throws IOException {
    URI uri = URI.create(baseUrl);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(rawPath).append(" HTTP/1.1\r\n");
      if (headers.keySet().stream().noneMatch(name -> name.equalsIgnoreCase("Host"))) {
        head.append("Host: ").append(uri.getHost()).append(':').append(uri.getPort());
        head.append("\r\n");
      }
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (chunked) {
        head.append("Transfer-Encoding: chunked\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      try {
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        for (byte[] chunk : chunks) {
          if (chunked) {
            out.write(
                (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          } else {
            out.write(chunk);
          }
        }
        if (chunked) {
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException e) {
        // the server answered and closed early; read what it said
      }
      return read(socket.getInputStream());
    }
  }

  private static RawResponse read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    try {
      while ((n = in.read(buffer)) > 0) {
        all.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // connection reset after the response: keep what arrived
    }
    byte[] bytes = all.toByteArray();
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no complete response: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
    return new RawResponse(status, headers, body);
  }
}
