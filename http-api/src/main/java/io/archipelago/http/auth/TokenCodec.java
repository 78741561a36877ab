package io.archipelago.http.auth;

import io.archipelago.http.protocol.Principal;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Self-contained auth tokens: {@code AUTH_tk<payload>.<hmac>}, the payload naming user, account,
 * groups and expiry, signed with HMAC-SHA256 under a secret all gateway nodes share. Any node
 * validates any token without a shared token store.
 */
public final class TokenCodec {

  public static final String PREFIX = "AUTH_tk";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /** A validated token. */
  public record Token(String value, Principal principal, Instant expires) {}

  /**
   * Tokens whose signature already held: a client sends the same token with every request, and the
   * HMAC of each was a visible share of a small request's CPU. Expiry is still checked.
   */
  private static final int VERIFIED_CACHE_SIZE = 10_000;

  private final Map<String, Token> verified = new ConcurrentHashMap<>();
  private final SecretKeySpec key;
  private final Duration lifetime;
  private final Clock clock;

  public TokenCodec(byte[] secret, Duration lifetime, Clock clock) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.lifetime = lifetime;
    this.clock = clock;
  }

  public Token issue(Principal principal) {
    Instant expires = clock.instant().plus(lifetime);
    String payload =
        String.join(
            "\n",
            principal.user(),
            principal.account(),
            String.join(",", principal.groups()),
            Long.toString(expires.getEpochSecond()));
    String encoded = ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    String value = PREFIX + encoded + "." + ENCODER.encodeToString(sign(encoded));
    return new Token(value, principal, expires);
  }

  /** The token's principal, if the signature holds and it has not expired. */
  public Optional<Token> validate(String value) {
    if (value == null || !value.startsWith(PREFIX)) {
      return Optional.empty();
    }
    Token known = verified.get(value);
    if (known != null) {
      if (clock.instant().isBefore(known.expires())) {
        return Optional.of(known);
      }
      verified.remove(value);
      return Optional.empty();
    }
    Optional<Token> checked = check(value);
    checked.ifPresent(
        token -> {
          if (verified.size() >= VERIFIED_CACHE_SIZE) {
            verified.clear(); // crude bound; a busy client re-verifies once
          }
          verified.put(value, token);
        });
    return checked;
  }

  private Optional<Token> check(String value) {
    String body = value.substring(PREFIX.length());
    int dot = body.indexOf('.');
    if (dot <= 0) {
      return Optional.empty();
    }
    String encoded = body.substring(0, dot);
    try {
      Optional<byte[]> signature = decodeCanonical(body.substring(dot + 1));
      if (signature.isEmpty() || !MessageDigest.isEqual(signature.get(), sign(encoded))) {
        return Optional.empty();
      }
      Optional<byte[]> payload = decodeCanonical(encoded);
      if (payload.isEmpty()) {
        return Optional.empty();
      }
      String[] parts = new String(payload.get(), StandardCharsets.UTF_8).split("\n", -1);
      if (parts.length != 4) {
        return Optional.empty();
      }
      Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[3]));
      if (!clock.instant().isBefore(expires)) {
        return Optional.empty();
      }
      Set<String> groups =
          parts[2].isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(parts[2].split(",")));
      return Optional.of(new Token(value, new Principal(parts[0], parts[1], groups), expires));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The bytes of base64url text only if the text is exactly how {@link #issue} spells them (no
   * padding, no set unused bits): every token has one valid form.
   */
  private static Optional<byte[]> decodeCanonical(String text) {
    byte[] bytes = DECODER.decode(text);
    return ENCODER.encodeToString(bytes).equals(text) ? Optional.of(bytes) : Optional.empty();
  }

  private byte[] sign(String encoded) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(encoded.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}
