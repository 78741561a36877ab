package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Object versioning, the current API: X-Versions-Enabled, version ids, ?versions, ?version-id. */
class ObjectVersioningApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  private static List<JsonNode> versions(String container) throws Exception {
    HttpResponse<String> listed = tester.call("GET", "/" + container + "?versions");
    assertEquals(200, listed.statusCode(), listed.body());
    List<JsonNode> rows = new ArrayList<>();
    JSON.readTree(listed.body()).forEach(rows::add);
    return rows;
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElseThrow(() -> new AssertionError(name));
  }

  private static String put(String path, String body) {
    HttpResponse<String> put = tester.call("PUT", path, Map.of(), body);
    assertEquals(201, put.statusCode(), put.body());
    return header(put, "X-Object-Version-Id");
  }

  @Test
  void infoAdvertisesObjectVersioning() throws Exception {
    JsonNode info =
        JSON.readTree(
            tester
                .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/info")).build())
                .body());
    assertTrue(info.has("object_versioning"), info.toString());
  }

  @Test
  void overwritesKeepVersionsThatReadAndDeleteByVersionId() throws Exception {
    assertEquals(
        201, tester.call("PUT", "/docs", Map.of("X-Versions-Enabled", "true"), null).statusCode());
    assertEquals("True", header(tester.call("HEAD", "/docs"), "X-Versions-Enabled"));

    String v1 = put("/docs/report", "one");
    String v2 = put("/docs/report", "two!");
    String v3 = put("/docs/report", "three");
    assertNotEquals(v1, v2);

    HttpResponse<String> latest = tester.call("GET", "/docs/report");
    assertEquals("three", latest.body());
    assertEquals(v3, header(latest, "X-Object-Version-Id"));
    HttpResponse<String> first = tester.call("GET", "/docs/report?version-id=" + v1);
    assertEquals("one", first.body());
    assertEquals(v1, header(first, "X-Object-Version-Id"));
    assertEquals(
        v2, header(tester.call("HEAD", "/docs/report?version-id=" + v2), "X-Object-Version-Id"));

    List<JsonNode> rows = versions("docs");
    assertEquals(
        List.of(v3, v2, v1), rows.stream().map(r -> r.get("version_id").asText()).toList());
    assertEquals(
        List.of(true, false, false),
        rows.stream().map(r -> r.get("is_latest").asBoolean()).toList());
    // the container's bytes count every version; its objects only the current ones
    HttpResponse<String> head = tester.call("HEAD", "/docs");
    assertEquals("1", header(head, "X-Container-Object-Count"));
    assertEquals("12", header(head, "X-Container-Bytes-Used"));
    // the plain listing shows only the current version
    assertEquals("report\n", tester.call("GET", "/docs").body());

    HttpResponse<String> deleted = tester.call("DELETE", "/docs/report?version-id=" + v2);
    assertEquals(204, deleted.statusCode());
    assertEquals(v3, header(deleted, "X-Object-Current-Version-Id"));
    assertEquals(404, tester.call("GET", "/docs/report?version-id=" + v2).statusCode());
    assertEquals(2, versions("docs").size());

    // a reader by container ACL reads the object, but a version only its owner
    tester.call("POST", "/docs", Map.of("X-Container-Read", "test:tester3"), null);
    SwiftClient reader = gateway.login("test:tester3", "testing3");
    assertEquals("three", reader.call("GET", "/docs/report").body());
    assertEquals(403, reader.call("GET", "/docs/report?version-id=" + v1).statusCode());

    // a COPY of an old version makes it the current one again, under a new id
    HttpResponse<String> copied =
        tester.call(
            "COPY", "/docs/report?version-id=" + v1, Map.of("Destination", "docs/report"), null);
    assertEquals(201, copied.statusCode(), copied.body());
    String v4 = header(copied, "X-Object-Version-Id");
    assertNotEquals(v1, v4);
    assertEquals("docs/report", header(copied, "X-Copied-From"));
    assertEquals("one", tester.call("GET", "/docs/report").body());
    assertEquals(3, versions("docs").size());
    assertEquals(204, tester.call("DELETE", "/docs/report?version-id=" + v4).statusCode());
    assertEquals(404, tester.call("GET", "/docs/report").statusCode());

    // no such version, a bad version id, a POST to a version
    assertEquals(404, tester.call("GET", "/docs/report?version-id=1234567890.12345").statusCode());
    assertEquals(400, tester.call("GET", "/docs/report?version-id=nope").statusCode());
    assertEquals(
        400, tester.call("POST", "/docs/report?version-id=" + v1, Map.of(), null).statusCode());
  }

  @Test
  void deleteWritesAMarkerAndTheContainerStaysUntilEveryVersionIsGone() throws Exception {
    tester.call("PUT", "/trail", Map.of("X-Versions-Enabled", "true"), null);
    String v1 = put("/trail/log", "first");
    HttpResponse<String> deleted = tester.call("DELETE", "/trail/log");
    assertEquals(204, deleted.statusCode());
    String marker = header(deleted, "X-Object-Version-Id");
    assertEquals(404, tester.call("GET", "/trail/log").statusCode());

    List<JsonNode> rows = versions("trail");
    assertEquals(2, rows.size());
    assertEquals(marker, rows.get(0).get("version_id").asText());
    assertEquals(
        "application/x-deleted;swift_versions_deleted=1", rows.get(0).get("content_type").asText());
    assertTrue(rows.get(0).get("is_latest").asBoolean());
    assertFalse(rows.get(1).get("is_latest").asBoolean());
    HttpResponse<String> markerRead = tester.call("GET", "/trail/log?version-id=" + marker);
    assertEquals(404, markerRead.statusCode());
    assertEquals(marker, header(markerRead, "X-Object-Version-Id"));
    assertEquals("first", tester.call("GET", "/trail/log?version-id=" + v1).body());

    // restore the old version as the current one
    HttpResponse<String> restored = tester.call("PUT", "/trail/log?version-id=" + v1, Map.of(), "");
    assertEquals(201, restored.statusCode(), restored.body());
    HttpResponse<String> current = tester.call("GET", "/trail/log");
    assertEquals("first", current.body());
    assertEquals(v1, header(current, "X-Object-Version-Id"));

    assertEquals(204, tester.call("DELETE", "/trail/log").statusCode());
    assertEquals(409, tester.call("DELETE", "/trail").statusCode());
    tester.call("POST", "/trail", Map.of("X-Versions-Enabled", "false"), null);
    for (JsonNode row : versions("trail")) {
      tester.call(
          "DELETE",
          "/trail/" + row.get("name").asText() + "?version-id=" + row.get("version_id").asText());
    }
    assertEquals(List.of(), versions("trail"));
    assertEquals(204, tester.call("DELETE", "/trail").statusCode());
  }

  @Test
  void disabledVersioningOverwritesWithoutVersionsAndLegacyModeExcludesIt() throws Exception {
    tester.call("PUT", "/plain", Map.of("X-Versions-Enabled", "false"), null);
    assertEquals("False", header(tester.call("HEAD", "/plain"), "X-Versions-Enabled"));
    tester.call("PUT", "/plain/a", Map.of(), "1");
    tester.call("PUT", "/plain/a", Map.of(), "2");
    List<JsonNode> rows = versions("plain");
    assertEquals(1, rows.size());
    assertEquals("null", rows.get(0).get("version_id").asText());
    assertEquals(
        "null", header(tester.call("GET", "/plain/a?version-id=null"), "X-Object-Version-Id"));
    tester.call("PUT", "/never");
    tester.call("PUT", "/never/a", Map.of(), "1");
    assertEquals(400, tester.call("GET", "/never/a?version-id=1234567890.12345").statusCode());
    assertEquals(400, tester.call("GET", "/plain/a?version-id=1234567890.12345").statusCode());

    tester.call("PUT", "/legacy-archive");
    tester.call("PUT", "/legacy", Map.of("X-Versions-Location", "legacy-archive"), null);
    assertEquals(
        400,
        tester.call("POST", "/legacy", Map.of("X-Versions-Enabled", "true"), null).statusCode());
    tester.call("PUT", "/modern", Map.of("X-Versions-Enabled", "true"), null);
    assertEquals(
        400,
        tester
            .call("POST", "/modern", Map.of("X-Versions-Location", "legacy-archive"), null)
            .statusCode());
  }

  @Test
  void versionsOfAContainerOnTheArchivePolicyLiveOnTheArchiveBackend() throws Exception {
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/cold",
                Map.of("X-Storage-Policy", "archive", "X-Versions-Enabled", "true"),
                null)
            .statusCode());
    String v1 = put("/cold/frozen", "ice-age");
    put("/cold/frozen", "glacier");
    assertEquals("ice-age", tester.call("GET", "/cold/frozen?version-id=" + v1).body());
    assertEquals(2, versions("cold").size());

    // the old version is stored on the archive backend, none on the standard one
    Path backends = gateway.dataDir().resolve("backends");
    byte[] old = "ice-age".getBytes(StandardCharsets.UTF_8);
    assertTrue(FsObjectFiles.holds(backends.resolve("local-archive"), old));
    assertFalse(FsObjectFiles.holds(backends.resolve("local-standard"), old));
    // and the account listing does not show them
    assertEquals("cold\n", tester.call("GET", "?prefix=cold").body());
    assertFalse(tester.call("GET", "").body().contains("versions"));
  }

  @Test
  void anExpiringCurrentVersionExpiresButItsVersionStays() throws Exception {
    tester.call("PUT", "/expiring", Map.of("X-Versions-Enabled", "true"), null);
    HttpResponse<String> written =
        tester.call(
            "PUT",
            "/expiring/put",
            Map.of(
                "X-Delete-After", "4", "Content-Type", "text/blah", "X-Object-Meta-Color", "blue"),
            "aaaaa");
    assertEquals(201, written.statusCode(), written.body());
    String v1 = header(written, "X-Object-Version-Id");
    String v2 = put("/expiring/post", "bbbbb");
    HttpResponse<String> posted =
        tester.call(
            "POST",
            "/expiring/post",
            Map.of("X-Delete-After", "4", "X-Object-Meta-Color", "red"),
            null);
    assertEquals(202, posted.statusCode(), posted.body());
    // while the objects are there, each version is listed once
    assertEquals(2, versions("expiring").size());

    // a loaded machine takes a while for the writes above: 4 s leaves them time to be listed
    Thread.sleep(5100);
    assertEquals(404, tester.call("HEAD", "/expiring/put").statusCode());
    assertEquals(404, tester.call("HEAD", "/expiring/post").statusCode());
    HttpResponse<String> first = tester.call("HEAD", "/expiring/put?version-id=" + v1);
    assertEquals(200, first.statusCode());
    assertEquals("text/blah", header(first, "Content-Type"));
    assertEquals("blue", header(first, "X-Object-Meta-Color"));
    assertTrue(first.headers().firstValue("X-Delete-At").isEmpty());
    HttpResponse<String> second = tester.call("GET", "/expiring/post?version-id=" + v2);
    assertEquals("bbbbb", second.body());
    assertEquals("red", header(second, "X-Object-Meta-Color"));
    assertEquals(2, versions("expiring").size());
  }

  @Test
  void listingsShowTheCurrentVersionAsSwiftsLinkToIt() throws Exception {
    tester.call("PUT", "/linked", Map.of("X-Versions-Enabled", "true"), null);
    String v1 = put("/linked/obj", "hello");
    JsonNode row = JSON.readTree(tester.call("GET", "/linked?format=json").body()).get(0);
    assertEquals(
        tester.accountPath() + "/linked/obj?version-id=" + v1, row.get("symlink_path").asText());
    assertTrue(row.get("version_symlink").asBoolean());
    assertEquals(5, row.get("bytes").asInt());
  }

  @Test
  void aSymlinkToAVersionedObjectAnswersTheTargetsVersionId() throws Exception {
    tester.call("PUT", "/pointed", Map.of("X-Versions-Enabled", "true"), null);
    String target = put("/pointed/target", "data");
    HttpResponse<String> link =
        tester.call("PUT", "/pointed/link", Map.of("X-Symlink-Target", "pointed/target"), "");
    assertEquals(201, link.statusCode(), link.body());
    HttpResponse<String> head = tester.call("HEAD", "/pointed/link");
    assertEquals(200, head.statusCode());
    assertEquals(target, header(head, "X-Object-Version-Id"));
    assertEquals(1, head.headers().allValues("Content-Location").size());
  }
}
