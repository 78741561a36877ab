package io.archipelago.http.testkit;

import akka.actor.typed.ActorSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestGateway} per test class: started before the class's own {@code @BeforeAll} methods
 * in a data directory of its own, stopped (and the directory removed) after its {@code @AfterAll}
 * methods.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final GatewayExtension gateway = GatewayExtension.embedded(Map.of("archipelago.http.max-object-size", 1024));
 * }</pre>
 */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback {

  private final Supplier<Map<String, Object>> overrides;
  private Path dataDir;
  private TestGateway gateway;

  private GatewayExtension(Supplier<Map<String, Object>> overrides) {
    this.overrides = overrides;
  }

  /** A node on the root application.conf as {@link TestGateway} moves it. */
  public static GatewayExtension embedded() {
    return new GatewayExtension(Map::of);
  }

  /** A node with these config paths overridden. */
  public static GatewayExtension embedded(Map<String, Object> overrides) {
    return new GatewayExtension(() -> overrides);
  }

  /**
   * A node whose overrides are known only when the class starts (ports or endpoints of servers the
   * supplier starts or looks up first).
   */
  public static GatewayExtension embedded(Supplier<Map<String, Object>> overrides) {
    return new GatewayExtension(overrides);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("archipelago-gateway");
    gateway = TestGateway.start(dataDir, overrides.get());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (gateway != null) {
        gateway.close();
      }
    } finally {
      gateway = null;
      deleteTree(dataDir);
    }
  }

  public String baseUrl() {
    return started().baseUrl();
  }

  public ActorSystem<Void> system() {
    return started().system();
  }

  /** The node's data directory (journal, filesystem backends, token secret). */
  public Path dataDir() {
    started();
    return dataDir;
  }

  /** A TempAuth login of {@code user} on this node. */
  public SwiftClient login(String user, String key) {
    return SwiftClient.login(baseUrl(), user, key);
  }

  private TestGateway started() {
    if (gateway == null) {
      throw new IllegalStateException(
          "the gateway runs only between the test class's beforeAll and afterAll");
    }
    return gateway;
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + root, e);
    }
  }
}
