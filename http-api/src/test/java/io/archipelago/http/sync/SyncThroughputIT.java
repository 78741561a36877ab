package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.listing;
import static io.archipelago.http.sync.SyncTesting.names;
import static io.archipelago.http.sync.SyncTesting.putAll;
import static io.archipelago.http.sync.SyncTesting.where;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the sync against a direct copy between the same two backends: two filesystem backends,
 * and two real OpenStack Swift clusters (a to b). A backlog of small and MiB-sized objects is
 * written with the sync off; then the same objects are copied store to store by the backends'
 * drivers (GET streamed into PUT, into other containers of the replica backend, as many at once as
 * the sync may run: {@code archipelago.sync.max-parallel-copies}, both containers at once sharing
 * those), and then a gateway with the sync on works the backlog off. Each is timed from its start
 * (the sync: from its first object on the replica) to each container's completion. Prints MiB/s and
 * objects/s of both and writes them to target/sync-throughput.txt.
 */
class SyncThroughputIT {

  /** The sync's default max-parallel-copies; the direct copy runs as many at once. */
  private static final int PARALLEL = 8;

  private static final StringBuilder REPORT = new StringBuilder();

  @TempDir Path dataDir;

  private record Load(String container, int objects, int maxSize) {}

  /** The primary's and the replica's stores, built on a given actor system. */
  private record Stores(ObjectStore primary, ObjectStore replica) {}

  /** Seconds and volume of one container's copy. */
  private record Timing(int objects, long bytes, double seconds) {}

  @Test
  void filesystemBackends() throws Exception {
    measure(
        "fs -> fs",
        Map.of(),
        "replicated",
        List.of(new Load("large", 48, 2 * 1024 * 1024), new Load("small", 1000, 2048)),
        system ->
            new Stores(
                new FilesystemObjectStore(
                    "p", dataDir.resolve("backends/local-standard"), 0, system),
                new FilesystemObjectStore("r", dataDir.resolve("backends/site-b"), 0, system)));
  }

  @Test
  void twoSwiftClusters() throws Exception {
    RealBackends servers = RealBackends.get();
    Map<String, Object> config = new HashMap<>(new FederatedBackends(servers).config());
    String p = "archipelago.placement.policies.\"tput-swift-ab\".";
    config.put(p + "tier", "swift-a");
    config.put(p + "replicas", 1);
    config.put(p + "replica-tier", "swift-b");
    // Container names of their own: the clusters serve every test of this JVM.
    measure(
        "swift a -> b",
        config,
        "tput-swift-ab",
        List.of(new Load("tput-large", 24, 2 * 1024 * 1024), new Load("tput-small", 300, 2048)),
        system ->
            new Stores(
                new SwiftObjectStore(
                    "swift-a",
                    new DriverSettings(
                        "swift-a", servers.swiftA().driverSettings(FederatedBackends.SWIFT_PREFIX)),
                    0,
                    system),
                new SwiftObjectStore(
                    "swift-b",
                    new DriverSettings(
                        "swift-b", servers.swiftB().driverSettings(FederatedBackends.SWIFT_PREFIX)),
                    0,
                    system)));
  }

