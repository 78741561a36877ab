package io.archipelago.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Sha256Test {

  @Test
  void knownVectors() {
    // FIPS 180-2 test vector and the hash of nothing
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Sha256.hexOfUtf8("abc"));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256.hexOfUtf8(""));
    assertEquals(
        Sha256.hexOfUtf8("abc"),
        HexFormat.of()
            .formatHex(Sha256.newDigest().digest("abc".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void partsAreJoinedByNul() {
    assertEquals(Sha256.hexOfUtf8("a\u0000bc"), HexFormat.of().formatHex(Sha256.ofUtf8("a", "bc")));
    assertNotEquals(
        HexFormat.of().formatHex(Sha256.ofUtf8("ab", "c")),
        HexFormat.of().formatHex(Sha256.ofUtf8("a", "bc")));
    assertEquals(
        Sha256.hexOfUtf8("gr\u00fcn"), HexFormat.of().formatHex(Sha256.ofUtf8("gr\u00fcn")));
  }
}
