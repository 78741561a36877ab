package io.archipelago.http.auth;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret that signs tokens. Configured ({@code archipelago.auth.token-secret}, the same on
 * every node of a cluster) or, on a single node, generated once and kept in the data directory so
 * that tokens survive a restart.
 */
public final class TokenSecret {

  private TokenSecret() {}

  public static byte[] load(Config config) {
    String configured = config.getString("archipelago.auth.token-secret");
    if (!configured.isBlank()) {
      return configured.getBytes(StandardCharsets.UTF_8);
    }
    Path file = Path.of(config.getString("archipelago.data-dir")).resolve("token-secret");
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim().getBytes(StandardCharsets.UTF_8);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String hex = HexFormat.of().formatHex(random);
      Files.createDirectories(file.getParent());
      Files.writeString(file, hex + "\n");
      return hex.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file, e);
    }
  }
}
