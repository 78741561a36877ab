package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway acknowledged survives a kill -9 of its process, on the embedded defaults (H2
 * journal, filesystem backends): writers create containers, upload objects and set metadata until
 * the process dies mid-load; after a restart on the same data directory every container, object and
 * metadata value that got its 2xx is there. (H2's default write delay kept the last half second of
 * commits in memory only, and lost them here.)
 */
class CrashDurabilityIT {

  private static final int WRITERS = 8;

  @TempDir Path work;

  record Acked(String container, String object, byte[] body) {}

  @Test
  void acknowledgedWritesSurviveAKilledProcess() throws Exception {
    Path data = work.resolve("data");
    GatewayProcess gateway = new GatewayProcess(data, List.of("-Xmx256m")).start();
    Acknowledged acknowledged = new Acknowledged();
    AtomicBoolean dead = new AtomicBoolean();
    try {
      SwiftClient client = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Thread thread = new Thread(() -> write(client, writer, acknowledged, dead), "writer-" + w);
        thread.start();
        writers.add(thread);
      }
      // At least four seconds of load, and long enough that every kind of write was acknowledged
      // a few times (a busy machine is slow to start), before the kill.
      long started = System.nanoTime();
      while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4)
          || (acknowledged.containers.size() <= 2 * WRITERS
                  || acknowledged.objects.size() <= WRITERS
                  || acknowledged.metadata.size() <= WRITERS)
              && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60)) {
        Thread.sleep(200);
      }
      // Killed while requests are in flight: those never got an answer and prove nothing.
      gateway.kill();
      dead.set(true);
      for (Thread t : writers) {
        t.join(60_000);
      }
    } finally {
      gateway.close();
    }
    assertTrue(
        acknowledged.containers.size() > WRITERS,
        "too few acknowledged writes: " + acknowledged.containers);

    GatewayProcess again = new GatewayProcess(data, List.of("-Xmx256m")).start();
    try {
      SwiftClient client = SwiftClient.login(again.baseUrl(), "test:tester", "testing");
      for (String container : acknowledged.containers) {
        HttpResponse<String> head = client.call("HEAD", "/" + container);
        assertEquals(
            204,
            head.statusCode(),
            container + " was created (201) before the kill\n" + again.logTail());
      }
      for (Map.Entry<String, String> meta : acknowledged.metadata.entrySet()) {
        HttpResponse<String> head = client.call("HEAD", "/" + meta.getKey());
        assertEquals(
            meta.getValue(),
            head.headers().firstValue("X-Container-Meta-Round").orElse(null),
            meta.getKey() + ": metadata acknowledged (204) before the kill");
      }
      Map<String, Integer> perContainer = new HashMap<>();
      for (Acked object : acknowledged.objects) {
        HttpResponse<byte[]> get =
            client.bytes("GET", "/" + object.container() + "/" + object.object(), Map.of(), null);
        assertEquals(
            200,
            get.statusCode(),
            object.container() + "/" + object.object() + " was stored (201)");
        assertArrayEquals(object.body(), get.body(), object.object());
        perContainer.merge(object.container(), 1, Integer::sum);
      }
      for (Map.Entry<String, Integer> count : perContainer.entrySet()) {
        long counted =
            Long.parseLong(
                client
                    .call("HEAD", "/" + count.getKey())
                    .headers()
                    .firstValue("X-Container-Object-Count")
                    .orElse("-1"));
        assertTrue(
            counted >= count.getValue(),
            count.getKey()
                + " counts "
                + counted
                + " objects, "
                + count.getValue()
                + " were acknowledged");
      }
      System.out.printf(
          "kill -9 under load: %d containers, %d objects, %d metadata writes acknowledged, all there after restart%n",
          acknowledged.containers.size(),
          acknowledged.objects.size(),
          acknowledged.metadata.size());
    } finally {
      again.stop();
      again.close();
    }
  }

  /**
   * One writer: a new container, three objects, a metadata update, again, until the gateway dies.
   */
  private static void write(
      SwiftClient client, int writer, Acknowledged acknowledged, AtomicBoolean dead) {
    for (int round = 0; !dead.get(); round++) {
      String container = "crash-" + writer + "-" + round;
      try {
        if (send(client, client.request("/" + container).PUT(HttpRequest.BodyPublishers.noBody()))
            != 201) {
          continue;
        }
        acknowledged.containers.add(container);
        for (int i = 0; i < 3; i++) {
          byte[] body =
              (container + " object " + i + " ")
                  .repeat(1 + i * 40)
                  .getBytes(StandardCharsets.UTF_8);
          if (send(
                  client,
                  client
                      .request("/" + container + "/o" + i)
                      .PUT(HttpRequest.BodyPublishers.ofByteArray(body)))
              == 201) {
            acknowledged.objects.add(new Acked(container, "o" + i, body));
          }
        }
        if (send(
                client,
                client
                    .request("/" + container)
                    .header("X-Container-Meta-Round", Integer.toString(round))
                    .POST(HttpRequest.BodyPublishers.noBody()))
            == 204) {
          acknowledged.metadata.put(container, Integer.toString(round));
        }
      } catch (Exception e) {
        // The process is gone: this request was never acknowledged.
      }
    }
  }

  private static int send(SwiftClient client, HttpRequest.Builder request) throws Exception {
    return client.http().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** What the writers got a success for. */
  static final class Acknowledged {
    final ConcurrentLinkedQueue<String> containers = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Acked> objects = new ConcurrentLinkedQueue<>();
    final Map<String, String> metadata = new ConcurrentHashMap<>();
  }
}
