package io.archipelago.http.protocol;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpRequest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * What a client sent that Akka HTTP's parser would refuse or alter, carried from the server's
 * request head guard to the handlers in internal headers. Only the guard adds them: their names
 * hold a per-process random token, and the guard drops every client header under {@link
 * #INTERNAL_PREFIX}, so a client can neither guess nor send one.
 */
public final class ClientHead {

  /** The prefix of every internal header; client headers under it are dropped. */
  public static final String INTERNAL_PREFIX = "X-Archipelago-Raw-";

  private static final String TOKEN = token();

  /**
   * The Host header as the client sent it, when Akka would lower-case it or refuse it (boto 2's
   * SigV4 sends {@code host:port:port}); Akka's own Host is then a value it accepts.
   */
  public static final String RAW_HOST = INTERNAL_PREFIX + "Host-" + TOKEN;

  /** Marks a PUT that came with neither Content-Length nor Transfer-Encoding (Swift: 411). */
  public static final String LENGTH_MISSING = INTERNAL_PREFIX + "No-Length-" + TOKEN;

  private static final String INTERNAL_PREFIX_LOWER = INTERNAL_PREFIX.toLowerCase(Locale.ROOT);

  private ClientHead() {}

  private static String token() {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Whether a header (lower-case name) is one of the internal ones, never a client's. */
  public static boolean isInternal(String lowercaseName) {
    return lowercaseName.startsWith(INTERNAL_PREFIX_LOWER);
  }

  /** The Host header exactly as the client sent it (case and all), if it sent one. */
  public static Optional<String> host(HttpRequest request) {
    return request.getHeader(RAW_HOST).or(() -> request.getHeader("Host")).map(HttpHeader::value);
  }

  /** Whether the request is a PUT without Content-Length and without Transfer-Encoding. */
  public static boolean lengthMissing(HttpRequest request) {
    return request.getHeader(LENGTH_MISSING).isPresent();
  }
}
