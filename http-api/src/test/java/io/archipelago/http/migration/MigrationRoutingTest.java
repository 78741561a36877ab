package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What clients see while a migration runs. The migration workers are off here, so a started
 * migration stays before its copy, with nothing copied: every object is on the source only, and
 * only the routing decides what clients get. New writes go to the target, reads try the target and
 * fall back to the source, deletes and object metadata reach both, listings merge both (one row per
 * name, the newest), counts stay right, and large objects (manifests and segments on either side)
 * keep working.
 */
class MigrationRoutingTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.migration.enabled", false));

  static SwiftClient client;
  static MigrationAdmin admin;

  @BeforeAll
  static void start() {
    client = gateway.login("test:tester", "testing");
    admin = new MigrationAdmin(gateway.baseUrl(), gateway.login("admin:admin", "admin"));
  }

  private static Path backend(String id) {
    return gateway.dataDir().resolve("backends").resolve(id);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(String path, byte[] data, Map<String, String> headers) {
    HttpResponse<byte[]> r = client.bytes("PUT", path, headers, data);
    assertEquals(201, r.statusCode(), path);
  }

  private static byte[] get(String path) {
    HttpResponse<byte[]> r = client.bytes("GET", path, Map.of(), null);
    assertEquals(200, r.statusCode(), path);
    return r.body();
  }

  private static String count(String container) {
    return client
        .call("HEAD", "/" + container)
        .headers()
        .firstValue("X-Container-Object-Count")
        .orElseThrow();
  }

  @Test
  void clientsSeeOneContainerWhileItMoves() {
    String c = "routed";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    put("/" + c + "/a", utf8("old a on the source"), Map.of());
    put("/" + c + "/b", utf8("b on the source"), Map.of("X-Object-Meta-Color", "red"));
    put("/" + c + "/dir/x", utf8("x on the source"), Map.of());
    put("/" + c + "/gone", utf8("gone soon, from the source"), Map.of());

    admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");
    assertEquals("started", admin.migration("AUTH_test", c).path("phase").asText());

    // New writes go to the target only; an overwrite of a source object too.
    put("/" + c + "/new", utf8("new on the target"), Map.of());
    put("/" + c + "/a", utf8("new a on the target"), Map.of());
    put("/" + c + "/dir/y", utf8("y on the target"), Map.of());
    assertTrue(FsObjectFiles.holds(backend("local-archive"), utf8("new on the target")));
    assertFalse(FsObjectFiles.holds(backend("local-standard"), utf8("new on the target")));
    assertTrue(FsObjectFiles.holds(backend("local-standard"), utf8("old a on the source")));

    // Reads: the target first, then the source.
    assertArrayEquals(utf8("new a on the target"), get("/" + c + "/a"));
    assertArrayEquals(utf8("b on the source"), get("/" + c + "/b"));
    assertArrayEquals(utf8("new on the target"), get("/" + c + "/new"));
    assertEquals(
        "red",
        client.call("HEAD", "/" + c + "/b").headers().firstValue("X-Object-Meta-Color").orElse(""));

    // Object metadata reaches both: visible at once, and on whichever side is read.
    assertEquals(
        202,
        client
            .call("POST", "/" + c + "/b", Map.of("X-Object-Meta-Color", "blue"), null)
            .statusCode());
    assertEquals(
        "blue",
        client.call("HEAD", "/" + c + "/b").headers().firstValue("X-Object-Meta-Color").orElse(""));
    assertTrue(FsObjectFiles.holds(backend("local-archive"), utf8("b on the source")));

    // Deletes reach both.
    assertEquals(204, client.call("DELETE", "/" + c + "/gone").statusCode());
    assertEquals(404, client.call("GET", "/" + c + "/gone").statusCode());
    assertFalse(FsObjectFiles.holds(backend("local-standard"), utf8("gone soon, from the source")));
    assertEquals(204, client.call("DELETE", "/" + c + "/dir/y").statusCode());
    assertEquals(404, client.call("DELETE", "/" + c + "/dir/y").statusCode());

    // Listings merge both sides: one row per name, the newest version's.
    assertEquals(
        List.of("a", "b", "dir/x", "new"), client.call("GET", "/" + c).body().lines().toList());
    String json = client.call("GET", "/" + c + "?format=json").body();
    assertTrue(json.contains(Http.md5("new a on the target")), json);
    assertFalse(json.contains(Http.md5("old a on the source")), json);
    assertEquals(
        List.of("a", "b", "dir/", "new"),
        client.call("GET", "/" + c + "?delimiter=/").body().lines().toList());
    assertEquals(
        List.of("b", "dir/x"),
        client.call("GET", "/" + c + "?marker=a&limit=2").body().lines().toList());
    assertEquals(
        List.of("new", "dir/x"),
        client.call("GET", "/" + c + "?reverse=on&limit=2").body().lines().toList());

    // Counts: 4 written, 1 replaced (a), 2 new (new, dir/y), 2 deleted (gone, dir/y).
    assertEquals("4", count(c));
  }

  @Test
  void largeObjectsKeepWorkingWithManifestsAndSegmentsOnEitherSide() {
    String c = "movie";
    String segments = "movie+segments";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    assertEquals(201, client.call("PUT", "/" + segments).statusCode());
    byte[] s1 = utf8("first segment, ".repeat(10));
    byte[] s2 = utf8("second segment.".repeat(10));
    put("/" + segments + "/slo/1", s1, Map.of());
    put("/" + segments + "/slo/2", s2, Map.of());
    put("/" + segments + "/dlo/1", s1, Map.of());
    String manifest =
        "[{\"path\":\"/"
            + segments
            + "/slo/1\",\"etag\":\""
            + Http.md5(s1)
            + "\",\"size_bytes\":"
            + s1.length
            + "},{\"path\":\"/"
            + segments
            + "/slo/2\",\"etag\":\""
            + Http.md5(s2)
            + "\",\"size_bytes\":"
            + s2.length
            + "}]";
    assertEquals(
        201,
        client
            .call("PUT", "/" + c + "/slo?multipart-manifest=put", Map.of(), manifest)
            .statusCode());
    put("/" + c + "/dlo", new byte[0], Map.of("X-Object-Manifest", segments + "/dlo/"));
    byte[] whole = new byte[s1.length + s2.length];
    System.arraycopy(s1, 0, whole, 0, s1.length);
    System.arraycopy(s2, 0, whole, s1.length, s2.length);

    // Both containers move (workers off: everything still on the source).
    admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");
    admin.start("AUTH_test", segments, "{\"target\":\"local-archive\"}");
    assertArrayEquals(whole, get("/" + c + "/slo"));
    assertArrayEquals(s1, get("/" + c + "/dlo"));

    // A segment and a manifest written during the migration land on the target; both kinds mix.
    put("/" + segments + "/dlo/2", s2, Map.of());
    assertTrue(FsObjectFiles.holds(backend("local-archive"), s2));
    assertArrayEquals(whole, get("/" + c + "/dlo"));
    assertEquals(
        201,
        client
            .call("PUT", "/" + c + "/slo2?multipart-manifest=put", Map.of(), manifest)
            .statusCode());
    assertArrayEquals(whole, get("/" + c + "/slo2"));
    assertTrue(
        client.call("GET", "/" + c + "/slo?multipart-manifest=get").body().contains("slo/2"));
    assertEquals(
        List.of("dlo", "slo", "slo2"), client.call("GET", "/" + c).body().lines().toList());
  }

  @Test
  void afterACancelReadsTakeTheNewestSideUntilTheTargetsWritesAreBack() {
    String c = "undecided";
    assertEquals(201, client.call("PUT", "/" + c).statusCode());
    put("/" + c + "/a", utf8("a before"), Map.of());
    put("/" + c + "/b", utf8("b before"), Map.of());
    admin.start("AUTH_test", c, "{\"target\":\"local-archive\"}");
    put("/" + c + "/a", utf8("a during, on the target"), Map.of());
    put("/" + c + "/t", utf8("t during, on the target"), Map.of());
    assertEquals(
        200, admin.call("DELETE", "containers/AUTH_test/" + c + "/migration", null).statusCode());

    // The workers are off: the cancel stays unsettled, so the target keeps its writes.
    put("/" + c + "/b", utf8("b after, on the source"), Map.of());
    assertTrue(FsObjectFiles.holds(backend("local-standard"), utf8("b after, on the source")));
    assertArrayEquals(utf8("a during, on the target"), get("/" + c + "/a"));
    assertArrayEquals(utf8("b after, on the source"), get("/" + c + "/b"));
    assertArrayEquals(utf8("t during, on the target"), get("/" + c + "/t"));
    assertEquals(List.of("a", "b", "t"), client.call("GET", "/" + c).body().lines().toList());
    assertEquals("3", count(c));
  }
}
