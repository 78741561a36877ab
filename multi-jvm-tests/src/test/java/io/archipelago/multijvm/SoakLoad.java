package io.archipelago.multijvm;

import io.archipelago.http.testkit.GatewayProcess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The soak's clients: each writes, overwrites, reads back, deletes and lists its own objects over
 * the Swift API, spread over the nodes that answer /ready as a load balancer spreads them (a
 * connection refused goes to another node; any other failure is the client's failed request). Since
 * no two clients share an object, each knows what its objects must hold: the state of the last
 * acknowledged write or delete, or that of a later request whose outcome is unknown.
 */
final class SoakLoad implements AutoCloseable {

  /** The largest object body written. */
  static final int MAX_BODY = 48 * 1024;

  private static final long THINK_MILLIS = 10;

  /** One client request: when it started and ended (epoch ms), the node and the outcome. */
  record Request(String kind, long startedAt, long endedAt, int port, int status, String error) {
    boolean failed() {
      return error != null;
    }
  }

  /** An answer: status (-1 when none came) and body. */
  record Answer(int status, byte[] body, int port, String error) {}

  /** A content an object may hold: the bytes from this seed and length, or none (deleted). */
  record Version(long seed, int length) {
    static final Version ABSENT = new Version(0, -1);

    boolean absent() {
      return length < 0;
    }

    byte[] bytes() {
      byte[] data = new byte[length];
      new Random(seed).nextBytes(data);
      return data;
    }
  }

  /** What its client knows of one object. Written by that client only. */
  static final class Tracked {
    final String container;
    final String name;

    /**
     * The state after the last acknowledged write or delete (absent before the first), followed by
     * the states of later requests whose outcome is unknown: the object must hold one of them.
     */
    private volatile List<Version> possible = List.of(Version.ABSENT);

    private volatile boolean acknowledgedOnce;
    private final AtomicInteger acknowledgedWrites = new AtomicInteger();
    private final AtomicInteger acknowledgedDeletes = new AtomicInteger();

    Tracked(String container, String name) {
      this.container = container;
      this.name = name;
    }

    String path() {
      return "/" + container + "/" + name;
    }

    void acknowledged(Version state) {
      possible = List.of(state);
      acknowledgedOnce = true;
      (state.absent() ? acknowledgedDeletes : acknowledgedWrites).incrementAndGet();
    }

    void unknownOutcome(Version state) {
      List<Version> more = new ArrayList<>(possible);
      more.add(state);
      possible = List.copyOf(more);
    }

    List<Version> possible() {
      return possible;
    }

    boolean holds(byte[] body) {
      return possible.stream().anyMatch(v -> !v.absent() && Arrays.equals(v.bytes(), body));
    }

    boolean mayBeAbsent() {
      return possible.stream().anyMatch(Version::absent);
    }

    /** The last acknowledged operation was a write: its bytes must be there (or a later try's). */
    boolean mustHoldAcknowledgedWrite() {
      return acknowledgedOnce && !possible.get(0).absent();
    }

    /** The last acknowledged operation was a delete and no later write may have landed. */
    boolean mustBeDeleted() {
      return acknowledgedOnce && possible.stream().allMatch(Version::absent);
    }

    boolean lastAcknowledgedIsDelete() {
      return acknowledgedOnce && possible.get(0).absent();
    }

    int acknowledgedWrites() {
      return acknowledgedWrites.get();
    }

    int acknowledgedDeletes() {
      return acknowledgedDeletes.get();
    }
  }

  private final Supplier<List<GatewayProcess>> nodes;
  private final String token;
  private final List<String> containers;
  private final long seed;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<Integer, Boolean> ready = new ConcurrentHashMap<>();
  private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
  private final Queue<String> anomalies = new ConcurrentLinkedQueue<>();
  private final Queue<Tracked> ledger = new ConcurrentLinkedQueue<>();
  private final AtomicInteger turn = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean polling = new AtomicBoolean(true);
  private final List<Thread> clients = new ArrayList<>();
  private Thread poller;

  SoakLoad(Supplier<List<GatewayProcess>> nodes, String token, List<String> containers, long seed) {
    this.nodes = nodes;
    this.token = token;
    this.containers = List.copyOf(containers);
    this.seed = seed;
  }

  /** Starts the readiness poller (the load balancer's health check). */
  SoakLoad startPolling() {
    poller = new Thread(this::pollReadiness, "soak-readiness");
    poller.setDaemon(true);
    poller.start();
    return this;
  }

  /** Starts {@code count} clients. */
  SoakLoad startClients(int count) {
    for (int c = 0; c < count; c++) {
      int id = c;
      Thread t = new Thread(() -> client(id), "soak-client-" + c);
      t.setDaemon(true);
      t.start();
      clients.add(t);
    }
    return this;
  }

  private void pollReadiness() {
    while (polling.get()) {
      for (GatewayProcess n : nodes.get()) {
        boolean ok;
        try {
          ok =
              http.send(
                          HttpRequest.newBuilder(URI.create(n.managementUrl() + "/ready"))
                              .timeout(Duration.ofSeconds(1))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
        } catch (IOException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        ready.put(n.httpPort(), ok);
      }
      LoadGenerator.sleep(200);
    }
  }

  private void client(int id) {
    Random random = new Random(seed * 31 + id);
    List<Tracked> mine = new ArrayList<>();
    int created = 0;
    while (running.get()) {
      // A short pause between requests, so that the clients load the nodes without starving
      // their heartbeats on a small machine.
      LoadGenerator.sleep(THINK_MILLIS);
      int dice = random.nextInt(100);
      if (mine.isEmpty() || dice < 40) {
        Tracked t =
            new Tracked(
                containers.get(random.nextInt(containers.size())), "c" + id + "-" + created);
        created++;
        mine.add(t);
        ledger.add(t);
        put(t, random, "PUT");
        continue;
      }
      Tracked t = mine.get(random.nextInt(mine.size()));
      if (dice < 55) {
        put(t, random, "OVERWRITE");
      } else if (dice < 85 || (dice < 95 && t.possible().stream().allMatch(Version::absent))) {
        get(t);
      } else if (dice < 95) {
        delete(t);
      } else {
        list(t.container);
      }
    }
  }

  private void put(Tracked t, Random random, String kind) {
    Version v = new Version(random.nextLong(), random.nextInt(MAX_BODY + 1));
    Answer a = send(kind, "PUT", t.path(), v.bytes(), 201);
    if (a.status() == 201) {
      t.acknowledged(v);
    } else {
      t.unknownOutcome(v);
    }
  }

  private void get(Tracked t) {
    long started = System.currentTimeMillis();
    Answer a = send(null, "GET", t.path(), null, 0);
    String error = a.error();
    if (a.status() == 200 && !t.holds(a.body())) {
      error = "content of no write of " + t.path() + " (" + a.body().length + " bytes)";
      anomalies.add(error + " from node " + a.port());
    } else if (a.status() == 404 && !t.mayBeAbsent()) {
      error = "404 for acknowledged " + t.path();
      anomalies.add(error + " from node " + a.port());
    } else if (a.status() != 200 && a.status() != 404 && error == null) {
      error = "HTTP " + a.status() + " " + snippet(a.body());
    }
    record("GET", started, a, error);
  }

  private void delete(Tracked t) {
    long started = System.currentTimeMillis();
    Answer a = send(null, "DELETE", t.path(), null, 0);
    String error = a.error();
    if (a.status() == 204 || (a.status() == 404 && t.mayBeAbsent())) {
      t.acknowledged(Version.ABSENT);
    } else {
      if (a.status() == 404) {
        error = "404 for acknowledged " + t.path();
        anomalies.add(error + " from node " + a.port());
      } else if (error == null) {
        error = "HTTP " + a.status() + " " + snippet(a.body());
      }
      t.unknownOutcome(Version.ABSENT);
    }
    record("DELETE", started, a, error);
  }

  private void list(String container) {
    send("LIST", "GET", "/" + container + "?format=json&limit=100", null, 200);
  }

  /**
   * Sends to a ready node and records the request under {@code kind} (unless null: the caller
   * judges the answer and records it) as failed unless answered {@code expected}.
   */
  private Answer send(String kind, String method, String path, byte[] body, int expected) {
    long started = System.currentTimeMillis();
    Answer a = call(method, path, body, Duration.ofSeconds(30));
    if (kind != null) {
      String error = a.error();
      if (error == null && a.status() != expected) {
        error = "HTTP " + a.status() + " " + snippet(a.body());
      }
      record(kind, started, a, error);
    }
    return a;
  }

  private void record(String kind, long started, Answer a, String error) {
    requests.add(
        new Request(kind, started, System.currentTimeMillis(), a.port(), a.status(), error));
  }

  /** One request through the load balancer: a refused connection goes to another ready node. */
  Answer call(String method, String path, byte[] body, Duration timeout) {
    for (int attempt = 0; attempt < 100; attempt++) {
      List<GatewayProcess> candidates =
          nodes.get().stream().filter(n -> ready.getOrDefault(n.httpPort(), true)).toList();
      if (candidates.isEmpty()) {
        LoadGenerator.sleep(100);
        continue;
      }
      GatewayProcess node =
          candidates.get(Math.floorMod(turn.getAndIncrement(), candidates.size()));
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test" + path))
              .timeout(timeout)
              .header("X-Auth-Token", token)
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      try {
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.body(), node.httpPort(), null);
      } catch (ConnectException e) {
        ready.put(node.httpPort(), false);
      } catch (IOException e) {
        return new Answer(-1, new byte[0], node.httpPort(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Answer(-1, new byte[0], node.httpPort(), e.toString());
      }
    }
    return new Answer(-1, new byte[0], -1, "no node accepted the connection");
  }

  private static String snippet(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.length() > 120 ? text.substring(0, 120) + "..." : text;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<String> anomalies() {
    return List.copyOf(anomalies);
  }

  List<Tracked> ledger() {
    return List.copyOf(ledger);
  }

  /** Stops the clients (their requests in flight end first); the poller goes on. */
  void stopClients() {
    running.set(false);
    for (Thread t : clients) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stopClients();
    polling.set(false);
  }
}
