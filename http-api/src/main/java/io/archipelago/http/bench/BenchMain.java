package io.archipelago.http.bench;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * {@code bin/archipelago bench [--quick] [--out bench-results.json]}: measures the gateway side
 * by side with a baseline in the same run and prints ratios, so that the figures mean something
 * on a shared, noisy machine. Everything runs on 127.0.0.1 and is bounded in count and time.
 * {@code --quick} (under two minutes, run by the test suite) keeps every scenario but shrinks
 * sizes and durations.
 */
public final class BenchMain {

  private final boolean quick;
  private final Path work;
  private final Report report = new Report();

  private BenchMain(boolean quick, Path work) {
    this.quick = quick;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("bench-results.json");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(args[++i]);
        default -> {
          System.err.println("usage: archipelago bench [--quick] [--out FILE]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory("archipelago-bench");
    BenchMain bench = new BenchMain(quick, work);
    String machine = Runtime.getRuntime().availableProcessors() + " cores, "
        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB bench heap, Java " + System.getProperty("java.version");
    try {
      bench.run();
    } finally {
      deleteTree(work);
    }
    bench.report.print(machine);
    bench.report.write(out, machine, quick);
    System.out.println("\nwrote " + out.toAbsolutePath());
  }

  private void run() throws Exception {
    try (LocalGateway gateway = new LocalGateway(work.resolve("gw"), List.of("-Xmx2g"),
        Map.of("JAVA_TOOL_OPTIONS",
            "-Dakka.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout=10s"))) {
      System.out.println("starting a gateway on embedded defaults...");
      gateway.start();
      SwiftHttp client = SwiftHttp.login(gateway.url() + "/auth/v1.0", "test:tester", "testing");
      filesystemGet(gateway, client);
      hotContainer(gateway, client);
      entities(gateway, client);
      gateway.stop();
    }
    memory();
  }

  /** Figure 4: a large GET through the gateway vs reading the same file with plain JDK I/O. */
  private void filesystemGet(LocalGateway gateway, SwiftHttp client) throws Exception {
    long size = quick ? 256L << 20 : 1L << 30;
    client.send(client.request("/fsget").PUT(HttpRequest.BodyPublishers.noBody()).build());
    int status = client.send(client.request("/fsget/big").PUT(HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(size, 1)), size)).build());
    check(status == 201, "PUT of the large object answered " + status);
    Path file;
    try (Stream<Path> files = Files.walk(work.resolve("gw/backends"))) {
      file = files.filter(Files::isRegularFile).max(Comparator.comparingLong(BenchMain::sizeOf)).orElseThrow();
    }
    check(Files.size(file) == size, "did not find the stored object file");
    double best = 0;
    double bestDirect = 0;
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      long read = client.drain(client.request("/fsget/big").GET().build());
      double seconds = (System.nanoTime() - t0) / 1e9;
      check(read == size, "GET returned " + read + " bytes");
      best = Math.max(best, size / seconds / (1 << 20));
      t0 = System.nanoTime();
      long direct = readFile(file);
      seconds = (System.nanoTime() - t0) / 1e9;
      bestDirect = Math.max(bestDirect, direct / seconds / (1 << 20));
    }
    report.add(new Report.Figure("4 filesystem GET " + (size >> 20) + " MiB", "MiB/s", best, bestDirect,
        "JDK FileChannel read of the same file", "report", "best of 3, alternating"));
  }

  /**
   * Figure 7: 64 concurrent 4 KiB PUTs into one container vs the same number of durable file
   * writes (temp file, fsync, rename) done directly by the bench.
   */
  private void hotContainer(LocalGateway gateway, SwiftHttp client) throws Exception {
    double seconds = quick ? 5 : 20;
    byte[] body = new byte[4096];
    new Random(7).nextBytes(body);
    client.send(client.request("/hot").PUT(HttpRequest.BodyPublishers.noBody()).build());
    // Warm-up for as long as the measurement: on two cores the JIT's C2 compiler otherwise takes
    // half the CPU during the first seconds of a run.
    LoadDriver.run(64, seconds, Long.MAX_VALUE, (w, i) -> client.send(client.request("/hot/warm-" + w + "-" + i)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build()) == 201);
    long cpuBefore = gateway.cpuMillis();
    LoadDriver.Result measured = LoadDriver.run(64, seconds, Long.MAX_VALUE,
        (w, i) -> client.send(client.request("/hot/o-" + w + "-" + i)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build()) == 201);
    // CPU per PUT tells what caps the rate when client and gateway share a small machine.
    double cpuPerPut = (gateway.cpuMillis() - cpuBefore) / (double) Math.max(1, measured.ok());
    Path direct = Files.createDirectories(work.resolve("direct-writes"));
    LoadDriver.Result baseline = LoadDriver.run(64, seconds, Long.MAX_VALUE, (w, i) -> {
      Path tmp = direct.resolve(".tmp-" + w + "-" + i);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(body));
        ch.force(true);
      }
      Files.move(tmp, direct.resolve("o-" + w + "-" + i), StandardCopyOption.ATOMIC_MOVE);
      return true;
    });
    report.add(new Report.Figure("7 one hot container, 64 x 4 KiB PUT", "ops/s", measured.opsPerSecond(),
        baseline.opsPerSecond(), "direct temp+fsync+rename writes", ">= 2000 ops/s",
        String.format("gateway p50 %.1f ms p99 %.1f ms, %d failed, gateway CPU %.2f ms per PUT",
            measured.p50Millis(), measured.p99Millis(), measured.failed(), cpuPerPut)));
  }

  /** Figure 6: many containers, random HEADs, heap after passivation, restart to first HEADs. */
  private void entities(LocalGateway gateway, SwiftHttp client) throws Exception {
    int containers = quick ? 2_000 : 100_000;
    int heads = quick ? 5_000 : 50_000;
    long t0 = System.nanoTime();
    LoadDriver.Result created = LoadDriver.run(32, 3600, containers,
        (w, i) -> client.send(client.request("/c-" + w + "-" + i).PUT(HttpRequest.BodyPublishers.noBody()).build()) == 201);
    check(created.failed() == 0, created.failed() + " container creates failed");
    List<String> names = new ArrayList<>();
    // Rebuild the names each worker created (worker w created c-w-0 .. c-w-(n-1)).
    String listing;
    String marker = "";
    do {
      var r = client.http.send(client.request("?marker=" + marker).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
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
    LoadDriver.Result headResult = LoadDriver.run(32, 3600, heads,
        (w, i) -> client.send(client.request("/" + names.get(random.nextInt(names.size())))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()) == 204);
    report.add(new Report.Figure("6a create " + containers + " containers", "creates/s", created.opsPerSecond(),
        Double.NaN, "-", "report", String.format("p99 %.1f ms", created.p99Millis())));
    report.add(new Report.Figure("6b HEAD of random containers", "ops/s", headResult.opsPerSecond(),
        Double.NaN, "-", "report", String.format("p50 %.2f ms p99 %.1f ms", headResult.p50Millis(), headResult.p99Millis())));
    Thread.sleep(quick ? 12_000 : 25_000);
    long heap = gateway.heapAfterGc();
    report.add(new Report.Figure("6c gateway heap after passivation", "MiB", heap / 1048576.0, Double.NaN, "-",
        "report", "after GC, idle entities passivated (10 s idle timeout)"));
    gateway.stop();
    long restartStarted = System.nanoTime();
    gateway.start();
    SwiftHttp again = SwiftHttp.login(gateway.url() + "/auth/v1.0", "test:tester", "testing");
    Random r2 = new Random(5);
    LoadDriver.Result first = LoadDriver.run(16, 600, 1000,
        (w, i) -> again.send(again.request("/" + names.get(r2.nextInt(names.size())))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()) == 204);
    check(first.failed() == 0, first.failed() + " HEADs failed after restart");
    double restartSeconds = (System.nanoTime() - restartStarted) / 1e9;
    report.add(new Report.Figure("6d restart until 1000 random HEADs answered", "s", restartSeconds, Double.NaN,
        "-", "report", "from process start, includes JVM start"));
  }

  /** Figure 5: 8 parallel large uploads into a gateway limited to a 256 MiB heap. */
  private void memory() throws Exception {
    long size = quick ? 64L << 20 : 1L << 30;
    try (LocalGateway small = new LocalGateway(work.resolve("small"), List.of("-Xmx256m"), Map.of())) {
      small.start();
      SwiftHttp client = SwiftHttp.login(small.url() + "/auth/v1.0", "test:tester", "testing");
      client.send(client.request("/mem").PUT(HttpRequest.BodyPublishers.noBody()).build());
      List<CompletableFuture<Integer>> uploads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        int n = i;
        uploads.add(CompletableFuture.supplyAsync(() -> {
          try {
            return client.send(client.request("/mem/o" + n).PUT(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(size, n + 11)), size)).build());
          } catch (Exception e) {
            return -1;
          }
        }));
      }
      long ok = uploads.stream().map(CompletableFuture::join).filter(s -> s == 201).count();
      double seconds = (System.nanoTime() - t0) / 1e9;
      check(ok == 8, (8 - ok) + " of 8 parallel uploads failed");
      report.add(new Report.Figure("5 peak RSS, 8 x " + (size >> 20) + " MiB parallel PUT, -Xmx256m", "MiB",
          small.peakRss() / 1048576.0, Double.NaN, "-", "all succeed",
          String.format("8/8 succeeded, %.0f MiB/s aggregate", 8.0 * size / seconds / (1 << 20))));
      small.stop();
    }
  }

  private static long readFile(Path file) throws IOException {
    long total = 0;
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      int n;
      while ((n = ch.read(buffer)) > 0) {
        total += n;
        buffer.clear();
      }
    }
    return total;
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
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
