package io.archipelago.engine.store.s3;

import io.archipelago.engine.store.BackendContainer;
import io.archipelago.persistence.Sha256;
import java.util.HexFormat;

/**
 * Where a gateway container's objects live in S3.
 *
 * <p>PREFIX mode (the default): everything is in one bucket; object {@code name} of container
 * {@code c} of account {@code a} is the key {@code keyPrefix + esc(a) + "/" + esc(c) + "/" + name},
 * where {@code esc} percent-encodes {@code %}, {@code /} and NUL. Neither escaped part holds a
 * {@code /}, so distinct containers never share keys, and no bucket naming rule applies to gateway
 * names. S3's 1024-byte key limit applies to the whole key.
 *
 * <p>BUCKET mode: container {@code c} of account {@code a} is the bucket {@code bucketPrefix +
 * hex(SHA-256(a + NUL + c))} cut to 63 characters (at least 160 bits of the hash), which obeys
 * every bucket naming rule whatever the gateway names are; the key is the object name.
 */
final class S3Layout {

  private final S3Settings settings;

  S3Layout(S3Settings settings) {
    this.settings = settings;
  }

  /** The bucket of a container. */
  String bucket(BackendContainer container) {
    if (settings.mode() == S3Settings.Mode.PREFIX) {
      return settings.bucket();
    }
    String hash =
        HexFormat.of().formatHex(Sha256.ofUtf8(container.account(), container.container()));
    return settings.bucketPrefix() + hash.substring(0, 63 - settings.bucketPrefix().length());
  }

  /** The prefix every key of the container starts with ("" in BUCKET mode). */
  String keyPrefix(BackendContainer container) {
    if (settings.mode() == S3Settings.Mode.BUCKET) {
      return "";
    }
    return settings.keyPrefix()
        + escape(container.account())
        + "/"
        + escape(container.container())
        + "/";
  }

  String key(BackendContainer container, String name) {
    return keyPrefix(container) + name;
  }

  private static String escape(String s) {
    return s.replace("%", "%25").replace("/", "%2F").replace("\0", "%00");
  }
}
