package io.archipelago.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.protocol.Principal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A token is accepted only in the encoding the gateway issued: other spellings of the same bytes
 * (padding, unused low bits in the last base64 character) are refused, so a token has exactly one
 * valid form.
 */
class TokenCodecStrictnessTest {

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private final TokenCodec codec =
      new TokenCodec(
          "secret".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), Clock.systemUTC());

  @Test
  void theIssuedTokenIsValid() {
    String token = codec.issue(new Principal("test:tester", "AUTH_test", Set.of(".admin"))).value();
    assertEquals("test:tester", codec.validate(token).orElseThrow().principal().user());
  }

  @Test
  void otherEncodingsOfTheSameBytesAreRefused() {
    // user names of three lengths give payloads of every length modulo 3
    for (String user : List.of("test:tester", "test:tester2", "test:tester23")) {
      String token = codec.issue(new Principal(user, "AUTH_test", Set.of())).value();
      for (String variant : variants(token)) {
        assertTrue(codec.validate(variant).isEmpty(), "accepted " + variant + " for " + token);
      }
      assertTrue(codec.validate(token).isPresent(), token);
    }
  }

  /** The same payload and signature bytes, spelled differently. */
  private static List<String> variants(String token) {
    String body = token.substring(TokenCodec.PREFIX.length());
    int dot = body.indexOf('.');
    String payload = body.substring(0, dot);
    String signature = body.substring(dot + 1);
    List<String> variants = new ArrayList<>();
    for (String p : respellings(payload)) {
      variants.add(TokenCodec.PREFIX + p + "." + signature);
    }
    for (String s : respellings(signature)) {
      variants.add(TokenCodec.PREFIX + payload + "." + s);
    }
    assertTrue(variants.size() >= 2, token);
    return variants;
  }

  private static List<String> respellings(String encoded) {
    List<String> result = new ArrayList<>();
    int rest = encoded.length() % 4;
    if (rest == 2 || rest == 3) {
      result.add(encoded + "=".repeat(4 - rest));
      // the last character carries 4 (rest 2) or 2 (rest 3) bits that decode to nothing
      int last = ALPHABET.indexOf(encoded.charAt(encoded.length() - 1));
      result.add(encoded.substring(0, encoded.length() - 1) + ALPHABET.charAt(last ^ 1));
    }
    return result;
  }
}
