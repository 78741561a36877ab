package io.archipelago.http.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.typed.ActorSystem;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers of the sync tests: object bodies, parallel uploads, reading a backend directly. */
final class SyncTesting {

  static final ObjectMapper JSON = new ObjectMapper();

  private SyncTesting() {}

  /** The container of account AUTH_test on a backend. */
  static BackendContainer where(String container) {
    return new BackendContainer("AUTH_test", container);
  }

  /** A deterministic body for a name: 0 to maxSize bytes. */
  static byte[] body(String name, int maxSize) {
    Random random = new Random(name.hashCode());
    byte[] data = new byte[random.nextInt(maxSize + 1)];
    random.nextBytes(data);
    return data;
  }

  /**
   * PUTs the objects with {@code parallel} requests in flight; returns the status codes by name.
   */
  static Map<String, Integer> putAll(
      SwiftClient client,
      String container,
      List<String> names,
      int maxSize,
      int parallel,
      Map<String, String> headers) {
    Semaphore permits = new Semaphore(parallel);
    Map<String, Integer> statuses = java.util.Collections.synchronizedMap(new TreeMap<>());
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (String name : names) {
      permits.acquireUninterruptibly();
      HttpRequest.Builder b =
          client
              .request("/" + container + "/" + Http.enc(name))
              .PUT(HttpRequest.BodyPublishers.ofByteArray(body(name, maxSize)));
      headers.forEach(b::header);
      all.add(
          client
              .http()
              .sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())
              .handle(
                  (r, f) -> {
                    statuses.put(name, f == null ? r.statusCode() : -1);
                    permits.release();
                    return null;
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    return statuses;
  }

  static List<String> names(String prefix, int from, int to) {
    List<String> names = new ArrayList<>();
    for (int i = from; i < to; i++) {
      names.add(prefix + "/" + String.format("%05d", i) + (i % 7 == 0 ? " ünïcode" : ""));
    }
    return names;
  }

  /** Every object row of a container, straight from the backend, in pages of 1,000. */
  static Map<String, ListingEntry.ObjectRow> listing(ObjectStore store, BackendContainer where) {
    return listing(store, where, 1000);
  }

  /** Every object row of a container, straight from the backend, in pages of pageSize. */
  static Map<String, ListingEntry.ObjectRow> listing(
      ObjectStore store, BackendContainer where, int pageSize) {
    Map<String, ListingEntry.ObjectRow> rows = new TreeMap<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      var page =
          store
              .list(
                  where,
                  new ListingQuery(
                      Optional.empty(),
                      Optional.empty(),
                      marker,
                      Optional.empty(),
                      pageSize,
                      false))
              .toCompletableFuture()
              .join();
      for (ListingEntry e : page.entries()) {
        if (e instanceof ListingEntry.ObjectRow row) {
          rows.put(row.name(), row);
          marker = Optional.of(row.name());
        }
      }
      if (page.entries().size() < pageSize) {
        return rows;
      }
    }
  }

  static byte[] read(
      ObjectStore store, BackendContainer where, String name, ActorSystem<?> system) {
    Optional<ObjectContent> content =
        store.get(where, name, Optional.empty()).toCompletableFuture().join();
    if (content.isEmpty()) {
      return null;
    }
    return content
        .get()
        .data()
        .runWith(
            Sink.fold(ByteString.emptyByteString(), ByteString::concat),
            Materializer.matFromSystem(system))
        .toCompletableFuture()
        .join()
        .toArray();
  }

  static void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static JsonNode adminJson(SwiftClient admin, String baseUrl, String method, String path) {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(java.net.URI.create(baseUrl + path))
                .header("X-Auth-Token", admin.token())
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build());
    assertEquals(200, r.statusCode(), r.body());
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
