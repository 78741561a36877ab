package io.archipelago.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * Loads the configuration of a gateway node. Layers, highest first: system properties, the
 * operator's file (application.conf or -Dconfig.file), the journal dialect's defaults
 * ({@code archipelago-dialect-<dialect>.conf}), every module's {@code archipelago-akka.conf} (Akka settings that must beat Akka's own
 * reference.conf whatever the classpath order), then all reference.conf files.
 */
public final class ArchipelagoConfig {

  public static final String AKKA_SETTINGS_RESOURCE = "archipelago-akka.conf";

  private ArchipelagoConfig() {}

  /** System properties, then application.conf (or -Dconfig.file), then our defaults. */
  public static Config load() {
    return layered(ConfigFactory.defaultApplication());
  }

  /** System properties, then {@code operatorConfig}, then our defaults. */
  public static Config load(Config operatorConfig) {
    return layered(operatorConfig);
  }

  private static Config layered(Config operatorConfig) {
    ConfigFactory.invalidateCaches();
    Config first = layered(operatorConfig, ConfigFactory.empty());
    // The dialect decides the defaults of driver, Slick profile and URL.
    String dialect = first.getString("archipelago.persistence.dialect").toLowerCase(java.util.Locale.ROOT);
    Config dialectDefaults = ConfigFactory.parseResourcesAnySyntax("archipelago-dialect-" + dialect + ".conf");
    return layered(operatorConfig, dialectDefaults);
  }

  private static Config layered(Config operatorConfig, Config dialectDefaults) {
    return ConfigFactory.defaultOverrides()
        .withFallback(operatorConfig)
        .withFallback(dialectDefaults)
        .withFallback(ConfigFactory.parseResourcesAnySyntax(AKKA_SETTINGS_RESOURCE))
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        .resolve();
  }
}
