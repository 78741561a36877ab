package io.archipelago.http;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.backend.RegistryRecovery;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.auth.KeystoneTokens;
import io.archipelago.http.auth.TempAuthUsers;
import io.archipelago.http.auth.TokenCodec;
import io.archipelago.http.auth.TokenSecret;
import io.archipelago.http.cli.AdminCli;
import io.archipelago.http.cli.AuditCli;
import io.archipelago.http.console.ConsoleRoutes;
import io.archipelago.http.s3.S3Server;
import io.archipelago.http.server.GatewayRoutes;
import io.archipelago.http.server.HttpServer;
import io.archipelago.http.server.ServerTls;
import io.archipelago.persistence.ArchipelagoConfig;
import io.archipelago.persistence.SchemaBootstrap;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one gateway node: schema, actor system (cluster, sharding, journal), engine, HTTP. {@code
 * bin/archipelago serve} runs it with the root application.conf.
 */
public final class Main {

  // Before the logger: initialising the logging framework already creates the common pool, and
  // the parallelism setting is read only then.
  static {
    widenCommonPool();
  }

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /**
   * Akka's Java API hands out CompletableFutures (Scala futures converted) whose every callback
   * runs asynchronously on the common fork-join pool. With fewer than three cores that pool has
   * parallelism 1, and the JDK then starts a new thread for each callback: thousands of threads a
   * second under load. A wider pool keeps the callbacks on a few reused threads. Must run before
   * anything touches ForkJoinPool (hence the static initializer above the logger); an explicit -D
   * setting wins.
   */
  static void widenCommonPool() {
    String property = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(property) == null) {
      System.setProperty(
          property, Integer.toString(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
  }

  public static void main(String[] args) {
    String command = args.length == 0 ? "serve" : args[0];
    if (command.equals("audit")) {
      System.exit(
          AuditCli.run(
              ArchipelagoConfig.load(),
              new PrintWriter(System.out, true),
              new PrintWriter(System.err, true),
              Arrays.copyOfRange(args, 1, args.length)));
    }
    if (command.equals("admin")) {
      System.exit(
          AdminCli.run(
              ArchipelagoConfig.load(),
              System.getenv(),
              new PrintWriter(System.out, true),
              new PrintWriter(System.err, true),
              Arrays.copyOfRange(args, 1, args.length)));
    }
    if (!command.equals("serve")) {
      System.err.println(
          "usage: archipelago serve | archipelago audit <verify|replay|export|tail> ..."
              + " | archipelago admin <backends|containers|cluster|audit> ...");
      System.exit(2);
    }
    Config config = ArchipelagoConfig.load();
    try {
      SchemaBootstrap.apply(config);
    } catch (RuntimeException e) {
      System.err.println("archipelago: " + e.getMessage());
      System.exit(1);
    }
    logCommonPool();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "archipelago", config);
    start(system)
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                log.error("could not start the gateway: {}", failure.getMessage(), failure);
                system.terminate();
                System.exit(1);
              }
            });
  }

  private static void logCommonPool() {
    int parallelism = ForkJoinPool.getCommonPoolParallelism();
    if (parallelism < 2) {
      log.warn(
          "common fork-join pool parallelism {}: every future callback starts a thread",
          parallelism);
    } else {
      log.info("common fork-join pool parallelism {}", parallelism);
    }
  }

  /**
   * Starts the engine and the HTTP servers on a system; completes when the ports are bound and the
   * node has read the cluster's backend registry (until then client requests answer 503).
   */
  public static CompletionStage<HttpServer.Binding> start(ActorSystem<?> system) {
    Config config = system.settings().config();
    ArchipelagoEngine engine = ArchipelagoEngine.start(system);
    if (config.getBoolean("archipelago.management.enabled")) {
      AkkaManagement.get(system)
          .start()
          .thenAccept(uri -> engine.sync().targets().addGatewayPort(uri.port()));
    }
    if (config.getBoolean("archipelago.cluster.bootstrap")) {
      ClusterBootstrap.get(system).start();
    }
    TempAuthUsers users =
        TempAuthUsers.fromConfig(config, config.getString("archipelago.auth.reseller-prefix"));
    TokenCodec tokens =
        new TokenCodec(
            TokenSecret.load(config),
            config.getDuration("archipelago.auth.token-ttl"),
            Clock.systemUTC());
    AuthController auth =
        new AuthController(
            users, tokens, Clock.systemUTC(), KeystoneTokens.fromConfig(config, Clock.systemUTC()));
    long maxObjectSize = config.getBytes("archipelago.http.max-object-size");
    String host = config.getString("archipelago.http.host");
    int port = config.getInt("archipelago.http.port");
    Optional<ServerTls> tls = ServerTls.swift(config);
    return HttpServer.bind(
            system,
            host,
            port,
            headLength -> new GatewayRoutes(engine, auth, maxObjectSize, headLength)::handle,
            config.getDuration("archipelago.http.shutdown-grace"),
            tls)
        .thenApply(
            binding -> {
              // Container sync never sends to the gateway's own ports, this one included.
              engine.sync().targets().addGatewayPort(binding.localAddress().getPort());
              return binding;
            })
        .thenCompose(
            binding ->
                S3Server.start(system, engine, auth, tokens, maxObjectSize)
                    .thenApply(s3 -> binding))
        .thenCompose(
            binding -> {
              RegistryRecovery recovery = RegistryRecovery.get(system);
              if (!recovery.isRecovered()) {
                log.info("waiting for the backend registry before serving requests");
              }
              return recovery.recovered().thenApply(done -> binding);
            })
        .thenApply(
            binding -> {
              printBanner(config, binding, engine, ServerTls.scheme(tls));
              return binding;
            });
  }

  private static void printBanner(
      Config config, HttpServer.Binding binding, ArchipelagoEngine engine, String scheme) {
    String url =
        scheme
            + "://"
            + binding.localAddress().getHostString()
            + ":"
            + binding.localAddress().getPort();
    StringBuilder sb = new StringBuilder();
    sb.append("\nArchipelago gateway is up (cluster node ")
        .append(engine.nodeAddress())
        .append(")\n");
    sb.append("  Auth URL:    ").append(url).append("/auth/v1.0\n");
    sb.append("  Swift API:   ").append(url).append("/v1/AUTH_<account>\n");
    sb.append("  Console:     ")
        .append(url)
        .append(ConsoleRoutes.PATH)
        .append("   (admin credentials)\n");
    sb.append("  Backends:    ");
    engine.registry().backends().stream()
        .sorted(Comparator.comparing(b -> b.id()))
        .forEach(
            b ->
                sb.append(b.id())
                    .append(" (")
                    .append(b.kind().configValue())
                    .append(", ")
                    .append(String.join("/", b.tiers()))
                    .append(") "));
    sb.append('\n');
    if (config.getBoolean("archipelago.auth.print-credentials")) {
      Config users = config.getConfig("archipelago.auth.users");
      sb.append("  Credentials (from application.conf):\n");
      users.root().keySet().stream()
          .sorted()
          .forEach(
              user -> {
                String[] words = users.getString("\"" + user + "\"").trim().split("\\s+");
                sb.append("    ").append(user).append(" / ").append(words[0]);
                if (words.length > 1) {
                  sb.append("   ")
                      .append(String.join(" ", Arrays.copyOfRange(words, 1, words.length)));
                }
                sb.append('\n');
              });
      sb.append("  Try: swift -A ")
          .append(url)
          .append("/auth/v1.0 -U test:tester -K testing stat\n");
    }
    System.out.println(sb);
    System.out.flush();
  }
}
