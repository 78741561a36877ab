package io.archipelago.bench;

import io.archipelago.testing.Generated;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figures 1 to 3: the same requests, from the same client code in the same run, once through the
 * gateway to a real Swift cluster and once straight to that cluster's proxy. The sides take turns
 * (which one goes first rotates), so that a burst of load from elsewhere on the machine does not
 * land on one side only. Figures 1 and 2 also send the direct requests through a bare TCP relay
 * ({@link TcpRelay}), to show what the extra hop alone costs on this machine.
 */
final class SwiftFigures {

  /** One way to reach the Swift cluster: its client and the headers a new container needs. */
  record Side(String name, SwiftHttp client, String[] containerHeaders) {
    int createContainer(String container) throws IOException, InterruptedException {
      HttpRequest.Builder request =
          client.request("/" + container).PUT(HttpRequest.BodyPublishers.noBody());
      if (containerHeaders.length > 0) {
        request.headers(containerHeaders);
      }
      return client.send(request.build());
    }
  }

  private static final int SMALL = 4096;
  private static final int CONNECTIONS = 32;
  private static final String RELAY = "same requests through a bare TCP relay to the Swift proxy";

  private final Side gateway;
  private final Side direct;

  /** The direct side's account through {@link #relayNode}. */
  private final Side relay;

  /** Every side, in the order of {@link #index}. */
  private final List<Side> sides;

  private final boolean quick;
  private final Report report;
  private final LocalGateway gatewayNode;
  private final TcpRelay relayNode;
  private String smallWarmUp = "";

  SwiftFigures(
      Side gateway,
      Side direct,
      LocalGateway gatewayNode,
      TcpRelay relayNode,
      boolean quick,
      Report report) {
    this.gateway = gateway;
    this.gatewayNode = gatewayNode;
    this.direct = direct;
    this.relayNode = relayNode;
    this.relay =
        new Side("relay", direct.client().through(relayNode.port()), direct.containerHeaders());
    this.sides = List.of(gateway, direct, relay);
    this.quick = quick;
    this.report = report;
  }

  /** Where a side's numbers go in the arrays below: gateway, direct, relay. */
  private int index(Side side) {
    return side == gateway ? 0 : side == direct ? 1 : 2;
  }

  void run(Set<String> only) throws Exception {
    for (Side side : List.of(gateway, direct)) {
      for (String container : List.of("bench-large", "bench-small", "bench-head")) {
        int status = side.createContainer(container);
        check(
            status == 201 || status == 202,
            side.name() + ": PUT container " + container + " answered " + status);
      }
    }
    if (only.contains("1")) {
      largeObjects();
    }
    if (only.contains("2")) {
      smallObjects();
    }
    if (only.contains("3")) {
      containerHead();
    }
  }

