package io.archipelago.http.access;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.protocol.RequestPath;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** TempURL signatures, digests and expiry, against values computed with Python's hmac. */
class TempUrlSignatureTest {

  private static final long NOW = 1_700_000_000L;
  private final TempUrl tempUrl =
      new TempUrl(Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

  @Test
  void hmacMatchesSwiftsGetHmac() {
    // python3 -c "import hmac,hashlib; print(hmac.new(b'mykey',
    // b'GET\n1512508563\n/v1/AUTH_account/container/object', hashlib.sha256).hexdigest())"
    assertEquals(
        "732fcac368abb10c78a4cbe95c3fab7f311584532bf779abd5074e13cbe8b88b",
        TempUrl.hmac(
            "sha256",
            "mykey",
            "GET",
            1512508563L,
            "/v1/AUTH_account/container/object",
            Optional.empty()));
  }

  @Test
  void digestFormsAreRecognized() {
    String hex = TempUrl.hmac("sha512", "k", "GET", NOW + 60, "/v1/a/c/o", Optional.empty());
    byte[] raw = HexFormat.of().parseHex(hex);
    String urlsafe = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String standard = Base64.getEncoder().encodeToString(raw);
    assertArrayEquals(
        new String[] {"sha512", hex}, TempUrl.digestAndHex("sha512:" + urlsafe).orElseThrow());
    assertArrayEquals(
        new String[] {"sha512", hex}, TempUrl.digestAndHex("sha512:" + standard).orElseThrow());
    assertArrayEquals(new String[] {"sha512", hex}, TempUrl.digestAndHex(hex).orElseThrow());
    assertEquals("sha1", TempUrl.digestAndHex("a".repeat(40)).orElseThrow()[0]);
    assertEquals("sha256", TempUrl.digestAndHex("a".repeat(64)).orElseThrow()[0]);
    assertTrue(TempUrl.digestAndHex("a".repeat(50)).isEmpty());
    assertTrue(TempUrl.digestAndHex("zz".repeat(20)).isEmpty());
    assertTrue(TempUrl.digestAndHex("sha256:not*base64").isEmpty());
  }

  @Test
  void expiresAcceptsSecondsAndIso8601AndRefusesThePast() {
    assertEquals(NOW + 10, tempUrl.normalizeExpires(Long.toString(NOW + 10)));
    assertEquals(0, tempUrl.normalizeExpires(Long.toString(NOW - 1)));
    assertEquals(0, tempUrl.normalizeExpires("soon"));
    assertEquals(1893456000L, tempUrl.normalizeExpires("2030-01-01T00:00:00Z"));
    assertEquals(0, tempUrl.normalizeExpires("2020-01-01T00:00:00Z"));
  }

  @Test
  void candidatesNeedAnObjectAnAllowedMethodAndTheClientInRange() {
    RequestPath object = RequestPath.parse("/v1/AUTH_test/c/o");
    String sig =
        TempUrl.hmac("sha256", "k", "GET", NOW + 60, "/v1/AUTH_test/c/o", Optional.empty());
    TempUrl.Params params =
        TempUrl.Params.of(Map.of("temp_url_sig", sig, "temp_url_expires", "" + (NOW + 60)))
            .orElseThrow();
    TempUrl.Candidate c = tempUrl.candidate(params, "GET", object, "127.0.0.1").orElseThrow();
    assertEquals(
        TempUrl.Scope.CONTAINER,
        tempUrl
            .verify(c, List.of(new TempUrl.Key("k", TempUrl.Scope.CONTAINER)))
            .orElseThrow()
            .scope());
    assertTrue(
        tempUrl.verify(c, List.of(new TempUrl.Key("other", TempUrl.Scope.ACCOUNT))).isEmpty());
    assertTrue(tempUrl.candidate(params, "COPY", object, "127.0.0.1").isEmpty());
    assertTrue(
        tempUrl
            .candidate(params, "GET", RequestPath.parse("/v1/AUTH_test/c"), "127.0.0.1")
            .isEmpty());
    assertTrue(
        tempUrl
            .candidate(params, "GET", RequestPath.parse("/v1/AUTH_test/c///"), "127.0.0.1")
            .isEmpty());

    TempUrl.Candidate head = tempUrl.candidate(params, "HEAD", object, "127.0.0.1").orElseThrow();
    assertTrue(
        tempUrl.verify(head, List.of(new TempUrl.Key("k", TempUrl.Scope.ACCOUNT))).isPresent());

    assertTrue(TempUrl.IpRange.contains("127.0.0.0/8", "127.0.0.1"));
    assertTrue(TempUrl.IpRange.contains("127.0.0.1", "127.0.0.1"));
    assertTrue(!TempUrl.IpRange.contains("10.0.0.0/8", "127.0.0.1"));
    assertTrue(!TempUrl.IpRange.contains("127.0.0.1/8", "127.0.0.1"));
    assertTrue(TempUrl.IpRange.contains("::1", "0:0:0:0:0:0:0:1"));
    assertTrue(!TempUrl.IpRange.contains("example.com", "127.0.0.1"));
  }

  @Test
  void dispositionIsQuotedAsSwiftDoes() {
    assertEquals(
        "attachment; filename=\"My File.pdf\"; filename*=UTF-8''My%20File.pdf",
        TempUrl.dispositionFormat("attachment", "My File.pdf"));
    assertEquals(
        "inline; filename=\"%C3%BC\"; filename*=UTF-8''%C3%BC",
        TempUrl.dispositionFormat("inline", "ü"));
  }
}
