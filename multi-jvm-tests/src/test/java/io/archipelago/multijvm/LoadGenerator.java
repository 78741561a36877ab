package io.archipelago.multijvm;

import io.archipelago.http.testkit.GatewayProcess;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A bounded Swift API load (container and object PUT, GET, HEAD with TempAuth) spread over the
 * nodes that answer /ready, as a load balancer would spread it. A request refused at connect time
 * never reached a node and goes to another one, as a load balancer does; every other failure is
 * recorded. Acknowledged PUTs are remembered for verification.
 */
public final class LoadGenerator implements AutoCloseable {

  /** A failed client request: where it went, what it was, what happened. */
  public record Failure(int port, String request, String outcome, long atMillis) {}

  /** An object whose PUT was answered 201. */
  public record Acknowledged(String container, String name, String body) {}

  private final Supplier<List<GatewayProcess>> nodes;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<Integer, Boolean> ready = new ConcurrentHashMap<>();
  private final List<Failure> failures = new CopyOnWriteArrayList<>();
  private final List<Acknowledged> acknowledged = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final int containers;
  private final String prefix;

  public LoadGenerator(
      Supplier<List<GatewayProcess>> nodes, String token, String prefix, int containers) {
    this.nodes = nodes;
    this.token = token;
    this.prefix = prefix;
    this.containers = containers;
  }

  /** Starts the readiness poller and {@code workers} request loops, each bounded by count. */
  public LoadGenerator start(int workers, int maxRequestsPerWorker) {
    Thread poller = new Thread(this::pollReadiness, "readiness-poller");
    poller.setDaemon(true);
    poller.start();
    threads.add(poller);
    for (int c = 0; c < containers; c++) {
      send("PUT", "/" + prefix + c, null);
    }
    for (int w = 0; w < workers; w++) {
      int worker = w;
      Thread t = new Thread(() -> work(worker, maxRequestsPerWorker), "load-" + w);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return this;
  }

  private void pollReadiness() {
    while (running.get()) {
      for (GatewayProcess n : nodes.get()) {
        boolean ok;
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create(n.managementUrl() + "/ready"))
                      .timeout(Duration.ofSeconds(1))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          ok = r.statusCode() == 200;
        } catch (Exception e) {
          ok = false;
        }
        ready.put(n.httpPort(), ok);
      }
      sleep(100);
    }
  }

  private void work(int worker, int max) {
    Random random = new Random(worker);
    for (int i = 0; i < max && running.get(); i++) {
      String container = prefix + random.nextInt(containers);
      int op = random.nextInt(10);
      if (op < 4) {
        String name = "w" + worker + "-" + i;
        String body = "object " + name + " " + random.nextLong();
        if (send("PUT", "/" + container + "/" + name, body) == 201) {
          acknowledged.add(new Acknowledged(container, name, body));
        }
      } else if (op < 7 && !acknowledged.isEmpty()) {
        Acknowledged a = acknowledged.get(random.nextInt(acknowledged.size()));
        send("GET", "/" + a.container() + "/" + a.name(), null);
      } else if (op < 9) {
        send("HEAD", "/" + container, null);
      } else {
        send("PUT", "/" + container, null);
      }
      sleep(5);
    }
  }

  /** Sends to a ready node; returns the status, or -1 after recording a failure. */
  public int send(String method, String path, String body) {
    for (int attempt = 0; attempt < 50; attempt++) {
      List<GatewayProcess> candidates =
          nodes.get().stream().filter(n -> ready.getOrDefault(n.httpPort(), true)).toList();
      if (candidates.isEmpty()) {
        sleep(100);
        continue;
      }
      GatewayProcess node =
          candidates.get(Math.floorMod(requests.getAndIncrement(), candidates.size()));
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/AUTH_test" + path))
              .timeout(Duration.ofSeconds(60))
              .header("X-Auth-Token", token);
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      try {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        boolean ok =
            switch (method) {
              case "PUT" -> status == 201 || status == 202;
              case "GET" -> status == 200;
              case "HEAD" -> status == 204 || status == 200;
              default -> status < 400;
            };
        if (!ok) {
          failures.add(
              new Failure(
                  node.httpPort(),
                  method + " " + path,
                  "HTTP " + status + " " + r.body(),
                  System.currentTimeMillis()));
          return -1;
        }
        return status;
      } catch (ConnectException e) {
        ready.put(node.httpPort(), false);
      } catch (Exception e) {
        failures.add(
            new Failure(
                node.httpPort(), method + " " + path, e.toString(), System.currentTimeMillis()));
        return -1;
      }
    }
    failures.add(
        new Failure(
            -1,
            method + " " + path,
            "no node accepted the connection",
            System.currentTimeMillis()));
    return -1;
  }

  public List<Failure> failures() {
    return failures;
  }

  public List<Acknowledged> acknowledged() {
    return acknowledged;
  }

  public int requestCount() {
    return requests.get();
  }

  /** Stops the load and waits for the request loops to end. */
  @Override
  public void close() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(70_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