  @AfterAll
  static void writeReport() throws Exception {
    if (REPORT.length() > 0) {
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "sync-throughput.txt"), REPORT.toString());
    }
  }

  private void measure(
      String pair,
      Map<String, Object> config,
      String policy,
      List<Load> loads,
      Function<ActorSystem<?>, Stores> stores)
      throws Exception {
    StringBuilder report = new StringBuilder();
    Map<String, Object> writing = new HashMap<>(config);
    writing.put("archipelago.sync.enabled", false);
    try (TestGateway writer = TestGateway.start(dataDir, writing)) {
      SwiftClient tester = SwiftClient.login(writer.baseUrl(), "test:tester", "testing");
      for (Load load : loads) {
        assertEquals(
            201,
            tester
                .call("PUT", "/" + load.container(), Map.of("X-Storage-Policy", policy), null)
                .statusCode());
        Map<String, Integer> statuses =
            putAll(
                tester,
                load.container(),
                names("t", 0, load.objects()),
                load.maxSize(),
                8,
                Map.of());
        assertTrue(statuses.values().stream().allMatch(s -> s == 201), statuses.toString());
      }
    }

    Map<String, Timing> direct;
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "direct");
    try {
      Stores s = stores.apply(system);
      direct = copyAll(s.primary(), s.replica(), loads);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }

    Map<String, Timing> synced = new TreeMap<>();
    Map<String, Object> syncing = new HashMap<>(config);
    syncing.put("jdbc-read-journal.refresh-interval", "200ms");
    try (TestGateway gateway = TestGateway.start(dataDir, syncing)) {
      long ready = System.nanoTime();
      Stores s = stores.apply(gateway.system());
      Map<String, Map<String, String>> expected = new HashMap<>();
      Map<String, Long> bytes = new HashMap<>();
      for (Load load : loads) {
        var rows = listing(s.primary(), where(load.container()));
        expected.put(load.container(), versions(rows));
        bytes.put(
            load.container(), rows.values().stream().mapToLong(ListingEntry.ObjectRow::size).sum());
      }
      // Timed from the first object on the replica (the projections start after the node is up)
      // to each container's last; both containers sync at once, each in its tag slice.
      long[] first = {0};
      Map<String, Long> last = new HashMap<>();
      SyncTesting.await(
          "the backlog",
          300_000,
          () -> {
            long now = System.nanoTime();
            for (Load load : loads) {
              if (last.containsKey(load.container())) {
                continue;
              }
              var onReplica = versions(listing(s.replica(), where(load.container())));
              if (!onReplica.isEmpty() && first[0] == 0) {
                first[0] = now;
              }
              if (onReplica.equals(expected.get(load.container()))) {
                last.put(load.container(), now);
              }
            }
            return last.size() == loads.size();
          });
      line(
          report,
          pair,
          "sync started "
              + String.format(Locale.ROOT, "%.2f", (first[0] - ready) / 1e9)
              + " s after the node was up");
      for (Load load : loads) {
        synced.put(
            load.container(),
            new Timing(
                load.objects(),
                bytes.get(load.container()),
                (last.get(load.container()) - first[0]) / 1e9));
      }
    }

    for (Load load : loads) {
      line(report, pair, row("direct copy", load.container(), direct.get(load.container())));
      line(report, pair, row("sync", load.container(), synced.get(load.container())));
    }
    Timing directAll = total(direct);
    Timing syncAll = total(synced);
    line(report, pair, row("direct copy", "all", directAll));
    line(report, pair, row("sync", "all", syncAll));
    line(
        report,
        pair,
        String.format(
            Locale.ROOT,
            "sync / direct copy: %.2f (the sync needs %.2fx the time)",
            directAll.seconds() / syncAll.seconds(),
            syncAll.seconds() / directAll.seconds()));
    System.out.print(report);
    REPORT.append(report);
  }

  /** Name to etag: what the replica must hold (Swift lists its own store time, not X-Timestamp). */
  private static Map<String, String> versions(Map<String, ListingEntry.ObjectRow> rows) {
    Map<String, String> v = new TreeMap<>();
    rows.forEach((name, row) -> v.put(name, row.etag()));
    return v;
  }

  private static Timing total(Map<String, Timing> timings) {
    return new Timing(
        timings.values().stream().mapToInt(Timing::objects).sum(),
        timings.values().stream().mapToLong(Timing::bytes).sum(),
        timings.values().stream().mapToDouble(Timing::seconds).max().orElseThrow());
  }

  private static void line(StringBuilder sb, String pair, String text) {
    sb.append(String.format(Locale.ROOT, "sync throughput %-12s %s%n", pair + ":", text));
  }

  private static String row(String what, String container, Timing t) {
    double mib = t.bytes() / 1048576.0;
    return String.format(
        Locale.ROOT,
        "%-11s %-10s %5d objects %7.1f MiB in %6.2f s: %7.1f MiB/s %7.1f objects/s",
        what,
        container,
        t.objects(),
        mib,
        t.seconds(),
        mib / t.seconds(),
        t.objects() / t.seconds());
  }

  /**
   * GET streamed into PUT, keeping timestamp, etag, type and metadata, from each container of the
   * primary into {@code direct-<container>} of the replica's backend; all containers at once,
   * {@link #PARALLEL} copies in flight over all. The timing of each container.
   */
  private static Map<String, Timing> copyAll(ObjectStore from, ObjectStore to, List<Load> loads) {
    Map<String, Map<String, ListingEntry.ObjectRow>> rows = new HashMap<>();
    for (Load load : loads) {
      rows.put(load.container(), listing(from, where(load.container())));
      to.createContainer(where("direct-" + load.container())).toCompletableFuture().join();
    }
    Semaphore permits = new Semaphore(PARALLEL);
    Map<String, Timing> timings = new ConcurrentHashMap<>();
    // A thread per container (the common pool may have a single thread on a small machine).
    ExecutorService threads = Executors.newFixedThreadPool(loads.size());
    long started = System.nanoTime();
    List<CompletableFuture<Void>> containers = new ArrayList<>();
    for (Load load : loads) {
      containers.add(
          CompletableFuture.runAsync(
              () -> {
                BackendContainer source = where(load.container());
                BackendContainer target = where("direct-" + load.container());
                List<CompletableFuture<?>> all = new ArrayList<>();
                for (String name : rows.get(load.container()).keySet()) {
                  permits.acquireUninterruptibly();
                  all.add(
                      from.get(source, name, Optional.empty())
                          .thenCompose(
                              found -> {
                                var info = found.orElseThrow().info();
                                return to.put(
                                    target,
                                    name,
                                    new ObjectAttributes(
                                        info.contentType(),
                                        info.timestamp(),
                                        info.metadata(),
                                        Optional.of(info.etag()),
                                        OptionalLong.of(info.size())),
                                    found.get().data());
                              })
                          .whenComplete((r, f) -> permits.release())
                          .toCompletableFuture());
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
                long bytes =
                    rows.get(load.container()).values().stream()
                        .mapToLong(ListingEntry.ObjectRow::size)
                        .sum();
                timings.put(
                    load.container(),
                    new Timing(all.size(), bytes, (System.nanoTime() - started) / 1e9));
              },
              threads));
    }
    try {
      CompletableFuture.allOf(containers.toArray(CompletableFuture[]::new)).join();
    } finally {
      threads.shutdown();
    }
    for (Load load : loads) {
      assertEquals(
          versions(rows.get(load.container())),
          versions(listing(to, where("direct-" + load.container()))),
          "the direct copy of " + load.container());
    }
    return timings;
  }
}
