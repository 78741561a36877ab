package io.archipelago.engine.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** ETag text as the stores keep it, and the digest it is. */
public final class Etags {

  private Etags() {}

  /** The ETag without surrounding quotes (and blanks); empty for null. */
  public static String bare(String etag) {
    if (etag == null) {
      return "";
    }
    String e = etag.trim();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
        ? e.substring(1, e.length() - 1)
        : e;
  }

  /** A fresh MD5 digest: an object's ETag. */
  public static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks MD5", e);
    }
  }
}
