package io.archipelago.persistence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one way the code base computes it (audit chain links, hashed names). */
public final class Sha256 {

  private Sha256() {}

  /** A fresh digest to feed. */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  }

  /** The hash of the UTF-8 bytes of {@code parts}, each separated from the next by a NUL byte. */
  public static byte[] ofUtf8(String... parts) {
    MessageDigest digest = newDigest();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        digest.update((byte) 0);
      }
      digest.update(parts[i].getBytes(StandardCharsets.UTF_8));
    }
    return digest.digest();
  }

  /** The lower-case hex of the hash of {@code text}'s UTF-8 bytes. */
  public static String hexOfUtf8(String text) {
    return HexFormat.of().formatHex(ofUtf8(text));
  }
}
