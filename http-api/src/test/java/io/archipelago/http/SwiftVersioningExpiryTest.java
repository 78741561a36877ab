package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Legacy object versioning (stack and history modes), object expiry and X-Timestamp. */
class SwiftVersioningExpiryTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          // newestTimestampWins and lastModified... send X-Timestamp: Swift's gatekeeper shunt off
          Map.of("archipelago.http.shunt-inbound-x-timestamp", false));

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  private static List<JsonNode> listing(String container, String prefix) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    JSON.readTree(tester.call("GET", "/" + container + "?format=json&prefix=" + prefix).body())
        .forEach(rows::add);
    return rows;
  }

  private static String count(String container) {
    return tester
        .call("HEAD", "/" + container)
        .headers()
        .firstValue("X-Container-Object-Count")
        .orElseThrow();
  }

  @Test
  void stackModeArchivesOverwritesAndRestoresOnDelete() throws Exception {
    assertEquals(
        201,
        tester.call("PUT", "/versions", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/docs", Map.of("X-Versions-Location", "versions"), null).statusCode());
    assertEquals(
        "versions",
        tester.call("HEAD", "/docs").headers().firstValue("X-Versions-Location").orElseThrow());

    List<String> timestamps = new ArrayList<>();
    for (String v : List.of("v1", "v2", "v3")) {
      HttpResponse<String> put =
          tester.call("PUT", "/docs/report", Map.of("X-Object-Meta-Version", v), v);
      assertEquals(201, put.statusCode());
      timestamps.add(put.headers().firstValue("X-Timestamp").orElseThrow());
    }
    assertEquals("v3", tester.call("GET", "/docs/report").body());
    List<JsonNode> versions = listing("versions", "006report/");
    assertEquals(2, versions.size());
    assertEquals("006report/" + timestamps.get(0), versions.get(0).get("name").asText());
    assertEquals("006report/" + timestamps.get(1), versions.get(1).get("name").asText());
    HttpResponse<String> archived = tester.call("GET", "/versions/006report/" + timestamps.get(0));
    assertEquals("v1", archived.body());
    assertEquals("v1", archived.headers().firstValue("X-Object-Meta-Version").orElseThrow());
    assertEquals("2", count("versions"));
    assertEquals("1", count("docs"));

    // a POST does not version
    assertEquals(
        202,
        tester
            .call("POST", "/docs/report", Map.of("X-Object-Meta-Posted", "yes"), null)
            .statusCode());
    assertEquals(2, listing("versions", "006report/").size());

    assertEquals(204, tester.call("DELETE", "/docs/report").statusCode());
    HttpResponse<String> restored = tester.call("GET", "/docs/report");
    assertEquals("v2", restored.body());
    assertEquals("v2", restored.headers().firstValue("X-Object-Meta-Version").orElseThrow());
    assertEquals(1, listing("versions", "006report/").size());
    assertEquals(204, tester.call("DELETE", "/docs/report").statusCode());
    assertEquals("v1", tester.call("GET", "/docs/report").body());
    assertEquals(204, tester.call("DELETE", "/docs/report").statusCode());
    assertEquals(404, tester.call("GET", "/docs/report").statusCode());
    assertEquals(404, tester.call("DELETE", "/docs/report").statusCode());
    assertEquals("0", count("versions"));
    assertEquals("0", count("docs"));

    // a COPY onto a versioned object archives it too
    assertEquals(201, tester.call("PUT", "/docs/a", Map.of(), "a1").statusCode());
    assertEquals(201, tester.call("PUT", "/docs/b", Map.of(), "b1").statusCode());
    assertEquals(
        201, tester.call("COPY", "/docs/b", Map.of("Destination", "/docs/a"), null).statusCode());
    assertEquals(1, listing("versions", "001a/").size());
  }

  @Test
  void historyModeKeepsEveryVersionAndADeleteMarker() throws Exception {
    assertEquals(201, tester.call("PUT", "/history").statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/logs", Map.of("X-History-Location", "history"), null).statusCode());
    assertEquals(
        "history",
        tester.call("HEAD", "/logs").headers().firstValue("X-History-Location").orElseThrow());
    String name = "ünï/file";
    String path = "/logs/" + io.archipelago.http.testkit.Http.enc(name);
    assertEquals(201, tester.call("PUT", path, Map.of(), "h1").statusCode());
    assertEquals(201, tester.call("PUT", path, Map.of(), "h2").statusCode());
    assertEquals(204, tester.call("DELETE", path).statusCode());
    assertEquals(404, tester.call("GET", path).statusCode());
    // the length prefix counts UTF-8 bytes: "ünï/file" is 10 bytes
    List<JsonNode> versions =
        listing("history", io.archipelago.http.testkit.Http.enc("00a" + name + "/"));
    assertEquals(3, versions.size());
    assertEquals(
        "application/x-deleted;swift_versions_deleted=1",
        versions.get(2).get("content_type").asText());
    assertEquals(0, versions.get(2).get("bytes").asInt());
    assertEquals(
        "h2",
        tester
            .call(
                "GET",
                "/history/"
                    + io.archipelago.http.testkit.Http.enc(versions.get(1).get("name").asText()))
            .body());
    // deleting what is not there still writes a marker and answers 404
    assertEquals(404, tester.call("DELETE", path).statusCode());
    assertEquals(
        4, listing("history", io.archipelago.http.testkit.Http.enc("00a" + name + "/")).size());
  }

  @Test
  void versioningHeadersAreValidated() {
    assertEquals(201, tester.call("PUT", "/vh").statusCode());
    HttpResponse<String> both =
        tester.call(
            "POST", "/vh", Map.of("X-Versions-Location", "a", "X-History-Location", "b"), null);
    assertEquals(400, both.statusCode());
    assertEquals(
        "Only one of X-Versions-Location or X-History-Location may be specified", both.body());
    HttpResponse<String> slash =
        tester.call("POST", "/vh", Map.of("X-Versions-Location", "a/b"), null);
    assertEquals(412, slash.statusCode());
    assertEquals("Container name cannot contain slashes", slash.body());
    assertEquals(
        204, tester.call("POST", "/vh", Map.of("X-Versions-Location", "arch"), null).statusCode());
    // switching mode replaces the other location
    assertEquals(
        204, tester.call("POST", "/vh", Map.of("X-History-Location", "arch"), null).statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/vh");
    assertEquals("arch", head.headers().firstValue("X-History-Location").orElseThrow());
    assertTrue(head.headers().firstValue("X-Versions-Location").isEmpty());
    assertEquals(
        204,
        tester.call("POST", "/vh", Map.of("X-Remove-Versions-Location", "x"), null).statusCode());
    head = tester.call("HEAD", "/vh");
    assertTrue(head.headers().firstValue("X-History-Location").isEmpty());
    assertTrue(head.headers().firstValue("X-Versions-Location").isEmpty());
  }

  @Test
  void aMissingArchiveContainerFailsOverwritesWith412() {
    assertEquals(
        201,
        tester
            .call("PUT", "/orphaned", Map.of("X-Versions-Location", "nowhere"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/orphaned/o", Map.of(), "first").statusCode());
    assertEquals(412, tester.call("PUT", "/orphaned/o", Map.of(), "second").statusCode());
    assertEquals("first", tester.call("GET", "/orphaned/o").body());
    // with nothing archived, a DELETE deletes
    assertEquals(204, tester.call("DELETE", "/orphaned/o").statusCode());
  }

  @Test
  void versionedLargeObjectsAreArchivedAsManifests() throws Exception {
    assertEquals(201, tester.call("PUT", "/lover").statusCode());
    assertEquals(201, tester.call("PUT", "/lo-segs").statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/lo-docs", Map.of("X-Versions-Location", "lover"), null).statusCode());
    assertEquals(201, tester.call("PUT", "/lo-segs/one", Map.of(), "11111").statusCode());
    assertEquals(201, tester.call("PUT", "/lo-segs/two", Map.of(), "22").statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/lo-docs/big?multipart-manifest=put",
                Map.of(),
                "[{\"path\": \"/lo-segs/one\"}, {\"path\": \"/lo-segs/two\"}]")
            .statusCode());
    assertEquals(201, tester.call("PUT", "/lo-docs/big", Map.of(), "small now").statusCode());
    List<JsonNode> versions = listing("lover", "003big/");
    assertEquals(1, versions.size());
    assertEquals(7, versions.get(0).get("bytes").asInt(), "listed with the SLO's total size");
    assertEquals(204, tester.call("DELETE", "/lo-docs/big").statusCode());
    HttpResponse<String> back = tester.call("GET", "/lo-docs/big");
    assertEquals("1111122", back.body());
    assertEquals("True", back.headers().firstValue("X-Static-Large-Object").orElseThrow());
  }

  @Test
  void expiredObjectsAre404AndGoAway() throws Exception {
    assertEquals(201, tester.call("PUT", "/exp").statusCode());
    HttpResponse<String> put =
        tester.call("PUT", "/exp/soon", Map.of("X-Delete-After", "3"), "ephemeral");
    assertEquals(201, put.statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/exp/soon");
    assertEquals(200, head.statusCode());
    String deleteAtHeader = head.headers().firstValue("X-Delete-At").orElseThrow();
    long deleteAt = Long.parseLong(deleteAtHeader);
    long now = System.currentTimeMillis() / 1000;
    assertTrue(deleteAt >= now && deleteAt <= now + 3, deleteAtHeader);
    assertEquals(10, deleteAtHeader.length());

    assertEquals(201, tester.call("PUT", "/exp/later", Map.of(), "stays").statusCode());
    assertEquals(
        202,
        tester
            .call("POST", "/exp/later", Map.of("X-Delete-At", Long.toString(deleteAt)), null)
            .statusCode());

    Thread.sleep(Math.max(0, (deleteAt + 1) * 1000 - System.currentTimeMillis()));
    assertEquals(404, tester.call("GET", "/exp/soon").statusCode());
    assertEquals(404, tester.call("HEAD", "/exp/later").statusCode());
    assertEquals(
        404, tester.call("POST", "/exp/later", Map.of("X-Object-Meta-A", "b"), null).statusCode());
    assertEquals(
        404,
        tester.call("COPY", "/exp/later", Map.of("Destination", "/exp/copy"), null).statusCode());
    // reads delete expired objects in the background: they leave the listing (the backend's
    // delete) and then the counts (the entity's record of it)
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline
        && !(tester.call("GET", "/exp").body().isEmpty() && "0".equals(count("exp")))) {
      Thread.sleep(100);
    }
    assertEquals("", tester.call("GET", "/exp").body());
    assertEquals("0", count("exp"));
  }

  @Test
  void expiryHeadersAreValidated() {
    assertEquals(201, tester.call("PUT", "/expv").statusCode());
    HttpResponse<String> past = tester.call("PUT", "/expv/o", Map.of("X-Delete-At", "1000"), "x");
    assertEquals(400, past.statusCode());
    assertEquals("X-Delete-At in past", past.body());
    assertEquals(
        "Non-integer X-Delete-At",
        tester.call("PUT", "/expv/o", Map.of("X-Delete-At", "soon"), "x").body());
    assertEquals(
        "Non-integer X-Delete-After",
        tester.call("PUT", "/expv/o", Map.of("X-Delete-After", "1.5"), "x").body());
    assertEquals(
        "X-Delete-After in past",
        tester.call("PUT", "/expv/o", Map.of("X-Delete-After", "-5"), "x").body());
    assertEquals(
        201, tester.call("PUT", "/expv/o", Map.of("X-Delete-After", "3600"), "x").statusCode());
    // a POST without X-Delete-At removes the expiry, as it replaces the metadata
    assertEquals(202, tester.call("POST", "/expv/o", Map.of(), null).statusCode());
    assertTrue(tester.call("HEAD", "/expv/o").headers().firstValue("X-Delete-At").isEmpty());
  }

  @Test
  void newestTimestampWins() {
    assertEquals(201, tester.call("PUT", "/ts").statusCode());
    HttpResponse<String> newer =
        tester.call("PUT", "/ts/o", Map.of("X-Timestamp", "1900000000.00000"), "newer");
    assertEquals(201, newer.statusCode());
    assertEquals(
        "1900000000.00000",
        tester.call("HEAD", "/ts/o").headers().firstValue("X-Timestamp").orElseThrow());
    HttpResponse<String> older =
        tester.call("PUT", "/ts/o", Map.of("X-Timestamp", "1800000000.12345"), "older");
    assertEquals(202, older.statusCode());
    assertEquals("newer", tester.call("GET", "/ts/o").body());
    // without X-Timestamp the gateway's clock (now) is older than 1900000000: the write loses too
    assertEquals(202, tester.call("PUT", "/ts/o", Map.of(), "now").statusCode());
    assertEquals("newer", tester.call("GET", "/ts/o").body());
    assertEquals(
        409,
        tester.call("DELETE", "/ts/o", Map.of("X-Timestamp", "1800000000"), null).statusCode());
    assertEquals(
        409, tester.call("POST", "/ts/o", Map.of("X-Timestamp", "1800000000"), null).statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/ts/o", Map.of("X-Timestamp", "1900000000.00001"), "newest")
            .statusCode());
    assertEquals("newest", tester.call("GET", "/ts/o").body());
    HttpResponse<String> bad = tester.call("PUT", "/ts/o", Map.of("X-Timestamp", "yesterday"), "x");
    assertEquals(400, bad.statusCode());
    assertEquals("1", count("ts"));
    assertEquals(
        204,
        tester.call("DELETE", "/ts/o", Map.of("X-Timestamp", "1900000001"), null).statusCode());
  }

  @Test
  void lastModifiedIsTheTimestampRoundedUp() {
    assertEquals(201, tester.call("PUT", "/lm").statusCode());
    HttpResponse<String> put =
        tester.call("PUT", "/lm/o", Map.of("X-Timestamp", "1700000000.50000"), "x");
    assertEquals(201, put.statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/lm/o");
    ZonedDateTime lastModified =
        ZonedDateTime.parse(
            head.headers().firstValue("Last-Modified").orElseThrow(),
            DateTimeFormatter.RFC_1123_DATE_TIME);
    assertEquals(1700000001L, lastModified.toEpochSecond());
    assertEquals(
        put.headers().firstValue("Last-Modified").orElseThrow(),
        head.headers().firstValue("Last-Modified").orElseThrow());
  }
}
