package io.archipelago.http;

import static io.archipelago.http.testkit.Http.enc;
import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Swift API of a real node (H2 journal, filesystem backends) over HTTP on loopback. */
class SwiftApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  @Test
  void authAnswersTokenAndStorageUrlAndRefusesBadKeys() {
    SwiftClient anonymous = new SwiftClient(gateway.baseUrl());
    HttpResponse<String> ok = anonymous.auth("test:tester", "testing");
    assertEquals(200, ok.statusCode());
    assertTrue(ok.headers().firstValue("X-Auth-Token").orElseThrow().startsWith("AUTH_tk"));
    assertEquals(
        gateway.baseUrl() + "/v1/AUTH_test",
        ok.headers().firstValue("X-Storage-Url").orElseThrow());
    long expires = Long.parseLong(ok.headers().firstValue("X-Auth-Token-Expires").orElseThrow());
    assertTrue(expires > 0 && expires <= 86400);
    assertEquals(401, anonymous.auth("test:tester", "wrong").statusCode());
    assertEquals(401, anonymous.auth("nobody:x", "testing").statusCode());

    HttpResponse<String> storageStyle =
        anonymous.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/auth/v1.0"))
                .header("X-Storage-User", "test:tester")
                .header("X-Storage-Pass", "testing")
                .build());
    assertEquals(200, storageStyle.statusCode());
  }

  @Test
  void requestsWithoutValidTokenAre401AndOtherAccountsAre403() {
    HttpResponse<String> noToken =
        tester.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/v1/AUTH_test"))
                .build());
    assertEquals(401, noToken.statusCode());
    assertTrue(noToken.headers().firstValue("X-Trans-Id").isPresent());
    HttpResponse<String> forged =
        tester.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/v1/AUTH_test"))
                .header(
                    "X-Auth-Token",
                    tester.token().substring(0, tester.token().length() - 3) + "abc")
                .build());
    assertEquals(401, forged.statusCode());
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    HttpResponse<String> cross =
        other.send(
            HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/v1/AUTH_test"))
                .header("X-Auth-Token", other.token())
                .build());
    assertEquals(403, cross.statusCode());
    SwiftClient noRights = gateway.login("test:tester3", "testing3");
    assertEquals(403, noRights.call("GET", "").statusCode());
  }

  @Test
  void infoAdvertisesPoliciesAndConstraints() throws Exception {
    HttpResponse<String> r =
        new SwiftClient(gateway.baseUrl())
            .send(HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/info")).build());
    assertEquals(200, r.statusCode());
    JsonNode info = JSON.readTree(r.body());
    assertEquals(1024, info.at("/swift/max_object_name_length").asInt());
    List<String> policies = new ArrayList<>();
    info.at("/swift/policies").forEach(p -> policies.add(p.get("name").asText()));
    assertEquals(
        java.util.Set.of("standard", "archive", "replicated"), java.util.Set.copyOf(policies));
    info.at("/swift/policies")
        .forEach(
            p ->
                assertEquals(
                    p.get("name").asText().equals("standard"), p.path("default").asBoolean()));
  }

  @Test
  void containerLifecycleWithMetadataAndPlacement() throws Exception {
    assertEquals(
        201,
        tester.call("PUT", "/life", Map.of("X-Container-Meta-Color", "blue"), null).statusCode());
    assertEquals(202, tester.call("PUT", "/life").statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/life");
    assertEquals(204, head.statusCode());
    assertEquals("blue", head.headers().firstValue("X-Container-Meta-Color").orElseThrow());
    assertEquals("standard", head.headers().firstValue("X-Storage-Policy").orElseThrow());
    assertEquals("0", head.headers().firstValue("X-Container-Object-Count").orElseThrow());

    assertEquals(
        204,
        tester
            .call(
                "POST",
                "/life",
                Map.of("X-Container-Meta-Size", "xl", "X-Remove-Container-Meta-Color", "x"),
                null)
            .statusCode());
    head = tester.call("HEAD", "/life");
    assertEquals("xl", head.headers().firstValue("X-Container-Meta-Size").orElseThrow());
    assertTrue(head.headers().firstValue("X-Container-Meta-Color").isEmpty());

    assertEquals(
        409, tester.call("PUT", "/life", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    assertEquals(
        400,
        tester.call("PUT", "/nopolicy", Map.of("X-Storage-Policy", "gold"), null).statusCode());
    assertEquals(404, tester.call("HEAD", "/nopolicy").statusCode());

    tester.call("PUT", "/life/obj", Map.of(), "data");
    assertEquals(409, tester.call("DELETE", "/life").statusCode());
    assertEquals(204, tester.call("DELETE", "/life/obj").statusCode());
    assertEquals(204, tester.call("DELETE", "/life").statusCode());
    assertEquals(404, tester.call("HEAD", "/life").statusCode());
    assertEquals(404, tester.call("DELETE", "/life").statusCode());
    assertEquals(404, tester.call("PUT", "/life/obj", Map.of(), "data").statusCode());
  }

  @Test
  void archivePolicyPlacesTheContainerOnTheArchiveBackend() throws Exception {
    assertEquals(
        201, tester.call("PUT", "/cold", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    assertEquals(201, tester.call("PUT", "/warm").statusCode());
    tester.call("PUT", "/cold/file.txt", Map.of(), "frozen");
    tester.call("PUT", "/warm/file.txt", Map.of(), "warm");

    SwiftClient admin = gateway.login("admin:admin", "admin");
    JsonNode cold =
        JSON.readTree(
            admin
                .send(
                    HttpRequest.newBuilder(
                            java.net.URI.create(
                                gateway.baseUrl() + "/admin/containers/AUTH_test/cold"))
                        .header("X-Auth-Token", admin.token())
                        .build())
                .body());
    assertEquals("local-archive", cold.at("/assignment/primary").asText());
    assertEquals("archive", cold.get("policy").asText());
    JsonNode warm =
        JSON.readTree(
            admin
                .send(
                    HttpRequest.newBuilder(
                            java.net.URI.create(
                                gateway.baseUrl() + "/admin/containers/AUTH_test/warm"))
                        .header("X-Auth-Token", admin.token())
                        .build())
                .body());
    assertEquals("local-standard", warm.at("/assignment/primary").asText());

    // The disk agrees with the admin API.
    assertTrue(
        containsFileWithContent(gateway.dataDir().resolve("backends/local-archive"), "frozen"));
    assertFalse(
        containsFileWithContent(gateway.dataDir().resolve("backends/local-standard"), "frozen"));
    assertTrue(
        containsFileWithContent(gateway.dataDir().resolve("backends/local-standard"), "warm"));

    // Only reseller admins may use the admin API.
    assertEquals(
        403,
        tester
            .send(
                HttpRequest.newBuilder(
                        java.net.URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/cold"))
                    .header("X-Auth-Token", tester.token())
                    .build())
            .statusCode());
  }

  private static boolean containsFileWithContent(Path root, String content) {
    return FsObjectFiles.holds(root, content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void objectPutGetHeadPostDelete() throws Exception {
    tester.call("PUT", "/objs");
    byte[] body = "hello, archipelago".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> put =
        tester.send(
            tester
                .request("/objs/greeting")
                .header("Content-Type", "text/plain;charset=utf-8")
                .header("X-Object-Meta-Lang", "en")
                .header("ETag", md5(body))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    assertEquals(201, put.statusCode());
    assertEquals(md5(body), put.headers().firstValue("Etag").orElseThrow());

    HttpResponse<String> get = tester.call("GET", "/objs/greeting");
    assertEquals(200, get.statusCode());
    assertEquals("hello, archipelago", get.body());
    assertEquals(md5(body), get.headers().firstValue("Etag").orElseThrow());
    assertTrue(get.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    assertEquals("en", get.headers().firstValue("X-Object-Meta-Lang").orElseThrow());
    assertTrue(get.headers().firstValue("Last-Modified").isPresent());
    assertTrue(get.headers().firstValue("X-Timestamp").isPresent());

    HttpResponse<String> head = tester.call("HEAD", "/objs/greeting");
    assertEquals(200, head.statusCode());
    assertEquals(
        String.valueOf(body.length), head.headers().firstValue("Content-Length").orElseThrow());

    // POST replaces all user metadata.
    assertEquals(
        202,
        tester
            .call("POST", "/objs/greeting", Map.of("X-Object-Meta-Mood", "happy"), null)
            .statusCode());
    head = tester.call("HEAD", "/objs/greeting");
    assertEquals("happy", head.headers().firstValue("X-Object-Meta-Mood").orElseThrow());
    assertTrue(head.headers().firstValue("X-Object-Meta-Lang").isEmpty());
    assertEquals(md5(body), head.headers().firstValue("Etag").orElseThrow());

    HttpResponse<String> container = tester.call("HEAD", "/objs");
    assertEquals("1", container.headers().firstValue("X-Container-Object-Count").orElseThrow());
    assertEquals(
        String.valueOf(body.length),
        container.headers().firstValue("X-Container-Bytes-Used").orElseThrow());

    assertEquals(204, tester.call("DELETE", "/objs/greeting").statusCode());
    assertEquals(404, tester.call("GET", "/objs/greeting").statusCode());
    assertEquals(404, tester.call("DELETE", "/objs/greeting").statusCode());
    assertEquals(404, tester.call("GET", "/nosuchcontainer/x").statusCode());
  }

  @Test
  void emptyObjectsHaveZeroLength() {
    tester.call("PUT", "/empties");
    assertEquals(201, tester.call("PUT", "/empties/nothing", Map.of(), "").statusCode());
    HttpResponse<String> get = tester.call("GET", "/empties/nothing");
    assertEquals(200, get.statusCode());
    assertEquals("", get.body());
    assertEquals("0", get.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(
        "d41d8cd98f00b204e9800998ecf8427e", get.headers().firstValue("Etag").orElseThrow());
    assertEquals(
        "0",
        tester
            .call("HEAD", "/empties/nothing")
            .headers()
            .firstValue("Content-Length")
            .orElseThrow());
  }

  @Test
  void etagMismatchIs422AndStoresNothing() {
    tester.call("PUT", "/etags");
    HttpResponse<String> r =
        tester.call(
            "PUT", "/etags/bad", Map.of("ETag", "0123456789abcdef0123456789abcdef"), "payload");
    assertEquals(422, r.statusCode());
    assertEquals(404, tester.call("HEAD", "/etags/bad").statusCode());
    assertEquals(204, tester.call("GET", "/etags").statusCode());
  }

  @Test
  void chunkedUploadIsAccepted() throws Exception {
    tester.call("PUT", "/chunked");
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(data);
    HttpResponse<String> put =
        tester.send(
            tester
                .request("/chunked/blob")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data)))
                .build());
    assertEquals(201, put.statusCode());
    HttpResponse<byte[]> get =
        tester.send(
            tester.request("/chunked/blob").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(md5(data), md5(get.body()));
  }

  @Test
  void rangesAnswer206And416() {
    tester.call("PUT", "/ranges");
    tester.call("PUT", "/ranges/digits", Map.of(), "0123456789");
    HttpResponse<String> r =
        tester.call("GET", "/ranges/digits", Map.of("Range", "bytes=2-4"), null);
    assertEquals(206, r.statusCode());
    assertEquals("234", r.body());
    assertEquals("bytes 2-4/10", r.headers().firstValue("Content-Range").orElseThrow());
    assertEquals(
        "789", tester.call("GET", "/ranges/digits", Map.of("Range", "bytes=-3"), null).body());
    assertEquals(
        "89", tester.call("GET", "/ranges/digits", Map.of("Range", "bytes=8-"), null).body());
    HttpResponse<String> bad =
        tester.call("GET", "/ranges/digits", Map.of("Range", "bytes=20-30"), null);
    assertEquals(416, bad.statusCode());
    assertEquals("bytes */10", bad.headers().firstValue("Content-Range").orElseThrow());
  }

  @Test
  void listingsSupportFormatsPrefixDelimiterMarkers() throws Exception {
    tester.call("PUT", "/list");
    for (String name : List.of("a/1", "a/2", "b", "c/x/y", "c/z", "d")) {
      assertEquals(201, tester.call("PUT", "/list/" + enc(name), Map.of(), name).statusCode());
    }
    assertEquals("a/1\na/2\nb\nc/x/y\nc/z\nd\n", tester.call("GET", "/list").body());
    assertEquals("a/\nb\nc/\nd\n", tester.call("GET", "/list?delimiter=/").body());
    assertEquals("c/x/\nc/z\n", tester.call("GET", "/list?prefix=c/&delimiter=/").body());
    assertEquals("b\nc/x/y\n", tester.call("GET", "/list?marker=a/2&limit=2").body());
    assertEquals("a/1\na/2\n", tester.call("GET", "/list?end_marker=b").body());
    assertEquals("d\nc/z\n", tester.call("GET", "/list?reverse=true&limit=2").body());
    assertEquals(412, tester.call("GET", "/list?limit=10001").statusCode());

    HttpResponse<String> json = tester.call("GET", "/list?format=json&delimiter=/");
    assertEquals(200, json.statusCode());
    JsonNode rows = JSON.readTree(json.body());
    assertEquals("a/", rows.get(0).get("subdir").asText());
    assertEquals("b", rows.get(1).get("name").asText());
    assertEquals(1, rows.get(1).get("bytes").asInt());
    assertEquals(md5("b".getBytes(StandardCharsets.UTF_8)), rows.get(1).get("hash").asText());
    assertTrue(rows.get(1).has("last_modified"));
    assertTrue(rows.get(1).has("content_type"));

    HttpResponse<String> acceptJson =
        tester.call("GET", "/list", Map.of("Accept", "application/json"), null);
    assertTrue(acceptJson.body().startsWith("["));
    HttpResponse<String> xml = tester.call("GET", "/list?format=xml&prefix=d");
    assertTrue(xml.body().contains("<container name=\"list\"><object><name>d</name>"), xml.body());

    HttpResponse<String> head = tester.call("HEAD", "/list");
    assertEquals("6", head.headers().firstValue("X-Container-Object-Count").orElseThrow());
  }

  @Test
  void accountListsContainersAcrossBackends() throws Exception {
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    assertEquals(204, other.call("GET", "").statusCode());
    other.call("PUT", "/alpha", Map.of("X-Storage-Policy", "archive"), null);
    other.call("PUT", "/beta");
    other.call("PUT", "/gamma");
    other.call("PUT", "/beta/obj", Map.of(), "12345");
    assertEquals("alpha\nbeta\ngamma\n", other.call("GET", "").body());
    assertEquals("beta\n", other.call("GET", "?prefix=b").body());
    assertEquals("gamma\n", other.call("GET", "?marker=beta").body());
    assertEquals("alpha\n", other.call("GET", "?limit=1").body());
    HttpResponse<String> head = other.call("HEAD", "");
    assertEquals(204, head.statusCode());
    assertEquals("3", head.headers().firstValue("X-Account-Container-Count").orElseThrow());

    assertEquals(
        204, other.call("POST", "", Map.of("X-Account-Meta-Owner", "ops"), null).statusCode());
    assertEquals(
        "ops", other.call("HEAD", "").headers().firstValue("X-Account-Meta-Owner").orElseThrow());

    // Object counts reach the account listing shortly after the write (throttled push).
    long deadline = System.currentTimeMillis() + 10_000;
    JsonNode beta = null;
    while (System.currentTimeMillis() < deadline) {
      JsonNode rows = JSON.readTree(other.call("GET", "?format=json").body());
      beta = rows.get(1);
      if (beta.get("count").asInt() == 1) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals("beta", beta.get("name").asText());
    assertEquals(1, beta.get("count").asInt());
    assertEquals(5, beta.get("bytes").asInt());
  }

  @Test
  void awkwardNamesRoundTripAndStayInsideTheContainer() throws Exception {
    tester.call("PUT", "/names");
    List<String> names =
        List.of("../x", "a//b", "/lead", "trail/", "with space", "ü/日本/😀", "%41", "a/./b", "..");
    for (String name : names) {
      HttpResponse<String> put = tester.call("PUT", "/names/" + enc(name), Map.of(), "v:" + name);
      assertEquals(201, put.statusCode(), name);
    }
    for (String name : names) {
      HttpResponse<String> get = tester.call("GET", "/names/" + enc(name));
      assertEquals(200, get.statusCode(), name);
      assertEquals("v:" + name, get.body(), name);
    }
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(
        (x, y) ->
            java.util.Arrays.compareUnsigned(
                x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
    JsonNode rows = JSON.readTree(tester.call("GET", "/names?format=json").body());
    List<String> listed = new ArrayList<>();
    rows.forEach(r -> listed.add(r.get("name").asText()));
    assertEquals(sorted, listed);
    // Nothing escaped the backend root.
    try (Stream<Path> files = Files.walk(gateway.dataDir())) {
      assertTrue(files.allMatch(p -> p.normalize().startsWith(gateway.dataDir())));
    }
    assertFalse(Files.exists(gateway.dataDir().resolve("backends/x")));
  }

  @Test
  void invalidUtf8IsRefusedWith412() {
    tester.call("PUT", "/utf");
    HttpResponse<String> r = tester.call("PUT", "/utf/bad%FF%FE", Map.of(), "x");
    assertEquals(412, r.statusCode());
    HttpResponse<String> nul = tester.call("PUT", "/utf/nul%00x", Map.of(), "x");
    assertEquals(412, nul.statusCode());
  }

  @Test
  void responsesCarryTransactionIds() {
    HttpResponse<String> r = tester.call("HEAD", "");
    String tx = r.headers().firstValue("X-Trans-Id").orElseThrow();
    assertTrue(tx.startsWith("tx"), tx);
    assertEquals(tx, r.headers().firstValue("X-Openstack-Request-Id").orElseThrow());
    assertNotEquals(tx, tester.call("HEAD", "").headers().firstValue("X-Trans-Id").orElseThrow());
  }
}
