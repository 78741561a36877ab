package io.archipelago.engine.backend;

import com.typesafe.config.Config;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.remote.GuardedObjectStore;
import io.archipelago.engine.store.remote.TrustStores;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a backend an operator adds at run time before it is recorded: once in the registry's log
 * it is on every node, and a backend no node can drive (or one that points the gateway at any
 * directory of the machine) would stay there. Backends of application.conf are the operator's own
 * file and are not checked here.
 *
 * <ul>
 *   <li>its tiers are tiers that a configured placement policy uses (else nothing is ever placed on
 *       it);
 *   <li>its driver settings are those the driver needs, well formed (required keys, URLs,
 *       durations, sizes, a readable trust store);
 *   <li>a filesystem backend's root lies inside {@code archipelago.engine.filesystem-backends-dir}
 *       (default: the data directory's {@code backends}), also after following symbolic links;
 *   <li>an {@code offline-flag-file} stays inside the data directory.
 * </ul>
 */
public final class BackendValidation {

  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

  private final Config config;
  private final Set<String> tiers = new TreeSet<>();
  private final Path dataDir;
  private final Path filesystemDir;

  public BackendValidation(Config config, Collection<PlacementPolicy> policies) {
    this.config = config;
    policies.forEach(
        p -> {
          tiers.add(p.tier());
          tiers.add(p.replicaTier());
        });
    this.dataDir = Path.of(config.getString("archipelago.data-dir")).toAbsolutePath().normalize();
    this.filesystemDir =
        dataDir.resolve(config.getString("archipelago.engine.filesystem-backends-dir")).normalize();
  }

  /** Throws IllegalArgumentException saying what is wrong with the backend. */
  public void check(BackendDescriptor backend) {
    if (!backend.id().matches(NAME)) {
      throw new IllegalArgumentException("id must be 1-64 letters, digits, '.', '_' or '-'");
    }
    if (backend.tiers().isEmpty()) {
      throw new IllegalArgumentException("tiers must name at least one tier");
    }
    for (String tier : backend.tiers()) {
      if (!tiers.contains(tier)) {
        throw new IllegalArgumentException(
            "tier '"
                + tier
                + "' is not used by any placement policy (tiers: "
                + String.join(", ", tiers)
                + ")");
      }
    }
    if (backend.site().isBlank()) {
      throw new IllegalArgumentException("site must not be empty");
    }
    if (backend.capacityBytes() < 0) {
      throw new IllegalArgumentException("capacity must not be negative");
    }
    DriverSettings settings = new DriverSettings(backend.id(), backend.settings());
    switch (backend.kind()) {
      case FILESYSTEM -> checkRoot(backend);
      case SWIFT -> {
        SwiftObjectStore.checkSettings(settings);
        remote(settings);
      }
      case S3 -> {
        S3ObjectStore.checkSettings(settings);
        remote(settings);
      }
    }
    String flag = backend.settings().get("offline-flag-file");
    if (flag != null
        && !flag.isBlank()
        && !inside(resolve(dataDir, "offline-flag-file", flag), dataDir)) {
      throw new IllegalArgumentException(
          "setting 'offline-flag-file' must be a path inside the data directory");
    }
  }

  private void remote(DriverSettings settings) {
    GuardedObjectStore.Settings.of(config, settings);
    TrustStores.trustManagers(settings);
  }

  /** The same root as {@link ObjectStoreFactory} derives, inside the allowed directory. */
  private void checkRoot(BackendDescriptor backend) {
    String configured = backend.settings().getOrDefault("root", "backends/" + backend.id());
    Path root = resolve(dataDir, "root", configured);
    if (root.equals(filesystemDir) || !inside(root, filesystemDir)) {
      throw new IllegalArgumentException(
          "setting 'root' must be a directory below "
              + filesystemDir
              + " (archipelago.engine.filesystem-backends-dir)");
    }
  }

  private static Path resolve(Path base, String key, String value) {
    try {
      return base.resolve(value).normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("setting '" + key + "' is not a path: " + e.getMessage());
    }
  }

  /**
   * Whether a path lies inside a directory, also once symbolic links of its existing part are
   * followed (a link inside the directory could lead anywhere).
   */
  static boolean inside(Path path, Path directory) {
    if (!path.startsWith(directory)) {
      return false;
    }
    try {
      return real(path).startsWith(real(directory));
    } catch (IOException e) {
      return false;
    }
  }

  /** The path with the symbolic links of its longest existing part followed. */
  private static Path real(Path path) throws IOException {
    Path existing = path;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing == null
        ? path
        : existing.toRealPath().resolve(existing.relativize(path)).normalize();
  }
}
