package io.archipelago.http.auth;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret that signs tokens. Configured ({@code archipelago.auth.token-secret}, the same on
 * every node of a cluster) or, on a single node, generated once and kept in the data directory so
 * that tokens survive a restart. Whoever reads the file can mint any token, so it is readable by
 * its owner only: created so from the start, and tightened if found otherwise.
 */
public final class TokenSecret {

  private static final Logger log = LoggerFactory.getLogger(TokenSecret.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private TokenSecret() {}

  public static byte[] load(Config config) {
    String configured = config.getString("archipelago.auth.token-secret");
    if (!configured.isBlank()) {
      return configured.getBytes(StandardCharsets.UTF_8);
    }
    Path file = Path.of(config.getString("archipelago.data-dir")).resolve("token-secret");
    try {
      if (Files.exists(file)) {
        tighten(file);
        String secret = Files.readString(file).trim();
        if (secret.isEmpty()) {
          throw new IllegalStateException(
              file + " is empty: remove it to have a new secret generated");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String hex = HexFormat.of().formatHex(random);
      Files.createDirectories(file.getParent());
      create(file, hex + "\n");
      return hex.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file, e);
    }
  }

  /**
   * Writes a temporary file that is owner-only from its creation, forces it to disk and renames it
   * into place: the secret is never readable by others, nor ever seen half written.
   */
  private static void create(Path file, String content) throws IOException {
    boolean posix = posix(file);
    FileAttribute<?>[] ownerOnly =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(file.getParent(), ".token-secret", ".tmp", ownerOnly);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        channel.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void tighten(Path file) throws IOException {
    if (!posix(file)) {
      return;
    }
    Set<PosixFilePermission> found = Files.getPosixFilePermissions(file);
    if (!found.equals(OWNER_ONLY)) {
      Files.setPosixFilePermissions(file, OWNER_ONLY);
      log.warn(
          "{} was {}: set to {} (it signs every token)",
          file,
          PosixFilePermissions.toString(found),
          PosixFilePermissions.toString(OWNER_ONLY));
    }
  }

  private static boolean posix(Path file) {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
        && file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
