package io.archipelago.http.testkit;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.Main;
import io.archipelago.http.server.HttpServer;
import io.archipelago.persistence.ArchipelagoConfig;
import io.archipelago.persistence.SchemaBootstrap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway node inside the test JVM: the root application.conf (so the operator's file is
 * tested too) with its data directory, HTTP port and cluster port moved to the test's own.
 */
public final class TestGateway implements AutoCloseable {

  private final ActorSystem<Void> system;
  private final HttpServer.Binding binding;

  private TestGateway(ActorSystem<Void> system, HttpServer.Binding binding) {
    this.system = system;
    this.binding = binding;
  }

  public static TestGateway start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  public static TestGateway start(Path dataDir, Map<String, Object> extra) {
    Config config = config(dataDir, extra);
    SchemaBootstrap.apply(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "archipelago", config);
    try {
      HttpServer.Binding binding =
          Main.start(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      awaitMemberUp(system, Duration.ofSeconds(60));
      return new TestGateway(system, binding);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("gateway did not start", e);
    }
  }

  /**
   * The configuration a test node runs with (ports 0 unless {@code extra} names them), for tests
   * that start the node's parts themselves.
   */
  public static Config config(Path dataDir, Map<String, Object> extra) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("archipelago.data-dir", dataDir.toString());
    overrides.put("archipelago.http.port", 0);
    overrides.put("archipelago.s3.port", 0);
    overrides.put("archipelago.auth.print-credentials", false);
    overrides.put("archipelago.management.enabled", false);
    overrides.put("akka.remote.artery.canonical.port", 0);
    overrides.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    overrides.put("akka.coordinated-shutdown.exit-jvm", "off");
    overrides.putAll(extra);
    return ArchipelagoConfig.load(
        ConfigFactory.parseMap(overrides)
            .withFallback(ConfigFactory.parseFile(rootApplicationConf().toFile())));
  }

  /**
   * Waits until the node is an Up member of its cluster, so that the first request of a test does
   * not race the cluster's formation (entity asks time out until sharding can allocate).
   */
  private static void awaitMemberUp(ActorSystem<Void> system, Duration timeout)
      throws InterruptedException {
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** The checkout's application.conf, found from the module directory Maven runs tests in. */
  public static Path rootApplicationConf() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (p.resolve("application.conf").toFile().isFile()
          && p.resolve("pom.xml").toFile().isFile()) {
        return p.resolve("application.conf");
      }
    }
    throw new IllegalStateException("no application.conf above " + here);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("gateway did not stop", e);
    }
  }

  public static Duration timeout() {
    return Duration.ofSeconds(30);
  }
}
