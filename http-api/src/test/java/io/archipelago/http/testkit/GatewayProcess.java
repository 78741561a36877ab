package io.archipelago.http.testkit;

import io.archipelago.testing.Net;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged gateway as a separate JVM, started the way bin/archipelago starts it (the jar,
 * target/lib and the root application.conf), so that a stop or a kill means what it means in
 * production. Its output goes to a log file that {@link #logTail()} shows on failure.
 */
public final class GatewayProcess implements AutoCloseable {

  /**
   * The client compiler only, unless the options say otherwise: a test's gateway lives for a few
   * thousand requests, and measured on this machine (5,100 small requests after start) it used 20 s
   * of CPU against 43 s with C2 compiling; C2's code became the cheaper only after about 45,000
   * requests. The benchmark's gateways keep the default.
   */
  static final String TEST_JIT = "-XX:TieredStopAtLevel=1";

  private final Path dataDir;
  private final Path log;
  private final List<String> jvmOptions;
  private final int httpPort;
  private final int clusterPort;
  private final int managementPort;
  private final int s3Port;
  private final java.util.Map<String, String> extraEnv = new java.util.HashMap<>();
  private final Path configFile;
  private Process process;

  public GatewayProcess(Path dataDir, List<String> jvmOptions) {
    this(dataDir, jvmOptions, null);
  }

  /**
   * A gateway started with {@code -Dconfig.file=configFile} instead of the root application.conf.
   */
  public GatewayProcess(Path dataDir, List<String> jvmOptions, Path configFile) {
    this.configFile = configFile;
    this.dataDir = dataDir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.log = dataDir.resolveSibling(dataDir.getFileName() + "-gateway.log");
    this.httpPort = Net.freePort();
    this.clusterPort = Net.freePort();
    this.managementPort = Net.freePort();
    this.s3Port = Net.freePort();
  }

  /** Sets an environment variable of the gateway process (before {@link #start()}). */
  public GatewayProcess withEnv(String name, String value) {
    extraEnv.put(name, value);
    return this;
  }

  public int httpPort() {
    return httpPort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  /** The S3 API's port. */
  public int s3Port() {
    return s3Port;
  }

  public int managementPort() {
    return managementPort;
  }

  public String managementUrl() {
    return "http://127.0.0.1:" + managementPort;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: the node dies without any shutdown. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public Path log() {
    return log;
  }

  /** Starts the node and waits until it is ready: {@code /healthcheck} answers 200. */
  public GatewayProcess start() {
    return start("/healthcheck");
  }

  /**
   * Starts the node and waits only until it serves HTTP ({@code /info}), for a node that is not
   * expected to become ready (one refused by the cluster guard).
   */
  public GatewayProcess startServing() {
    return start("/info");
  }

  private GatewayProcess start(String readyPath) {
    Path root = TestGateway.rootApplicationConf().getParent();
    Path target = root.resolve("http-api/target");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (jvmOptions.stream().noneMatch(o -> o.contains("TieredStopAtLevel"))) {
      command.add(TEST_JIT);
    }
    command.addAll(jvmOptions);
    command.add(
        "-Dconfig.file=" + (configFile != null ? configFile : root.resolve("application.conf")));
    command.add("-cp");
    command.add(target.resolve("archipelago-http-api.jar") + ":" + target.resolve("lib") + "/*");
    command.add("io.archipelago.http.Main");
    command.add("serve");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("ARCHIPELAGO_DATA_DIR", dataDir.toString());
    builder.environment().put("ARCHIPELAGO_HTTP_PORT", Integer.toString(httpPort));
    builder.environment().put("ARCHIPELAGO_CLUSTER_PORT", Integer.toString(clusterPort));
    builder.environment().put("ARCHIPELAGO_MANAGEMENT_PORT", Integer.toString(managementPort));
    builder.environment().put("ARCHIPELAGO_S3_PORT", Integer.toString(s3Port));
    builder.environment().putAll(extraEnv);
    builder.environment().put("ARCHIPELAGO_ACCESS_LOG", "WARN");
    try {
      Files.createDirectories(dataDir);
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // two cores shared by several builds: a start can take minutes
    awaitReady(readyPath, Duration.ofSeconds(180));
    return this;
  }

  private void awaitReady(String readyPath, Duration timeout) {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "gateway exited with " + process.exitValue() + "\n" + logTail());
      }
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + readyPath))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(200);
    }
    throw new IllegalStateException("gateway not ready after " + timeout + "\n" + logTail());
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  public String authUrl() {
    return baseUrl() + "/auth/v1.0";
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, as Ctrl-C or an init system would send, then wait for a clean exit. */
  public int stop() {
    if (process == null || !process.isAlive()) {
      return process == null ? 0 : process.exitValue();
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("gateway did not stop within 60 s\n" + logTail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
