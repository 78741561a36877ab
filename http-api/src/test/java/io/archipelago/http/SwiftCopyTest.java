package io.archipelago.http;

import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Server-side copy (COPY with Destination, PUT with X-Copy-From, across accounts, across backends),
 * with Swift's metadata merge, X-Fresh-Metadata and response headers.
 */
class SwiftCopyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static byte[] data;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/src").statusCode());
    assertEquals(201, tester.call("PUT", "/dst").statusCode());
    assertEquals(
        201, tester.call("PUT", "/cold", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    data = new byte[2 * 1024 * 1024 + 3];
    new Random(11).nextBytes(data);
    assertEquals(
        201,
        tester
            .bytes(
                "PUT",
                "/src/blob",
                Map.of(
                    "Content-Type",
                    "application/x-blob",
                    "X-Object-Meta-Color",
                    "blue",
                    "X-Object-Meta-Size",
                    "big",
                    "Content-Disposition",
                    "inline"),
                data)
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

  @Test
  void copyMethodWithDestinationMergesMetadata() {
    HttpResponse<String> r =
        tester.call(
            "COPY",
            "/src/blob",
            Map.of(
                "Destination",
                "/dst/copied",
                "X-Object-Meta-Color",
                "red",
                "X-Object-Meta-New",
                "yes"),
            null);
    assertEquals(201, r.statusCode(), r.body());
    assertEquals(md5(data), r.headers().firstValue("Etag").orElseThrow());
    assertEquals("src/blob", r.headers().firstValue("X-Copied-From").orElseThrow());
    assertEquals("AUTH_test", r.headers().firstValue("X-Copied-From-Account").orElseThrow());
    assertTrue(r.headers().firstValue("X-Copied-From-Last-Modified").isPresent());
    assertEquals("red", r.headers().firstValue("X-Object-Meta-Color").orElseThrow());

    HttpResponse<byte[]> get = tester.bytes("GET", "/dst/copied", Map.of(), null);
    assertArrayEquals(data, get.body());
    assertEquals("red", get.headers().firstValue("X-Object-Meta-Color").orElseThrow());
    assertEquals("big", get.headers().firstValue("X-Object-Meta-Size").orElseThrow());
    assertEquals("yes", get.headers().firstValue("X-Object-Meta-New").orElseThrow());
    assertEquals("inline", get.headers().firstValue("Content-Disposition").orElseThrow());
    assertEquals("application/x-blob", get.headers().firstValue("Content-Type").orElseThrow());
    // the source is untouched
    assertEquals(
        "blue",
        tester.call("HEAD", "/src/blob").headers().firstValue("X-Object-Meta-Color").orElseThrow());
    // Destination without a leading slash, URL-encoded
    assertEquals(
        201,
        tester
            .call("COPY", "/src/blob", Map.of("Destination", "dst/with%20space"), null)
            .statusCode());
    assertEquals(200, tester.call("HEAD", "/dst/with%20space").statusCode());
  }

  @Test
  void putWithXCopyFromAndFreshMetadata() {
    HttpResponse<String> r =
        tester.call(
            "PUT",
            "/dst/fresh",
            Map.of(
                "X-Copy-From",
                "/src/blob",
                "X-Fresh-Metadata",
                "true",
                "X-Object-Meta-Only",
                "me",
                "Content-Type",
                "text/x-new"),
            "");
    assertEquals(201, r.statusCode(), r.body());
    HttpResponse<String> head = tester.call("HEAD", "/dst/fresh");
    assertEquals("me", head.headers().firstValue("X-Object-Meta-Only").orElseThrow());
    assertTrue(head.headers().firstValue("X-Object-Meta-Color").isEmpty());
    assertTrue(head.headers().firstValue("Content-Disposition").isEmpty());
    assertEquals("text/x-new", head.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(
        String.valueOf(data.length), head.headers().firstValue("Content-Length").orElseThrow());
  }

  @Test
  void copyBetweenBackendsStreamsThroughTheGateway() throws Exception {
    SwiftClient admin = gateway.login("admin:admin", "admin");
    assertEquals("local-standard", backendOf(admin, "src"));
    assertEquals("local-archive", backendOf(admin, "cold"));
    assertEquals(
        201,
        tester.call("COPY", "/src/blob", Map.of("Destination", "/cold/blob"), null).statusCode());
    assertArrayEquals(data, tester.bytes("GET", "/cold/blob", Map.of(), null).body());
    // and back, with X-Copy-From
    assertEquals(
        201,
        tester.call("PUT", "/dst/from-cold", Map.of("X-Copy-From", "cold/blob"), "").statusCode());
    assertArrayEquals(data, tester.bytes("GET", "/dst/from-cold", Map.of(), null).body());
    // the destination containers recorded the writes
    HttpResponse<String> cold = tester.call("HEAD", "/cold");
    assertEquals("1", cold.headers().firstValue("X-Container-Object-Count").orElseThrow());
    assertEquals(
        String.valueOf(data.length),
        cold.headers().firstValue("X-Container-Bytes-Used").orElseThrow());
  }

  @Test
  void copyAcrossAccounts() {
    SwiftClient admin = gateway.login("admin:admin", "admin");
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    assertEquals(201, other.call("PUT", "/inbox").statusCode());
    // Destination-Account: the reseller admin may write into AUTH_test2
    HttpResponse<String> r =
        admin.send(
            admin
                .request("/../AUTH_test/src/blob")
                .method("COPY", HttpRequest.BodyPublishers.noBody())
                .uri(URI.create(gateway.baseUrl() + "/v1/AUTH_test/src/blob"))
                .header("Destination", "inbox/from-test")
                .header("Destination-Account", "AUTH_test2")
                .build());
    assertEquals(201, r.statusCode(), r.body());
    assertEquals("AUTH_test", r.headers().firstValue("X-Copied-From-Account").orElseThrow());
    assertArrayEquals(data, other.bytes("GET", "/inbox/from-test", Map.of(), null).body());
    // X-Copy-From-Account: test2 copies from its own account into its own account
    assertEquals(
        201,
        other
            .call(
                "PUT",
                "/inbox/again",
                Map.of("X-Copy-From", "inbox/from-test", "X-Copy-From-Account", "AUTH_test2"),
                "")
            .statusCode());
    // a user may not read from or write into an account it has no rights on
    assertEquals(
        403,
        other
            .call(
                "PUT",
                "/inbox/stolen",
                Map.of("X-Copy-From", "src/blob", "X-Copy-From-Account", "AUTH_test"),
                "")
            .statusCode());
    assertEquals(
        403,
        tester
            .call(
                "COPY",
                "/src/blob",
                Map.of("Destination", "inbox/pushed", "Destination-Account", "AUTH_test2"),
                null)
            .statusCode());
    assertEquals(
        412,
        tester
            .call(
                "COPY",
                "/src/blob",
                Map.of("Destination", "dst/x", "Destination-Account", "AUTH/bad"),
                null)
            .statusCode());
  }

  @Test
  void copyErrors() {
    HttpResponse<String> noDestination = tester.call("COPY", "/src/blob");
    assertEquals(412, noDestination.statusCode());
    assertEquals("Destination header required", noDestination.body());
    HttpResponse<String> badDestination =
        tester.call("COPY", "/src/blob", Map.of("Destination", "nocontainer"), null);
    assertEquals(412, badDestination.statusCode());
    assertEquals(
        "Destination header must be of the form <container name>/<object name>",
        badDestination.body());
    assertEquals(
        412, tester.call("PUT", "/dst/x", Map.of("X-Copy-From", "/src/"), "").statusCode());
    HttpResponse<String> withBody =
        tester.call("PUT", "/dst/x", Map.of("X-Copy-From", "/src/blob"), "body");
    assertEquals(400, withBody.statusCode());
    assertEquals("Copy requests require a zero byte body", withBody.body());
    assertEquals(
        404,
        tester.call("COPY", "/src/missing", Map.of("Destination", "/dst/x"), null).statusCode());
    assertEquals(
        404,
        tester
            .call("COPY", "/src/blob", Map.of("Destination", "/nocontainer/x"), null)
            .statusCode());
    assertEquals(404, tester.call("HEAD", "/dst/x").statusCode());
  }

  @Test
  void conditionalAndRangedCopies() {
    HttpResponse<String> partial =
        tester.call(
            "PUT", "/dst/part", Map.of("X-Copy-From", "/src/blob", "Range", "bytes=100-199"), "");
    assertEquals(201, partial.statusCode(), partial.body());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 100, 200),
        tester.bytes("GET", "/dst/part", Map.of(), null).body());
    assertEquals(
        412,
        tester
            .call(
                "COPY",
                "/src/blob",
                Map.of("Destination", "/dst/cond", "If-Match", "\"nope\""),
                null)
            .statusCode());
    assertEquals(404, tester.call("HEAD", "/dst/cond").statusCode());
    assertEquals(
        201,
        tester
            .call(
                "COPY",
                "/src/blob",
                Map.of("Destination", "/dst/cond", "If-Match", md5(data)),
                null)
            .statusCode());
  }

  @Test
  void copyOntoItselfChangesMetadata() {
    assertEquals(
        201, tester.call("PUT", "/src/self", Map.of("X-Object-Meta-A", "1"), "self").statusCode());
    assertEquals(
        201,
        tester
            .call(
                "COPY",
                "/src/self",
                Map.of(
                    "Destination",
                    "/src/self",
                    "X-Object-Meta-B",
                    "2",
                    "Content-Type",
                    "text/x-self"),
                null)
            .statusCode());
    HttpResponse<String> get = tester.call("GET", "/src/self");
    assertEquals("self", get.body());
    assertEquals("1", get.headers().firstValue("X-Object-Meta-A").orElseThrow());
    assertEquals("2", get.headers().firstValue("X-Object-Meta-B").orElseThrow());
    assertEquals("text/x-self", get.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void copiesCountInTheDestinationContainer() {
    assertEquals(201, tester.call("PUT", "/counted").statusCode());
    Map<String, String> headers = new HashMap<>();
    headers.put("Destination", "/counted/one");
    assertEquals(201, tester.call("COPY", "/src/blob", headers, null).statusCode());
    headers.put("Destination", "/counted/two");
    assertEquals(201, tester.call("COPY", "/src/blob", headers, null).statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/counted");
    assertEquals("2", head.headers().firstValue("X-Container-Object-Count").orElseThrow());
    assertEquals(
        String.valueOf(2L * data.length),
        head.headers().firstValue("X-Container-Bytes-Used").orElseThrow());
  }

  static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }
}
