package io.archipelago.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.multijvm.SoakLoad.Request;
import io.archipelago.multijvm.SoakLoad.Tracked;
import io.archipelago.testing.SwiftCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The soak under load with faults (not part of the normal suite: the failsafe configuration
 * excludes it; {@code bin/archipelago soak} runs it). Three gateway JVMs on PostgreSQL; containers
 * with their primary on the shared filesystem backend and a replica on S3Proxy (a separate server
 * process). Clients write, overwrite, read back, delete and list through every node for {@code
 * archipelago.soak.minutes} while, one after another, a node is killed with kill -9 and restarted,
 * S3Proxy is stopped and started, and PostgreSQL is restarted. Then, once the replicas converged,
 * every object is checked through the gateway and on the replica: each acknowledged write present
 * byte for byte, no acknowledged delete back. The report (JSON and text) goes to {@code
 * archipelago.soak.out}; failed requests are counted by fault window.
 */
class SoakIT {

  private static final String POLICY = "soak";
  private static final String S3_BUCKET = "soak-replica";
  private static final int CONTAINERS = 8;

  /** After a fault's recovery, failures still count towards that fault for this long. */
  private static final long SETTLE_MILLIS = 15_000;

  private static final long NODE_DOWN_MILLIS = 10_000;
  private static final long BACKEND_DOWN_MILLIS = 20_000;
  private static final long DATABASE_DOWN_MILLIS = 5_000;

  /** A fault: injected, and back (the node ready, the server answering). */
  record Fault(String what, long injectedAt, long recoveredAt) {
    long windowEnd() {
      return recoveredAt + SETTLE_MILLIS;
    }

    boolean overlaps(Request r) {
      return r.startedAt() <= windowEnd() && r.endedAt() >= injectedAt;
    }
  }