  /**
   * Figure 1: large PUTs and GETs, one stream and four parallel streams (each stream one object of
   * the full size), aggregate MiB/s, best of the rounds. Each side's objects are deleted before the
   * other side's turn, so that Swift's tmpfs holds at most four of them at a time.
   */
  private void largeObjects() throws Exception {
    long size = quick ? 32L << 20 : 1L << 30;
    int rounds = quick ? 1 : 3;
    long free = Files.getFileStore(Path.of("/dev/shm")).getUsableSpace();
    check(
        free > 4 * size + (256L << 20),
        String.format(
            Locale.ROOT,
            "figure 1 needs %d MiB free in /dev/shm (the Swift cluster's device), %d MiB are",
            (4 * size + (256L << 20)) >> 20,
            free >> 20));
    // Warm-up: one small round trip each way on every side (connections, JIT, Swift's rings).
    for (Side side : sides) {
      transfer(side, 1, 8L << 20, true);
      transfer(side, 1, 8L << 20, false);
      deleteLarge(side, 1);
    }
    for (int streams : new int[] {1, 4}) {
      double[] put = new double[3];
      double[] get = new double[3];
      // CPU per GiB moved, PUT then GET, of the gateway and of the relay: what each hop costs
      // the cores Swift shares.
      long[] gatewayCpu = new long[2];
      long[] relayCpu = new long[2];
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < sides.size(); turn++) {
          Side side = sides.get((round + turn) % sides.size());
          int i = index(side);
          long cpu = gatewayNode.cpuMillis();
          long relayBefore = relayNode.cpuMillis();
          put[i] = Math.max(put[i], transfer(side, streams, size, true));
          long afterPut = gatewayNode.cpuMillis();
          long relayAfterPut = relayNode.cpuMillis();
          get[i] = Math.max(get[i], transfer(side, streams, size, false));
          if (side == gateway) {
            gatewayCpu[0] += afterPut - cpu;
            gatewayCpu[1] += gatewayNode.cpuMillis() - afterPut;
          } else if (side == relay) {
            relayCpu[0] += relayAfterPut - relayBefore;
            relayCpu[1] += relayNode.cpuMillis() - relayAfterPut;
          }
          deleteLarge(side, streams);
        }
      }
      double gib = (double) rounds * streams * size / (1L << 30);
      String label = streams == 1 ? "1 stream" : streams + " parallel streams";
      String sizeName = size >= 1L << 30 ? (size >> 30) + " GiB" : (size >> 20) + " MiB";
      String how =
          "aggregate, best of "
              + rounds
              + ", rotating; CPU per GiB: gateway %.2f s, bare relay %.2f s";
      report.add(
          new Report.Figure(
              "1 " + sizeName + " PUT, " + label,
              "MiB/s",
              put[0],
              put[1],
              "same PUTs straight to the Swift proxy",
              "ratio >= 0.95",
              String.format(
                  Locale.ROOT, how, gatewayCpu[0] / 1000.0 / gib, relayCpu[0] / 1000.0 / gib),
              put[2],
              RELAY));
      report.add(
          new Report.Figure(
              "1 " + sizeName + " GET, " + label,
              "MiB/s",
              get[0],
              get[1],
              "same GETs straight to the Swift proxy",
              "ratio >= 0.95",
              String.format(
                  Locale.ROOT, how, gatewayCpu[1] / 1000.0 / gib, relayCpu[1] / 1000.0 / gib),
              get[2],
              RELAY));
    }
  }

  /** {@code streams} objects of {@code size} bytes up or down at once; answers aggregate MiB/s. */
  private double transfer(Side side, int streams, long size, boolean upload) throws Exception {
    SwiftHttp client = side.client();
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      List<Future<Long>> done = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int s = 0; s < streams; s++) {
        String path = "/bench-large/o" + s;
        long seed = 101 + s;
        done.add(
            pool.submit(
                () -> {
                  if (upload) {
                    int status =
                        client.send(
                            client
                                .request(path)
                                .PUT(
                                    HttpRequest.BodyPublishers.fromPublisher(
                                        HttpRequest.BodyPublishers.ofInputStream(
                                            () -> new Generated(size, seed)),
                                        size))
                                .build());
                    check(status == 201, side.name() + ": PUT " + path + " answered " + status);
                    return size;
                  }
                  return client.drain(client.request(path).GET().build());
                }));
      }
      long bytes = 0;
      for (Future<Long> f : done) {
        bytes += f.get();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      check(
          bytes == streams * size,
          side.name() + ": moved " + bytes + " bytes, expected " + streams * size);
      return bytes / seconds / (1 << 20);
    } finally {
      pool.shutdownNow();
    }
  }

  private void deleteLarge(Side side, int streams) throws Exception {
    for (int s = 0; s < streams; s++) {
      int status = side.client().send(side.client().request("/bench-large/o" + s).DELETE().build());
      check(status == 204, side.name() + ": DELETE of a large object answered " + status);
    }
  }

  /**
   * Figure 2: 4 KiB PUTs, then GETs of random objects among those written by the warm-up, from 32
   * connections for a fixed time: ops/s, p50 and p99.
   */
  private void smallObjects() throws Exception {
    double seconds = quick ? 1 : 20;
    int preload = quick ? 150 : 5_000;
    byte[] body = new byte[SMALL];
    new Random(11).nextBytes(body);
    // Warm-up that also writes the objects the GETs read: w-0 .. w-(preload-1) on each side.
    for (Side side : List.of(gateway, direct)) {
      SwiftHttp c = side.client();
      AtomicInteger next = new AtomicInteger();
      LoadDriver.Result warm =
          LoadDriver.run(
              CONNECTIONS,
              600,
              preload,
              (w, i) ->
                  c.send(
                          c.request("/bench-small/w-" + next.getAndIncrement())
                              .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                              .build())
                      == 201);
      check(
          warm.failed() == 0 && warm.ok() == preload,
          side.name() + ": " + warm.failed() + " of the warm-up PUTs failed");
    }
    SwiftHttp g = gateway.client();
    AtomicInteger warmed = new AtomicInteger();
    double warmUp =
        gatewayNode.warmUntilCompiled(
            quick ? 1 : 24,
            () -> {
              LoadDriver.run(
                  CONNECTIONS,
                  quick ? 1 : 3,
                  Long.MAX_VALUE,
                  (w, i) ->
                      g.send(
                              g.request("/bench-small/j-" + warmed.getAndIncrement())
                                  .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                  .build())
                          == 201);
              return LoadDriver.run(
                  CONNECTIONS,
                  quick ? 1 : 2,
                  Long.MAX_VALUE,
                  (w, i) ->
                      g.drain(
                              g.request(
                                      "/bench-small/w-"
                                          + ThreadLocalRandom.current().nextInt(preload))
                                  .GET()
                                  .build())
                          == SMALL);
            });
    smallWarmUp =
        String.format(Locale.ROOT, "gateway warmed up %.0f s until its JIT was quiet", warmUp);
    // The relay side writes into and reads from the direct side's container. The sides take
    // turns in rounds (the first one rotating), so that Swift's drift during the figure (its
    // container databases grow) and bursts from elsewhere fall on every side alike.
    int rounds = quick ? 1 : 4;
    List<List<LoadDriver.Result>> puts =
        List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<List<LoadDriver.Result>> gets =
        List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    // The gateway's CPU per request (user, kernel, JIT), PUT then GET: its own share of the two
    // cores.
    long[] gatewayPutCpu = new long[3];
    long[] gatewayGetCpu = new long[3];
    for (int round = 0; round < rounds; round++) {
      for (int turn = 0; turn < sides.size(); turn++) {
        Side side = sides.get((round + turn) % sides.size());
        SwiftHttp c = side.client();
        String prefix = "/bench-small/p-" + side.name() + "-" + round + "-";
        long[] before = cpuNow();
        puts.get(index(side))
            .add(
                LoadDriver.run(
                    CONNECTIONS,
                    seconds / rounds,
                    Long.MAX_VALUE,
                    (w, i) ->
                        c.send(
                                c.request(prefix + w + "-" + i)
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                    .build())
                            == 201));
        long[] between = cpuNow();
        gets.get(index(side))
            .add(
                LoadDriver.run(
                    CONNECTIONS,
                    seconds / rounds,
                    Long.MAX_VALUE,
                    (w, i) ->
                        c.drain(
                                c.request(
                                        "/bench-small/w-"
                                            + ThreadLocalRandom.current().nextInt(preload))
                                    .GET()
                                    .build())
                            == SMALL));
        if (side == gateway) {
          long[] after = cpuNow();
          for (int k = 0; k < 3; k++) {
            gatewayPutCpu[k] += between[k] - before[k];
            gatewayGetCpu[k] += after[k] - between[k];
          }
        }
      }
    }
    LoadDriver.Result[] put =
        puts.stream().map(LoadDriver.Result::combined).toArray(LoadDriver.Result[]::new);
    LoadDriver.Result[] get =
        gets.stream().map(LoadDriver.Result::combined).toArray(LoadDriver.Result[]::new);
    double[] gatewayCpu = new double[6];
    for (int k = 0; k < 3; k++) {
      gatewayCpu[k] = gatewayPutCpu[k] / (double) Math.max(1, put[0].ok());
      gatewayCpu[3 + k] = gatewayGetCpu[k] / (double) Math.max(1, get[0].ok());
    }
    smallRows("PUT", put, gatewayCpu[0], gatewayCpu[1], gatewayCpu[2]);
    smallRows("GET", get, gatewayCpu[3], gatewayCpu[4], gatewayCpu[5]);
    if (!quick) {
      // Scaling rows: the gateway side alone with its JVM pinned to one core, then to two.
      SwiftHttp c = gateway.client();
      for (String cpus : List.of("0", "0,1")) {
        gatewayNode.pin(cpus);
        try {
          String prefix = "/bench-small/s-" + cpus.length() + "-";
          long[] before = gatewayNode.cpuUserSystemMillis();
          LoadDriver.Result pinnedPut =
              LoadDriver.run(
                  CONNECTIONS,
                  seconds / rounds,
                  Long.MAX_VALUE,
                  (w, i) ->
                      c.send(
                              c.request(prefix + w + "-" + i)
                                  .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                                  .build())
                          == 201);
          long[] between = gatewayNode.cpuUserSystemMillis();
          LoadDriver.Result pinnedGet =
              LoadDriver.run(
                  CONNECTIONS,
                  seconds / rounds,
                  Long.MAX_VALUE,
                  (w, i) ->
                      c.drain(
                              c.request(
                                      "/bench-small/w-"
                                          + ThreadLocalRandom.current().nextInt(preload))
                                  .GET()
                                  .build())
                          == SMALL);
          long[] after = gatewayNode.cpuUserSystemMillis();
          report.addScalingRows(
              "2 4 KiB PUT throughput",
              cpus,
              pinnedPut,
              put[0],
              between[0] + between[1] - before[0] - before[1]);
          report.addScalingRows(
              "2 4 KiB GET throughput",
              cpus,
              pinnedGet,
              get[0],
              after[0] + after[1] - between[0] - between[1]);
        } finally {
          gatewayNode.unpin();
        }
      }
    }
  }

  /** The gateway's user, kernel and JIT compiler CPU so far, in ms. */
  private long[] cpuNow() {
    long[] cpu = gatewayNode.cpuUserSystemMillis();
    return new long[] {cpu[0], cpu[1], gatewayNode.compilerCpuMillis()};
  }

  private void smallRows(
      String verb,
      LoadDriver.Result[] r,
      double userMillis,
      double kernelMillis,
      double jitMillis) {
    String runs =
        String.format(
            Locale.ROOT,
            "%d conns, %.0f s in "
                + (quick ? 1 : 4)
                + " turns; failed: gateway %d, direct %d, relay %d;"
                + " gateway CPU per request %.2f ms user + %.2f ms kernel, of which JIT compiler %.2f ms; %s",
            CONNECTIONS,
            r[0].seconds(),
            r[0].failed(),
            r[1].failed(),
            r[2].failed(),
            userMillis,
            kernelMillis,
            jitMillis,
            smallWarmUp);
    requireMostlySucceeded("4 KiB " + verb, r);
    report.add(
        new Report.Figure(
            "2 4 KiB " + verb + " throughput",
            "ops/s",
            r[0].opsPerSecond(),
            r[1].opsPerSecond(),
            "same requests straight to the Swift proxy",
            verb.equals("PUT") ? "ratio >= 0.90" : "ratio >= 0.95",
            runs,
            r[2].opsPerSecond(),
            RELAY));
    report.add(
        new Report.Figure(
            "2 4 KiB " + verb + " p50",
            "ms",
            r[0].p50Millis(),
            r[1].p50Millis(),
            "same requests straight to the Swift proxy",
            "report",
            runs,
            r[2].p50Millis(),
            RELAY));
    report.add(
        new Report.Figure(
            "2 4 KiB " + verb + " p99",
            "ms",
            r[0].p99Millis(),
            r[1].p99Millis(),
            "same requests straight to the Swift proxy",
            "ratio <= 1.5",
            runs,
            r[2].p99Millis(),
            RELAY));
  }

  /**
   * Figure 3: HEAD of one container from 32 connections for a fixed time. The gateway answers from
   * the container entity's state; Swift asks its container server.
   */
  private void containerHead() throws Exception {
    double seconds = quick ? 1 : 15;
    LoadDriver.Result[] r = new LoadDriver.Result[2];
    for (boolean warmUp : new boolean[] {true, false}) {
      for (Side side : warmUp ? List.of(gateway, direct) : List.of(direct, gateway)) {
        SwiftHttp c = side.client();
        LoadDriver.Result result =
            LoadDriver.run(
                CONNECTIONS,
                warmUp ? (quick ? 0.5 : 1) : seconds,
                Long.MAX_VALUE,
                (w, i) ->
                    c.send(
                            c.request("/bench-head")
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .build())
                        == 204);
        if (!warmUp) {
          r[side == gateway ? 0 : 1] = result;
        }
      }
    }
    requireMostlySucceeded("container HEAD", r);
    report.add(
        new Report.Figure(
            "3 container HEAD throughput",
            "ops/s",
            r[0].opsPerSecond(),
            r[1].opsPerSecond(),
            "same HEADs straight to the Swift proxy",
            "ratio >= 3.0",
            String.format(
                Locale.ROOT,
                "%d conns, %.0f s; p99 gateway %.1f ms, direct %.1f ms; failed: gateway %d, direct %d",
                CONNECTIONS,
                r[0].seconds(),
                r[0].p99Millis(),
                r[1].p99Millis(),
                r[0].failed(),
                r[1].failed())));
  }

  /** A side with more than 1 % failed requests is a broken run, not a slow one. */
  private static void requireMostlySucceeded(String what, LoadDriver.Result[] r) {
    for (int i = 0; i < r.length; i++) {
      LoadDriver.Result x = r[i];
      check(
          x.ok() > 0 && x.failed() * 100 <= x.ok() + x.failed(),
          String.format(
              Locale.ROOT,
              "%s, %s: %d of %d requests failed",
              what,
              List.of("gateway", "direct", "relay").get(i),
              x.failed(),
              x.ok() + x.failed()));
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
