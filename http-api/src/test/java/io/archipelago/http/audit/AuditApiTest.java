package io.archipelago.http.audit;

import static io.archipelago.http.audit.AuditTesting.get;
import static io.archipelago.http.audit.AuditTesting.ndjson;
import static io.archipelago.http.audit.AuditTesting.ok;
import static io.archipelago.http.audit.AuditTesting.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.fs.FilesystemObjectStore;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit admin API of a real node (H2): the filtered NDJSON stream with paging and follow, and a
 * container's history across a metadata change and a placement change (deleted, then created again
 * under another policy).
 */
class AuditApiTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient other;
  static SwiftClient admin;
  static String base;

  /** Instants between the steps of the history container's life. */
  static Instant beforeCreate;

  static Instant created;
  static Instant recolored;
  static Instant deleted;
  static Instant recreated;

  @BeforeAll
  static void start() throws Exception {
    base = gateway.baseUrl();
    tester = SwiftClient.login(base, "test:tester", "testing");
    other = SwiftClient.login(base, "test2:tester2", "testing2");
    admin = SwiftClient.login(base, "admin:admin", "admin");

    beforeCreate = tick();
    ok(tester.call("PUT", "/hist", Map.of("X-Container-Meta-Color", "red"), null));
    created = tick();
    ok(tester.call("POST", "/hist", Map.of("X-Container-Meta-Color", "blue"), null));
    recolored = tick();
    ok(tester.call("DELETE", "/hist"));
    deleted = tick();
    ok(tester.call("PUT", "/hist", Map.of("X-Storage-Policy", "archive"), null));
    recreated = tick();

    ok(tester.call("PUT", "/photos"));
    for (int i = 0; i < 5; i++) {
      ok(tester.call("PUT", "/photos/p" + i, Map.of(), "photo " + i));
    }
    ok(tester.call("DELETE", "/photos/p0"));
    ok(other.call("PUT", "/docs"));
    ok(other.call("PUT", "/docs/readme", Map.of(), "hello"));
    Thread.sleep(
        2500); // let the containers' stats reach their accounts before the tests read the log
  }

  @Test
  void historyAnswersTheStateAtEachInstant() {
    JsonNode before = history(beforeCreate);
    assertEquals("empty", before.get("state").asText());
    assertEquals(0, before.get("sequenceNr").asLong());

    JsonNode red = history(created);
    assertEquals("active", red.get("state").asText());
    assertEquals("standard", red.get("policy").asText());
    assertEquals("local-standard", red.at("/assignment/primary").asText());
    assertEquals("red", red.at("/metadata/x-container-meta-color").asText());
    assertEquals("ContainerCreated", red.at("/lastEvent/type").asText());

    JsonNode blue = history(recolored);
    assertEquals("blue", blue.at("/metadata/x-container-meta-color").asText());
    assertEquals("local-standard", blue.at("/assignment/primary").asText());

    JsonNode gone = history(deleted);
    assertEquals("deleted", gone.get("state").asText());

    JsonNode moved = history(recreated);
    assertEquals("active", moved.get("state").asText());
    assertEquals("archive", moved.get("policy").asText());
    assertEquals("local-archive", moved.at("/assignment/primary").asText());
    assertTrue(moved.at("/metadata/x-container-meta-color").isMissingNode());

    // A Swift timestamp works too, and a container without events is 404.
    String swift =
        String.format("%d.%05d", recolored.getEpochSecond(), recolored.getNano() / 10_000);
    assertEquals(
        "blue",
        json(get(admin, base, "/admin/containers/AUTH_test/hist/history?at=" + swift))
            .at("/metadata/x-container-meta-color")
            .asText());
    assertEquals(
        404,
        get(admin, base, "/admin/containers/AUTH_test/never/history?at=" + recreated).statusCode());
    assertEquals(
        400,
        get(admin, base, "/admin/containers/AUTH_test/hist/history?at=yesterday").statusCode());
  }

  @Test
  void streamFiltersByAccountContainerPrincipalTypeAndTime() {
    List<JsonNode> all = events("");
    assertTrue(all.size() >= 20, "events: " + all.size());
    assertTrue(all.stream().anyMatch(e -> e.get("entity").asText().equals("BackendRegistry")));
    for (int i = 1; i < all.size(); i++) {
      assertTrue(all.get(i).get("ordering").asLong() > all.get(i - 1).get("ordering").asLong());
    }
    JsonNode first = all.get(0);
    for (String field :
        List.of("at", "principal", "node", "requestId", "hash", "prevHash", "event")) {
      assertTrue(first.hasNonNull(field), field + " in " + first);
    }

    List<JsonNode> test2 = events("account=AUTH_test2");
    assertFalse(test2.isEmpty());
    assertTrue(
        test2.stream()
            .allMatch(
                e ->
                    e.get("entityId").asText().equals("AUTH_test2")
                        || e.get("entityId").asText().startsWith("AUTH_test2/")),
        test2::toString);
    assertEquals(
        count(all, e -> e.get("entityId").asText().startsWith("AUTH_test2")), test2.size());

    List<JsonNode> hist = events("account=AUTH_test&container=hist");
    assertEquals(
        List.of(
            "ContainerCreated", "ContainerMetadataUpdated", "ContainerDeleted", "ContainerCreated"),
        hist.stream().map(e -> e.get("type").asText()).toList());
    assertTrue(hist.stream().allMatch(e -> e.get("principal").asText().equals("test:tester")));

    List<JsonNode> byOther = events("principal=test2:tester2");
    assertEquals(
        count(all, e -> e.get("principal").asText().equals("test2:tester2")), byOther.size());
    assertTrue(byOther.size() >= 3, byOther::toString); // container, listing, object

    List<JsonNode> writes = events("type=ObjectWritten,ObjectDeleted");
    assertEquals(7, writes.size());
    assertEquals(1, count(writes, e -> e.get("type").asText().equals("ObjectDeleted")));

    List<JsonNode> window =
        events("account=AUTH_test&container=hist&since=" + created + "&until=" + recolored);
    assertEquals(
        List.of("ContainerMetadataUpdated"),
        window.stream().map(e -> e.get("type").asText()).toList());
    assertEquals("blue", window.get(0).at("/event/changes/x-container-meta-color").asText());

    assertEquals(400, get(admin, base, "/admin/audit?container=hist").statusCode());
    assertEquals(400, get(admin, base, "/admin/audit?bogus=1").statusCode());
    assertEquals(400, get(admin, base, "/admin/audit?next=zzz").statusCode());
    assertEquals(403, get(tester, base, "/admin/audit").statusCode());
  }

  @Test
  void anObjectMetadataPostIsInTheTrail() {
    ok(tester.call("PUT", "/posted"));
    // Stored on the backend directly, so that no ObjectWritten joins the counts of the other tests.
    ObjectStore backend =
        new FilesystemObjectStore(
            "check-standard",
            gateway.dataDir().resolve("backends/local-standard"),
            0,
            gateway.system());
    backend
        .put(
            new BackendContainer("AUTH_test", "posted"),
            "doc",
            new ObjectAttributes(
                "text/plain",
                SwiftTimestamp.now(),
                Map.of("x-object-meta-color", "red"),
                Optional.empty(),
                OptionalLong.empty()),
            Source.single(ByteString.fromString("doc")))
        .toCompletableFuture()
        .join();
    ok(
        tester.call(
            "POST",
            "/posted/doc",
            Map.of("X-Object-Meta-Color", "green", "Content-Type", "text/csv"),
            null));

    List<JsonNode> posts = events("account=AUTH_test&container=posted&type=ObjectMetadataReplaced");
    assertEquals(1, posts.size(), posts::toString);
    JsonNode post = posts.get(0);
    assertEquals("test:tester", post.get("principal").asText());
    assertEquals("doc", post.at("/event/name").asText());
    assertEquals("green", post.at("/event/metadata/x-object-meta-color").asText());
    assertEquals("text/csv", post.at("/event/contentType").asText());
    assertEquals(
        List.of("ContainerCreated", "ObjectMetadataReplaced"),
        events("account=AUTH_test&container=posted").stream()
            .map(e -> e.get("type").asText())
            .toList());
  }

  @Test
  void limitAndNextPageThroughTheLog() {
    List<JsonNode> all = events("");
    List<JsonNode> paged = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      HttpResponse<String> r =
          get(admin, base, "/admin/audit?limit=7" + (next == null ? "" : "&next=" + next));
      assertEquals(200, r.statusCode());
      assertTrue(
          r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
      List<JsonNode> lines = ndjson(r.body());
      next = null;
      for (JsonNode line : lines) {
        if (line.has("next")) {
          next = line.get("next").asText();
        } else {
          paged.add(line);
        }
      }
      pages++;
    } while (next != null && pages < 100);
    assertTrue(pages > 2);
    // Events written meanwhile (stats refreshes of other tests) may follow, never interleave.
    List<Long> expected = all.stream().map(e -> e.get("ordering").asLong()).toList();
    List<Long> got = paged.stream().map(e -> e.get("ordering").asLong()).toList();
    assertEquals(expected, got.subList(0, Math.min(expected.size(), got.size())));
    for (int i = 1; i < got.size(); i++) {
      assertTrue(got.get(i) > got.get(i - 1));
    }
  }

  @Test
  void followStreamsNewEvents() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/admin/audit?follow=true&account=AUTH_test"))
            .header("X-Auth-Token", admin.token())
            .GET()
            .build();
    CompletableFuture<HttpResponse<Stream<String>>> response =
        admin.http().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> r = response.get(30, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    Thread.sleep(1500); // the follower starts at the end of the log as it is now
    ok(tester.call("POST", "/photos", Map.of("X-Container-Meta-Followed", "yes"), null));
    CompletableFuture<JsonNode> seen =
        CompletableFuture.supplyAsync(
            () -> {
              Iterator<String> lines = r.body().iterator();
              while (lines.hasNext()) {
                String line = lines.next();
                if (!line.isBlank()
                    && json(line).get("type").asText().equals("ContainerMetadataUpdated")) {
                  return json(line);
                }
              }
              return null;
            });
    JsonNode event = seen.get(30, TimeUnit.SECONDS);
    r.body().close();
    assertNotNull(event);
    assertEquals("ContainerMetadataUpdated", event.get("type").asText());
    assertEquals("yes", event.at("/event/changes/x-container-meta-followed").asText());
  }

  private static List<JsonNode> events(String query) {
    HttpResponse<String> r = get(admin, base, "/admin/audit?" + query);
    assertEquals(200, r.statusCode(), r.body());
    return ndjson(r.body());
  }

  private static JsonNode history(Instant at) {
    HttpResponse<String> r = get(admin, base, "/admin/containers/AUTH_test/hist/history?at=" + at);
    assertEquals(200, r.statusCode(), r.body());
    return json(r);
  }

  private static long count(List<JsonNode> events, java.util.function.Predicate<JsonNode> p) {
    return events.stream().filter(p).collect(Collectors.counting());
  }

  private static JsonNode json(HttpResponse<String> r) {
    return json(r.body());
  }

  private static JsonNode json(String s) {
    try {
      return AuditTesting.JSON.readTree(s);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
