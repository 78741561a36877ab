package io.archipelago.http.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The generated token secret (it signs every token) is readable by its owner only. */
class TokenSecretFileTest {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  @TempDir Path dataDir;

  private Config config() {
    return ConfigFactory.parseMap(
        Map.of("archipelago.data-dir", dataDir.toString(), "archipelago.auth.token-secret", ""));
  }

  @Test
  void aNewSecretIsCreatedOwnerOnlyWithNothingLeftBeside() throws Exception {
    byte[] secret = TokenSecret.load(config());
    Path file = dataDir.resolve("token-secret");
    assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(file));
    assertEquals(64, secret.length);
    try (var files = Files.list(dataDir)) {
      assertEquals(List.of(file), files.toList());
    }
    assertArrayEquals(secret, TokenSecret.load(config()), "the same secret after a restart");
  }

  @Test
  void anExistingReadableSecretIsTightenedAndLogged() throws Exception {
    Path file = dataDir.resolve("token-secret");
    Files.writeString(file, "0123456789abcdef\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Logger logger = (Logger) LoggerFactory.getLogger(TokenSecret.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      assertArrayEquals("0123456789abcdef".getBytes(), TokenSecret.load(config()));
    } finally {
      logger.detachAppender(appender);
    }
    assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(file));
    assertTrue(
        appender.list.stream()
            .anyMatch(
                e ->
                    e.getFormattedMessage().contains("rw-r--r--")
                        && e.getFormattedMessage().contains(file.toString())),
        appender.list.toString());
  }
}
