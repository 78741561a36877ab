package io.archipelago.multijvm;

import io.archipelago.http.testkit.GatewayProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Gateway nodes as real JVM processes from the packaged build, sharing one PostgreSQL journal, one
 * token secret, the same configuration file (the root application.conf unless given) and the same
 * filesystem backend directories, joined through seed nodes.
 */
public final class GatewayCluster implements AutoCloseable {

  private final Path work;
  private final Path backends;
  private final PostgresServer postgres;
  private final Path configFile;
  private final List<GatewayProcess> nodes = new ArrayList<>();

  /**
   * The cluster ports of the first nodes started, all of them seed nodes (as the README advises).
   */
  private List<Integer> seedPorts = List.of();

  private int counter;

  public GatewayCluster(Path work, Path backends, PostgresServer postgres) {
    this(work, backends, postgres, null);
  }

  /** Nodes started with {@code -Dconfig.file=configFile} (null: the root application.conf). */
  public GatewayCluster(Path work, Path backends, PostgresServer postgres, Path configFile) {
    this.work = work;
    this.backends = backends;
    this.postgres = postgres;
    this.configFile = configFile;
  }

  /** Starts a node (the first ones started become the seeds) and waits until it serves HTTP. */
  public GatewayProcess startNode() {
    return startNodes(1).get(0);
  }

  /** Starts nodes in parallel. */
  public List<GatewayProcess> startNodes(int count) {
    return startNodes(count, true);
  }

  /** Starts nodes one after another: slower, but each start competes less for a busy machine. */
  public List<GatewayProcess> startNodesOneByOne(int count) {
    return startNodes(count, false);
  }

  private List<GatewayProcess> startNodes(int count, boolean parallel) {
    List<GatewayProcess> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      started.add(newNode());
    }
    if (seedPorts.isEmpty()) {
      seedPorts = started.stream().map(GatewayProcess::clusterPort).toList();
      for (GatewayProcess n : started) {
        n.withEnv("JAVA_TOOL_OPTIONS", jvmOptions(seedPorts));
      }
    }
    // Tracked before they start, so that close() stops them even when one fails to start.
    nodes.addAll(started);
    List<CompletableFuture<Void>> starting = new ArrayList<>();
    for (GatewayProcess n : started) {
      if (parallel) {
        starting.add(CompletableFuture.runAsync(n::start));
      } else {
        n.start();
      }
    }
    starting.forEach(CompletableFuture::join);
    return started;
  }

  private GatewayProcess newNode() {
    int index = ++counter;
    GatewayProcess node =
        new GatewayProcess(work.resolve("node" + index), List.of("-Xmx384m"), configFile);
    if (!seedPorts.isEmpty()) {
      node.withEnv("JAVA_TOOL_OPTIONS", jvmOptions(seedPorts));
    }
    node.withEnv("ARCHIPELAGO_DB_DIALECT", "postgres")
        .withEnv("ARCHIPELAGO_DB_URL", postgres.jdbcUrl())
        .withEnv("ARCHIPELAGO_DB_USER", postgres.user())
        .withEnv("ARCHIPELAGO_TOKEN_SECRET", "multi-jvm-test-secret");
    return node;
  }

  /**
   * Starts a node on the same journal whose only seed node is itself, as the README once advised
   * for the first node: it would form a second cluster. Waits until it serves HTTP (it never
   * becomes ready).
   */
  public GatewayProcess startNodeSeededByItself() {
    GatewayProcess node = newNode();
    node.withEnv("JAVA_TOOL_OPTIONS", jvmOptions(List.of(node.clusterPort())));
    nodes.add(node);
    return node.startServing();
  }

  private String jvmOptions(List<Integer> seeds) {
    StringBuilder seedOptions = new StringBuilder();
    for (int i = 0; i < seeds.size(); i++) {
      seedOptions
          .append("-Dakka.cluster.seed-nodes.")
          .append(i)
          .append("=akka://archipelago@127.0.0.1:")
          .append(seeds.get(i))
          .append(' ');
    }
    return String.join(
        " ",
        seedOptions.toString().trim(),
        "-Darchipelago.backends.local-standard.root=" + backends.resolve("local-standard"),
        "-Darchipelago.backends.local-archive.root=" + backends.resolve("local-archive"),
        "-Darchipelago.backends.site-b.root=" + backends.resolve("site-b"),
        // backends added through the admin API live on the shared storage too
        "-Darchipelago.engine.filesystem-backends-dir=" + backends,
        "-Darchipelago.placement.policies.gold.tier=gold",
        "-Darchipelago.http.unready-delay=2s");
  }

  public List<GatewayProcess> nodes() {
    return nodes;
  }

  public List<GatewayProcess> alive() {
    return nodes.stream().filter(GatewayProcess::isAlive).toList();
  }

  public String logs() {
    StringBuilder sb = new StringBuilder();
    for (GatewayProcess n : nodes) {
      sb.append("\n===== node on port ")
          .append(n.httpPort())
          .append(" (")
          .append(n.log())
          .append(")\n");
      sb.append(n.logTail());
    }
    return sb.toString();
  }

  @Override
  public void close() {
    nodes.forEach(GatewayProcess::close);
  }
}