  @Test
  void acknowledgedWritesSurviveNodeBackendAndDatabaseRestartsUnderLoad() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("archipelago.soak.minutes", "3"));
    int writers = Integer.parseInt(System.getProperty("archipelago.soak.writers", "4"));
    Path out = Path.of(System.getProperty("archipelago.soak.out", "target/soak")).toAbsolutePath();
    // The nodes' data and logs stay there for a look after the run; a new run starts afresh.
    Path work = out.resolve("soak-work");
    SwiftCluster.deleteTree(work);
    Files.createDirectories(work);
    long loadMillis = (long) (minutes * 60_000);
    Progress progress = new Progress(out.resolve("progress.log"));

    PostgresServer postgres = PostgresServer.shared();
    S3ProxyServer s3 = S3ProxyServer.start(s3ProxyJar());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "soak-check");
    GatewayCluster cluster =
        new GatewayCluster(
            work.resolve("nodes"),
            work.resolve("backends"),
            postgres,
            writeConfig(s3, work.resolve("gateway.conf")));
    try {
      // One after another: on a busy 2-core machine three JVMs starting at once miss heartbeats.
      cluster.startNodesOneByOne(3);
      progress.say("3 nodes up; PostgreSQL %s, S3Proxy %s", postgres.jdbcUrl(), s3.endpoint());
      List<GatewayProcess> nodes = List.copyOf(cluster.nodes());
      SwiftClient tester = SwiftClient.login(nodes.get(0).baseUrl(), "test:tester", "testing");
      List<String> containers = IntStream.range(0, CONTAINERS).mapToObj(i -> "soak" + i).toList();
      for (int i = 0; i < containers.size(); i++) {
        SwiftClient via = SwiftClient.login(nodes.get(i % 3).baseUrl(), "test:tester", "testing");
        HttpResponse<String> r =
            via.call("PUT", "/" + containers.get(i), Map.of("X-Storage-Policy", POLICY), null);
        assertEquals(201, r.statusCode(), r.body() + cluster.logs());
      }
      ObjectStore primary =
          new FilesystemObjectStore(
              "local-standard", work.resolve("backends/local-standard"), 0, system);
      ObjectStore replica =
          new S3ObjectStore(
              "soak-s3",
              new DriverSettings("soak-s3", s3.driverSettings("prefix", S3_BUCKET)),
              0,
              system);

      SoakLoad load =
          new SoakLoad(cluster::nodes, tester.token(), containers, 20261205L).startPolling();
      long started = System.currentTimeMillis();
      load.startClients(writers);
      progress.say("%d clients writing for %.1f min", writers, minutes);

      List<Fault> faults = new ArrayList<>();
      GatewayProcess victim = nodes.get(2);
      faults.add(
          fault(
              progress,
              "node kill -9 and restart (port " + victim.httpPort() + ")",
              started + loadMillis * 15 / 100,
              () -> {
                victim.kill();
                LoadGenerator.sleep(NODE_DOWN_MILLIS);
                victim.start();
                awaitReady(victim);
              }));
      faults.add(
          fault(
              progress,
              "S3Proxy (replica backend) stopped and started",
              Math.max(started + loadMillis * 45 / 100, last(faults).windowEnd()),
              () -> {
                s3.stop();
                LoadGenerator.sleep(BACKEND_DOWN_MILLIS);
                s3.restart();
              }));
      faults.add(
          fault(
              progress,
              "PostgreSQL restarted",
              Math.max(started + loadMillis * 70 / 100, last(faults).windowEnd()),
              () -> {
                postgres.stopServer();
                LoadGenerator.sleep(DATABASE_DOWN_MILLIS);
                postgres.startServer();
              }));
      sleepUntil(Math.max(started + loadMillis, last(faults).windowEnd() + 5_000));
      load.stopClients();
      long loadEnded = System.currentTimeMillis();
      progress.say("load stopped after %.0f s", (loadEnded - started) / 1e3);

      // Convergence: the replica lists what the primary lists (names and etags), every container.
      long convergedAt = -1;
      long deadline = loadEnded + 300_000;
      while (System.currentTimeMillis() < deadline) {
        if (containers.stream()
            .allMatch(c -> sameListing(primary, replica, new BackendContainer("AUTH_test", c)))) {
          convergedAt = System.currentTimeMillis();
          break;
        }
        LoadGenerator.sleep(500);
      }
      progress.say(
          convergedAt < 0
              ? "replicas NOT converged 300 s after the load"
              : "replicas converged %d ms after the load",
          convergedAt - loadEnded);

      Verification gateway = new Verification();
      Verification onReplica = new Verification();
      verify(load, replica, system, gateway, onReplica);
      progress.say(
          "verified %d objects: gateway %s; replica %s",
          load.ledger().size(), gateway.counts, onReplica.counts);
      load.close();

      Map<String, Object> report =
          report(
              minutes,
              writers,
              started,
              loadEnded,
              convergedAt,
              faults,
              load,
              gateway,
              onReplica,
              cluster);
      writeReport(out, report);
      progress.say("report: %s", out.resolve("soak-report.txt"));

      assertEquals(0, gateway.count("lost"), "acknowledged writes lost (gateway): " + gateway);
      assertEquals(0, gateway.count("resurrected"), "deletes came back (gateway): " + gateway);
      assertEquals(0, gateway.count("unreadable"), "unreadable through the gateway: " + gateway);
      assertTrue(convergedAt > 0, "the replicas did not converge");
      assertEquals(0, onReplica.count("lost"), "acknowledged writes lost (replica): " + onReplica);
      assertEquals(0, onReplica.count("resurrected"), "deletes came back (replica): " + onReplica);
      assertEquals(0, onReplica.count("unreadable"), "unreadable on the replica: " + onReplica);
      assertEquals(List.of(), load.anomalies(), "reads that contradicted acknowledged writes");
    } finally {
      cluster.close();
      s3.close();
      system.terminate();
    }
  }

  /** Waits until {@code at}, injects the fault and returns when it is over. */
  private static Fault fault(Progress progress, String what, long at, Runnable inject) {
    sleepUntil(at);
    long injected = System.currentTimeMillis();
    progress.say("fault: %s", what);
    inject.run();
    long recovered = System.currentTimeMillis();
    progress.say("fault over after %.1f s: %s", (recovered - injected) / 1e3, what);
    return new Fault(what, injected, recovered);
  }

  private static Fault last(List<Fault> faults) {
    return faults.get(faults.size() - 1);
  }

  /** Outcomes of the final check of every object, one place (gateway or replica). */
  static final class Verification {
    final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    final List<String> problems = new CopyOnWriteArrayList<>();

    void add(String outcome, String detail) {
      counts.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
      if (detail != null && problems.size() < 200) {
        problems.add(outcome + ": " + detail);
      }
    }

    int count(String outcome) {
      AtomicInteger n = counts.get(outcome);
      return n == null ? 0 : n.get();
    }

    @Override
    public String toString() {
      return counts + " " + problems.stream().limit(20).toList();
    }
  }

  /**
   * Each object's state, through the gateway (GET, retried on a failed request) and on the replica
   * backend (read with the S3 driver, not through the gateway): present with the bytes of the last
   * acknowledged write (or of a later write whose answer was lost), or absent after an acknowledged
   * delete.
   */
  private static void verify(
      SoakLoad load,
      ObjectStore replica,
      ActorSystem<Void> system,
      Verification gateway,
      Verification onReplica) {
    ExecutorService checkers = Executors.newFixedThreadPool(8);
    Materializer materializer = Materializer.matFromSystem(system);
    try {
      List<CompletableFuture<Void>> checks = new ArrayList<>();
      for (Tracked t : load.ledger()) {
        checks.add(
            CompletableFuture.runAsync(
                () -> {
                  SoakLoad.Answer a = null;
                  for (int attempt = 0; attempt < 5; attempt++) {
                    a = load.call("GET", t.path(), null, Duration.ofSeconds(30));
                    if (a.status() == 200 || a.status() == 404) {
                      break;
                    }
                    LoadGenerator.sleep(1_000);
                  }
                  if (a.status() != 200 && a.status() != 404) {
                    gateway.add("unreadable", t.path() + ": " + a.status() + " " + a.error());
                  } else {
                    judge(t, a.status() == 200 ? a.body() : null, gateway);
                  }
                  // The checker's own read of the replica is retried like the GET above: a
                  // connection S3Proxy closes under load says nothing about the object.
                  RuntimeException failure = null;
                  for (int attempt = 0; attempt < 5; attempt++) {
                    try {
                      judge(t, readReplica(replica, t, materializer), onReplica);
                      failure = null;
                      break;
                    } catch (RuntimeException e) {
                      failure = e;
                      LoadGenerator.sleep(1_000);
                    }
                  }
                  if (failure != null) {
                    onReplica.add("unreadable", t.path() + ": " + failure);
                  }
                },
                checkers));
      }
      CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).join();
    } finally {
      checkers.shutdown();
    }
  }

  /** The object's bytes on the replica backend, read with its driver; null when absent. */
  private static byte[] readReplica(ObjectStore replica, Tracked t, Materializer materializer) {
    Optional<ObjectContent> copy =
        replica
            .get(new BackendContainer("AUTH_test", t.container), t.name, Optional.empty())
            .toCompletableFuture()
            .join();
    return copy.isEmpty()
        ? null
        : copy.get()
            .data()
            .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), materializer)
            .toCompletableFuture()
            .join()
            .toArray();
  }

  /** Judges what one place holds of an object: its bytes, or null when it has none. */
  private static void judge(Tracked t, byte[] held, Verification place) {
    boolean fine = held == null ? t.mayBeAbsent() : t.holds(held);
    if (fine) {
      place.add(
          t.mustHoldAcknowledgedWrite()
              ? "acknowledged write present"
              : t.mustBeDeleted() ? "acknowledged delete absent" : "never acknowledged, as tried",
          null);
      if (t.possible().size() > 1) {
        place.add("outcome of an unanswered request", null);
      }
    } else if (held != null && t.lastAcknowledgedIsDelete()) {
      place.add("resurrected", t.path() + " holds " + held.length + " bytes of an older write");
    } else {
      place.add(
          "lost",
          t.path()
              + (held == null ? " missing" : " holds " + held.length + " other bytes")
              + ", expected one of "
              + t.possible());
    }
  }

  private static boolean sameListing(ObjectStore a, ObjectStore b, BackendContainer where) {
    try {
      return listing(a, where).equals(listing(b, where));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Names and etags. */
  private static Map<String, String> listing(ObjectStore store, BackendContainer where) {
    Map<String, String> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      var page =
          store
              .list(
                  where,
                  new ListingQuery(
                      Optional.empty(), Optional.empty(), marker, Optional.empty(), 1000, false))
              .toCompletableFuture()
              .join();
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row.etag().replace("\"", "").toLowerCase());
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < 1000) {
        return rows;
      }
    }
  }

  private static Map<String, Object> report(
      double minutes,
      int writers,
      long started,
      long loadEnded,
      long convergedAt,
      List<Fault> faults,
      SoakLoad load,
      Verification gateway,
      Verification onReplica,
      GatewayCluster cluster) {
    List<Request> requests = load.requests();
    List<Request> failed = requests.stream().filter(Request::failed).toList();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("startedAt", Instant.ofEpochMilli(started).toString());
    report.put(
        "settings",
        Map.of(
            "minutes",
            minutes,
            "writers",
            writers,
            "nodes",
            3,
            "containers",
            CONTAINERS,
            "primary",
            "filesystem (local-standard, shared by the nodes)",
            "replica",
            "S3Proxy (separate process)"));
    report.put("loadSeconds", (loadEnded - started) / 1e3);
    Map<String, Map<String, Long>> byKind = new TreeMap<>();
    for (Request r : requests) {
      Map<String, Long> k = byKind.computeIfAbsent(r.kind(), x -> new TreeMap<>());
      k.merge("total", 1L, Long::sum);
      k.merge("failed", r.failed() ? 1L : 0L, Long::sum);
    }
    for (Map.Entry<String, Map<String, Long>> k : byKind.entrySet()) {
      List<Long> took =
          requests.stream()
              .filter(r -> r.kind().equals(k.getKey()))
              .map(r -> r.endedAt() - r.startedAt())
              .sorted()
              .toList();
      k.getValue().put("medianMillis", took.get(took.size() / 2));
      k.getValue().put("p99Millis", took.get(Math.min(took.size() - 1, took.size() * 99 / 100)));
      k.getValue().put("maxMillis", took.get(took.size() - 1));
    }
    report.put(
        "requests", Map.of("total", requests.size(), "failed", failed.size(), "byKind", byKind));
    List<Map<String, Object>> faultRows = new ArrayList<>();
    for (Fault f : faults) {
      List<Request> in = failed.stream().filter(f::overlaps).toList();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("fault", f.what());
      row.put("injectedAtSecond", (f.injectedAt() - started) / 1e3);
      row.put("recoveredAtSecond", (f.recoveredAt() - started) / 1e3);
      row.put("windowEndsAtSecond", (f.windowEnd() - started) / 1e3);
      List<Request> during = requests.stream().filter(f::overlaps).toList();
      row.put("requestsInWindow", during.size());
      row.put("longestRequestMillisInWindow", longest(during));
      row.put("failedInWindow", in.size());
      row.put("failedByKind", countByKind(in));
      row.put(
          "failuresFromSecondAfterInjection",
          in.stream().mapToLong(r -> r.startedAt() - f.injectedAt()).min().orElse(0) / 1e3);
      row.put(
          "failuresUntilSecondAfterInjection",
          in.stream().mapToLong(r -> r.endedAt() - f.injectedAt()).max().orElse(0) / 1e3);
      faultRows.add(row);
    }
    report.put("faults", faultRows);
    List<Request> outside =
        failed.stream().filter(r -> faults.stream().noneMatch(f -> f.overlaps(r))).toList();
    report.put(
        "failedOutsideFaultWindows",
        Map.of("count", outside.size(), "byKind", countByKind(outside)));
    Map<Long, Long> perSecond =
        failed.stream()
            .collect(
                Collectors.groupingBy(
                    r -> (r.startedAt() - started) / 1_000, TreeMap::new, Collectors.counting()));
    report.put("failedPerSecondOfLoad", perSecond);
    report.put("readAnomalies", load.anomalies());
    report.put(
        "convergenceMillisAfterLoad",
        convergedAt < 0 ? "not within 300 s" : convergedAt - loadEnded);
    List<Tracked> ledger = load.ledger();
    Map<String, Object> ledgerRow = new LinkedHashMap<>();
    ledgerRow.put("objects", ledger.size());
    ledgerRow.put(
        "acknowledgedWrites", ledger.stream().mapToInt(Tracked::acknowledgedWrites).sum());
    ledgerRow.put(
        "acknowledgedDeletes", ledger.stream().mapToInt(Tracked::acknowledgedDeletes).sum());
    ledgerRow.put(
        "objectsWhoseLastAcknowledgedOperationIsAWrite",
        ledger.stream().filter(Tracked::mustHoldAcknowledgedWrite).count());
    ledgerRow.put(
        "objectsWhoseLastAcknowledgedOperationIsADelete",
        ledger.stream().filter(Tracked::lastAcknowledgedIsDelete).count());
    ledgerRow.put(
        "objectsWithARequestOfUnknownOutcome",
        ledger.stream().filter(t -> t.possible().size() > 1).count());
    report.put("ledger", ledgerRow);
    report.put("verificationThroughGateway", verificationRow(gateway));
    report.put("verificationOnReplica", verificationRow(onReplica));
    report.put(
        "failedRequests",
        failed.stream()
            .limit(1_000)
            .map(
                r ->
                    Map.of(
                        "kind",
                        r.kind(),
                        "startedAtSecond",
                        (r.startedAt() - started) / 1e3,
                        "tookMillis",
                        r.endedAt() - r.startedAt(),
                        "port",
                        r.port(),
                        "status",
                        r.status(),
                        "error",
                        r.error()))
            .toList());
    report.put("nodeLogs", cluster.nodes().stream().map(n -> n.log().toString()).toList());
    return report;
  }

  private static long longest(List<Request> requests) {
    return requests.stream().mapToLong(r -> r.endedAt() - r.startedAt()).max().orElse(0);
  }

  private static Map<String, Object> verificationRow(Verification v) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("counts", new TreeMap<>(v.counts));
    row.put("problems", v.problems);
    return row;
  }

  private static Map<String, Long> countByKind(List<Request> requests) {
    return requests.stream()
        .collect(Collectors.groupingBy(Request::kind, TreeMap::new, Collectors.counting()));
  }

  @SuppressWarnings("unchecked")
  private static void writeReport(Path out, Map<String, Object> report) throws IOException {
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("soak-report.json").toFile(), report);
    StringBuilder text = new StringBuilder();
    text.append("Soak of ")
        .append(report.get("startedAt"))
        .append(": ")
        .append(report.get("settings"))
        .append('\n');
    text.append("load: ").append(report.get("loadSeconds")).append(" s\n");
    Map<String, Object> requests = (Map<String, Object>) report.get("requests");
    text.append("requests: ")
        .append(requests.get("total"))
        .append(", failed ")
        .append(requests.get("failed"))
        .append("; by kind ")
        .append(requests.get("byKind"))
        .append('\n');
    for (Map<String, Object> f : (List<Map<String, Object>>) report.get("faults")) {
      text.append(
          String.format(
              "fault at %ss, back at %ss: %s — %s of %s requests in [injection, back + %d s]"
                  + " failed %s (from %ss to %ss after the injection); longest request %s ms%n",
              f.get("injectedAtSecond"),
              f.get("recoveredAtSecond"),
              f.get("fault"),
              f.get("failedInWindow"),
              f.get("requestsInWindow"),
              SETTLE_MILLIS / 1_000,
              f.get("failedByKind"),
              f.get("failuresFromSecondAfterInjection"),
              f.get("failuresUntilSecondAfterInjection"),
              f.get("longestRequestMillisInWindow")));
    }
    text.append("failed outside the fault windows: ")
        .append(report.get("failedOutsideFaultWindows"))
        .append('\n');
    text.append("failed per second of load: ")
        .append(report.get("failedPerSecondOfLoad"))
        .append('\n');
    text.append("reads contradicting acknowledged writes: ")
        .append(((List<?>) report.get("readAnomalies")).size())
        .append('\n');
    text.append("replica converged (ms after the load): ")
        .append(report.get("convergenceMillisAfterLoad"))
        .append('\n');
    text.append("ledger: ").append(report.get("ledger")).append('\n');
    text.append("through the gateway: ")
        .append(report.get("verificationThroughGateway"))
        .append('\n');
    text.append("on the replica (S3 driver): ")
        .append(report.get("verificationOnReplica"))
        .append('\n');
    Files.writeString(out.resolve("soak-report.txt"), text);
    System.out.print(text);
  }

  private static Path writeConfig(S3ProxyServer s3, Path file) throws IOException {
    // The root configuration (its filesystem backend local-standard, shared by the nodes, is the
    // primary) plus S3Proxy as the replica's backend, on its own site.
    StringBuilder conf = new StringBuilder();
    conf.append("include file(\"").append(TestGateway.rootApplicationConf()).append("\")\n");
    String b = "archipelago.backends.soak-s3.";
    conf.append(b).append("kind = s3\n");
    conf.append(b).append("tiers = [\"soak-replica\"]\n");
    conf.append(b).append("site = \"soak-s3\"\n");
    s3.driverSettings("prefix", S3_BUCKET)
        .forEach((k, v) -> conf.append(b).append(k).append(" = \"").append(v).append("\"\n"));
    conf.append("archipelago.placement.policies.")
        .append(POLICY)
        .append(" { tier = \"standard\", replicas = 1, replica-tier = \"soak-replica\" }\n");
    Files.writeString(file, conf);
    return file;
  }

  private static Path s3ProxyJar() {
    String configured = System.getProperty("archipelago.s3proxy.jar");
    return configured != null
        ? Path.of(configured)
        : RealBackends.repoRoot().resolve("engine/target/s3proxy/s3proxy.jar");
  }

  private static void awaitReady(GatewayProcess node) {
    HttpClient http = HttpClient.newHttpClient();
    await(
        "node " + node.httpPort() + " ready",
        180_000,
        () -> {
          try {
            return http.send(
                        HttpRequest.newBuilder(URI.create(node.managementUrl() + "/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  private static void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
      LoadGenerator.sleep(250);
    }
  }

  private static void sleepUntil(long at) {
    long left = at - System.currentTimeMillis();
    if (left > 0) {
      LoadGenerator.sleep(left);
    }
  }

  /** Progress lines, on the console and in progress.log (failsafe keeps the console in a file). */
  private static final class Progress {
    private final Path file;
    private final long started = System.currentTimeMillis();

    Progress(Path file) throws IOException {
      this.file = file;
      Files.writeString(file, "");
    }

    synchronized void say(String format, Object... args) {
      String line =
          String.format(
              "soak %6.1f s: %s%n",
              (System.currentTimeMillis() - started) / 1e3, String.format(format, args));
      System.out.print(line);
      try {
        Files.writeString(file, line, StandardOpenOption.APPEND);
      } catch (IOException e) {
        // the console still has it
      }
    }
  }
}
