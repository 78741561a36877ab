package io.archipelago.engine.backend;

import java.util.Locale;

/** The storage systems a backend can be. */
public enum BackendKind {
  FILESYSTEM,
  SWIFT,
  S3;

  public static BackendKind fromConfigValue(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "filesystem", "fs" -> FILESYSTEM;
      case "swift" -> SWIFT;
      case "s3" -> S3;
      default -> throw new IllegalArgumentException("unknown backend kind '" + value + "'");
    };
  }

  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
