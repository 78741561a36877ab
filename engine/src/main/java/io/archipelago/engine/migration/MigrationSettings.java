package io.archipelago.engine.migration;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The migration workers' knobs ({@code archipelago.migration} in engine's reference.conf).
 *
 * @param workers daemons spread over the cluster; a container's migration runs in daemon {@code
 *     sliceOf(container, workers)}
 * @param concurrentPerWorker migrations one daemon runs at once
 * @param parallelism objects copied at once per migration when its throttle does not say
 * @param pageSize listing page size of the copy, verification and clean-up
 * @param sampleSize objects whose content is hashed on both sides by the verification
 * @param verifyRounds verification rounds (each repairs what the previous one found) per attempt
 * @param backoff how the copy and the clean-up give way to clients and to a slower backend ({@link
 *     CopyGovernor})
 * @param backendLimits per backend id, limits shared by every migration of this node that copies
 *     from or to the backend ({@link BackendLimits})
 */
public record MigrationSettings(
    boolean enabled,
    int workers,
    int concurrentPerWorker,
    Duration tickInterval,
    Duration progressInterval,
    int parallelism,
    int pageSize,
    int sampleSize,
    int verifyRounds,
    CopyGovernor.Backoff backoff,
    Map<String, BackendLimits.Limit> backendLimits,
    Duration askTimeout) {

  private static final Set<String> LIMIT_FIELDS =
      Set.of("parallelism", "bytes-per-second", "requests-per-second", "windows");

  public static MigrationSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.migration");
    return new MigrationSettings(
        c.getBoolean("enabled"),
        c.getInt("workers"),
        c.getInt("concurrent-per-worker"),
        c.getDuration("tick-interval"),
        c.getDuration("progress-interval"),
        c.getInt("parallelism"),
        c.getInt("page-size"),
        c.getInt("sample-size"),
        c.getInt("verify-rounds"),
        new CopyGovernor.Backoff(
            c.getDouble("backoff.client-share"),
            c.getDuration("backoff.client-window").toNanos(),
            c.getDouble("backoff.latency-factor")),
        backendLimits(c.getObject("backend-limits")),
        config.getDuration("archipelago.engine.ask-timeout"));
  }

  /** Refuses at start what would otherwise be silently unlimited (a typo, a bad window). */
  static Map<String, BackendLimits.Limit> backendLimits(ConfigObject all) {
    Map<String, BackendLimits.Limit> limits = new TreeMap<>();
    String path = "archipelago.migration.backend-limits";
    for (Map.Entry<String, ConfigValue> e : all.entrySet()) {
      String at = path + "." + e.getKey();
      if (e.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new ConfigException.WrongType(e.getValue().origin(), at, "object", "not an object");
      }
      Config b = ((ConfigObject) e.getValue()).toConfig();
      for (String field : b.root().keySet()) {
        if (!LIMIT_FIELDS.contains(field)) {
          throw new ConfigException.BadValue(
              b.origin(), at + "." + field, "unknown; expected one of " + LIMIT_FIELDS);
        }
      }
      int parallelism = b.hasPath("parallelism") ? b.getInt("parallelism") : 0;
      long bytes = b.hasPath("bytes-per-second") ? b.getBytes("bytes-per-second") : 0;
      long requests = b.hasPath("requests-per-second") ? b.getLong("requests-per-second") : 0;
      if (parallelism < 0 || bytes < 0 || requests < 0) {
        throw new ConfigException.BadValue(b.origin(), at, "limits are 0 (none) or more");
      }
      List<String> windows = b.hasPath("windows") ? b.getStringList("windows") : List.of();
      try {
        TimeWindows.parse(windows);
      } catch (IllegalArgumentException bad) {
        throw new ConfigException.BadValue(b.origin(), at + ".windows", bad.getMessage());
      }
      limits.put(e.getKey(), new BackendLimits.Limit(parallelism, bytes, requests, windows));
    }
    return Map.copyOf(limits);
  }
}
