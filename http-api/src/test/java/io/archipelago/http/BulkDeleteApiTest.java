package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bulk delete ({@code POST ?bulk-delete}) over HTTP: formats, counts, errors, rights, limits. */
class BulkDeleteApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  static HttpResponse<String> bulk(SwiftClient client, String accept, String body) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Content-Type", "text/plain");
    if (accept != null) {
      headers.put("Accept", accept);
    }
    return client.call("POST", "?bulk-delete", headers, body);
  }

  @Test
  void deletesObjectsThenContainersAndCountsWhatWasMissing() throws Exception {
    tester.call("PUT", "/bd");
    for (String name : new String[] {"a", "b/c", "with space", "ü"}) {
      assertEquals(201, tester.call("PUT", "/bd/" + Http.enc(name), Map.of(), name).statusCode());
    }
    // The container comes first in the list, yet goes last: by then it is empty.
    HttpResponse<String> r =
        bulk(
            tester,
            "application/json",
            "/bd\n/bd/a\n/bd/b%2Fc\n/bd/with%20space\n\n  /bd/%C3%BC  \n/bd/never-there\n");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", header(r, "Content-Type"));
    JsonNode result = JSON.readTree(r.body());
    assertEquals(5, result.get("Number Deleted").asInt(), r.body());
    assertEquals(1, result.get("Number Not Found").asInt());
    assertEquals("200 OK", result.get("Response Status").asText());
    assertEquals("", result.get("Response Body").asText());
    assertEquals(0, result.get("Errors").size());
    assertEquals(404, tester.call("HEAD", "/bd").statusCode());
  }

  @Test
  void reportsInPlainTextByDefaultAndInXml() {
    tester.call("PUT", "/bdt");
    tester.call("PUT", "/bdt/x", Map.of(), "x");
    tester.call("PUT", "/bdt/y", Map.of(), "y");
    HttpResponse<String> plain = bulk(tester, null, "/bdt/x\n");
    assertEquals(200, plain.statusCode());
    assertEquals("text/plain", header(plain, "Content-Type"));
    assertEquals(
        "Number Deleted: 1\nNumber Not Found: 0\nResponse Body: \nResponse Status: 200 OK\nErrors:\n",
        plain.body());
    HttpResponse<String> xml = bulk(tester, "application/xml", "/bdt/y\n/bdt/gone");
    assertEquals("application/xml", header(xml, "Content-Type"));
    assertEquals(
        "<delete>\n<number_deleted>1</number_deleted>\n<number_not_found>1</number_not_found>\n"
            + "<response_body></response_body>\n<response_status>200 OK</response_status>\n<errors>\n</errors>\n</delete>\n",
        xml.body());
  }

  @Test
  void failuresAreListedWithTheirStatus() throws Exception {
    tester.call("PUT", "/full");
    tester.call("PUT", "/full/keep", Map.of(), "k");
    HttpResponse<String> r = bulk(tester, "application/json", "/full\n");
    JsonNode result = JSON.readTree(r.body());
    assertEquals("400 Bad Request", result.get("Response Status").asText());
    assertEquals("[[\"/full\",\"409 Conflict\"]]", result.get("Errors").toString());
    assertEquals(0, result.get("Number Deleted").asInt());
    HttpResponse<String> plain = bulk(tester, "text/plain", "/full");
    assertTrue(
        plain.body().endsWith("Response Status: 400 Bad Request\nErrors:\n/full, 409 Conflict\n"),
        plain.body());

    HttpResponse<String> empty = bulk(tester, "application/json", "\n\n");
    JsonNode none = JSON.readTree(empty.body());
    assertEquals("400 Bad Request", none.get("Response Status").asText());
    assertEquals("Invalid bulk delete.", none.get("Response Body").asText());

    HttpResponse<String> badUtf8 = bulk(tester, "application/json", "/full/%FF\n");
    assertEquals(
        "[[\"/full/%FF\",\"412 Precondition Failed\"]]",
        JSON.readTree(badUtf8.body()).get("Errors").toString());
  }

  @Test
  void eachDeleteIsAuthorizedLikeItsOwnRequest() throws Exception {
    tester.call("PUT", "/guarded");
    tester.call("PUT", "/guarded/o1", Map.of(), "1");
    tester.call("PUT", "/guarded/o2", Map.of(), "2");
    SwiftClient tester3 = gateway.login("test:tester3", "testing3");
    JsonNode refused =
        JSON.readTree(bulk(tester3, "application/json", "/guarded/o1\n/guarded/o2").body());
    assertEquals("400 Bad Request", refused.get("Response Status").asText());
    assertEquals(
        "[[\"/guarded/o1\",\"403 Forbidden\"],[\"/guarded/o2\",\"403 Forbidden\"]]",
        refused.get("Errors").toString());

    HttpResponse<String> anonymous =
        PlainHttp.send(
            "POST",
            tester.storageUrl() + "?bulk-delete",
            Map.of("Accept", "application/json", "Content-Type", "text/plain"),
            "/guarded/o1");
    assertEquals(200, anonymous.statusCode());
    assertEquals(
        "[[\"/guarded/o1\",\"401 Unauthorized\"]]",
        JSON.readTree(anonymous.body()).get("Errors").toString());

    tester.call("POST", "/guarded", Map.of("X-Container-Write", "test:tester3"), null);
    JsonNode allowed =
        JSON.readTree(
            bulk(tester3, "application/json", "/guarded/o1\n/guarded/o2\n/guarded").body());
    assertEquals(2, allowed.get("Number Deleted").asInt());
    assertEquals("[[\"/guarded\",\"403 Forbidden\"]]", allowed.get("Errors").toString());
    assertEquals(204, tester.call("HEAD", "/guarded").statusCode());
  }

  @Test
  void limitsAndFormatsAreEnforced() throws Exception {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= 10_000; i++) {
      many.append("/c/o").append(i).append('\n');
    }
    JsonNode tooMany = JSON.readTree(bulk(tester, "application/json", many.toString()).body());
    assertEquals("413 Request Entity Too Large", tooMany.get("Response Status").asText());
    assertEquals("Maximum Bulk Deletes: 10000 per request", tooMany.get("Response Body").asText());

    JsonNode longName =
        JSON.readTree(bulk(tester, "application/json", "/c/" + "x".repeat(3000)).body());
    assertEquals("400 Bad Request", longName.get("Response Status").asText());
    assertEquals("Invalid File Name", longName.get("Response Body").asText());

    HttpResponse<String> json =
        tester.call(
            "POST",
            "?bulk-delete",
            Map.of("Content-Type", "application/json", "Accept", "application/json"),
            "[\"/c/o\"]");
    assertEquals(200, json.statusCode());
    assertEquals("406 Not Acceptable", JSON.readTree(json.body()).get("Response Status").asText());
    HttpResponse<String> unacceptable =
        tester.call("POST", "?bulk-delete", Map.of("Accept", "image/png"), "/c/o");
    assertEquals(200, unacceptable.statusCode());
    assertTrue(
        unacceptable.body().contains("Response Status: 406 Not Acceptable"), unacceptable.body());

    JsonNode info = JSON.readTree(PlainHttp.send("GET", gateway.baseUrl() + "/info").body());
    assertEquals(10_000, info.at("/bulk_delete/max_deletes_per_request").asInt());
    assertEquals(1_000, info.at("/bulk_delete/max_failed_deletes").asInt());
  }

  @Test
  void deleteMethodAndContainerPathsWorkToo() throws Exception {
    tester.call("PUT", "/viadelete");
    tester.call("PUT", "/viadelete/o", Map.of(), "o");
    HttpResponse<String> r =
        tester.call(
            "DELETE",
            "/viadelete?bulk-delete",
            Map.of("Accept", "application/json", "Content-Type", "text/plain"),
            "/viadelete/o\n/viadelete");
    assertEquals(2, JSON.readTree(r.body()).get("Number Deleted").asInt(), r.body());
  }
}
