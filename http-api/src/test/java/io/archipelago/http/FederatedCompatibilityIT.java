package io.archipelago.http;

import static io.archipelago.http.testkit.Http.md5;
import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.access.TempUrl;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FederatedBackends.Kind;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The compatibility flows of the Swift API on every real backend kind (two Swift clusters, S3Proxy,
 * the filesystem), through one gateway whose containers are placed per kind: copies and large
 * objects whose other end is on the next kind's backend, versioning into an archive on another
 * backend, expiry, ranges and conditional requests, bulk delete, TempURL, and copies across
 * accounts under container ACLs. The servers are the harness's, started once per test JVM and
 * shared with the other real-backend tests; container names carry a run id so that leftovers of
 * other classes on those servers do not matter.
 */
class FederatedCompatibilityIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000L, 36);

  static FederatedBackends backends;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          () -> {
            backends = new FederatedBackends(RealBackends.get());
            return backends.config();
          });

  static SwiftClient tester;
  static SwiftClient tester2;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    tester2 = gateway.login("test2:tester2", "testing2");
    assertEquals(
        204,
        tester
            .call("POST", "", Map.of("X-Account-Meta-Temp-URL-Key", "fedkey"), null)
            .statusCode());
  }

  /** The kind after {@code kind}: where the other end of a cross-backend flow lives. */
  static Kind next(Kind kind) {
    return Kind.values()[(kind.ordinal() + 1) % Kind.values().length];
  }

  static String container(Kind kind, String name) {
    return container(tester, kind, name, Map.of());
  }

  static String container(SwiftClient who, Kind kind, String name, Map<String, String> headers) {
    String container = name + "-" + RUN + "-" + kind.policy();
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("X-Storage-Policy", kind.policy());
    HttpResponse<String> r = who.call("PUT", "/" + container, h, null);
    assertEquals(201, r.statusCode(), r.body());
    return container;
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  // ---- copy ---------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void copiesAcrossBackendsAndAccounts(Kind kind) {
    String src = container(kind, "csrc");
    String dst = container(next(kind), "cdst");
    byte[] data = bytes("copy me across backends, " + kind);
    assertEquals(
        201,
        tester
            .bytes(
                "PUT",
                "/" + src + "/o",
                Map.of("Content-Type", "text/x-copy", "X-Object-Meta-Color", "blue"),
                data)
            .statusCode());

    HttpResponse<String> copied =
        tester.call(
            "COPY",
            "/" + src + "/o",
            Map.of("Destination", "/" + dst + "/c1", "X-Object-Meta-Extra", "yes"),
            null);
    assertEquals(201, copied.statusCode(), copied.body());
    assertEquals(md5(data), header(copied, "Etag"));
    assertEquals(src + "/o", header(copied, "X-Copied-From"));
    HttpResponse<byte[]> got = tester.bytes("GET", "/" + dst + "/c1", Map.of(), null);
    assertArrayEquals(data, got.body());
    assertEquals("blue", header(got, "X-Object-Meta-Color"));
    assertEquals("yes", header(got, "X-Object-Meta-Extra"));
    assertEquals("text/x-copy", header(got, "Content-Type"));
    assertTrue(backends.storedOn(next(kind), gateway.dataDir(), dst, "c1", data));

    // PUT with X-Copy-From, fresh metadata, a ranged source
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/" + dst + "/c2",
                Map.of("X-Copy-From", src + "/o", "X-Fresh-Metadata", "true", "Range", "bytes=0-3"),
                "")
            .statusCode());
    HttpResponse<String> partial = tester.call("GET", "/" + dst + "/c2");
    assertEquals("copy", partial.body());
    assertEquals(null, header(partial, "X-Object-Meta-Color"));
    assertEquals(
        404,
        tester
            .call("COPY", "/" + src + "/missing", Map.of("Destination", dst + "/x"), null)
            .statusCode());

    // another account's user: the source needs X-Container-Read, the destination is its own
    String theirs = container(tester2, next(kind), "theirs", Map.of());
    assertEquals(
        403,
        tester2
            .call(
                "PUT",
                "/" + theirs + "/stolen",
                Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", src + "/o"),
                "")
            .statusCode());
    assertEquals(
        204,
        tester
            .call("POST", "/" + src, Map.of("X-Container-Read", "test2:tester2"), null)
            .statusCode());
    HttpResponse<String> shared =
        tester2.call(
            "PUT",
            "/" + theirs + "/shared",
            Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", src + "/o"),
            "");
    assertEquals(201, shared.statusCode(), shared.body());
    assertEquals("AUTH_test", header(shared, "X-Copied-From-Account"));
    assertArrayEquals(data, tester2.bytes("GET", "/" + theirs + "/shared", Map.of(), null).body());
  }

  // ---- large objects ------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void largeObjectsWithSegmentsOnAnotherBackend(Kind kind) throws Exception {
    String lo = container(kind, "lo");
    String segs = container(next(kind), "segs");
    byte[][] parts = {bytes("a".repeat(700)), bytes("b".repeat(500)), bytes("c".repeat(300))};
    byte[] whole = new byte[1500];
    StringBuilder etags = new StringBuilder();
    var manifest = JSON.createArrayNode();
    int offset = 0;
    for (int i = 0; i < parts.length; i++) {
      assertEquals(
          201, tester.bytes("PUT", "/" + segs + "/part/" + i, Map.of(), parts[i]).statusCode());
      System.arraycopy(parts[i], 0, whole, offset, parts[i].length);
      offset += parts[i].length;
      etags.append(md5(parts[i]));
      manifest
          .addObject()
          .put("path", "/" + segs + "/part/" + i)
          .put("etag", md5(parts[i]))
          .put("size_bytes", parts[i].length);
    }
    String sloEtag = "\"" + md5(etags.toString()) + "\"";

    HttpResponse<String> put =
        tester.call(
            "PUT",
            "/" + lo + "/slo?multipart-manifest=put",
            Map.of("Content-Type", "application/x-slo"),
            manifest.toString());
    assertEquals(201, put.statusCode(), put.body());
    assertEquals(sloEtag, header(put, "Etag"));
    // listings show the manifest with the total size and its own content type
    JsonNode listed =
        JSON.readTree(tester.call("GET", "/" + lo + "?format=json&prefix=slo").body()).get(0);
    assertEquals(1500, listed.get("bytes").asLong(), listed.toString());
    assertEquals("application/x-slo", listed.get("content_type").asText());
    HttpResponse<byte[]> get = tester.bytes("GET", "/" + lo + "/slo", Map.of(), null);
    assertArrayEquals(whole, get.body());
    assertEquals(sloEtag, header(get, "Etag"));
    assertEquals("True", header(get, "X-Static-Large-Object"));
    HttpResponse<String> head = tester.call("HEAD", "/" + lo + "/slo");
    assertEquals("1500", header(head, "Content-Length"));
    assertEquals(sloEtag, header(head, "Etag"));
    // a range across the segment boundary, several ranges, a conditional GET
    HttpResponse<byte[]> range =
        tester.bytes("GET", "/" + lo + "/slo", Map.of("Range", "bytes=690-1209"), null);
    assertEquals(206, range.statusCode());
    assertEquals("bytes 690-1209/1500", header(range, "Content-Range"));
    assertArrayEquals(Arrays.copyOfRange(whole, 690, 1210), range.body());
    HttpResponse<String> multi =
        tester.call("GET", "/" + lo + "/slo", Map.of("Range", "bytes=0-0,-1"), null);
    assertEquals(206, multi.statusCode());
    assertTrue(header(multi, "Content-Type").startsWith("multipart/byteranges"));
    assertEquals(
        304,
        tester.call("GET", "/" + lo + "/slo", Map.of("If-None-Match", sloEtag), null).statusCode());
    JsonNode raw =
        JSON.readTree(
            tester.call("GET", "/" + lo + "/slo?multipart-manifest=get&format=raw").body());
    assertEquals("/" + segs + "/part/0", raw.get(0).get("path").asText());

    // a DLO over the same segments
    assertEquals(
        201,
        tester
            .call("PUT", "/" + lo + "/dlo", Map.of("X-Object-Manifest", segs + "/part/"), "")
            .statusCode());
    assertArrayEquals(whole, tester.bytes("GET", "/" + lo + "/dlo", Map.of(), null).body());
    assertEquals(
        "\"" + md5(etags.toString()) + "\"",
        header(tester.call("HEAD", "/" + lo + "/dlo"), "Etag"));
    HttpResponse<byte[]> dloRange =
        tester.bytes("GET", "/" + lo + "/dlo", Map.of("Range", "bytes=-350"), null);
    assertEquals(206, dloRange.statusCode());
    assertArrayEquals(Arrays.copyOfRange(whole, 1150, 1500), dloRange.body());

    // copying the SLO makes a plain object of the concatenation, on a third backend
    String third = container(next(next(kind)), "lo-copy");
    assertEquals(
        201,
        tester
            .call("COPY", "/" + lo + "/slo", Map.of("Destination", third + "/flat"), null)
            .statusCode());
    assertArrayEquals(whole, tester.bytes("GET", "/" + third + "/flat", Map.of(), null).body());
    assertTrue(backends.storedOn(next(next(kind)), gateway.dataDir(), third, "flat", whole));

    // a segment on the other backend that changes breaks the SLO: 409 on its first segment
    assertEquals(
        201,
        tester.bytes("PUT", "/" + segs + "/part/0", Map.of(), bytes("z".repeat(700))).statusCode());
    assertEquals(409, tester.call("GET", "/" + lo + "/slo").statusCode());

    // deleting the manifest with its segments empties the segment container
    HttpResponse<String> deleted =
        tester.call(
            "DELETE",
            "/" + lo + "/slo?multipart-manifest=delete",
            Map.of("Accept", "application/json"),
            null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(4, JSON.readTree(deleted.body()).get("Number Deleted").asInt(), deleted.body());
    assertEquals(404, tester.call("HEAD", "/" + segs + "/part/1").statusCode());
  }

  // ---- versioning ---------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void versionsArchiveOnAnotherBackend(Kind kind) throws Exception {
    String archive = container(next(kind), "arch");
    String docs = container(tester, kind, "docs", Map.of("X-Versions-Location", archive));
    for (String v : new String[] {"v1", "v2", "v3"}) {
      assertEquals(
          201,
          tester.call("PUT", "/" + docs + "/doc", Map.of("X-Object-Meta-V", v), v).statusCode());
    }
    assertEquals("v3", tester.call("GET", "/" + docs + "/doc").body());
    JsonNode versions = JSON.readTree(tester.call("GET", "/" + archive + "?format=json").body());
    assertEquals(2, versions.size(), versions.toString());
    assertTrue(versions.get(0).get("name").asText().startsWith("003doc/"));
    assertTrue(
        backends.storedOn(
            next(kind),
            gateway.dataDir(),
            archive,
            versions.get(0).get("name").asText(),
            bytes("v1")));
    assertEquals(204, tester.call("DELETE", "/" + docs + "/doc").statusCode());
    HttpResponse<String> restored = tester.call("GET", "/" + docs + "/doc");
    assertEquals("v2", restored.body());
    assertEquals("v2", header(restored, "X-Object-Meta-V"));
    assertEquals(204, tester.call("DELETE", "/" + docs + "/doc").statusCode());
    assertEquals(204, tester.call("DELETE", "/" + docs + "/doc").statusCode());
    assertEquals(404, tester.call("GET", "/" + docs + "/doc").statusCode());
    assertEquals("0", header(tester.call("HEAD", "/" + archive), "X-Container-Object-Count"));

    // history mode: a delete leaves a marker in the archive and a 404
    String logs = container(tester, kind, "logs", Map.of("X-History-Location", archive));
    assertEquals(201, tester.call("PUT", "/" + logs + "/l", Map.of(), "l1").statusCode());
    assertEquals(204, tester.call("DELETE", "/" + logs + "/l").statusCode());
    assertEquals(404, tester.call("GET", "/" + logs + "/l").statusCode());
    JsonNode history =
        JSON.readTree(tester.call("GET", "/" + archive + "?format=json&prefix=001l/").body());
    assertEquals(2, history.size(), history.toString());
    assertEquals(
        "application/x-deleted;swift_versions_deleted=1",
        history.get(1).get("content_type").asText());
  }

  // ---- expiry -------------------------------------------------------------------------------

  @Test
  void expiredObjectsAreGoneOnEveryBackend() throws Exception {
    // Each kind's expiry a few seconds after its own writes, so that a slow machine does not see
    // the object expire before the test has looked at it.
    long deleteAt = 0;
    Map<Kind, String> containers = new java.util.EnumMap<>(Kind.class);
    for (Kind kind : Kind.values()) {
      deleteAt = System.currentTimeMillis() / 1000 + 4;
      String c = container(kind, "exp");
      containers.put(kind, c);
      assertEquals(
          201,
          tester
              .call("PUT", "/" + c + "/soon", Map.of("X-Delete-At", Long.toString(deleteAt)), "x")
              .statusCode());
      assertEquals(
          201,
          tester
              .call("PUT", "/" + c + "/later", Map.of("X-Delete-After", "3600"), "y")
              .statusCode());
      HttpResponse<String> head = tester.call("HEAD", "/" + c + "/soon");
      assertEquals(Long.toString(deleteAt), header(head, "X-Delete-At"));
      assertEquals(
          400, tester.call("PUT", "/" + c + "/past", Map.of("X-Delete-At", "1"), "z").statusCode());
    }
    Thread.sleep(Math.max(0, (deleteAt + 1) * 1000 - System.currentTimeMillis()));
    for (Kind kind : Kind.values()) {
      String c = containers.get(kind);
      assertEquals(404, tester.call("GET", "/" + c + "/soon").statusCode(), kind.toString());
      assertEquals(404, tester.call("HEAD", "/" + c + "/soon").statusCode(), kind.toString());
      assertEquals(
          404,
          tester
              .call("POST", "/" + c + "/soon", Map.of("X-Object-Meta-A", "b"), null)
              .statusCode());
      assertEquals("y", tester.call("GET", "/" + c + "/later").body());
    }
  }

  // ---- ranges and conditions ----------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void rangesAndConditionalRequests(Kind kind) {
    String c = container(kind, "rc");
    byte[] data = bytes("0123456789abcdefghij");
    assertEquals(201, tester.bytes("PUT", "/" + c + "/o", Map.of(), data).statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/" + c + "/o");
    String etag = header(head, "Etag");
    String lastModified = header(head, "Last-Modified");

    HttpResponse<String> suffix =
        tester.call("GET", "/" + c + "/o", Map.of("Range", "bytes=-5"), null);
    assertEquals(206, suffix.statusCode());
    assertEquals("fghij", suffix.body());
    assertEquals("bytes 15-19/20", header(suffix, "Content-Range"));
    HttpResponse<String> open =
        tester.call("GET", "/" + c + "/o", Map.of("Range", "bytes=18-"), null);
    assertEquals("ij", open.body());
    HttpResponse<String> multi =
        tester.call("GET", "/" + c + "/o", Map.of("Range", "bytes=0-1,5-6"), null);
    assertEquals(206, multi.statusCode());
    assertTrue(multi.body().contains("Content-Range: bytes 5-6/20\r\n\r\n56\r\n"), multi.body());
    HttpResponse<String> unsatisfiable =
        tester.call("GET", "/" + c + "/o", Map.of("Range", "bytes=50-60"), null);
    assertEquals(416, unsatisfiable.statusCode());
    assertEquals("bytes */20", header(unsatisfiable, "Content-Range"));
    // an invalid range is ignored
    assertEquals(
        200, tester.call("GET", "/" + c + "/o", Map.of("Range", "bytes=5-2"), null).statusCode());

    assertEquals(
        304, tester.call("GET", "/" + c + "/o", Map.of("If-None-Match", etag), null).statusCode());
    assertEquals(
        200, tester.call("GET", "/" + c + "/o", Map.of("If-Match", etag), null).statusCode());
    assertEquals(
        412, tester.call("GET", "/" + c + "/o", Map.of("If-Match", "\"nope\""), null).statusCode());
    assertEquals(
        412,
        tester.call("HEAD", "/" + c + "/o", Map.of("If-Match", "\"nope\""), null).statusCode());
    assertEquals(
        304,
        tester
            .call("GET", "/" + c + "/o", Map.of("If-Modified-Since", lastModified), null)
            .statusCode());
    assertEquals(
        412,
        tester
            .call(
                "GET",
                "/" + c + "/o",
                Map.of("If-Unmodified-Since", "Thu, 01 Jan 2015 00:00:00 GMT"),
                null)
            .statusCode());
    assertEquals(
        200,
        tester
            .call(
                "GET",
                "/" + c + "/o",
                Map.of("If-Modified-Since", "Thu, 01 Jan 2015 00:00:00 GMT"),
                null)
            .statusCode());
    // If-None-Match: * on PUT refuses to overwrite
    assertEquals(
        412,
        tester.call("PUT", "/" + c + "/o", Map.of("If-None-Match", "*"), "again").statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/" + c + "/new", Map.of("If-None-Match", "*"), "new").statusCode());
  }

  // ---- bulk delete --------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void bulkDeleteEmptiesContainersOnEveryBackend(Kind kind) throws Exception {
    String c = container(kind, "bulk");
    for (String name : new String[] {"a", "b/c", "with space"}) {
      assertEquals(
          201, tester.call("PUT", "/" + c + "/" + Http.enc(name), Map.of(), name).statusCode());
    }
    HttpResponse<String> r =
        tester.call(
            "POST",
            "?bulk-delete",
            Map.of("Content-Type", "text/plain", "Accept", "application/json"),
            "/"
                + c
                + "\n/"
                + c
                + "/a\n/"
                + c
                + "/b%2Fc\n/"
                + c
                + "/with%20space\n/"
                + c
                + "/never\n");
    assertEquals(200, r.statusCode());
    JsonNode result = JSON.readTree(r.body());
    assertEquals(4, result.get("Number Deleted").asInt(), r.body());
    assertEquals(1, result.get("Number Not Found").asInt(), r.body());
    assertEquals(404, tester.call("HEAD", "/" + c).statusCode());
    assertFalse(backends.storedOn(kind, gateway.dataDir(), c, "a", bytes("a")));
  }

  // ---- TempURL ------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void tempUrlsReadAndWriteOnEveryBackend(Kind kind) {
    String c = container(kind, "tu");
    String path = "/v1/AUTH_test/" + c + "/shared.txt";
    long expires = System.currentTimeMillis() / 1000 + 300;
    String put =
        gateway.baseUrl()
            + path
            + "?temp_url_sig="
            + TempUrl.hmac("sha256", "fedkey", "PUT", expires, path, Optional.empty())
            + "&temp_url_expires="
            + expires;
    assertEquals(201, PlainHttp.send("PUT", put, Map.of(), "via tempurl").statusCode());
    assertTrue(backends.storedOn(kind, gateway.dataDir(), c, "shared.txt", bytes("via tempurl")));
    String get =
        gateway.baseUrl()
            + path
            + "?temp_url_sig="
            + TempUrl.hmac("sha256", "fedkey", "GET", expires, path, Optional.empty())
            + "&temp_url_expires="
            + expires;
    HttpResponse<String> read = PlainHttp.send("GET", get);
    assertEquals(200, read.statusCode());
    assertEquals("via tempurl", read.body());
    assertEquals(
        "attachment; filename=\"shared.txt\"; filename*=UTF-8''shared.txt",
        header(PlainHttp.send("GET", get + "&filename=shared.txt"), "Content-Disposition"));
    assertEquals(
        401, PlainHttp.send("GET", get.replace("temp_url_sig=", "temp_url_sig=0")).statusCode());
    // a GET signature does not allow a DELETE
    assertEquals(401, PlainHttp.send("DELETE", get).statusCode());
  }
}
