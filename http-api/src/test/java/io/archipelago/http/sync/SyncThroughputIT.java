package io.archipelago.http.sync;

import static io.archipelago.http.sync.SyncTesting.listing;
import static io.archipelago.http.sync.SyncTesting.names;
import static io.archipelago.http.sync.SyncTesting.putAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the sync against a direct copy between the same two filesystem backends. A backlog is
 * written with the sync off; then the same objects are copied store to store (GET streamed into
 * PUT, as many at once as the sync may run), and then a gateway with the sync on works the
 * backlog off. Prints MiB/s and objects/s of both, and writes them to target/sync-throughput.txt.
 */
class SyncThroughputIT {

  @TempDir Path dataDir;

  private record Load(String container, int objects, int maxSize) {}

  @Test
  void syncThroughputAgainstADirectCopy() throws Exception {
    List<Load> loads = List.of(new Load("large", 48, 2 * 1024 * 1024), new Load("small", 1000, 2048));
    try (TestGateway writer = TestGateway.start(dataDir, Map.of("archipelago.sync.enabled", false))) {
      SwiftClient tester = SwiftClient.login(writer.baseUrl(), "test:tester", "testing");
      for (Load load : loads) {
        assertEquals(201, tester.call("PUT", "/" + load.container(), Map.of("X-Storage-Policy", "replicated"), null)
            .statusCode());
        Map<String, Integer> statuses = putAll(tester, load.container(), names("t", 0, load.objects()),
            load.maxSize(), 8, Map.of());
        assertTrue(statuses.values().stream().allMatch(s -> s == 201));
      }
    }
    StringBuilder report = new StringBuilder();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "direct");
    try {
      ObjectStore primary = new FilesystemObjectStore("p", dataDir.resolve("backends/local-standard"), 0, system);
      ObjectStore direct = new FilesystemObjectStore("d", dataDir.resolve("backends/direct-copy"), 0, system);
      for (Load load : loads) {
        BackendContainer where = new BackendContainer("AUTH_test", load.container());
        Map<String, ListingEntry.ObjectRow> rows = listing(primary, where);
        long bytes = rows.values().stream().mapToLong(ListingEntry.ObjectRow::size).sum();
        long started = System.nanoTime();
        copyAll(primary, direct, where, rows.keySet(), 8);
        double seconds = (System.nanoTime() - started) / 1e9;
        line(report, "direct copy", load, rows.size(), bytes, seconds);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
    try (TestGateway syncing = TestGateway.start(dataDir, Map.of("jdbc-read-journal.refresh-interval", "200ms"))) {
      long ready = System.nanoTime();
      ObjectStore primary = new FilesystemObjectStore("p", dataDir.resolve("backends/local-standard"), 0, syncing.system());
      ObjectStore replica = new FilesystemObjectStore("r", dataDir.resolve("backends/site-b"), 0, syncing.system());
      // Timed from the first object on the replica (the projections start after the node is up)
      // to the last; both containers sync at once, each in its tag slice.
      Map<String, Map<String, ListingEntry.ObjectRow>> expected = new java.util.HashMap<>();
      Map<String, Long> first = new java.util.HashMap<>();
      Map<String, Long> last = new java.util.HashMap<>();
      for (Load load : loads) {
        expected.put(load.container(), listing(primary, new BackendContainer("AUTH_test", load.container())));
      }
      SyncTesting.await("the backlog", 300_000, () -> {
        long now = System.nanoTime();
        for (Load load : loads) {
          if (last.containsKey(load.container())) {
            continue;
          }
          var onReplica = listing(replica, new BackendContainer("AUTH_test", load.container()));
          if (!onReplica.isEmpty()) {
            first.putIfAbsent(load.container(), now);
          }
          if (onReplica.equals(expected.get(load.container()))) {
            last.put(load.container(), now);
          }
        }
        return last.size() == loads.size();
      });
      report.append(String.format(java.util.Locale.ROOT, "sync started %.2f s after the node was up%n",
          (first.values().stream().mapToLong(Long::longValue).min().orElseThrow() - ready) / 1e9));
      for (Load load : loads) {
        var rows = expected.get(load.container());
        long bytes = rows.values().stream().mapToLong(ListingEntry.ObjectRow::size).sum();
        double seconds = (last.get(load.container()) - first.get(load.container())) / 1e9;
        line(report, "sync (backlog)", load, rows.size(), bytes, seconds);
      }
    }
    System.out.print(report);
    Files.writeString(Path.of("target", "sync-throughput.txt"), report.toString());
  }

  private static void line(StringBuilder sb, String what, Load load, int objects, long bytes, double seconds) {
    sb.append(String.format(java.util.Locale.ROOT, "%-15s %-6s %5d objects %8.1f MiB in %6.2f s: %7.1f MiB/s %8.1f objects/s%n",
        what, load.container(), objects, bytes / 1048576.0, seconds, bytes / 1048576.0 / seconds, objects / seconds));
  }

  /** GET streamed into PUT, keeping timestamp, etag, type and metadata, {@code parallel} at once. */
  private static void copyAll(ObjectStore from, ObjectStore to, BackendContainer where, Iterable<String> names, int parallel) {
    to.createContainer(where).toCompletableFuture().join();
    Semaphore permits = new Semaphore(parallel);
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (String name : names) {
      permits.acquireUninterruptibly();
      all.add(from.get(where, name, Optional.empty()).thenCompose(found -> {
        var info = found.orElseThrow().info();
        return to.put(where, name, new ObjectAttributes(info.contentType(), info.timestamp(), info.metadata(),
            Optional.of(info.etag()), OptionalLong.of(info.size())), found.get().data());
      }).whenComplete((r, f) -> permits.release()).toCompletableFuture());
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }
}
