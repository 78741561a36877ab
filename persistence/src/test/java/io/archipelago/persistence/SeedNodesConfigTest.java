package io.archipelago.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seed nodes are joined by the gateway (ClusterGuard), not by Akka: Akka's list must be empty. */
class SeedNodesConfigTest {

  private static final String A = "akka://archipelago@10.0.0.1:25520";
  private static final String B = "akka://archipelago@10.0.0.2:25520";

  @Test
  void seedNodesOfTheOperatorsFileMoveToTheGateway() {
    Config config =
        ArchipelagoConfig.load(
            ConfigFactory.parseString("akka.cluster.seed-nodes = [\"" + A + "\", \"" + B + "\"]"));
    assertEquals(List.of(A, B), config.getStringList("archipelago.cluster.seed-nodes"));
    assertEquals(List.of(), config.getStringList("akka.cluster.seed-nodes"));
    config.checkValid(ConfigFactory.defaultReference(), "akka");
  }

  @Test
  void seedNodesGivenAsSystemPropertiesMoveAndPassAkkasValidation() {
    System.setProperty("akka.cluster.seed-nodes.0", A);
    System.setProperty("akka.cluster.seed-nodes.1", B);
    try {
      Config config = ArchipelagoConfig.load(ConfigFactory.empty());
      assertEquals(List.of(A, B), config.getStringList("archipelago.cluster.seed-nodes"));
      assertEquals(List.of(), config.getStringList("akka.cluster.seed-nodes"));
      // What the ActorSystem does with its config: against reference.conf plus system properties.
      config.checkValid(ConfigFactory.defaultReference(), "akka");
      assertNull(System.getProperty("akka.cluster.seed-nodes.0"));
    } finally {
      System.clearProperty("akka.cluster.seed-nodes.0");
      System.clearProperty("akka.cluster.seed-nodes.1");
      ConfigFactory.invalidateCaches();
    }
  }
}
