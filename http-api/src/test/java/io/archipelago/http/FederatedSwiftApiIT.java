package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FederatedBackends.Kind;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Swift API through a real gateway node whose containers are placed on each kind of backend:
 * two real Swift clusters, S3 (S3Proxy) and the filesystem. Each test runs once per backend with a
 * container of that backend's policy, and checks with the backend's own client (not through the
 * gateway) that the objects landed there and nowhere else.
 */
class FederatedSwiftApiIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  static FederatedBackends backends;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          () -> {
            backends = new FederatedBackends(RealBackends.get());
            return backends.config();
          });

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  static String container(Kind kind, String name) {
    String container = name + "-" + kind.policy();
    assertEquals(
        201,
        tester
            .call("PUT", "/" + container, Map.of("X-Storage-Policy", kind.policy()), null)
            .statusCode());
    return container;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void objectsLandOnTheBackendOfTheContainersPolicy(Kind kind) {
    String c = container(kind, "placed");
    assertEquals(
        kind.policy(),
        tester.call("HEAD", "/" + c).headers().firstValue("X-Storage-Policy").orElseThrow());
    byte[] body = ("stored on " + kind + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    assertEquals(
        201,
        tester
            .call("PUT", "/" + c + "/where.txt", Map.of(), new String(body, StandardCharsets.UTF_8))
            .statusCode());
    for (Kind other : Kind.values()) {
      assertEquals(
          other == kind,
          backends.storedOn(other, gateway.dataDir(), c, "where.txt", body),
          other + " for " + kind);
    }
    assertEquals(204, tester.call("DELETE", "/" + c + "/where.txt").statusCode());
    assertFalse(backends.storedOn(kind, gateway.dataDir(), c, "where.txt", body));
  }

  /**
   * As many metadata items as Swift allows (90), two with the longest names (128 bytes): stored on
   * each backend and read back whole. Akka's HTTP client used to refuse a Swift backend's answer
   * with more than 64 headers or a name over 64 characters, and the object became unreadable.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theMostMetadataSwiftAllowsComesBackFromEveryBackend(Kind kind) {
    String c = container(kind, "meta");
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("X-Object-Meta-" + "a".repeat(128), "long name");
    metadata.put("X-Object-Meta-" + "b".repeat(128), "another");
    for (int i = metadata.size(); i < 90; i++) {
      metadata.put(String.format("X-Object-Meta-M%02d", i), "v" + i);
    }
    assertEquals(201, tester.call("PUT", "/" + c + "/o", metadata, "body").statusCode());
    for (String method : List.of("HEAD", "GET")) {
      HttpResponse<String> r = tester.call(method, "/" + c + "/o");
      assertEquals(200, r.statusCode(), method + " " + r.body());
      metadata.forEach(
          (name, value) ->
              assertEquals(Optional.of(value), r.headers().firstValue(name), method + " " + name));
    }
    assertEquals("body", tester.call("GET", "/" + c + "/o").body());
  }

  /**
   * Swift's largest metadata (4096 bytes of names and values) does not fit the 2 KB S3 keeps with
   * an object: an S3 backend refuses it with a 400 that says so, storing nothing, where it used to
   * answer 201 and drop what did not fit.
   */
  @Test
  void metadataBeyondWhatS3KeepsIsRefusedOnAnS3Backend() {
    String c = container(Kind.S3, "toomuch");
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < 16; i++) {
      metadata.put(String.format("X-Object-Meta-%02d", i) + "n".repeat(100), "v".repeat(150));
    }
    HttpResponse<String> put = tester.call("PUT", "/" + c + "/o", metadata, "body");
    assertEquals(400, put.statusCode(), put.body());
    assertTrue(put.body().contains("2048"), put.body());
    assertEquals(404, tester.call("HEAD", "/" + c + "/o").statusCode());

    assertEquals(201, tester.call("PUT", "/" + c + "/o", Map.of(), "body").statusCode());
    HttpResponse<String> post = tester.call("POST", "/" + c + "/o", metadata, null);
    assertEquals(400, post.statusCode(), post.body());
    HttpResponse<String> head = tester.call("HEAD", "/" + c + "/o");
    assertEquals(200, head.statusCode());
    assertTrue(head.headers().firstValue("X-Object-Meta-00" + "n".repeat(100)).isEmpty());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void objectPutGetHeadPostDelete(Kind kind) throws Exception {
    String c = container(kind, "objs");
    byte[] body = "hello, archipelago".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> put =
        tester.send(
            tester
                .request("/" + c + "/greeting")
                .header("Content-Type", "text/plain;charset=utf-8")
                .header("X-Object-Meta-Lang", "en")
                .header("Content-Disposition", "inline")
                .header("ETag", Http.md5(body))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    assertEquals(201, put.statusCode(), put.body());
    assertEquals(Http.md5(body), put.headers().firstValue("Etag").orElseThrow());

    HttpResponse<String> get = tester.call("GET", "/" + c + "/greeting");
    assertEquals(200, get.statusCode());
    assertEquals("hello, archipelago", get.body());
    assertEquals(Http.md5(body), get.headers().firstValue("Etag").orElseThrow());
    assertTrue(
        get.headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .toLowerCase(Locale.ROOT)
            .startsWith("text/plain"));
    assertEquals("en", get.headers().firstValue("X-Object-Meta-Lang").orElseThrow());
    assertEquals("inline", get.headers().firstValue("Content-Disposition").orElseThrow());
    assertEquals(put.headers().firstValue("X-Timestamp"), get.headers().firstValue("X-Timestamp"));

    HttpResponse<String> head = tester.call("HEAD", "/" + c + "/greeting");
    assertEquals(200, head.statusCode());
    assertEquals(
        String.valueOf(body.length), head.headers().firstValue("Content-Length").orElseThrow());

    assertEquals(
        202,
        tester
            .call("POST", "/" + c + "/greeting", Map.of("X-Object-Meta-Mood", "happy"), null)
            .statusCode());
    head = tester.call("HEAD", "/" + c + "/greeting");
    assertEquals("happy", head.headers().firstValue("X-Object-Meta-Mood").orElseThrow());
    assertTrue(head.headers().firstValue("X-Object-Meta-Lang").isEmpty());
    assertEquals(Http.md5(body), head.headers().firstValue("Etag").orElseThrow());

    HttpResponse<String> containerHead = tester.call("HEAD", "/" + c);
    assertEquals("1", containerHead.headers().firstValue("X-Container-Object-Count").orElseThrow());
    assertEquals(
        String.valueOf(body.length),
        containerHead.headers().firstValue("X-Container-Bytes-Used").orElseThrow());

    assertEquals(409, tester.call("DELETE", "/" + c).statusCode());
    assertEquals(204, tester.call("DELETE", "/" + c + "/greeting").statusCode());
    assertEquals(404, tester.call("GET", "/" + c + "/greeting").statusCode());
    assertEquals(404, tester.call("DELETE", "/" + c + "/greeting").statusCode());
    assertEquals(204, tester.call("DELETE", "/" + c).statusCode());
    assertEquals(404, tester.call("HEAD", "/" + c).statusCode());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void etagMismatchIs422AndStoresNothing(Kind kind) {
    String c = container(kind, "etags");
    HttpResponse<String> r =
        tester.call(
            "PUT", "/" + c + "/bad", Map.of("ETag", "0123456789abcdef0123456789abcdef"), "payload");
    assertEquals(422, r.statusCode());
    assertEquals(404, tester.call("HEAD", "/" + c + "/bad").statusCode());
    assertEquals(204, tester.call("GET", "/" + c).statusCode());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void chunkedUploadIsAccepted(Kind kind) throws Exception {
    String c = container(kind, "chunked");
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(data);
    HttpResponse<String> put =
        tester.send(
            tester
                .request("/" + c + "/blob")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data)))
                .build());
    assertEquals(201, put.statusCode(), put.body());
    assertEquals(Http.md5(data), put.headers().firstValue("Etag").orElseThrow());
    HttpResponse<byte[]> get =
        tester.send(
            tester.request("/" + c + "/blob").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(Http.md5(data), Http.md5(get.body()));
    assertTrue(backends.storedOn(kind, gateway.dataDir(), c, "blob", data));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void emptyObjectsRoundTrip(Kind kind) {
    String c = container(kind, "empty");
    assertEquals(201, tester.call("PUT", "/" + c + "/nothing", Map.of(), "").statusCode());
    for (int i = 0; i < 3; i++) { // the backend connection is not left waiting for a reader
      HttpResponse<String> get = tester.call("GET", "/" + c + "/nothing");
      assertEquals(200, get.statusCode(), get.body());
      assertEquals("", get.body());
      assertEquals(
          "d41d8cd98f00b204e9800998ecf8427e", get.headers().firstValue("Etag").orElseThrow());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void rangesAnswer206And416(Kind kind) {
    String c = container(kind, "ranges");
    tester.call("PUT", "/" + c + "/digits", Map.of(), "0123456789");
    HttpResponse<String> r =
        tester.call("GET", "/" + c + "/digits", Map.of("Range", "bytes=2-4"), null);
    assertEquals(206, r.statusCode());
    assertEquals("234", r.body());
    assertEquals("bytes 2-4/10", r.headers().firstValue("Content-Range").orElseThrow());
    assertEquals(
        "789", tester.call("GET", "/" + c + "/digits", Map.of("Range", "bytes=-3"), null).body());
    assertEquals(
        "89", tester.call("GET", "/" + c + "/digits", Map.of("Range", "bytes=8-"), null).body());
    HttpResponse<String> bad =
        tester.call("GET", "/" + c + "/digits", Map.of("Range", "bytes=20-30"), null);
    assertEquals(416, bad.statusCode());
    assertEquals("bytes */10", bad.headers().firstValue("Content-Range").orElseThrow());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void listingsSupportFormatsPrefixDelimiterMarkers(Kind kind) throws Exception {
    String c = container(kind, "list");
    for (String name : List.of("a/1", "a/2", "b", "c/x/y", "c/z", "d")) {
      assertEquals(
          201, tester.call("PUT", "/" + c + "/" + Http.enc(name), Map.of(), name).statusCode());
    }
    assertEquals("a/1\na/2\nb\nc/x/y\nc/z\nd\n", tester.call("GET", "/" + c).body());
    assertEquals("a/\nb\nc/\nd\n", tester.call("GET", "/" + c + "?delimiter=/").body());
    assertEquals("c/x/\nc/z\n", tester.call("GET", "/" + c + "?prefix=c/&delimiter=/").body());
    assertEquals("b\nc/x/y\n", tester.call("GET", "/" + c + "?marker=a/2&limit=2").body());
    assertEquals("a/1\na/2\n", tester.call("GET", "/" + c + "?end_marker=b").body());
    assertEquals("d\nc/z\n", tester.call("GET", "/" + c + "?reverse=true&limit=2").body());
    assertEquals(
        "c/x/y\nb\n",
        tester.call("GET", "/" + c + "?reverse=true&marker=c/z&end_marker=a/2").body());

    JsonNode rows = JSON.readTree(tester.call("GET", "/" + c + "?format=json&delimiter=/").body());
    assertEquals("a/", rows.get(0).get("subdir").asText());
    assertEquals("b", rows.get(1).get("name").asText());
    assertEquals(1, rows.get(1).get("bytes").asInt());
    assertEquals(Http.md5("b".getBytes(StandardCharsets.UTF_8)), rows.get(1).get("hash").asText());
    assertTrue(rows.get(1).has("last_modified"));
    assertTrue(rows.get(1).has("content_type"));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void awkwardNamesRoundTrip(Kind kind) throws Exception {
    String c = container(kind, "names");
    List<String> names =
        new ArrayList<>(
            List.of("with space", "\u00fc/\u65e5\u672c/\ud83d\ude00", "%41", "a+b", "q?x=1#f"));
    if (kind != Kind.S3) {
      // S3Proxy's filesystem provider maps keys to paths and cannot hold these; S3 itself can.
      names.addAll(List.of("../x", "a//b", "/lead", "trail/", "a/./b"));
    }
    if (kind == Kind.FS) {
      names.add("..");
    } else if (kind != Kind.S3) {
      // The Swift driver refuses "." and ".." (its HTTP client would resolve them).
      assertEquals(400, tester.call("PUT", "/" + c + "/..", Map.of(), "x").statusCode());
    }
    for (String name : names) {
      assertEquals(
          201,
          tester.call("PUT", "/" + c + "/" + Http.enc(name), Map.of(), "v:" + name).statusCode(),
          name);
    }
    for (String name : names) {
      HttpResponse<String> get = tester.call("GET", "/" + c + "/" + Http.enc(name));
      assertEquals(200, get.statusCode(), name);
      assertEquals("v:" + name, get.body(), name);
    }
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(
        (x, y) ->
            java.util.Arrays.compareUnsigned(
                x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
    JsonNode rows = JSON.readTree(tester.call("GET", "/" + c + "?format=json").body());
    List<String> listed = new ArrayList<>();
    rows.forEach(r -> listed.add(r.get("name").asText()));
    assertEquals(sorted, listed);
  }

  @Test
  void accountListsContainersOfEveryBackend() {
    for (Kind kind : EnumSet.allOf(Kind.class)) {
      container(kind, "acct");
    }
    String listing = tester.call("GET", "?prefix=acct-").body();
    assertEquals("acct-fs\nacct-s3\nacct-swift-a\nacct-swift-b\n", listing);
    // Each Swift cluster holds only its own container.
    assertTrue(
        backends
            .swift(Kind.SWIFT_A)
            .swiftCli("list")
            .contains(FederatedBackends.swiftContainer("acct-swift-a")));
    assertFalse(
        backends
            .swift(Kind.SWIFT_A)
            .swiftCli("list")
            .contains(FederatedBackends.swiftContainer("acct-swift-b")));
    assertTrue(
        backends
            .swift(Kind.SWIFT_B)
            .swiftCli("list")
            .contains(FederatedBackends.swiftContainer("acct-swift-b")));
  }
}
