package io.archipelago.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Locale;

/**
 * Loads the configuration of a gateway node. Layers, highest first: system properties, the
 * operator's file (application.conf or -Dconfig.file), the journal dialect's defaults ({@code
 * archipelago-dialect-<dialect>.conf}), every module's {@code archipelago-akka.conf} (Akka settings
 * that must beat Akka's own reference.conf whatever the classpath order), then all reference.conf
 * files.
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
    String dialect = first.getString("archipelago.persistence.dialect").toLowerCase(Locale.ROOT);
    Config dialectDefaults =
        ConfigFactory.parseResourcesAnySyntax("archipelago-dialect-" + dialect + ".conf");
    return withSeedNodesJoinedByGateway(layered(operatorConfig, dialectDefaults));
  }

  /**
   * Operators list seed nodes under Akka's own key, {@code akka.cluster.seed-nodes}. Akka would
   * join them by itself at start and, on the first seed, form a new cluster when no other seed
   * answers in time, even while that cluster still writes the shared journal. The gateway joins
   * them itself instead (ClusterGuard in the engine), checking the cluster lease before it would
   * form a cluster: the list moves to {@code archipelago.cluster.seed-nodes} and Akka's is emptied.
   */
  static Config withSeedNodesJoinedByGateway(Config config) {
    if (!config.hasPath("akka.cluster.seed-nodes")) {
      return config;
    }
    List<String> seeds = config.getStringList("akka.cluster.seed-nodes");
    if (seeds.isEmpty()) {
      return config;
    }
    // Given as -Dakka.cluster.seed-nodes.N, they would come back: Akka validates its config
    // against reference.conf with the system properties applied.
    for (String property : System.getProperties().stringPropertyNames()) {
      if (property.startsWith("akka.cluster.seed-nodes")) {
        System.clearProperty(property);
      }
    }
    ConfigFactory.invalidateCaches();
    return config
        .withValue("archipelago.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(List.of()));
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
