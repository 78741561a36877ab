package io.archipelago.bench;

import io.archipelago.testing.Generated;
import io.archipelago.testing.SwiftCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code bin/archipelago bench [--quick] [--only 1,2,...] [--out bench-results.json]}: measures the
 * gateway side by side with a baseline in the same run and prints ratios, so that the figures mean
 * something on a shared, noisy machine. Everything runs on 127.0.0.1 and is bounded in count and
 * time. {@code --quick} (under two minutes, run by the test suite) keeps every scenario but shrinks
 * sizes and durations. It exits non-zero when a scenario failed or a figure is missing or not a
 * finite number, so that a broken benchmark fails the test suite; missed targets do not.
 *
 * <p>Figures 1 to 3 need a real Swift cluster: the bench starts one with the project's harness
 * ({@code archipelago-testing}, main code shared with the tests, which runs Debian's Swift daemons
 * through {@code testing/swift/launch.py} of the checkout given as {@code
 * -Darchipelago.repo.root}), and a gateway whose config adds that cluster as a backend.
 */
public final class BenchMain {

  /** Every figure a complete run reports, by the number its name starts with. */
  static final List<String> FIGURES =
      List.of("1", "2", "3", "4", "5", "6a", "6b", "6c", "6d", "7", "8a", "8b", "8c");

  private static final String SWIFT_POLICY = "swift-bench";

  private final boolean quick;

  /** The figures to run ({@code --only}); all by default. */
  private final Set<String> only;

  private final Path work;
  private final Path repoRoot;
  private final Path rootConfig;
  private final Report report = new Report();

  /** What a Ctrl-C must stop: Swift daemons and gateway JVMs outlive the bench otherwise. */
  private final List<AutoCloseable> running = new ArrayList<>();

