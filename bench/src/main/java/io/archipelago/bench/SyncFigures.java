package io.archipelago.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figure 8c: the sync of a replicated container's backlog from one backend to another on the
 * bench's Swift cluster ({@code swift-bench} to {@code swift-bench-b}, policy {@value #POLICY}),
 * against a direct store-to-store copy of the same objects between the same cluster's containers
 * (GET and PUT with the service account's token, as many at once as the sync's {@code
 * max-parallel-copies}), in the same run.
 *
 * <p>The backlog is written through a gateway of its own with the sync off; the same gateway then
 * starts again with the sync on and works it off. The backlog begins with as many warm-up objects
 * (fewer in quick mode), which the sync copies first (one container's changes go in order): the
 * timed part is a warm node's, as 8a's warm-up migrations make 8a's, and not the first seconds of a
 * JVM that spends them compiling and loading classes. The sync is timed as {@code SyncThroughputIT}
 * times it, by the node's {@code archipelago_sync_copied_objects_total} (polled every 50 ms): from
 * the count passing the warm-up to the last object.
 */
final class SyncFigures {

  /** The bench config's policy: primary on {@code swift-bench}, one replica on the other. */
  static final String POLICY = "sync-bench";

  private static final Pattern COPIED =
      Pattern.compile("^archipelago_sync_copied_objects_total (\\d+)", Pattern.MULTILINE);

  private final SwiftHttp service;
  private final Path config;
  private final Path dataDir;
  private final Report report;
  private final int objects;
  private final int warmUp;

  /** CPU use over the timed part of the sync. */
  private CpuUse syncCpu;

  private final int size = 64 << 10;
  private final int parallelism = 8;
  private final byte[] body;

  private final UnaryOperator<LocalGateway> stopOnExit;

  /**
   * @param stopOnExit registers a gateway to be stopped if the bench is interrupted
   */
  SyncFigures(
      SwiftHttp service,
      Path config,
      Path dataDir,
      boolean quick,
      Report report,
      UnaryOperator<LocalGateway> stopOnExit) {
    this.stopOnExit = stopOnExit;
    this.service = service;
    this.config = config;
    this.dataDir = dataDir;
    this.report = report;
    this.objects = quick ? 50 : 1000;
    this.warmUp = quick ? 50 : 1000;
    this.body = new byte[size];
    new Random(9).nextBytes(body);
  }

  void run() throws Exception {
    String container = "sync-bench";
    try (LocalGateway writer =
        stopOnExit.apply(
            new LocalGateway(
                dataDir,
                config,
                List.of("-Xmx1g"),
                Map.of("JAVA_TOOL_OPTIONS", "-Darchipelago.sync.enabled=false")))) {
      writer.start();
      SwiftHttp client = SwiftHttp.login(writer.url() + "/auth/v1.0", "test:tester", "testing");
      check(
          client.send(
                  client
                      .request("/" + container)
                      .header("X-Storage-Policy", POLICY)
                      .PUT(HttpRequest.BodyPublishers.noBody())
                      .build())
              == 201,
          "creating the sync bench container");
      AtomicLong warmed = new AtomicLong();
      LoadDriver.Result warm =
          LoadDriver.run(
              parallelism,
              600,
              warmUp,
              (worker, i) ->
                  client.send(
                          client
                              .request(
                                  "/"
                                      + container
                                      + "/"
                                      + String.format("w-%06d", warmed.getAndIncrement()))
                              .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                              .build())
                      == 201);
      check(warm.ok() == warmUp, "warm-up backlog: " + warm.failed() + " PUTs failed");
      AtomicLong n = new AtomicLong();
      LoadDriver.Result filled =
          LoadDriver.run(
              parallelism,
              600,
              objects,
              (w, i) ->
                  client.send(
                          client
                              .request("/" + container + "/" + name(n.getAndIncrement()))
                              .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                              .build())
                      == 201);
      check(filled.ok() == objects, "filling: " + filled.failed() + " PUTs failed");
      writer.stop();
    }

    // The baseline: the same objects copied straight between containers of the same cluster.
    String sourceOnSwift = "/gw_AUTH_test~" + container;
    check(
        service.send(
                    service
                        .request("/direct-sync")
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .build())
                / 100
            == 2,
        "creating the direct copy's container");
    AtomicLong copied = new AtomicLong();
    CpuUse directStart = CpuUse.now();
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
                              .request("/direct-sync/" + name)
                              .PUT(HttpRequest.BodyPublishers.ofByteArray(got.body()))
                              .build())
                      == 201;
            });
    double directSeconds = (System.nanoTime() - t0) / 1e9;
    CpuUse directCpu = CpuUse.now().minus(directStart);
    check(direct.ok() == objects, "direct copy: " + direct.failed() + " copies failed");

    // The sync of the backlog.
    double syncSeconds;
    try (LocalGateway syncing =
        stopOnExit.apply(new LocalGateway(dataDir, config, List.of("-Xmx1g"), Map.of()))) {
      syncing.start();
      syncSeconds = syncTime(syncing);
      syncing.stop();
    }
    HttpResponse<Void> replica =
        service.http.send(
            service
                .request("/gwb_AUTH_test~" + container)
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    long onReplica = replica.headers().firstValueAsLong("X-Container-Object-Count").orElse(-1);
    check(
        onReplica == warmUp + objects,
        "the replica holds " + onReplica + " of " + (warmUp + objects) + " objects");
    double mib = (double) objects * size / (1 << 20);
    report.add(
        new Report.Figure(
            "8c sync copy, " + objects + " x " + (size >> 10) + " KiB",
            "MiB/s",
            mib / syncSeconds,
            mib / directSeconds,
            "GET+PUT straight between containers of the same Swift cluster, same parallelism",
            "ratio >= 0.90",
            "max-parallel-copies "
                + parallelism
                + ", timed after "
                + warmUp
                + " warm-up copies of the same backlog, to its last copy; CPU ms per object: sync "
                + syncCpu.perObject(objects)
                + ", direct copy "
                + directCpu.perObject(objects)));
  }

  /** Seconds from the sync's warm-up copies done to its last copy, as the node counts them. */
  private double syncTime(LocalGateway gateway) throws Exception {
    long first = 0;
    CpuUse start = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      long copied = copiedObjects(gateway);
      if (copied >= warmUp && first == 0) {
        first = now;
        start = CpuUse.now(gateway);
      }
      if (copied >= warmUp + objects) {
        syncCpu = CpuUse.now(gateway).minus(start);
        return (now - first) / 1e9;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the sync did not copy the backlog in 10 minutes");
  }

  private long copiedObjects(LocalGateway gateway) throws InterruptedException {
    try {
      HttpResponse<String> r =
          service.http.send(
              HttpRequest.newBuilder(URI.create(gateway.url() + "/metrics"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher m = COPIED.matcher(r.body());
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException refused) {
      return 0; // a poll the loaded machine could not connect: the next one tells the same
    }
  }

  private static String name(long i) {
    return String.format("s-%06d", i);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
