package io.archipelago.http.middleware.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Swift's {@code heartbeat=on} for SLO manifest PUTs: 202, whitespace, then the outcome. */
class SloHeartbeatTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  static SwiftClient tester;
  static String manifest;

  @BeforeAll
  static void segments() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/hb").statusCode());
    assertEquals(201, tester.call("PUT", "/hb/a", Map.of(), "aaaa").statusCode());
    assertEquals(201, tester.call("PUT", "/hb/b", Map.of(), "bbbb").statusCode());
    manifest =
        "[{\"path\": \"hb/a\", \"etag\": \""
            + Http.md5("aaaa")
            + "\"}, {\"path\": \"hb/b\", \"size_bytes\": 4}";
  }

  private static HttpResponse<String> put(String body, Map<String, String> headers) {
    HttpResponse<String> response =
        tester.call("PUT", "/hb/m?multipart-manifest=put&heartbeat=on", headers, body);
    assertEquals(202, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Length").isEmpty(), "chunked");
    List<String> lines = List.of(response.body().split("\n", 3));
    assertTrue(lines.get(0).isBlank(), response.body());
    assertEquals("\r", lines.get(1));
    return response;
  }

  @Test
  void infoAdvertisesTheYieldFrequency() {
    String info = PlainHttp.send("GET", gateway.baseUrl() + "/info").body();
    assertTrue(info.contains("\"yield_frequency\":10"), info);
  }

  @Test
  void aStoredManifestIsReportedAfterTheHeartbeat() {
    String report = put(manifest + "]", Map.of()).body().split("\n", 3)[2];
    List<String> lines = List.of(report.split("\n"));
    assertTrue(lines.contains("Response Status: 201 Created"), report);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("Etag: \"")), report);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("Last Modified: ")), report);
    assertEquals("aaaabbbb", tester.call("GET", "/hb/m").body());
  }

  @Test
  void segmentErrorsAndEtagMismatchesAreReportedInTheBody() throws Exception {
    String bad = manifest + ", {\"path\": \"nope/segment\"}]";
    String report = put(bad, Map.of("Accept", "application/json")).body().split("\n", 3)[2];
    JsonNode json = new ObjectMapper().readTree(report);
    assertEquals("400 Bad Request", json.get("Response Status").asText());
    assertEquals(
        "Bad Request\nThe server could not comply with the request since it is either malformed"
            + " or otherwise incorrect.",
        json.get("Response Body").asText());
    assertEquals("[[\"nope/segment\",\"404 Not Found\"]]", json.get("Errors").toString());
    JsonNode mismatch =
        new ObjectMapper()
            .readTree(
                put(manifest + "]", Map.of("Accept", "application/json", "ETag", "bad etag"))
                    .body()
                    .split("\n", 3)[2]);
    assertEquals("422 Unprocessable Entity", mismatch.get("Response Status").asText());
    assertEquals(
        "Unprocessable Entity\nUnable to process the contained instructions",
        mismatch.get("Response Body").asText());
  }

  @Test
  void aManifestThatDoesNotParseIsRefusedBeforeTheHeartbeat() {
    HttpResponse<String> response =
        tester.call("PUT", "/hb/m2?multipart-manifest=put&heartbeat=on", Map.of(), "not json");
    assertEquals(400, response.statusCode());
  }
}
