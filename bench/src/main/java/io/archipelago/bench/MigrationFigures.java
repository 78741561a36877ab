package io.archipelago.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 8: live migration between two backends on the bench's Swift cluster (two container
 * prefixes of its service account, so two backends of the gateway, {@code swift-bench} and {@code
 * swift-bench-b}).
 *
 * <ul>
 *   <li>8a: the migration's copy rate against a direct store-to-store copy of the same objects
 *       between the same cluster's containers (GET from the source's container and PUT to another,
 *       the same parallelism), in the same run, after warm-up migrations of another container (a
 *       long-running node has compiled the copy's code); its note gives the CPU milliseconds per
 *       object of the gateway (its JIT apart), the bench and Swift in each;
 *   <li>8b: the p99 of client GETs and PUTs on the migrating container while its copy runs, against
 *       the same load on the same container with no migration.
 * </ul>
 */
final class MigrationFigures {

  static final String SOURCE = "swift-bench";
  static final String TARGET = "swift-bench-b";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Between two polls of the migration's status: each costs the gateway and the bench CPU that
   * Swift then lacks (the direct copy polls nothing), and the copied count moves only at the
   * gateway's checkpoints (every 200 ms here) anyway.
   */
  private static final long POLL_MILLIS = 100;

  private final SwiftHttp client;
  private final SwiftHttp admin;
  private final SwiftHttp service;
  private final LocalGateway gateway;
  private final String gatewayUrl;
  private final boolean quick;
  private final Report report;
  private final int objects;
  private final int size;
  private final int parallelism = 8;
  private final byte[] body;

  /** CPU use when the last migration's copy was over (its objects copied, or a later phase). */
  private CpuUse copyEnd;

  MigrationFigures(
      SwiftHttp client,
      SwiftHttp admin,
      SwiftHttp service,
      LocalGateway gateway,
      boolean quick,
      Report report) {
    this.client = client;
    this.admin = admin;
    this.service = service;
    this.gateway = gateway;
    this.gatewayUrl = gateway.url();
    this.quick = quick;
    this.report = report;
    this.objects = quick ? 60 : 2000;
    this.size = 64 << 10;
    this.body = new byte[size];
    new Random(8).nextBytes(body);
  }

  void run() throws Exception {
    String container = "mig-bench";
    fill(container, objects);
    double warmUp = warmUp();

    // 8a baseline: the same objects copied straight between containers of the same cluster.
    String sourceOnSwift = "/gw_AUTH_test~" + container;
    check(
        service.send(
                    service
                        .request("/direct-copy")
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .build())
                / 100
            == 2,
        "creating the direct copy's container");
    AtomicLong copied = new AtomicLong();
    CpuUse directStart = CpuUse.now(gateway);
    long t0 = System.nanoTime();
    LoadDriver.Result direct =
        LoadDriver.run(
            parallelism,
            600,
            objects,
            (w, i) -> {
              String name = name(copied.getAndIncrement());
              HttpResponse<byte[]> got =
                  service.http.send(
                      service.request(sourceOnSwift + "/" + name).GET().build(),
                      HttpResponse.BodyHandlers.ofByteArray());
              return got.statusCode() == 200
                  && service.send(
                          service
                              .request("/direct-copy/" + name)
                              .PUT(HttpRequest.BodyPublishers.ofByteArray(got.body()))
                              .build())
                      == 201;
            });
    double directSeconds = (System.nanoTime() - t0) / 1e9;
    CpuUse directCpu = CpuUse.now(gateway).minus(directStart);
    check(direct.ok() == objects, "direct copy: " + direct.failed() + " copies failed");

    // 8a: the migration of the same objects, no client load.
    CpuUse migrationStart = CpuUse.now(gateway);
    double migrationSeconds = migrate(container, TARGET);
    CpuUse migrationCpu = CpuUse.now(gateway).minus(migrationStart);
    CpuUse copyCpu = copyEnd.minus(migrationStart);
    double mib = (double) objects * size / (1 << 20);
    report.add(
        new Report.Figure(
            "8a migration copy, " + objects + " x " + (size >> 10) + " KiB",
            "MiB/s",
            mib / migrationSeconds,
            mib / directSeconds,
            "GET+PUT straight between containers of the same Swift cluster, same parallelism",
            "ratio >= 0.90",
            "parallelism "
                + parallelism
                + String.format(Locale.ROOT, ", after %.0f s of warm-up migrations", warmUp)
                + "; CPU ms per object: migration's copy "
                + copyCpu.perObject(objects)
                + ", whole migration "
                + migrationCpu.perObject(objects)
                + ", direct copy "
                + directCpu.perObject(objects)));

    // 8b: the same client load on the container without, then with a migration (back).
    double loadSeconds = quick ? 2 : 15;
    LoadDriver.Result quiet = clientLoad(container, loadSeconds, "quiet-");
    CompletableFuture<Double> moving = new CompletableFuture<>();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(
          () -> {
            try {
              moving.complete(migrate(container, SOURCE));
            } catch (Exception e) {
              moving.completeExceptionally(e);
            }
          });
      // In turns of a second until the copy is over (the driver has no stop signal).
      long movingSince = System.nanoTime();
      List<LoadDriver.Result> turns = new ArrayList<>();
      while (!moving.isDone()) {
        turns.add(clientLoad(container, 1, "during-" + turns.size() + "-"));
      }
      moving.get();
      double movingSeconds = (System.nanoTime() - movingSince) / 1e9;
      LoadDriver.Result during = LoadDriver.Result.combined(turns);
      check(
          quiet.failed() == 0 && during.failed() == 0,
          "client requests failed: "
              + quiet.failed()
              + " without migration, "
              + during.failed()
              + " during it");
      report.add(
          new Report.Figure(
              "8b client GET/PUT p99 on a migrating container",
              "ms",
              during.p99Millis(),
              quiet.p99Millis(),
              "same load on the same container, no migration",
              "ratio <= 2.0",
              String.format(
                  Locale.ROOT,
                  "4 clients, %d requests during the migration, 0 failed; the migration took %.0f s"
                      + " under that load (the copy gives way to clients) against %.0f s for 8a's"
                      + " copy alone",
                  during.ok(),
                  movingSeconds,
                  migrationSeconds)));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Creates {@code container} on the source backend with {@code count} objects of the size. */
  private void fill(String container, int count) throws IOException, InterruptedException {
    check(
        client.send(
                client
                    .request("/" + container)
                    .header("X-Storage-Policy", SOURCE)
                    .PUT(HttpRequest.BodyPublishers.noBody())
                    .build())
            == 201,
        "creating container " + container);
    AtomicLong n = new AtomicLong();
    LoadDriver.Result filled =
        LoadDriver.run(
            parallelism,
            600,
            count,
            (w, i) ->
                client.send(
                        client
                            .request("/" + container + "/" + name(n.getAndIncrement()))
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build())
                    == 201);
    check(filled.ok() == count, "filling " + container + ": " + filled.failed() + " PUTs failed");
  }

  /**
   * Migrates a container of its own back and forth until the gateway's JIT compilers are done with
   * the migration's code (as the other figures warm theirs): a first migration otherwise spends
   * seconds of CPU compiling, taken from Swift on two cores, which a long-running node pays once.
   * Answers the seconds spent.
   */
  private double warmUp() throws Exception {
    String container = "mig-warm";
    fill(container, quick ? 25 : 200);
    String[] sides = {TARGET, SOURCE};
    AtomicLong round = new AtomicLong();
    return gateway.warmUntilCompiled(
        quick ? 1 : 8, () -> migrate(container, sides[(int) (round.getAndIncrement() % 2)]));
  }

  /** Four clients for {@code seconds}: GETs of the container's objects, one in four a 4 KiB PUT. */
  private LoadDriver.Result clientLoad(String container, double seconds, String prefix)
      throws InterruptedException {
    byte[] small = new byte[4096];
    AtomicLong written = new AtomicLong();
    return LoadDriver.run(
        4,
        seconds,
        Long.MAX_VALUE,
        (w, i) -> {
          if (i % 4 == 3) {
            return client.send(
                    client
                        .request("/" + container + "/" + prefix + written.getAndIncrement())
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(small))
                        .build())
                == 201;
          }
          return client.drain(
                  client
                      .request("/" + container + "/" + name((w * 7919L + i) % objects))
                      .GET()
                      .build())
              == size;
        });
  }

  /** Migrates the container to {@code target}; seconds from the start to the copy's end. */
  private double migrate(String container, String target) throws Exception {
    String path = "/admin/containers/AUTH_test/" + container;
    long t0 = System.nanoTime();
    HttpResponse<String> started =
        adminCall(
            "POST",
            path + "/migrate",
            "{\"target\":\"" + target + "\",\"throttle\":{\"parallelism\":" + parallelism + "}}");
    check(started.statusCode() == 202, "migration start answered " + started.body());
    long total = JSON.readTree(started.body()).path("objectsTotal").asLong();
    double copySeconds = Double.NaN;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode m;
      try {
        m = JSON.readTree(adminCall("GET", path + "/migration", null).body());
      } catch (IOException refused) {
        // a poll the loaded machine could not connect: the next one tells the same
        Thread.sleep(POLL_MILLIS);
        continue;
      }
      String phase = m.path("phase").asText();
      if (Double.isNaN(copySeconds)
          && (m.path("objectsCopied").asLong() >= total
              || !(phase.equals("started") || phase.equals("copying")))) {
        copySeconds = (System.nanoTime() - t0) / 1e9;
        copyEnd = CpuUse.now(gateway);
      }
      if (phase.equals("completed")) {
        return copySeconds;
      }
      check(!phase.equals("failed") && !phase.equals("cancelled"), "migration " + m);
      Thread.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException("the migration did not complete in 10 minutes");
  }

  private HttpResponse<String> adminCall(String method, String path, String body)
      throws IOException, InterruptedException {
    return admin.http.send(
        HttpRequest.newBuilder(URI.create(gatewayUrl + path))
            .header("X-Auth-Token", admin.token)
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String name(long i) {
    return String.format("o-%06d", i);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
