package io.archipelago.bench;

import io.archipelago.http.Main;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A gateway node started by the benchmark as its own JVM, from this JVM's class path and an
 * operator config file (the checkout's application.conf, or a file that includes it and adds
 * backends), on loopback ports of its own.
 */
final class LocalGateway implements AutoCloseable {

  private final Path dataDir;
  private final Path config;
  private final List<String> jvmOptions;
  private final Map<String, String> env;
  private final int httpPort = Net.freePort();
  private final int clusterPort = Net.freePort();
  private Process process;

  LocalGateway(Path dataDir, Path config, List<String> jvmOptions, Map<String, String> env) {
    this.dataDir = dataDir;
    this.config = config;
    this.jvmOptions = jvmOptions;
    this.env = env;
  }

  /** Starts the node and answers how long until it was ready (/healthcheck answered 200). */
  Duration start() throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    // No load balancer polls readiness here: a stop need not keep the port open for one.
    command.add("-Darchipelago.http.unready-delay=0s");
    // An operator's experiments (e.g. -Dakka.io.tcp.direct-buffer-size=256k), after the bench's
    // own.
    String extra = System.getenv().getOrDefault("BENCH_GATEWAY_OPTS", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.add("-Dconfig.file=" + config);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("serve");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    builder.environment().put("ARCHIPELAGO_DATA_DIR", dataDir.toString());
    builder.environment().put("ARCHIPELAGO_HTTP_PORT", Integer.toString(httpPort));
    builder.environment().put("ARCHIPELAGO_CLUSTER_PORT", Integer.toString(clusterPort));
    builder.environment().put("ARCHIPELAGO_MANAGEMENT_PORT", Integer.toString(Net.freePort()));
    builder.environment().put("ARCHIPELAGO_S3_PORT", Integer.toString(Net.freePort()));
    builder.environment().put("ARCHIPELAGO_ACCESS_LOG", "WARN");
    builder.environment().putAll(env);
    long started = System.nanoTime();
    process = builder.start();
    HttpClient client = HttpClient.newHttpClient();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "gateway exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(URI.create(url() + "/healthcheck")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          Duration took = Duration.ofNanos(System.nanoTime() - started);
          System.out.printf(Locale.ROOT, "  (gateway started in %.1f s)%n", took.toMillis() / 1e3);
          return took;
        }
      } catch (IOException e) {
        // not up yet
      }
      // generous, as the Swift harness is: a restart recovers entities, and the machine may be busy
      if (Duration.ofNanos(System.nanoTime() - started).toSeconds() > 180) {
        throw new IllegalStateException("gateway did not start within 180 s:\n" + logTail());
      }
      Thread.sleep(50);
    }
  }

  private Path log() {
    return dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  /** The end of the gateway's output (the bench deletes its directory when it ends). */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  long pid() {
    return process.pid();
  }

  /**
   * Pins every thread of the gateway to the CPUs {@code cpus} names (taskset's list, e.g. "0" or
   * "0,1"), for the scaling rows: what the gateway reaches with one core, and with two.
   */
  void pin(String cpus) throws IOException, InterruptedException {
    String out = run("taskset", "-a", "-p", "-c", cpus, Long.toString(pid()));
    if (!out.contains("new affinity list")) {
      throw new IllegalStateException("taskset -c " + cpus + " failed: " + out);
    }
  }

  /** Undoes {@link #pin}: every CPU of the machine. */
  void unpin() throws IOException, InterruptedException {
    pin("0-" + (Runtime.getRuntime().availableProcessors() - 1));
  }

  /** Peak resident set size of the gateway process so far (VmHWM), in bytes. */
  long peakRss() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /**
   * CPU time (user + system) the gateway process has used so far, in milliseconds, from
   * /proc/<pid>/stat (clock ticks of 10 ms); -1 where /proc is not available.
   */
  long cpuMillis() {
    long[] cpu = cpuUserSystemMillis();
    return cpu[0] < 0 ? -1 : cpu[0] + cpu[1];
  }

  /**
   * The gateway process's CPU time so far in user space and in the kernel, in ms ({-1, -1} if
   * unknown).
   */
  long[] cpuUserSystemMillis() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(fields[11]) * 10, Long.parseLong(fields[12]) * 10};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** CPU time of the JVM's JIT compiler threads so far, in milliseconds (-1 if unknown). */
  long compilerCpuMillis() {
    long total = 0;
    try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            total += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
          }
        } catch (IOException e) {
          // the thread ended
        }
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Runs {@code round} (a few seconds of load) until the JIT compilers used under 5% of the round's
   * time, at most {@code maxRounds} times: on two cores, compilation otherwise takes CPU from the
   * gateway and the backend during the first minutes, which a long-running node does not pay.
   * Answers the seconds spent.
   */
  double warmUntilCompiled(int maxRounds, Callable<?> round) throws Exception {
    long started = System.nanoTime();
    for (int i = 0; i < maxRounds; i++) {
      long compiled = compilerCpuMillis();
      long t0 = System.nanoTime();
      round.call();
      double millis = (System.nanoTime() - t0) / 1e6;
      if (compiled >= 0 && compilerCpuMillis() - compiled < 0.05 * millis) {
        break;
      }
    }
    return (System.nanoTime() - started) / 1e9;
  }

  /** Heap in use after a full GC, read with jcmd, in bytes (-1 if jcmd is not available). */
  long heapAfterGc() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      run(jcmd.toString(), Long.toString(pid()), "GC.run");
      String info = run(jcmd.toString(), Long.toString(pid()), "GC.heap_info");
      var m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
      return m.find() ? Long.parseLong(m.group(2)) * 1024 : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      long started = System.nanoTime();
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      System.out.printf(
          Locale.ROOT, "  (gateway stopped in %.1f s)%n", (System.nanoTime() - started) / 1e9);
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
    }
  }
}
