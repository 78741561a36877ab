package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sub-requests of {@code ?multipart-manifest=delete} are the client's own requests, as in
 * Swift's slo middleware: each manifest is read with a GET, each segment deleted with a DELETE,
 * both authorized as the client. A segment the client may not delete stays and is reported (403
 * Forbidden) in the bulk delete report; a sub-manifest it may not read is not expanded ("Unable to
 * load SLO manifest or segment."). Users: test:tester owns AUTH_test, test:tester3 has only what
 * container ACLs grant it.
 */
class SubRequestAuthorizationTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient tester3;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    tester3 = gateway.login("test:tester3", "testing3");
    // shared: tester3 reads and writes; ro3: tester3 reads; pub: everyone reads; priv: owner only
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/shared",
                Map.of("X-Container-Write", "test:tester3", "X-Container-Read", "test:tester3"),
                null)
            .statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/ro3", Map.of("X-Container-Read", "test:tester3"), null).statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/pub", Map.of("X-Container-Read", ".r:*,.rlistings"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/priv").statusCode());
  }

  private static String manifest(String... paths) {
    ArrayNode m = JSON.createArrayNode();
    for (String p : paths) {
      m.addObject().put("path", p);
    }
    return m.toString();
  }

  private static JsonNode multipartDelete(SwiftClient who, String path) throws Exception {
    HttpResponse<String> r =
        who.call(
            "DELETE",
            path + "?multipart-manifest=delete",
            Map.of("Accept", "application/json"),
            null);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static List<String> errors(JsonNode report) {
    List<String> errors = new ArrayList<>();
    report.get("Errors").forEach(e -> errors.add(e.get(0).asText() + ", " + e.get(1).asText()));
    errors.sort(null);
    return errors;
  }

  @Test
  void segmentsTheClientMayOnlyReadAreNotDeleted() throws Exception {
    assertEquals(201, tester.call("PUT", "/ro3/a", Map.of(), "ro3 segment").statusCode());
    assertEquals(201, tester.call("PUT", "/pub/a", Map.of(), "pub segment").statusCode());
    // tester3 may HEAD both segments, so the manifest is accepted
    assertEquals(
        201,
        tester3
            .call("PUT", "/shared/m?multipart-manifest=put", Map.of(), manifest("/ro3/a", "/pub/a"))
            .statusCode());

    JsonNode report = multipartDelete(tester3, "/shared/m");
    assertEquals("400 Bad Request", report.get("Response Status").asText(), report.toString());
    assertEquals(1, report.get("Number Deleted").asInt(), report.toString());
    assertEquals(List.of("/pub/a, 403 Forbidden", "/ro3/a, 403 Forbidden"), errors(report));
    assertEquals("ro3 segment", tester.call("GET", "/ro3/a").body());
    assertEquals("pub segment", tester.call("GET", "/pub/a").body());
    assertEquals(404, tester.call("HEAD", "/shared/m").statusCode());
  }

  @Test
  void anOwnersManifestDoesNotLetTheClientDeleteWhereItHasNoRights() throws Exception {
    assertEquals(201, tester.call("PUT", "/priv/b", Map.of(), "private segment").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/shared/owned?multipart-manifest=put", Map.of(), manifest("/priv/b"))
            .statusCode());

    JsonNode report = multipartDelete(tester3, "/shared/owned");
    assertEquals("400 Bad Request", report.get("Response Status").asText(), report.toString());
    assertEquals(List.of("/priv/b, 403 Forbidden"), errors(report));
    assertEquals(1, report.get("Number Deleted").asInt(), report.toString());
    assertEquals(404, tester.call("HEAD", "/shared/owned").statusCode());
    assertEquals("private segment", tester.call("GET", "/priv/b").body());
  }

  @Test
  void aManifestTheClientMayNotReadIsNotExpanded() throws Exception {
    assertEquals(
        201,
        tester
            .call("PUT", "/dropbox", Map.of("X-Container-Write", "test:tester3"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/ro3/d", Map.of(), "ro3 segment").statusCode());
    assertEquals(
        201,
        tester3
            .call("PUT", "/dropbox/m?multipart-manifest=put", Map.of(), manifest("/ro3/d"))
            .statusCode());

    JsonNode report = multipartDelete(tester3, "/dropbox/m");
    assertEquals("400 Bad Request", report.get("Response Status").asText(), report.toString());
    assertEquals(0, report.get("Number Deleted").asInt(), report.toString());
    assertEquals(List.of("/dropbox/m, Unable to load SLO manifest or segment."), errors(report));
    assertEquals("ro3 segment", tester.call("GET", "/ro3/d").body());
    assertEquals(200, tester.call("HEAD", "/dropbox/m").statusCode());
  }

  @Test
  void aSubManifestTheClientMayNotReadIsNotExpanded() throws Exception {
    assertEquals(201, tester.call("PUT", "/priv/c", Map.of(), "private segment").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/priv/inner?multipart-manifest=put", Map.of(), manifest("/priv/c"))
            .statusCode());
    assertEquals(201, tester.call("PUT", "/shared/seg", Map.of(), "shared segment").statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/shared/outer?multipart-manifest=put",
                Map.of(),
                manifest("/priv/inner", "/shared/seg"))
            .statusCode());

    JsonNode report = multipartDelete(tester3, "/shared/outer");
    assertEquals("400 Bad Request", report.get("Response Status").asText(), report.toString());
    assertEquals(List.of("/priv/inner, Unable to load SLO manifest or segment."), errors(report));
    // what tester3 may delete is deleted: the shared segment and the manifest
    assertEquals(2, report.get("Number Deleted").asInt(), report.toString());
    assertEquals(404, tester.call("HEAD", "/shared/seg").statusCode());
    assertEquals(404, tester.call("HEAD", "/shared/outer").statusCode());
    assertEquals(200, tester.call("HEAD", "/priv/inner").statusCode());
    assertEquals("private segment", tester.call("GET", "/priv/c").body());
  }
}
