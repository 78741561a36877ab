package io.archipelago.engine.integrity;

import com.typesafe.config.Config;
import io.archipelago.engine.backend.BackendKind;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code archipelago.integrity}: verification of whole-object reads and the scrubber's pace.
 *
 * @param scrubKinds the backend kinds the scrubber reads whole (filesystem by default; remote
 *     backends whose ETag is the MD5 of the bytes may be added)
 * @param scrubInterval pause between the end of a pass over a backend and the next pass
 * @param quarantineListSize how many quarantined objects the admin API lists (newest first)
 */
public record IntegritySettings(
    boolean verifyOnRead,
    boolean scrubEnabled,
    Set<BackendKind> scrubKinds,
    long scrubBytesPerSecond,
    int scrubObjectsPerSecond,
    Duration scrubInterval,
    Duration scrubStartDelay,
    Duration scrubTick,
    int scrubPageSize,
    int checkpointEvery,
    int quarantineListSize,
    Duration askTimeout) {

  public static IntegritySettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.integrity");
    return new IntegritySettings(
        c.getBoolean("verify-on-read"),
        c.getBoolean("scrub.enabled"),
        c.getStringList("scrub.kinds").stream()
            .map(k -> BackendKind.fromConfigValue(k.trim()))
            .collect(Collectors.toUnmodifiableSet()),
        Math.max(1, c.getBytes("scrub.bytes-per-second")),
        Math.max(1, c.getInt("scrub.objects-per-second")),
        c.getDuration("scrub.interval"),
        c.getDuration("scrub.start-delay"),
        c.getDuration("scrub.tick"),
        Math.max(1, c.getInt("scrub.page-size")),
        Math.max(1, c.getInt("scrub.checkpoint-every")),
        Math.max(0, c.getInt("quarantine-list-size")),
        config.getDuration("archipelago.engine.ask-timeout"));
  }
}
