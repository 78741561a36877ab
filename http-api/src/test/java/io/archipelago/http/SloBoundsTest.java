package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one SLO request may cost: manifests that list each other are refused at once, by {@code
 * ?multipart-manifest=delete} with Swift's "Too many buffered slo segments to delete." and by GET
 * with 409 (the recursion limit), and inline data segments count toward the 1,000 segments of a
 * manifest.
 */
class SloBoundsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Far above what the bounded expansion takes (two manifest reads, milliseconds), with room for a
   * loaded build machine; far below what the unbounded one took (20 s, 60 s in this test).
   */
  private static final long QUICK_MILLIS = 5_000;

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/lo").statusCode());
  }

  private static String manifest(String path, int times) {
    ArrayNode m = JSON.createArrayNode();
    for (int i = 0; i < times; i++) {
      m.addObject().put("path", path);
    }
    return m.toString();
  }

  @Test
  void manifestsListingEachOtherAreRefusedQuickly() throws Exception {
    assertEquals(201, tester.call("PUT", "/lo/p", Map.of(), "p").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/a?multipart-manifest=put", Map.of(), manifest("/lo/p", 1))
            .statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/b?multipart-manifest=put", Map.of(), manifest("/lo/a", 3))
            .statusCode());
    // a now lists b, which lists a: a loop with a fan-out of 3
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/a?multipart-manifest=put", Map.of(), manifest("/lo/b", 3))
            .statusCode());

    long started = System.nanoTime();
    HttpResponse<String> r =
        tester.call(
            "DELETE",
            "/lo/a?multipart-manifest=delete",
            Map.of("Accept", "application/json"),
            null);
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(200, r.statusCode());
    JsonNode report = JSON.readTree(r.body());
    assertEquals("400 Bad Request", report.get("Response Status").asText(), r.body());
    assertEquals("Too many buffered slo segments to delete.", report.get("Response Body").asText());
    assertEquals(0, report.get("Number Deleted").asInt());
    assertTrue(millis < QUICK_MILLIS, "took " + millis + " ms");
    for (String name : new String[] {"/lo/a", "/lo/b", "/lo/p"}) {
      assertEquals(200, tester.call("HEAD", name).statusCode(), name);
    }

    started = System.nanoTime();
    HttpResponse<String> get = tester.call("GET", "/lo/a");
    millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(409, get.statusCode());
    assertTrue(millis < QUICK_MILLIS, "took " + millis + " ms");
  }

  @Test
  void inlineDataSegmentsCountTowardTheSegmentLimit() {
    assertEquals(201, tester.call("PUT", "/lo/d", Map.of(), "d").statusCode());
    ArrayNode m = JSON.createArrayNode();
    m.addObject().put("path", "/lo/d");
    String data = Base64.getEncoder().encodeToString(new byte[] {'x'});
    for (int i = 0; i < 1000; i++) {
      m.addObject().put("data", data);
    }
    HttpResponse<String> refused =
        tester.call("PUT", "/lo/many?multipart-manifest=put", Map.of(), m.toString());
    assertEquals(413, refused.statusCode(), refused.body());
    assertEquals(
        "Number of segments (object-backed and inline data) must be <= 1000", refused.body());
    assertEquals(404, tester.call("HEAD", "/lo/many").statusCode());

    m.remove(1000);
    assertEquals(
        201,
        tester.call("PUT", "/lo/many?multipart-manifest=put", Map.of(), m.toString()).statusCode());
    assertEquals(1000, tester.call("GET", "/lo/many").body().length());
  }
}
