package io.archipelago.http.middleware.symlink;

import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Symlinks: links in a container of one backend ({@code local-standard}) to objects in a container
 * of another ({@code local-archive}) and in another account, read as the client.
 */
class SymlinksTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BODY = "target body";
  private static final String EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient other;

  @BeforeAll
  static void start() throws Exception {
    tester = gateway.login("test:tester", "testing");
    other = gateway.login("test2:tester2", "testing2");
    assertEquals(201, tester.call("PUT", "/links").statusCode());
    assertEquals(
        201, tester.call("PUT", "/cold", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    assertEquals(201, other.call("PUT", "/links").statusCode());
    SwiftClient admin = gateway.login("admin:admin", "admin");
    assertEquals("local-standard", backendOf(admin, "links"));
    assertEquals("local-archive", backendOf(admin, "cold"));
    assertEquals(
        201,
        tester
            .call("PUT", "/cold/target", Map.of("Content-Type", "application/target"), BODY)
            .statusCode());
  }

  private static String backendOf(SwiftClient admin, String container) throws Exception {
    return JSON.readTree(
            admin
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                gateway.baseUrl() + "/admin/containers/AUTH_test/" + container))
                        .header("X-Auth-Token", admin.token())
                        .build())
                .body())
        .at("/assignment/primary")
        .asText();
  }

  private static HttpResponse<String> link(String name, Map<String, String> headers) {
    return tester.call("PUT", "/links/" + name, headers, null);
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  @Test
  void aLinkReadsAsItsTargetOnAnotherBackend() {
    assertEquals(201, link("plain", Map.of("X-Symlink-Target", "cold/target")).statusCode());

    HttpResponse<String> get = tester.call("GET", "/links/plain");
    assertEquals(200, get.statusCode());
    assertEquals(BODY, get.body());
    assertEquals(md5(BODY), header(get, "Etag"));
    assertEquals("application/target", header(get, "Content-Type"));
    assertEquals("/v1/AUTH_test/cold/target", header(get, "Content-Location"));

    HttpResponse<String> head = tester.call("HEAD", "/links/plain");
    assertEquals(200, head.statusCode());
    assertEquals(String.valueOf(BODY.length()), header(head, "Content-Length"));
    assertEquals("/v1/AUTH_test/cold/target", header(head, "Content-Location"));

    HttpResponse<String> ranged =
        tester.call("GET", "/links/plain", Map.of("Range", "bytes=7-10"), null);
    assertEquals(206, ranged.statusCode());
    assertEquals("body", ranged.body());

    // ?symlink=get: the link itself, with its target
    HttpResponse<String> itself = tester.call("GET", "/links/plain?symlink=get");
    assertEquals(200, itself.statusCode());
    assertEquals("", itself.body());
    assertEquals(EMPTY_MD5, header(itself, "Etag"));
    assertEquals("cold/target", header(itself, "X-Symlink-Target"));
    assertEquals("application/symlink", header(itself, "Content-Type"));
    assertEquals(null, header(itself, "Content-Location"));
    HttpResponse<String> itselfHead = tester.call("HEAD", "/links/plain?symlink=get");
    assertEquals("cold/target", header(itselfHead, "X-Symlink-Target"));

    // deleting the link leaves the target
    assertEquals(204, tester.call("DELETE", "/links/plain").statusCode());
    assertEquals(BODY, tester.call("GET", "/cold/target").body());
  }

  @Test
  void badLinksAreRefusedAsSwiftRefusesThem() {
    HttpResponse<String> noContainer = link("bad1", Map.of("X-Symlink-Target", "target"));
    assertEquals(412, noContainer.statusCode());
    assertEquals(
        "X-Symlink-Target header must be of the form <container name>/<object name>",
        noContainer.body());
    HttpResponse<String> itself = link("bad2", Map.of("X-Symlink-Target", "links/bad2"));
    assertEquals(400, itself.statusCode());
    assertEquals("Symlink cannot target itself", itself.body());
    HttpResponse<String> body =
        tester.call("PUT", "/links/bad3", Map.of("X-Symlink-Target", "cold/target"), "data");
    assertEquals(400, body.statusCode());
    assertEquals("Symlink requests require a zero byte body", body.body());
    HttpResponse<String> post =
        tester.call("POST", "/cold/target", Map.of("X-Symlink-Target", "cold/other"), null);
    assertEquals(400, post.statusCode());
    assertEquals("A PUT request is required to set a symlink target", post.body());
    HttpResponse<String> etag =
        link("bad4", Map.of("X-Symlink-Target", "cold/target", "X-Symlink-Target-Etag", "a;b"));
    assertEquals(400, etag.statusCode());
    assertEquals(404, tester.call("HEAD", "/links/bad1?symlink=get").statusCode());
  }

  @Test
  void aDanglingLinkIsNotFoundAndNamesItsTarget() {
    assertEquals(201, link("dangling", Map.of("X-Symlink-Target", "cold/nowhere")).statusCode());
    HttpResponse<String> get = tester.call("GET", "/links/dangling");
    assertEquals(404, get.statusCode());
    assertEquals("/v1/AUTH_test/cold/nowhere", header(get, "Content-Location"));
    assertEquals(200, tester.call("HEAD", "/links/dangling?symlink=get").statusCode());

    // a POST applies to the link and redirects to the target
    HttpResponse<String> post =
        tester.call("POST", "/links/dangling", Map.of("X-Object-Meta-Alpha", "apple"), null);
    assertEquals(307, post.statusCode());
    assertEquals("/v1/AUTH_test/cold/nowhere", header(post, "Location"));
    assertEquals(
        "apple", header(tester.call("HEAD", "/links/dangling?symlink=get"), "X-Object-Meta-Alpha"));
  }

  @Test
  void staticLinksCheckTheTargetsEtag() {
    assertEquals(201, tester.call("PUT", "/cold/changing", Map.of(), "first version").statusCode());
    HttpResponse<String> wrong =
        link(
            "static-wrong",
            Map.of("X-Symlink-Target", "cold/changing", "X-Symlink-Target-Etag", "not-the-etag"));
    assertEquals(409, wrong.statusCode());
    assertEquals(
        "Object Etag '"
            + md5("first version")
            + "' does not match X-Symlink-Target-Etag header 'not-the-etag'",
        wrong.body());
    HttpResponse<String> missing =
        link(
            "static-missing",
            Map.of("X-Symlink-Target", "cold/absent", "X-Symlink-Target-Etag", EMPTY_MD5));
    assertEquals(409, missing.statusCode());
    assertEquals("X-Symlink-Target does not exist", missing.body());

    assertEquals(
        201,
        link(
                "static",
                Map.of(
                    "X-Symlink-Target",
                    "cold/changing",
                    "X-Symlink-Target-Etag",
                    "\"" + md5("first version") + "\""))
            .statusCode());
    HttpResponse<String> itself = tester.call("HEAD", "/links/static?symlink=get");
    assertEquals(md5("first version"), header(itself, "X-Symlink-Target-Etag"));
    assertEquals("13", header(itself, "X-Symlink-Target-Bytes"));
    assertEquals("first version", tester.call("GET", "/links/static").body());

    assertEquals(201, tester.call("PUT", "/cold/changing", Map.of(), "second").statusCode());
    HttpResponse<String> changed = tester.call("GET", "/links/static");
    assertEquals(409, changed.statusCode());
    assertEquals("/v1/AUTH_test/cold/changing", header(changed, "Content-Location"));
    assertEquals(409, tester.call("HEAD", "/links/static").statusCode());
  }

  @Test
  void chainsLongerThanSymloopMaxAreRefused() throws Exception {
    JsonNode info =
        JSON.readTree(
            tester
                .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/info")).build())
                .body());
    assertEquals(2, info.at("/symlink/symloop_max").asInt());
    assertTrue(info.at("/symlink/static_links").asBoolean());

    assertEquals(201, link("hop1", Map.of("X-Symlink-Target", "cold/target")).statusCode());
    assertEquals(201, link("hop2", Map.of("X-Symlink-Target", "links/hop1")).statusCode());
    assertEquals(BODY, tester.call("GET", "/links/hop2").body());
    assertEquals(201, link("hop3", Map.of("X-Symlink-Target", "links/hop2")).statusCode());
    HttpResponse<String> tooMany = tester.call("GET", "/links/hop3");
    assertEquals(409, tooMany.statusCode());
    assertEquals("Too many levels of symbolic links, maximum allowed is 2", tooMany.body());

    // two links that point at each other
    assertEquals(201, link("ping", Map.of("X-Symlink-Target", "links/pong")).statusCode());
    assertEquals(201, link("pong", Map.of("X-Symlink-Target", "links/ping")).statusCode());
    assertEquals(409, tester.call("GET", "/links/ping").statusCode());
  }

  @Test
  void crossAccountLinksAreReadAsTheClient() {
    HttpResponse<String> put =
        other.call(
            "PUT",
            "/links/to-test",
            Map.of("X-Symlink-Target", "cold/target", "X-Symlink-Target-Account", "AUTH_test"),
            null);
    assertEquals(201, put.statusCode());
    // test2 may not read AUTH_test/cold: the link does not lend it the right
    HttpResponse<String> refused = other.call("GET", "/links/to-test");
    assertEquals(403, refused.statusCode());
    assertEquals("/v1/AUTH_test/cold/target", header(refused, "Content-Location"));
    assertEquals(200, other.call("GET", "/links/to-test?symlink=get").statusCode());
    // nor can it make a static link to what it may not read
    assertEquals(
        403,
        other
            .call(
                "PUT",
                "/links/static-to-test",
                Map.of(
                    "X-Symlink-Target",
                    "cold/target",
                    "X-Symlink-Target-Account",
                    "AUTH_test",
                    "X-Symlink-Target-Etag",
                    md5(BODY)),
                null)
            .statusCode());

    // with a read ACL on the target container it may
    assertEquals(
        204,
        tester
            .call("POST", "/cold", Map.of("X-Container-Read", "test2:tester2"), null)
            .statusCode());
    try {
      HttpResponse<String> allowed = other.call("GET", "/links/to-test");
      assertEquals(200, allowed.statusCode());
      assertEquals(BODY, allowed.body());
      assertEquals("/v1/AUTH_test/cold/target", header(allowed, "Content-Location"));
    } finally {
      tester.call("POST", "/cold", Map.of("X-Remove-Container-Read", "x"), null);
    }
  }

  @Test
  void listingsShowWhereLinksPoint() throws Exception {
    assertEquals(201, tester.call("PUT", "/listed").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/listed/dynamic", Map.of("X-Symlink-Target", "cold/target"), null)
            .statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/listed/static",
                Map.of("X-Symlink-Target", "cold/target", "X-Symlink-Target-Etag", md5(BODY)),
                null)
            .statusCode());
    JsonNode rows = JSON.readTree(tester.call("GET", "/listed?format=json").body());
    assertEquals(2, rows.size());
    JsonNode dynamic = rows.get(0);
    assertEquals("dynamic", dynamic.get("name").asText());
    assertEquals("/v1/AUTH_test/cold/target", dynamic.get("symlink_path").asText());
    assertEquals("application/symlink", dynamic.get("content_type").asText());
    assertEquals(EMPTY_MD5, dynamic.get("hash").asText());
    assertEquals(0, dynamic.get("bytes").asLong());
    assertFalse(dynamic.has("symlink_etag"));
    JsonNode stat = rows.get(1);
    assertEquals("/v1/AUTH_test/cold/target", stat.get("symlink_path").asText());
    assertEquals(md5(BODY), stat.get("symlink_etag").asText());
    assertEquals(BODY.length(), stat.get("symlink_bytes").asLong());
    // a static link takes its target's content type
    assertEquals("application/target", stat.get("content_type").asText());

    // a POST changes the link's content type; the listing still knows the target
    assertEquals(
        307,
        tester
            .call("POST", "/listed/static", Map.of("Content-Type", "application/foo"), null)
            .statusCode());
    JsonNode after = JSON.readTree(tester.call("GET", "/listed?format=json").body()).get(1);
    assertEquals("application/foo", after.get("content_type").asText());
    assertEquals("/v1/AUTH_test/cold/target", after.get("symlink_path").asText());
  }

  @Test
  void copiesCopyTheTargetOrWithSymlinkGetTheLink() {
    assertEquals(201, link("to-copy", Map.of("X-Symlink-Target", "cold/target")).statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/links/copied-target", Map.of("X-Copy-From", "links/to-copy"), "")
            .statusCode());
    HttpResponse<String> target = tester.call("GET", "/links/copied-target");
    assertEquals(BODY, target.body());
    assertEquals(null, header(target, "Content-Location"));

    assertEquals(
        201,
        tester
            .call(
                "COPY",
                "/links/to-copy?symlink=get",
                Map.of("Destination", "links/copied-link"),
                null)
            .statusCode());
    HttpResponse<String> copied = tester.call("GET", "/links/copied-link");
    assertEquals(BODY, copied.body());
    assertEquals("/v1/AUTH_test/cold/target", header(copied, "Content-Location"));
    assertEquals(
        "cold/target",
        header(tester.call("HEAD", "/links/copied-link?symlink=get"), "X-Symlink-Target"));
  }

  @Test
  void largeObjectsReadLinksAsTheirTargetsAndLinksReadLargeObjects() {
    assertEquals(201, tester.call("PUT", "/cold/part-a", Map.of(), "aaaa").statusCode());
    assertEquals(201, tester.call("PUT", "/cold/part-b", Map.of(), "bbb").statusCode());
    // segments that are links to objects on the other backend
    assertEquals(201, link("seg-a", Map.of("X-Symlink-Target", "cold/part-a")).statusCode());
    assertEquals(201, link("seg-b", Map.of("X-Symlink-Target", "cold/part-b")).statusCode());
    HttpResponse<String> manifest =
        tester.call(
            "PUT",
            "/links/slo?multipart-manifest=put",
            Map.of(),
            "[{\"path\": \"/links/seg-a\"}, {\"path\": \"/links/seg-b\"}]");
    assertEquals(201, manifest.statusCode(), manifest.body());
    assertEquals("aaaabbb", tester.call("GET", "/links/slo").body());
    assertEquals("bbb", tester.call("GET", "/links/slo", Map.of("Range", "bytes=4-"), null).body());

    // a link to the manifest reads as the large object, or as the manifest
    assertEquals(201, link("to-slo", Map.of("X-Symlink-Target", "links/slo")).statusCode());
    HttpResponse<String> whole = tester.call("GET", "/links/to-slo");
    assertEquals("aaaabbb", whole.body());
    assertEquals("/v1/AUTH_test/links/slo", header(whole, "Content-Location"));
    HttpResponse<String> itself = tester.call("GET", "/links/to-slo?multipart-manifest=get");
    assertEquals(200, itself.statusCode());
    assertTrue(itself.body().contains("/links/seg-a"), itself.body());
  }
}
