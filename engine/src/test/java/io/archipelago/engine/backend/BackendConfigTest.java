package io.archipelago.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

  @Test
  void readsDescriptorsAndDriverSettings() {
    var config =
        ConfigFactory.parseString(
            """
            archipelago.backends {
              fs-a {
                kind = filesystem
                tiers = [standard]
                site = paris
                capacity = 10G
                root = "/srv/a"
                fsync = true
              }
              "swift.b" {
                kind = swift
                tiers = [standard, archive]
                state = draining
                auth { url = "https://keystone.example/v3", user = gateway }
              }
              s3-c { kind = S3, tiers = [archive], site = lyon, state = DOWN }
            }
            """);

    List<BackendDescriptor> backends = BackendConfig.fromConfig(config);

    assertEquals(
        List.of(
            new BackendDescriptor(
                "fs-a",
                BackendKind.FILESYSTEM,
                Set.of("standard"),
                "paris",
                10L << 30,
                BackendState.ACTIVE,
                Map.of("root", "/srv/a", "fsync", "true")),
            new BackendDescriptor(
                "s3-c", BackendKind.S3, Set.of("archive"), "lyon", 0, BackendState.DOWN, Map.of()),
            new BackendDescriptor(
                "swift.b",
                BackendKind.SWIFT,
                Set.of("standard", "archive"),
                "default",
                0,
                BackendState.DRAINING,
                Map.of("auth.url", "https://keystone.example/v3", "auth.user", "gateway"))),
        backends);
  }

  @Test
  void noBackendsIsAnEmptyList() {
    assertTrue(BackendConfig.fromConfig(ConfigFactory.load()).isEmpty());
  }

  @Test
  void kindsHaveAliasesAndUnknownKindsFail() {
    assertEquals(BackendKind.FILESYSTEM, BackendKind.fromConfigValue("fs"));
    assertEquals(BackendKind.FILESYSTEM, BackendKind.fromConfigValue("FileSystem"));
    assertEquals("swift", BackendKind.SWIFT.configValue());
    var config =
        ConfigFactory.parseString("archipelago.backends { x { kind = ceph, tiers = [standard] } }");
    var e = assertThrows(IllegalArgumentException.class, () -> BackendConfig.fromConfig(config));
    assertTrue(e.getMessage().contains("ceph"), e.getMessage());
  }

  @Test
  void anUnknownStateFails() {
    var config =
        ConfigFactory.parseString(
            "archipelago.backends { x { kind = fs, tiers = [standard], state = asleep } }");
    assertThrows(IllegalArgumentException.class, () -> BackendConfig.fromConfig(config));
  }
}
