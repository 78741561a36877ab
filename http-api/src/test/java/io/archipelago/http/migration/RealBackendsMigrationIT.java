package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.s3.S3ObjectStore;
import io.archipelago.engine.store.swift.SwiftObjectStore;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live migration on real backends from the harness (two real Swift clusters, S3Proxy, a filesystem
 * backend; started once per test JVM) under concurrent client load: writes, overwrites, deletes,
 * reads, listings and an SLO upload never fail because of the migration, every acknowledged write
 * ends on the target byte for byte (and on the target only), every acknowledged delete is gone; a
 * cancel mid-way leaves the container on its source as the clients left it. What the backends hold
 * is asked with their own drivers, not the gateway.
 */
class RealBackendsMigrationIT {

  static RealBackends servers;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(RealBackendsMigrationIT::config);

  static SwiftClient client;
  static MigrationAdmin admin;
  static final Map<String, ObjectStore> direct = new HashMap<>();
  static ExecutorService pool;

  private static Map<String, Object> config() {
    servers = RealBackends.get();
    Map<String, Object> config = new HashMap<>(new FederatedBackends(servers).config());
    config.put("archipelago.migration.tick-interval", "200ms");
    config.put("archipelago.migration.progress-interval", "300ms");
    return config;
  }

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    admin = new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
    var swiftA = servers.swiftA().driverSettings(FederatedBackends.SWIFT_PREFIX);
    var swiftB = servers.swiftB().driverSettings(FederatedBackends.SWIFT_PREFIX);
    var s3 = servers.s3().driverSettings("prefix", FederatedBackends.S3_BUCKET);
    direct.put(
        "swift-a",
        new SwiftObjectStore(
            "swift-a", new DriverSettings("swift-a", swiftA), 0, gateway.system()));
    direct.put(
        "swift-b",
        new SwiftObjectStore(
            "swift-b", new DriverSettings("swift-b", swiftB), 0, gateway.system()));
    direct.put(
        "fs",
        new FilesystemObjectStore(
            "check-fs", gateway.dataDir().resolve("backends/fs"), 0, gateway.system()));
    direct.put("s3", new S3ObjectStore("s3", new DriverSettings("s3", s3), 0, gateway.system()));
    pool = Executors.newFixedThreadPool(4);
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
  }

  @Test
  void filesystemToSwiftUnderLoad() throws Exception {
    Model model = migrateUnderLoad("load-fs", "fs", "swift-a");
    for (byte[] body : model.everWritten) {
      assertTrue(
          !FsObjectFiles.holds(gateway.dataDir().resolve("backends/fs"), body),
          "left on the source: " + new String(body, StandardCharsets.UTF_8));
    }
  }

  @Test
  void swiftBToS3UnderLoad() throws Exception {
    migrateUnderLoad("load-swift", "swift-b", "s3");
    assertEquals(Map.of(), listing(direct.get("swift-b"), "load-swift"));
  }

  @Test
  void swiftToAnotherSwiftClusterUnderLoad() throws Exception {
    migrateUnderLoad("load-swift-ab", "swift-a", "swift-b");
    assertEquals(Map.of(), listing(direct.get("swift-a"), "load-swift-ab"));
  }

  @Test
  void s3ToFilesystemUnderLoad() throws Exception {
    migrateUnderLoad("load-s3", "s3", "fs");
    assertEquals(Map.of(), listing(direct.get("s3"), "load-s3"));
  }

  @Test
  void aCancelMidWayLeavesTheContainerOnItsSourceAsClientsLeftIt() throws Exception {
    String c = "cancelled";
    Model model = new Model(c);
    create(c, "swift-a");
    for (int i = 0; i < 30; i++) {
      model.put("o" + i);
    }
    admin.start(
        "AUTH_test",
        c,
        "{\"target\":\"s3\",\"throttle\":{\"requestsPerSecond\":4,\"parallelism\":1}}");
    admin.await(
        "AUTH_test",
        c,
        m -> m.path("phase").asText().equals("copying") && m.path("objectsCopied").asLong() > 0,
        Duration.ofSeconds(60));
    model.put("fresh");
    model.put("o29");
    model.delete("o28");
    model.delete("o0");
    HttpResponse<String> cancel =
        admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null);
    assertEquals(200, cancel.statusCode(), cancel.body());
    model.put("after-cancel");
    model.verifyThroughGateway();

    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!listing(direct.get("s3"), c).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the target still holds objects");
      Thread.sleep(200);
    }
    assertEquals(
        "swift-a", admin.container("AUTH_test", c).path("assignment").path("primary").asText());
    model.verifyOn(direct.get("swift-a"));
    model.verifyThroughGateway();
    assertEquals(0, model.failures.get(), model.failureLog.toString());
  }

  /**
   * Seeds a container, starts its migration, runs four clients on disjoint name sets until it
   * completes, then checks the target against what the clients were told.
   */
  private Model migrateUnderLoad(String c, String sourcePolicy, String target) throws Exception {
    Model model = new Model(c);
    create(c, sourcePolicy);
    for (int i = 0; i < 60; i++) {
      model.put("seed-" + i);
    }
    JsonNode started =
        admin.start(
            "AUTH_test",
            c,
            "{\"target\":\""
                + target
                + "\",\"throttle\":{\"requestsPerSecond\":25,\"parallelism\":2}}");
    assertEquals("started", started.path("phase").asText());
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<?>> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int me = t;
      clients.add(pool.submit(() -> model.load(me, stop)));
    }
    // An SLO upload while the copy runs: segments first, then the manifest.
    model.uploadSlo("slo-during");
    JsonNode done;
    try {
      done =
          admin.await(
              "AUTH_test",
              c,
              m -> m.path("phase").asText().equals("completed"),
              Duration.ofSeconds(240));
    } finally {
      stop.set(true);
      for (Future<?> f : clients) {
        f.get();
      }
    }
    assertTrue(model.operations.get() > 100, "too little load: " + model.operations);
    assertEquals(0, model.failures.get(), model.failureLog.toString());
    assertTrue(done.path("verification").path("passed").asBoolean(), done.toPrettyString());
    assertEquals(
        target, admin.container("AUTH_test", c).path("assignment").path("primary").asText());
    model.verifyOn(direct.get(target));
    model.verifyThroughGateway();
    return model;
  }

  private static void create(String c, String policy) {
    HttpResponse<String> r = client.call("PUT", "/" + c, Map.of("X-Storage-Policy", policy), null);
    assertEquals(201, r.statusCode(), r.body());
  }

  /**
   * What the clients were told: each name's last acknowledged body, or absent after an acknowledged
   * delete. Thread {@code t} only touches names of its own, so each name's story is sequential and
   * the expected end state exact.
   */
  static final class Model {
    final String container;
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    /** SLO manifests by name: what a GET of each answers (its segments' bytes, in order). */
    final Map<String, byte[]> slos = new ConcurrentHashMap<>();

    final List<byte[]> everWritten = new ArrayList<>();
    final AtomicLong operations = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final ConcurrentLinkedQueue<String> failureLog = new ConcurrentLinkedQueue<>();
    private final AtomicLong version = new AtomicLong();

    Model(String container) {
      this.container = container;
    }

    void put(String name) {
      byte[] body =
          (container + "/" + name + " v" + version.incrementAndGet() + " ")
              .repeat(1 + (int) (version.get() % 7))
              .getBytes(StandardCharsets.UTF_8);
      HttpResponse<byte[]> r = client.bytes("PUT", path(name), Map.of(), body);
      operations.incrementAndGet();
      if (r.statusCode() == 201) {
        objects.put(name, body);
        synchronized (everWritten) {
          everWritten.add(body);
        }
      } else {
        fail("PUT " + name + " -> " + r.statusCode());
      }
    }

    /**
     * Three segments as objects of the container, then a manifest referencing them. The segments
     * are not under {@code name/}: S3Proxy's filesystem provider keeps keys as file paths, where
     * {@code name} cannot be a file once {@code name/seg-0} made it a directory.
     */
    void uploadSlo(String name) {
      StringBuilder manifest = new StringBuilder("[");
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      for (int i = 0; i < 3; i++) {
        String segment = name + ".seg-" + i;
        put(segment);
        byte[] body = objects.get(segment);
        whole.writeBytes(body);
        manifest
            .append(i == 0 ? "" : ",")
            .append("{\"path\":\"/")
            .append(container)
            .append('/')
            .append(segment)
            .append("\",\"etag\":\"")
            .append(Http.md5(body))
            .append("\",\"size_bytes\":")
            .append(body.length)
            .append('}');
      }
      manifest.append(']');
      HttpResponse<byte[]> r =
          client.bytes(
              "PUT",
              path(name) + "?multipart-manifest=put",
              Map.of(),
              manifest.toString().getBytes(StandardCharsets.UTF_8));
      operations.incrementAndGet();
      if (r.statusCode() == 201) {
        slos.put(name, whole.toByteArray());
      } else {
        fail("PUT SLO " + name + " -> " + r.statusCode() + " " + new String(r.body()));
      }
    }

    void delete(String name) {
      HttpResponse<String> r = client.call("DELETE", path(name));
      operations.incrementAndGet();
      boolean expected = objects.containsKey(name) ? r.statusCode() == 204 : r.statusCode() == 404;
      if (expected) {
        objects.remove(name);
      } else {
        fail("DELETE " + name + " -> " + r.statusCode());
      }
    }

    void read(String name) {
      HttpResponse<byte[]> r = client.bytes("GET", path(name), Map.of(), null);
      operations.incrementAndGet();
      byte[] want = objects.get(name);
      if (want == null
          ? r.statusCode() != 404
          : r.statusCode() != 200 || !Arrays.equals(want, r.body())) {
        fail("GET " + name + " -> " + r.statusCode());
      }
    }

    void list(int me) {
      HttpResponse<String> r = client.call("GET", "/" + container + "?prefix=t" + me + "-");
      operations.incrementAndGet();
      if (r.statusCode() != 200 && r.statusCode() != 204) {
        fail("GET listing -> " + r.statusCode());
        return;
      }
      Set<String> listed = Set.copyOf(r.body().lines().toList());
      Set<String> mine = new TreeSet<>();
      objects.keySet().stream().filter(n -> n.startsWith("t" + me + "-")).forEach(mine::add);
      if (!listed.equals(mine)) {
        fail("listing of t" + me + "- " + listed + " expected " + mine);
      }
    }

    /** One client: random writes, overwrites, deletes, reads and listings on its own names. */
    void load(int me, AtomicBoolean stop) {
      Random random = new Random(me);
      while (!stop.get()) {
        String name = "t" + me + "-" + random.nextInt(12);
        int op = random.nextInt(10);
        if (op < 4) {
          put(name);
        } else if (op < 6) {
          delete(name);
        } else if (op < 9) {
          read(name);
        } else {
          list(me);
        }
        if (random.nextInt(4) == 0) {
          read("seed-" + random.nextInt(60));
        }
      }
    }

    private void fail(String what) {
      failures.incrementAndGet();
      failureLog.add(what);
    }

    private String path(String name) {
      return "/" + container + "/" + name;
    }

    /** The backend holds exactly the acknowledged objects, byte for byte. */
    void verifyOn(ObjectStore store) {
      Map<String, ListingEntry.ObjectRow> rows = listing(store, container);
      assertEquals(names(), rows.keySet());
      for (Map.Entry<String, byte[]> e : objects.entrySet()) {
        assertArrayEquals(e.getValue(), readDirect(store, container, e.getKey()), e.getKey());
      }
    }

    /** Every name the container must hold: objects (segments included) and SLO manifests. */
    Set<String> names() {
      Set<String> all = new TreeSet<>(objects.keySet());
      all.addAll(slos.keySet());
      return all;
    }

    void verifyThroughGateway() {
      Map<String, byte[]> all = new HashMap<>(objects);
      all.putAll(slos);
      for (Map.Entry<String, byte[]> e : all.entrySet()) {
        assertArrayEquals(
            e.getValue(), client.bytes("GET", path(e.getKey()), Map.of(), null).body(), e.getKey());
      }
      assertEquals(
          names().stream().toList(), client.call("GET", "/" + container).body().lines().toList());
      assertEquals(
          "" + all.size(),
          client
              .call("HEAD", "/" + container)
              .headers()
              .firstValue("X-Container-Object-Count")
              .orElseThrow());
    }
  }

  static Map<String, ListingEntry.ObjectRow> listing(ObjectStore store, String container) {
    BackendContainer where = new BackendContainer("AUTH_test", container);
    Map<String, ListingEntry.ObjectRow> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      var page =
          store
              .list(
                  where,
                  new ListingQuery(
                      Optional.empty(), Optional.empty(), marker, Optional.empty(), 1000, false))
              .exceptionally(missing -> null)
              .toCompletableFuture()
              .join();
      if (page == null) {
        return rows;
      }
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row);
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < 1000) {
        return rows;
      }
    }
  }

  static byte[] readDirect(ObjectStore store, String container, String name) {
    Optional<ObjectContent> content =
        store
            .get(new BackendContainer("AUTH_test", container), name, Optional.empty())
            .toCompletableFuture()
            .join();
    if (content.isEmpty()) {
      return null;
    }
    return content
        .get()
        .data()
        .runWith(
            Sink.fold(ByteString.emptyByteString(), ByteString::concat),
            Materializer.matFromSystem(gateway.system()))
        .toCompletableFuture()
        .join()
        .toArray();
  }
}