  private BenchMain(boolean quick, Set<String> only, Path work) {
    this.quick = quick;
    this.only = only;
    this.work = work;
    this.rootConfig =
        Path.of(System.getProperty("archipelago.config", "application.conf")).toAbsolutePath();
    this.repoRoot =
        Path.of(System.getProperty("archipelago.repo.root", rootConfig.getParent().toString()));
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = new LinkedHashSet<>(FIGURES);
    Path out = Path.of("bench-results.json");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(args[++i]);
        case "--only" -> {
          only.clear();
          for (String figure : args[++i].split(",")) {
            if (!FIGURES.contains(figure.trim())
                && !figure.trim().equals("6")
                && !figure.trim().equals("8")) {
              System.err.println(
                  "bench: no figure " + figure + " (figures: " + String.join(", ", FIGURES) + ")");
              System.exit(2);
            }
            FIGURES.stream().filter(f -> f.startsWith(figure.trim())).forEach(only::add);
          }
        }
        default -> {
          System.err.println("usage: archipelago bench [--quick] [--only 1,2,...] [--out FILE]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory("archipelago-bench");
    BenchMain bench = new BenchMain(quick, only, work);
    Thread stopper = new Thread(bench::stopAll, "bench-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    String machine =
        Runtime.getRuntime().availableProcessors()
            + " cores, "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB bench heap, Java "
            + System.getProperty("java.version");
    long started = System.nanoTime();
    boolean failed = false;
    try {
      bench.run();
    } catch (Exception e) {
      System.err.println("bench: a scenario failed:");
      e.printStackTrace();
      failed = true;
    } finally {
      bench.stopAll();
      Runtime.getRuntime().removeShutdownHook(stopper);
      if (failed) {
        keepLogs(work, Path.of(out + ".logs"));
      }
      deleteTree(work);
    }
    bench.report.print(machine);
    bench.report.write(out, machine, quick);
    System.out.printf(
        "%nwrote %s (%.0f s)%n", out.toAbsolutePath(), (System.nanoTime() - started) / 1e9);
    List<String> problems = bench.report.problems(List.copyOf(only));
    problems.forEach(p -> System.err.println("bench: " + p));
    System.exit(failed || !problems.isEmpty() ? 1 : 0);
  }

  private void run() throws Exception {
    System.out.println("starting a Swift cluster (the project's test harness)...");
    SwiftCluster swift = started(SwiftCluster.start("bench", repoRoot));
    Path config = swiftBackendConfig(swift);
    try (LocalGateway gateway =
        started(
            new LocalGateway(
                work.resolve("gw"),
                config,
                List.of("-Xmx2g"),
                Map.of(
                    "JAVA_TOOL_OPTIONS",
                    "-Dakka.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout="
                        + (quick ? "2s" : "10s"))))) {
      System.out.println(
          "starting a gateway on embedded defaults plus that Swift cluster as a backend...");
      gateway.start();
      SwiftHttp client = SwiftHttp.login(gateway.url() + "/auth/v1.0", "test:tester", "testing");
      if (selected("1", "2", "3")) {
        timed("figures 1-3", () -> swiftFigures(swift, gateway, client));
      }
      if (selected("4")) {
        timed("figure 4", () -> new FilesystemFigures(client, work, quick, report).run());
      }
      if (selected("7")) {
        timed("figure 7", () -> hotContainer(gateway, client));
      }
      if (selected("8a", "8b")) {
        long figure8 = System.nanoTime();
        new MigrationFigures(
                client,
                SwiftHttp.login(gateway.url() + "/auth/v1.0", "admin:admin", "admin"),
                SwiftHttp.login(
                    swift.authUrl(), SwiftCluster.SERVICE_USER, SwiftCluster.SERVICE_KEY),
                gateway,
                quick,
                report)
            .run();
        took("figures 8a-8b", figure8);
      }
      if (selected("6a", "6b", "6c", "6d")) {
        timed("figure 6", () -> entities(gateway, client));
      }
      gateway.stop();
    }
    if (selected("8c")) {
      long figure8c = System.nanoTime();
      // Gateways of its own (sync off to write the backlog, then on), after the main one stopped.
      new SyncFigures(
              SwiftHttp.login(swift.authUrl(), SwiftCluster.SERVICE_USER, SwiftCluster.SERVICE_KEY),
              config,
              work.resolve("gw-sync"),
              quick,
              report,
              this::started)
          .run();
      took("figure 8c", figure8c);
    }
    swift.close();
    if (selected("5")) {
      timed("figure 5", this::memory);
    }
  }

  /** A part of the run, measured: what the wall time of {@code bench --quick} in CI is made of. */
  private interface Part {
    void run() throws Exception;
  }

  private static void timed(String name, Part part) throws Exception {
    long started = System.nanoTime();
    part.run();
    took(name, started);
  }

  private static void took(String name, long startedNanos) {
    System.out.printf(
        Locale.ROOT, "  (%s took %.0f s)%n", name, (System.nanoTime() - startedNanos) / 1e9);
  }

  boolean selected(String... figures) {
    return Arrays.stream(figures).anyMatch(only::contains);
  }

  private <T extends AutoCloseable> T started(T resource) {
    synchronized (running) {
      running.add(resource);
    }
    return resource;
  }

  private void stopAll() {
    synchronized (running) {
      for (AutoCloseable r : running) {
        try {
          r.close();
        } catch (Exception e) {
          System.err.println("bench: could not stop " + r + ": " + e);
        }
      }
      running.clear();
    }
  }

  /**
   * The operator config of the gateway under test: the checkout's application.conf plus the started
   * Swift cluster as backend {@value #SWIFT_POLICY} (the gateway's TempAuth service account there)
   * with a policy of the same name whose tier only that backend carries.
   */
  private Path swiftBackendConfig(SwiftCluster swift) throws IOException {
    Map<String, String> backend = new LinkedHashMap<>();
    backend.put("kind", "swift");
    backend.put("site", SWIFT_POLICY);
    backend.putAll(swift.driverSettings("gw_"));
    StringBuilder text = new StringBuilder("include file(" + quoted(rootConfig.toString()) + ")\n");
    String b = "archipelago.backends." + quoted(SWIFT_POLICY);
    text.append(b).append(".tiers = [").append(quoted(SWIFT_POLICY)).append("]\n");
    backend.forEach(
        (k, v) ->
            text.append(b).append('.').append(k).append(" = ").append(quoted(v)).append('\n'));
    String p = "archipelago.placement.policies." + quoted(SWIFT_POLICY);
    text.append(p).append(".tier = ").append(quoted(SWIFT_POLICY)).append('\n');
    text.append(p).append(".replicas = 0\n");
    // Figure 8's migration target: the same cluster under another container prefix.
    String target = MigrationFigures.TARGET;
    Map<String, String> second = new LinkedHashMap<>(backend);
    second.putAll(swift.driverSettings("gwb_"));
    // a site of its own: figure 8c's replicas go to another site than their primary
    second.put("site", target);
    String b2 = "archipelago.backends." + quoted(target);
    text.append(b2).append(".tiers = [").append(quoted(target)).append("]\n");
    second.forEach(
        (k, v) ->
            text.append(b2).append('.').append(k).append(" = ").append(quoted(v)).append('\n'));
    // Figure 8c's replicated containers: primary on the first backend, replica on the second.
    String sync = "archipelago.placement.policies." + quoted(SyncFigures.POLICY);
    text.append(sync).append(".tier = ").append(quoted(SWIFT_POLICY)).append('\n');
    text.append(sync).append(".replicas = 1\n");
    text.append(sync).append(".replica-tier = ").append(quoted(target)).append('\n');
    text.append("archipelago.migration.tick-interval = 200ms\n");
    text.append("archipelago.migration.progress-interval = 200ms\n");
    return Files.writeString(work.resolve("gateway.conf"), text);
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Figures 1-3: through the gateway to Swift vs the same requests straight to Swift's proxy. */
  private void swiftFigures(SwiftCluster swift, LocalGateway gateway, SwiftHttp gatewayClient)
      throws Exception {
    SwiftHttp directClient = SwiftHttp.login(swift.authUrl(), "test:tester", "testing");
    URI proxy = URI.create(directClient.storageUrl);
    try (TcpRelay relay = new TcpRelay(new InetSocketAddress(proxy.getHost(), proxy.getPort()))) {
      new SwiftFigures(
              new SwiftFigures.Side(
                  "gateway", gatewayClient, new String[] {"X-Storage-Policy", SWIFT_POLICY}),
              new SwiftFigures.Side("direct", directClient, new String[0]),
              gateway,
              relay,
              quick,
              report)
          .run(only);
    }
    if (only.contains("2")) {
      // The gateway's objects must have gone to that cluster, not to a filesystem backend.
      SwiftHttp service =
          SwiftHttp.login(swift.authUrl(), SwiftCluster.SERVICE_USER, SwiftCluster.SERVICE_KEY);
      int status =
          service.send(
              service
                  .request("/gw_AUTH_test~bench-small/w-0")
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build());
      check(
          status == 200,
          "the gateway's 4 KiB objects are not on the Swift cluster (HEAD answered "
              + status
              + ")");
    }
  }

  /**
   * Figure 7: 64 concurrent 4 KiB PUTs into one container vs the same number of durable file writes
   * (temp file, fsync, rename) done directly by the bench.
   */
  private void hotContainer(LocalGateway gateway, SwiftHttp client) throws Exception {
    double seconds = quick ? 1.5 : 20;
    byte[] body = new byte[4096];
    new Random(7).nextBytes(body);
    client.send(client.request("/hot").PUT(HttpRequest.BodyPublishers.noBody()).build());
    AtomicInteger warmed = new AtomicInteger();
    double warmUp =
        gateway.warmUntilCompiled(
            quick ? 1 : 24,
            () ->
                LoadDriver.run(
                    64,
                    quick ? 1 : 5,
                    Long.MAX_VALUE,
                    (w, i) ->
                        client.send(
                                client
                                    .request("/hot/warm-" + warmed.getAndIncrement())
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                    .build())
                            == 201));
    // The three sides take turns in rounds (the first one rotating): the machine's fsync and
    // scheduling costs move by a factor of two within minutes here, and should fall on all alike.
    int rounds = quick ? 1 : 4;
    Path direct = Files.createDirectories(work.resolve("direct-writes"));
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<LoadDriver.Result> gatewayRuns = new ArrayList<>();
    List<LoadDriver.Result> directRuns = new ArrayList<>();
    List<LoadDriver.Result> bareRuns = new ArrayList<>();
    long[] gatewayCpu = new long[2];
    long benchCpuForDirect = 0;
    // The same PUTs to a bare HTTP server doing the same durable write: what HTTP plus that
    // write allow on this machine, before anything a gateway does.
    try (BareObjectServer server = new BareObjectServer(work.resolve("bare-writes"), 64)) {
      SwiftHttp bareClient = SwiftHttp.unauthenticated(server.url());
      LoadDriver.run(
          64,
          quick ? 1 : 3,
          Long.MAX_VALUE,
          (w, i) ->
              bareClient.send(
                      bareClient
                          .request("/warm")
                          .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                          .build())
                  == 201);
      for (int round = 0; round < rounds; round++) {
        int r = round;
        for (int turn = 0; turn < 3; turn++) {
          switch ((round + turn) % 3) {
            case 0 -> {
              long[] before = gateway.cpuUserSystemMillis();
              gatewayRuns.add(
                  LoadDriver.run(
                      64,
                      seconds / rounds,
                      Long.MAX_VALUE,
                      (w, i) ->
                          client.send(
                                  client
                                      .request("/hot/o-" + r + "-" + w + "-" + i)
                                      .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                      .build())
                              == 201));
              // CPU per PUT tells what caps the rate when client and gateway share a small machine.
              long[] after = gateway.cpuUserSystemMillis();
              gatewayCpu[0] += after[0] - before[0];
              gatewayCpu[1] += after[1] - before[1];
            }
            case 1 -> {
              // The bench's own CPU while it writes directly: what one durable small-file write
              // costs.
              long before = os.getProcessCpuTime();
              directRuns.add(
                  LoadDriver.run(
                      64,
                      seconds / rounds,
                      Long.MAX_VALUE,
                      (w, i) -> {
                        BareObjectServer.writeDurably(direct, "o-" + r + "-" + w + "-" + i, body);
                        return true;
                      }));
              benchCpuForDirect += os.getProcessCpuTime() - before;
            }
            default ->
                bareRuns.add(
                    LoadDriver.run(
                        64,
                        seconds / rounds,
                        Long.MAX_VALUE,
                        (w, i) ->
                            bareClient.send(
                                    bareClient
                                        .request("/o")
                                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                        .build())
                                == 201));
          }
        }
      }
    }
    LoadDriver.Result measured = LoadDriver.Result.combined(gatewayRuns);
    LoadDriver.Result baseline = LoadDriver.Result.combined(directRuns);
    LoadDriver.Result bare = LoadDriver.Result.combined(bareRuns);
    double userPerPut = gatewayCpu[0] / (double) Math.max(1, measured.ok());
    double kernelPerPut = gatewayCpu[1] / (double) Math.max(1, measured.ok());
    double directCpuPerWrite = benchCpuForDirect / 1e6 / Math.max(1, baseline.ok());
    report.add(
        new Report.Figure(
            "7 one hot container, 64 x 4 KiB PUT",
            "ops/s",
            measured.opsPerSecond(),
            baseline.opsPerSecond(),
            "direct temp+fsync+rename writes",
            ">= 2500 ops/s",
            String.format(
                Locale.ROOT,
                "%d turns each; gateway p50 %.1f ms p99 %.1f ms, %d failed; gateway CPU per PUT %.2f ms user + %.2f ms kernel;"
                    + " a direct write %.2f ms CPU; warmed up %.0f s until its JIT was quiet; bare HTTP server %.0f ops/s,"
                    + " p50 %.1f ms p99 %.1f ms, %d failed",
                rounds,
                measured.p50Millis(),
                measured.p99Millis(),
                measured.failed(),
                userPerPut,
                kernelPerPut,
                directCpuPerWrite,
                warmUp,
                bare.opsPerSecond(),
                bare.p50Millis(),
                bare.p99Millis(),
                bare.failed()),
            bare.opsPerSecond(),
            "the same PUTs to a bare JDK HTTP server doing the same durable write"));
    if (!quick) {
      // Scaling rows: the same load with the gateway's JVM pinned to one core, then to two.
      for (String cpus : List.of("0", "0,1")) {
        gateway.pin(cpus);
        try {
          long[] before = gateway.cpuUserSystemMillis();
          LoadDriver.Result pinned =
              LoadDriver.run(
                  64,
                  seconds / 2,
                  Long.MAX_VALUE,
                  (w, i) ->
                      client.send(
                              client
                                  .request("/hot/c" + cpus.length() + "-" + w + "-" + i)
                                  .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                  .build())
                          == 201);
          long[] after = gateway.cpuUserSystemMillis();
          report.addScalingRows(
              "7 one hot container, 64 x 4 KiB PUT",
              cpus,
              pinned,
              measured,
              after[0] + after[1] - before[0] - before[1]);
        } finally {
          gateway.unpin();
        }
      }
    }
  }

  /** Figure 6: many containers, random HEADs, heap after passivation, restart to first HEADs. */
  private void entities(LocalGateway gateway, SwiftHttp client) throws Exception {
    int containers = quick ? 600 : 100_000;
    int heads = quick ? 2_000 : 50_000;
    long t0 = System.nanoTime();
    LoadDriver.Result created =
        LoadDriver.run(
            32,
            3600,
            containers,
            (w, i) ->
                client.send(
                        client
                            .request("/c-" + w + "-" + i)
                            .PUT(HttpRequest.BodyPublishers.noBody())
                            .build())
                    == 201);
    check(created.failed() == 0, created.failed() + " container creates failed");
    List<String> names = new ArrayList<>();
    // Rebuild the names each worker created (worker w created c-w-0 .. c-w-(n-1)).
    String listing;
    String marker = "";
    do {
      var r =
          client.http.send(
              client.request("?marker=" + marker).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      listing = r.body();
      for (String n : listing.lines().toList()) {
        if (n.startsWith("c-")) {
          names.add(n);
        }
        marker = n;
      }
    } while (!listing.isEmpty());
    check(names.size() >= containers, "listed " + names.size() + " containers of " + containers);
    Random random = new Random(3);
    LoadDriver.Result headResult =
        LoadDriver.run(
            32,
            3600,
            heads,
            (w, i) ->
                client.send(
                        client
                            .request("/" + names.get(random.nextInt(names.size())))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .build())
                    == 204);
    report.add(
        new Report.Figure(
            "6a create " + containers + " containers",
            "creates/s",
            created.opsPerSecond(),
            Double.NaN,
            "-",
            "report",
            String.format("p99 %.1f ms", created.p99Millis())));
    report.add(
        new Report.Figure(
            "6b HEAD of random containers",
            "ops/s",
            headResult.opsPerSecond(),
            Double.NaN,
            "-",
            "report",
            String.format(
                "p50 %.2f ms p99 %.1f ms", headResult.p50Millis(), headResult.p99Millis())));
    // Past the idle timeout plus a passivation check (every half timeout).
    Thread.sleep(quick ? 3_500 : 25_000);
    long heap = gateway.heapAfterGc();
    report.add(
        new Report.Figure(
            "6c gateway heap after passivation",
            "MiB",
            heap / 1048576.0,
            Double.NaN,
            "-",
            "report",
            "after GC, idle entities passivated (" + (quick ? 2 : 10) + " s idle timeout)"));
    gateway.stop();
    long restartStarted = System.nanoTime();
    gateway.start();
    SwiftHttp again = SwiftHttp.login(gateway.url() + "/auth/v1.0", "test:tester", "testing");
    Random r2 = new Random(5);
    LoadDriver.Result first =
        LoadDriver.run(
            16,
            600,
            1000,
            (w, i) ->
                again.send(
                        again
                            .request("/" + names.get(r2.nextInt(names.size())))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .build())
                    == 204);
    check(first.failed() == 0, first.failed() + " HEADs failed after restart");
    double restartSeconds = (System.nanoTime() - restartStarted) / 1e9;
    report.add(
        new Report.Figure(
            "6d restart until 1000 random HEADs answered",
            "s",
            restartSeconds,
            Double.NaN,
            "-",
            "report",
            "from process start, includes JVM start"));
  }

  /** Figure 5: 8 parallel large uploads into a gateway limited to a 256 MiB heap. */
  private void memory() throws Exception {
    long size = quick ? 32L << 20 : 1L << 30;
    try (LocalGateway small =
        started(
            new LocalGateway(work.resolve("small"), rootConfig, List.of("-Xmx256m"), Map.of()))) {
      small.start();
      SwiftHttp client = SwiftHttp.login(small.url() + "/auth/v1.0", "test:tester", "testing");
      client.send(client.request("/mem").PUT(HttpRequest.BodyPublishers.noBody()).build());
      List<CompletableFuture<Integer>> uploads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        int n = i;
        uploads.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return client.send(
                        client
                            .request("/mem/o" + n)
                            .PUT(
                                HttpRequest.BodyPublishers.fromPublisher(
                                    HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new Generated(size, n + 11)),
                                    size))
                            .build());
                  } catch (Exception e) {
                    return -1;
                  }
                }));
      }
      long ok = uploads.stream().map(CompletableFuture::join).filter(s -> s == 201).count();
      double seconds = (System.nanoTime() - t0) / 1e9;
      check(ok == 8, (8 - ok) + " of 8 parallel uploads failed");
      report.add(
          new Report.Figure(
              "5 peak RSS, 8 x " + (size >> 20) + " MiB parallel PUT, -Xmx256m",
              "MiB",
              small.peakRss() / 1048576.0,
              Double.NaN,
              "-",
              "all succeed",
              String.format(
                  "8/8 succeeded, %.0f MiB/s aggregate", 8.0 * size / seconds / (1 << 20))));
      small.stop();
    }
  }

  /** After a failure: the gateways' whole logs (the exception shows only their end). */
  private static void keepLogs(Path work, Path into) {
    try (Stream<Path> logs = Files.list(work)) {
      Files.createDirectories(into);
      for (Path log : logs.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        Files.copy(log, into.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      System.err.println("bench: gateway logs kept in " + into.toAbsolutePath());
    } catch (IOException e) {
      System.err.println("bench: could not keep the gateway logs: " + e);
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
