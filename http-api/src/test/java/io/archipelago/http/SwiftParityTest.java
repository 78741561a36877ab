package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Answers that OpenStack Swift 2.30.1's own functional tests (test/functional) expect and the
 * gateway once gave differently: each test names the Swift test it stands for.
 */
class SwiftParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/parity").statusCode());
  }

  private static List<String> names(HttpResponse<String> listing) throws Exception {
    List<String> names = new ArrayList<>();
    for (JsonNode row : JSON.readTree(listing.body())) {
      names.add(row.has("name") ? row.get("name").asText() : row.get("subdir").asText());
    }
    return names;
  }

  /** tests.py TestFile.testGetContentType / testHead: any string is a content type. */
  @Test
  void aContentTypeAkkaCannotParseComesBackAsSent() {
    assertEquals(
        201,
        tester
            .call("PUT", "/parity/typed", Map.of("Content-Type", "2a32e4cc7b2e465a"), "x")
            .statusCode());
    assertEquals("2a32e4cc7b2e465a", header(tester.call("GET", "/parity/typed"), "Content-Type"));
    assertEquals("2a32e4cc7b2e465a", header(tester.call("HEAD", "/parity/typed"), "Content-Type"));
    // a client may not send the gateway's own swift_* parameters, raw or not
    assertEquals(
        400,
        tester
            .call("PUT", "/parity/typed3", Map.of("Content-Type", "zz;swift_slo_etag=1"), "x")
            .statusCode());
  }

  /**
   * test_versioned_writes.py test_delete_while_changing_mode: the delete marker's type as Swift
   * writes it.
   */
  @Test
  void aDeleteMarkerKeepsSwiftsContentTypeWithoutASpace() {
    assertEquals(201, tester.call("PUT", "/parity-versions").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/parity-history", Map.of("X-History-Location", "parity-versions"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/parity-history/o", Map.of(), "one").statusCode());
    assertEquals(204, tester.call("DELETE", "/parity-history/o").statusCode());
    HttpResponse<String> listing = tester.call("GET", "/parity-versions?format=json");
    String marker = null;
    try {
      for (JsonNode row : JSON.readTree(listing.body())) {
        if (row.get("content_type").asText().startsWith("application/x-deleted")) {
          marker = row.get("name").asText();
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertTrue(marker != null, listing.body());
    HttpResponse<String> head =
        tester.call("HEAD", "/parity-versions/" + io.archipelago.http.testkit.Http.enc(marker));
    assertEquals("application/x-deleted;swift_versions_deleted=1", header(head, "Content-Type"));
  }

  /**
   * test_versioned_writes.py test_overwriting: Content-Disposition is stored as sent (no added
   * quotes).
   */
  @Test
  void contentDispositionIsKeptAsSent() {
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/parity/disposed",
                Map.of("Content-Disposition", "attachment; filename=myfile"),
                "x")
            .statusCode());
    assertEquals(
        "attachment; filename=myfile",
        header(tester.call("GET", "/parity/disposed"), "Content-Disposition"));
  }

  /** test_slo.py test_slo_get_the_manifest / test_slo_container_listing. */
  @Test
  void sloManifestAnswersJsonWithCharsetAndListsItsSloEtag() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity/seg", Map.of(), "abc").statusCode());
    HttpResponse<String> put =
        tester.call(
            "PUT", "/parity/slo?multipart-manifest=put", Map.of(), "[{\"path\": \"/parity/seg\"}]");
    assertEquals(201, put.statusCode(), put.body());
    String sloEtag = header(put, "Etag");
    assertEquals(
        "application/json; charset=utf-8",
        header(tester.call("GET", "/parity/slo?multipart-manifest=get"), "Content-Type"));
    assertEquals(
        "application/json; charset=utf-8",
        header(tester.call("HEAD", "/parity/slo?multipart-manifest=get"), "Content-Type"));
    JsonNode row = null;
    for (JsonNode r : JSON.readTree(tester.call("GET", "/parity?format=json&prefix=slo").body())) {
      row = r;
    }
    assertEquals(sloEtag, row.get("slo_etag").asText());
    assertEquals(3, row.get("bytes").asLong());
    assertEquals("application/octet-stream", row.get("content_type").asText());
    // a POST that changes the type keeps the listing's SLO facts
    assertEquals(
        202,
        tester
            .call("POST", "/parity/slo", Map.of("Content-Type", "image/jpeg"), null)
            .statusCode());
    for (JsonNode r : JSON.readTree(tester.call("GET", "/parity?format=json&prefix=slo").body())) {
      row = r;
    }
    assertEquals(sloEtag, row.get("slo_etag").asText());
    assertEquals("image/jpeg", row.get("content_type").asText());
    assertEquals("image/jpeg", header(tester.call("HEAD", "/parity/slo"), "Content-Type"));
  }

  /** tests.py testListingLimit / testListMultiCharDelimiter. */
  @Test
  void listingLimitsAndDelimitersAsSwiftTakesThem() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity-delim").statusCode());
    for (String name : List.of("test", "test-&bar", "test-&foo", "test-'baz")) {
      assertEquals(
          201,
          tester
              .call(
                  "PUT",
                  "/parity-delim/" + io.archipelago.http.testkit.Http.enc(name),
                  Map.of(),
                  "x")
              .statusCode());
    }
    assertEquals(
        List.of("test", "test-&", "test-'baz"),
        names(tester.call("GET", "/parity-delim?format=json&delimiter=-%26")));
    assertEquals(
        List.of("test-'baz", "test-&", "test"),
        names(tester.call("GET", "/parity-delim?format=json&delimiter=-%26&reverse=yes")));
    // a limit that is not all digits is ignored; only one above the maximum is refused
    assertEquals(200, tester.call("GET", "/parity-delim?limit=5000.0").statusCode());
    assertEquals(200, tester.call("GET", "?limit=5000.0").statusCode());
    assertEquals(200, tester.call("GET", "/parity-delim?limit=-1").statusCode());
    HttpResponse<String> tooMany = tester.call("GET", "?limit=10001");
    assertEquals(412, tooMany.statusCode());
    assertEquals("Maximum limit is 10000", tooMany.body());
    assertEquals(412, tester.call("GET", "/parity-delim?limit=20000").statusCode());
    assertEquals(1, names(tester.call("GET", "/parity-delim?format=json&limit=1")).size());
  }

  /** tests.py TestContainerPaths.testStructure: path= lists directory markers, never subdirs. */
  @Test
  void pathListingShowsDirectoryMarkersAndSkipsDeeperNames() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity-paths").statusCode());
    for (String name :
        List.of(
            "dir1/",
            "dir1/file2",
            "dir1/subdir1/",
            "dir1/subdir1/file3",
            "dir1/nomarker/file4",
            "file1",
            "/dir1/",
            "/dir1/x")) {
      assertEquals(201, tester.call("PUT", "/parity-paths/" + name, Map.of(), "x").statusCode());
    }
    assertEquals(
        List.of("dir1/file2", "dir1/subdir1/"),
        names(tester.call("GET", "/parity-paths?format=json&path=dir1")));
    assertEquals(
        List.of("dir1/file2", "dir1/subdir1/"),
        names(tester.call("GET", "/parity-paths?format=json&path=dir1//")));
    assertEquals(
        List.of("dir1/", "file1"), names(tester.call("GET", "/parity-paths?format=json&path=")));
    assertEquals(List.of("/dir1/"), names(tester.call("GET", "/parity-paths?format=json&path=/")));
    assertEquals(
        List.of("dir1/nomarker/file4"),
        names(tester.call("GET", "/parity-paths?format=json&path=dir1/nomarker")));
  }

  /** tests.py testMetadataLengthLimits: a long metadata name is Swift's 400, not a 431. */
  @Test
  void aLongMetadataNameIsSwifts400() {
    HttpResponse<String> r =
        tester.call("PUT", "/parity/meta", Map.of("X-Object-Meta-" + "a".repeat(1280), "b"), "x");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("Metadata name too long"), r.body());
  }

  /** test_object.py test_x_delete_at_in_the_far_future / test_delete_if_delete_at_bad. */
  @Test
  void deleteAtTakesAnyIntegerAndIfDeleteAtMustBeATimestamp() {
    assertEquals(
        201,
        tester
            .call("PUT", "/parity/far", Map.of("X-Delete-At", "1".repeat(100)), "x")
            .statusCode());
    assertEquals("9999999999", header(tester.call("HEAD", "/parity/far"), "X-Delete-At"));
    HttpResponse<String> bad =
        tester.call("DELETE", "/parity/nothing-here", Map.of("X-If-Delete-At", "bad"), null);
    assertEquals(400, bad.statusCode());
    assertEquals("Bad X-If-Delete-At header value", bad.body());
    assertEquals(
        404,
        tester
            .call("DELETE", "/parity/nothing-here", Map.of("X-If-Delete-At", "1234567890.5"), null)
            .statusCode());
  }

  /** tests.py testContainerLastModified: a PUT of an existing container moves its timestamp. */
  @Test
  void aPutOfAnExistingContainerMovesItsPutTimestamp() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity-again").statusCode());
    String first = header(tester.call("HEAD", "/parity-again"), "X-Put-Timestamp");
    Thread.sleep(20);
    assertEquals(202, tester.call("PUT", "/parity-again").statusCode());
    String second = header(tester.call("HEAD", "/parity-again"), "X-Put-Timestamp");
    assertNotEquals(first, second);
    assertFalse(second.compareTo(first) < 0);
  }

  /** tests.py TestFileUTF8.testGetContentType: a UTF-8 content type goes back as its bytes. */
  @Test
  void aUtf8ContentTypeComesBackAsItsBytes() throws Exception {
    String type = "\u9409\u5606\u03a9";
    var put =
        io.archipelago.http.testkit.Http.raw(
            gateway.baseUrl(),
            "PUT",
            tester.accountPath() + "/parity/utf8type",
            Map.of(
                "X-Auth-Token",
                tester.token(),
                "Content-Type",
                io.archipelago.http.testkit.Http.wire(type),
                "Content-Length",
                "1"),
            List.of(new byte[] {'x'}),
            false);
    assertEquals(201, put.status());
    var head =
        io.archipelago.http.testkit.Http.raw(
            gateway.baseUrl(),
            "HEAD",
            tester.accountPath() + "/parity/utf8type",
            Map.of("X-Auth-Token", tester.token()),
            List.of(),
            false);
    assertEquals(io.archipelago.http.testkit.Http.wire(type), head.header("Content-Type"));
  }

  /** tests.py testVersionOnlyPath: a version without an account is Swift's 412 Bad URL. */
  @Test
  void aVersionOnlyPathIsBadUrl() {
    HttpResponse<String> r =
        tester.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.baseUrl() + "/v1"))
                .header("X-Auth-Token", tester.token())
                .build());
    assertEquals(412, r.statusCode());
    assertEquals("Bad URL", r.body());
  }

  /** tests.py testAccountContainerListSortingByMarkersInclusive: a marker may end in a NUL. */
  @Test
  void aListingMarkerMayHoldANul() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity-nul").statusCode());
    assertEquals(201, tester.call("PUT", "/parity-nul/a", Map.of(), "x").statusCode());
    assertEquals(201, tester.call("PUT", "/parity-nul/b", Map.of(), "x").statusCode());
    assertEquals(List.of("b"), names(tester.call("GET", "/parity-nul?format=json&marker=a%00")));
    assertEquals(200, tester.call("GET", "?format=json&marker=parity-nul%00").statusCode());
    // names stay strict
    assertEquals(412, tester.call("PUT", "/parity-nul/c%00d", Map.of(), "x").statusCode());
  }

  /** tests.py TestFile.testGetResponseHeaders: Connection: keep-alive is answered in kind. */
  @Test
  void keepAliveIsEchoedAndCloseStillCloses() throws Exception {
    assertEquals(201, tester.call("PUT", "/parity/alive", Map.of(), "body").statusCode());
    java.net.URI uri = java.net.URI.create(gateway.baseUrl());
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      String get =
          "GET "
              + tester.accountPath()
              + "/parity/alive HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "
              + tester.token()
              + "\r\nConnection: keep-alive\r\n\r\n";
      socket.getOutputStream().write(get.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String head = readHead(socket.getInputStream());
      assertTrue(head.contains("\r\nConnection: keep-alive\r\n"), head);
      assertFalse(head.contains("X-Keep-Alive"), head);
    }
    // a client that asks to close gets Akka's close only
    var closed =
        io.archipelago.http.testkit.Http.raw(
            gateway.baseUrl(),
            "GET",
            tester.accountPath() + "/parity/alive",
            Map.of("X-Auth-Token", tester.token()),
            List.of(),
            false);
    assertEquals(200, closed.status());
    assertEquals("close", closed.header("Connection"));
  }

  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      sb.append((char) b);
    }
    return sb.toString();
  }
}
