package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.access.TempUrl;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Temporary URLs over HTTP: account and container keys, digests, methods, prefixes, expiry. */
class TempUrlApiTest {

  private static final String INVALID = "401 Unauthorized: Temp URL invalid\n";

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(
        204,
        tester
            .call(
                "POST",
                "",
                Map.of(
                    "X-Account-Meta-Temp-URL-Key",
                    "acctkey",
                    "X-Account-Meta-Temp-URL-Key-2",
                    "acctkey2"),
                null)
            .statusCode());
    tester.call("PUT", "/tu");
    tester.call(
        "PUT",
        "/tu/report.pdf",
        Map.of(
            "Content-Type",
            "application/pdf",
            "X-Object-Meta-Secret",
            "s",
            "X-Object-Meta-Public-Title",
            "Q3"),
        "pdf bytes");
  }

  static long in(long seconds) {
    return Instant.now().getEpochSecond() + seconds;
  }

  /** The URL of a path signed with a key for a method, as swift tempurl makes it. */
  static String signed(String method, String path, String key, long expires, String digest) {
    String sig = TempUrl.hmac(digest, key, method, expires, path, Optional.empty());
    return gateway.baseUrl() + path + "?temp_url_sig=" + sig + "&temp_url_expires=" + expires;
  }

  static String signed(String method, String path, String key) {
    return signed(method, path, key, in(300), "sha256");
  }

  @Test
  void getWithAnAccountKeyServesTheObjectAsAnAttachment() {
    long expires = in(300);
    HttpResponse<String> r =
        PlainHttp.send(
            "GET", signed("GET", "/v1/AUTH_test/tu/report.pdf", "acctkey", expires, "sha256"));
    assertEquals(200, r.statusCode());
    assertEquals("pdf bytes", r.body());
    assertEquals(
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf",
        header(r, "Content-Disposition"));
    assertEquals(
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochSecond(expires)),
        header(r, "Expires"));
    // Private metadata is not for holders of the URL; X-Object-Meta-Public-* is.
    assertNull(header(r, "X-Object-Meta-Secret"));
    assertEquals("Q3", header(r, "X-Object-Meta-Public-Title"));
    assertNotNull(header(r, "Etag"));

    HttpResponse<String> head =
        PlainHttp.send("HEAD", signed("GET", "/v1/AUTH_test/tu/report.pdf", "acctkey"));
    assertEquals(200, head.statusCode());
    assertEquals("9", header(head, "Content-Length"));
    assertEquals(
        200,
        PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/tu/report.pdf", "acctkey2"))
            .statusCode());
    assertEquals(
        404,
        PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/tu/missing", "acctkey")).statusCode());
  }

  @Test
  void everyDigestAndSignatureFormIsAccepted() {
    String path = "/v1/AUTH_test/tu/report.pdf";
    long expires = in(300);
    for (String digest : List.of("sha1", "sha256", "sha512")) {
      assertEquals(
          200,
          PlainHttp.send("GET", signed("GET", path, "acctkey", expires, digest)).statusCode(),
          digest);
      byte[] raw =
          HexFormat.of()
              .parseHex(TempUrl.hmac(digest, "acctkey", "GET", expires, path, Optional.empty()));
      String b64 = digest + ":" + Base64.getUrlEncoder().encodeToString(raw).replace("=", "%3D");
      assertEquals(
          200,
          PlainHttp.send(
                  "GET",
                  gateway.baseUrl()
                      + path
                      + "?temp_url_sig="
                      + b64
                      + "&temp_url_expires="
                      + expires)
              .statusCode(),
          b64);
    }
    String iso =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochSecond(expires));
    String sig = TempUrl.hmac("sha256", "acctkey", "GET", expires, path, Optional.empty());
    assertEquals(
        200,
        PlainHttp.send(
                "GET",
                gateway.baseUrl() + path + "?temp_url_sig=" + sig + "&temp_url_expires=" + iso)
            .statusCode());
  }

  @Test
  void badExpiredOrMisusedUrlsAre401() {
    String path = "/v1/AUTH_test/tu/report.pdf";
    HttpResponse<String> wrongKey = PlainHttp.send("GET", signed("GET", path, "nokey"));
    assertEquals(401, wrongKey.statusCode());
    assertEquals(INVALID, wrongKey.body());
    assertEquals("Swift realm=\"AUTH_test\"", header(wrongKey, "Www-Authenticate"));
    HttpResponse<String> expired =
        PlainHttp.send("GET", signed("GET", path, "acctkey", in(-10), "sha256"));
    assertEquals(401, expired.statusCode());
    assertEquals(INVALID, expired.body());
    assertEquals(401, PlainHttp.send("PUT", signed("GET", path, "acctkey")).statusCode());
    assertEquals(401, PlainHttp.send("DELETE", signed("GET", path, "acctkey")).statusCode());
    // Another object, or a tampered query.
    assertEquals(
        401,
        PlainHttp.send("GET", signed("GET", path, "acctkey").replace("report.pdf", "other"))
            .statusCode());
    assertEquals(
        401,
        PlainHttp.send("GET", gateway.baseUrl() + path + "?temp_url_expires=" + in(60))
            .statusCode());
    assertEquals(
        401, PlainHttp.send("GET", gateway.baseUrl() + path + "?temp_url_sig=abc").statusCode());
    String sig = TempUrl.hmac("sha256", "acctkey", "GET", in(60), path, Optional.empty());
    assertEquals(
        401,
        PlainHttp.send(
                "GET",
                gateway.baseUrl()
                    + path
                    + "?temp_url_sig=md5:"
                    + sig
                    + "&temp_url_expires="
                    + in(60))
            .statusCode());
    // Temporary URLs are for objects, not containers.
    assertEquals(
        401, PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/tu", "acctkey")).statusCode());
    HttpResponse<String> head = PlainHttp.send("HEAD", signed("DELETE", path, "acctkey"));
    assertEquals(401, head.statusCode());
    assertEquals(200, tester.call("GET", "/tu/report.pdf").statusCode());
  }

  @Test
  void putPostDeleteAndHeadFollowTheSignedMethod() {
    String path = "/v1/AUTH_test/tu/upload.txt";
    HttpResponse<String> put =
        PlainHttp.send("PUT", signed("PUT", path, "acctkey"), Map.of(), "uploaded");
    assertEquals(201, put.statusCode());
    assertEquals("uploaded", tester.call("GET", "/tu/upload.txt").body());
    // HEAD is allowed by a PUT (or GET or POST) signature.
    assertEquals(200, PlainHttp.send("HEAD", signed("PUT", path, "acctkey")).statusCode());
    assertEquals(
        202,
        PlainHttp.send(
                "POST", signed("POST", path, "acctkey"), Map.of("X-Object-Meta-Via", "tempurl"))
            .statusCode());
    assertEquals("tempurl", header(tester.call("HEAD", "/tu/upload.txt"), "X-Object-Meta-Via"));
    // No pointers to other data through a temporary URL.
    HttpResponse<String> manifest =
        PlainHttp.send(
            "PUT", signed("PUT", path, "acctkey"), Map.of("X-Object-Manifest", "tu/report"), "x");
    assertEquals(400, manifest.statusCode());
    assertEquals("The header 'X-Object-Manifest' is not allowed in this tempurl", manifest.body());
    assertEquals(204, PlainHttp.send("DELETE", signed("DELETE", path, "acctkey")).statusCode());
    assertEquals(404, tester.call("HEAD", "/tu/upload.txt").statusCode());
  }

  @Test
  void containerKeysGrantTheirContainerOnly() {
    tester.call("PUT", "/ck", Map.of("X-Container-Meta-Temp-URL-Key", "ckey"), null);
    tester.call("PUT", "/ck/o", Map.of(), "in ck");
    tester.call("PUT", "/tu/o", Map.of(), "in tu");
    assertEquals(
        200, PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/ck/o", "ckey")).statusCode());
    assertEquals(
        401, PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/tu/o", "ckey")).statusCode());
    tester.call("POST", "/ck", Map.of("X-Container-Meta-Temp-URL-Key-2", "ckey2"), null);
    assertEquals(
        200, PlainHttp.send("GET", signed("GET", "/v1/AUTH_test/ck/o", "ckey2")).statusCode());
    // Keys are owners' secrets: they show on the owner's HEAD only.
    assertEquals("ckey", header(tester.call("HEAD", "/ck"), "X-Container-Meta-Temp-Url-Key"));
    tester.call("POST", "/ck", Map.of("X-Container-Read", "test:tester3"), null);
    SwiftClient tester3 = gateway.login("test:tester3", "testing3");
    HttpResponse<String> seen = tester3.call("HEAD", "/ck");
    assertEquals(204, seen.statusCode());
    assertNull(header(seen, "X-Container-Meta-Temp-Url-Key"));
    assertNull(header(seen, "X-Container-Meta-Temp-Url-Key-2"));
    assertNull(header(seen, "X-Container-Read"));
  }

  @Test
  void prefixFilenameAndInline() {
    tester.call("PUT", "/tu/pre/a.txt", Map.of(), "a");
    tester.call("PUT", "/tu/pre/sub/b.txt", Map.of(), "b");
    long expires = in(300);
    String sig =
        TempUrl.hmac(
            "sha256", "acctkey", "GET", expires, "prefix:/v1/AUTH_test/tu/pre/", Optional.empty());
    String query =
        "?temp_url_sig=" + sig + "&temp_url_expires=" + expires + "&temp_url_prefix=pre/";
    assertEquals(
        "a",
        PlainHttp.send("GET", gateway.baseUrl() + "/v1/AUTH_test/tu/pre/a.txt" + query).body());
    HttpResponse<String> b =
        PlainHttp.send("GET", gateway.baseUrl() + "/v1/AUTH_test/tu/pre/sub/b.txt" + query);
    assertEquals(200, b.statusCode());
    assertEquals(
        "attachment; filename=\"b.txt\"; filename*=UTF-8''b.txt", header(b, "Content-Disposition"));
    assertEquals(
        401,
        PlainHttp.send("GET", gateway.baseUrl() + "/v1/AUTH_test/tu/report.pdf" + query)
            .statusCode());

    String url = signed("GET", "/v1/AUTH_test/tu/report.pdf", "acctkey");
    assertEquals("inline", header(PlainHttp.send("GET", url + "&inline"), "Content-Disposition"));
    assertEquals(
        "attachment; filename=\"My File.pdf\"; filename*=UTF-8''My%20File.pdf",
        header(PlainHttp.send("GET", url + "&filename=My+File.pdf"), "Content-Disposition"));
    assertEquals(
        "inline; filename=\"My File.pdf\"; filename*=UTF-8''My%20File.pdf",
        header(
            PlainHttp.send("GET", url + "&inline&filename=My%20File.pdf"), "Content-Disposition"));
  }

  @Test
  void ipRangesAreSignedAndChecked() {
    String path = "/v1/AUTH_test/tu/report.pdf";
    long expires = in(300);
    for (String range : List.of("127.0.0.1", "127.0.0.0/8")) {
      String sig = TempUrl.hmac("sha256", "acctkey", "GET", expires, path, Optional.of(range));
      assertEquals(
          200,
          PlainHttp.send(
                  "GET",
                  gateway.baseUrl()
                      + path
                      + "?temp_url_sig="
                      + sig
                      + "&temp_url_expires="
                      + expires
                      + "&temp_url_ip_range="
                      + range)
              .statusCode(),
          range);
    }
    String sig = TempUrl.hmac("sha256", "acctkey", "GET", expires, path, Optional.of("10.0.0.0/8"));
    assertEquals(
        401,
        PlainHttp.send(
                "GET",
                gateway.baseUrl()
                    + path
                    + "?temp_url_sig="
                    + sig
                    + "&temp_url_expires="
                    + expires
                    + "&temp_url_ip_range=10.0.0.0/8")
            .statusCode());
  }

  @Test
  void infoAdvertisesTempUrl() throws Exception {
    JsonNode info =
        new ObjectMapper().readTree(PlainHttp.send("GET", gateway.baseUrl() + "/info").body());
    JsonNode tempurl = info.get("tempurl");
    assertEquals(
        "[\"GET\",\"HEAD\",\"PUT\",\"POST\",\"DELETE\"]", tempurl.get("methods").toString());
    assertEquals("[\"sha1\",\"sha256\",\"sha512\"]", tempurl.get("allowed_digests").toString());
    assertEquals("[\"sha1\"]", tempurl.get("deprecated_digests").toString());
    assertEquals("[\"x-object-meta-*\"]", tempurl.get("outgoing_remove_headers").toString());
    assertTrue(info.has("bulk_delete"));
  }
}
