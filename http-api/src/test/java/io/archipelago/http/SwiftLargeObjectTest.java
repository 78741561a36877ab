package io.archipelago.http;

import static io.archipelago.http.testkit.Http.md5;
import static io.archipelago.http.testkit.Http.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Static and dynamic large objects, with their segments in a container on another backend (the
 * archive policy) than their manifests.
 */
class SwiftLargeObjectTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  /** Segments a..d in "segs" (archive backend): sizes 1000, 2000, 3000, 17. */
  static final List<byte[]> SEGMENTS = new ArrayList<>();

  static byte[] whole;

  @BeforeAll
  static void start() throws IOException {
    tester = gateway.login("test:tester", "testing");
    assertEquals(
        201, tester.call("PUT", "/segs", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    assertEquals(201, tester.call("PUT", "/lo").statusCode());
    Random random = new Random(5);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    int[] sizes = {1000, 2000, 3000, 17};
    for (int i = 0; i < sizes.length; i++) {
      byte[] seg = new byte[sizes[i]];
      random.nextBytes(seg);
      SEGMENTS.add(seg);
      all.write(seg);
      assertEquals(
          201, tester.bytes("PUT", "/segs/part/" + (char) ('a' + i), Map.of(), seg).statusCode());
    }
    whole = all.toByteArray();
  }

  static String manifest(int... indexes) {
    ArrayNode list = JSON.createArrayNode();
    for (int i : indexes) {
      list.addObject()
          .put("path", "/segs/part/" + (char) ('a' + i))
          .put("etag", md5(SEGMENTS.get(i)))
          .put("size_bytes", SEGMENTS.get(i).length);
    }
    return list.toString();
  }

  static String sloEtag(int... indexes) {
    StringBuilder sb = new StringBuilder();
    for (int i : indexes) {
      sb.append(md5(SEGMENTS.get(i)));
    }
    return md5(sb.toString());
  }

  static byte[] concat(int... indexes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i : indexes) {
      out.write(SEGMENTS.get(i));
    }
    return out.toByteArray();
  }

  @Test
  void sloPutGetHeadAndListing() throws Exception {
    HttpResponse<String> put =
        tester.call(
            "PUT",
            "/lo/slo?multipart-manifest=put",
            Map.of("Content-Type", "application/x-big", "X-Object-Meta-Kind", "slo"),
            manifest(0, 1, 2, 3));
    assertEquals(201, put.statusCode(), put.body());
    String etag = "\"" + sloEtag(0, 1, 2, 3) + "\"";
    assertEquals(etag, put.headers().firstValue("Etag").orElseThrow());

    HttpResponse<byte[]> get = tester.bytes("GET", "/lo/slo", Map.of(), null);
    assertEquals(200, get.statusCode());
    assertArrayEquals(whole, get.body());
    assertEquals(etag, get.headers().firstValue("Etag").orElseThrow());
    assertEquals(
        String.valueOf(whole.length), get.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("True", get.headers().firstValue("X-Static-Large-Object").orElseThrow());
    assertEquals("application/x-big", get.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("slo", get.headers().firstValue("X-Object-Meta-Kind").orElseThrow());
    assertTrue(
        get.headers().firstValue("X-Object-Sysmeta-Slo-Etag").isEmpty(), "sysmeta stays inside");

    HttpResponse<String> head = tester.call("HEAD", "/lo/slo");
    assertEquals(200, head.statusCode());
    assertEquals(
        String.valueOf(whole.length), head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(etag, head.headers().firstValue("Etag").orElseThrow());

    // the listing shows the total size; the container counts the manifest's bytes
    JsonNode rows = JSON.readTree(tester.call("GET", "/lo?format=json&prefix=slo").body());
    assertEquals(1, rows.size());
    assertEquals(whole.length, rows.get(0).get("bytes").asLong());
    assertEquals("application/x-big", rows.get(0).get("content_type").asText());
    HttpResponse<String> manifestGet = tester.call("GET", "/lo/slo?multipart-manifest=get");
    assertEquals(200, manifestGet.statusCode());
    assertTrue(
        manifestGet
            .headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .startsWith("application/json"));
    assertEquals(
        md5(utf8(manifestGet.body())), manifestGet.headers().firstValue("Etag").orElseThrow());
    assertEquals(rows.get(0).get("hash").asText(), md5(utf8(manifestGet.body())));
    JsonNode stored = JSON.readTree(manifestGet.body());
    assertEquals("/segs/part/a", stored.get(0).get("name").asText());
    assertEquals(1000, stored.get(0).get("bytes").asInt());
    assertEquals(md5(SEGMENTS.get(0)), stored.get(0).get("hash").asText());
    assertTrue(stored.get(0).has("content_type"));
    assertTrue(stored.get(0).has("last_modified"));
    assertEquals(
        manifestGet.headers().firstValue("Etag").orElseThrow(),
        head.headers().firstValue("X-Manifest-Etag").orElseThrow());
    HttpResponse<String> lo = tester.call("HEAD", "/lo");
    long bytesUsed =
        Long.parseLong(lo.headers().firstValue("X-Container-Bytes-Used").orElseThrow());
    assertTrue(
        bytesUsed < whole.length,
        "the container counts the manifest, not the segments: " + bytesUsed);

    JsonNode raw =
        JSON.readTree(tester.call("GET", "/lo/slo?multipart-manifest=get&format=raw").body());
    assertEquals(JSON.readTree(manifest(0, 1, 2, 3)), raw);
  }

  @Test
  void sloRangesWithinAndAcrossSegments() throws Exception {
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/ranged?multipart-manifest=put", Map.of(), manifest(0, 1, 2, 3))
            .statusCode());
    for (long[] r : new long[][] {{0, 9}, {995, 1004}, {500, 5500}, {2999, 3000}, {5990, 6016}}) {
      HttpResponse<byte[]> get =
          tester.bytes("GET", "/lo/ranged", Map.of("Range", "bytes=" + r[0] + "-" + r[1]), null);
      assertEquals(206, get.statusCode());
      assertArrayEquals(
          java.util.Arrays.copyOfRange(whole, (int) r[0], (int) r[1] + 1),
          get.body(),
          r[0] + "-" + r[1]);
      assertEquals(
          "bytes " + r[0] + "-" + r[1] + "/" + whole.length,
          get.headers().firstValue("Content-Range").orElseThrow());
    }
    HttpResponse<byte[]> suffix =
        tester.bytes("GET", "/lo/ranged", Map.of("Range", "bytes=-20"), null);
    assertArrayEquals(
        java.util.Arrays.copyOfRange(whole, whole.length - 20, whole.length), suffix.body());
    HttpResponse<byte[]> multi =
        tester.bytes("GET", "/lo/ranged", Map.of("Range", "bytes=0-1,2999-3000"), null);
    assertEquals(206, multi.statusCode());
    String body = new String(multi.body(), StandardCharsets.ISO_8859_1);
    assertTrue(body.contains("Content-Range: bytes 2999-3000/" + whole.length), body);
    assertEquals(
        416, tester.call("GET", "/lo/ranged", Map.of("Range", "bytes=7000-"), null).statusCode());
    // conditional requests compare the SLO's etag
    assertEquals(
        304,
        tester
            .call("GET", "/lo/ranged", Map.of("If-None-Match", sloEtag(0, 1, 2, 3)), null)
            .statusCode());
    assertEquals(
        412, tester.call("GET", "/lo/ranged", Map.of("If-Match", "\"nope\""), null).statusCode());
  }

  @Test
  void sloManifestValidationAnswersSwiftsErrors() {
    ArrayNode bad = JSON.createArrayNode();
    bad.addObject()
        .put("path", "/segs/part/a")
        .put("etag", "0123456789abcdef0123456789abcdef")
        .put("size_bytes", 1000);
    bad.addObject()
        .put("path", "/segs/part/b")
        .put("etag", md5(SEGMENTS.get(1)))
        .put("size_bytes", 7);
    bad.addObject().put("path", "/segs/part/missing").put("size_bytes", 7);
    HttpResponse<String> r =
        tester.call("PUT", "/lo/bad?multipart-manifest=put", Map.of(), bad.toString());
    assertEquals(400, r.statusCode());
    assertEquals(
        "Errors:\n/segs/part/a, Etag Mismatch\n/segs/part/b, Size Mismatch\n/segs/part/missing, 404 Not Found\n",
        r.body());
    assertEquals(404, tester.call("HEAD", "/lo/bad").statusCode());

    HttpResponse<String> json =
        tester.call(
            "PUT",
            "/lo/bad?multipart-manifest=put",
            Map.of("Accept", "application/json"),
            bad.toString());
    assertEquals(400, json.statusCode());
    assertTrue(
        json.body().contains("\"Errors\":[[\"/segs/part/a\",\"Etag Mismatch\"]"), json.body());

    HttpResponse<String> notJson =
        tester.call("PUT", "/lo/bad?multipart-manifest=put", Map.of(), "{nope");
    assertEquals(400, notJson.statusCode());
    assertEquals("Manifest must be valid JSON.\n", notJson.body());
    assertEquals(
        "Manifest must be a list.\n",
        tester.call("PUT", "/lo/bad?multipart-manifest=put", Map.of(), "{}").body());
    HttpResponse<String> shape =
        tester.call(
            "PUT",
            "/lo/bad?multipart-manifest=put",
            Map.of(),
            "[{\"path\": \"nocontainer\"}, {\"path\": \"/segs/x\", \"extra\": 1}, {\"size_bytes\": 1}, "
                + "{\"path\": \"/segs/part/a\", \"range\": \"5-1\"}, {\"path\": \"/segs/part/a\", \"size_bytes\": 0}, "
                + "{\"path\": \"/lo/bad\"}]");
    assertEquals(400, shape.statusCode());
    assertEquals(
        "Index 0: path does not refer to an object. Path must be of the form /container/object.\n"
            + "Index 1: extraneous keys \"extra\"\n"
            + "Index 2: expected keys to include one of 'data' or 'path'\n"
            + "Index 3: invalid range\n"
            + "Index 4: too small; each segment must be at least 1 byte.\n"
            + "Index 5: manifest must not include itself as a segment\n",
        shape.body());
    // the client's Etag must be the SLO's
    assertEquals(
        422,
        tester
            .call(
                "PUT",
                "/lo/bad?multipart-manifest=put",
                Map.of("Etag", "0123456789abcdef0123456789abcdef"),
                manifest(0, 1))
            .statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/lo/good?multipart-manifest=put",
                Map.of("Etag", sloEtag(0, 1)),
                manifest(0, 1))
            .statusCode());
    // X-Static-Large-Object is reserved
    assertEquals(
        400,
        tester.call("PUT", "/lo/fake", Map.of("X-Static-Large-Object", "True"), "[]").statusCode());
    assertEquals(
        400,
        tester
            .call("POST", "/lo/good", Map.of("X-Static-Large-Object", "False"), null)
            .statusCode());
  }

  @Test
  void sloSegmentRangesDataSegmentsAndNesting() throws Exception {
    ArrayNode ranged = JSON.createArrayNode();
    ranged.addObject().put("path", "/segs/part/a").put("range", "10-19");
    ranged.addObject().put("data", Base64.getEncoder().encodeToString(utf8("inline!")));
    ranged.addObject().put("path", "/segs/part/c").put("range", "-5");
    HttpResponse<String> put =
        tester.call("PUT", "/lo/pieces?multipart-manifest=put", Map.of(), ranged.toString());
    assertEquals(201, put.statusCode(), put.body());
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(SEGMENTS.get(0), 10, 10);
    expected.write(utf8("inline!"));
    expected.write(SEGMENTS.get(2), 2995, 5);
    assertArrayEquals(
        expected.toByteArray(), tester.bytes("GET", "/lo/pieces", Map.of(), null).body());
    String etag =
        md5(
            md5(SEGMENTS.get(0))
                + ":10-19;"
                + md5("inline!")
                + md5(SEGMENTS.get(2))
                + ":2995-2999;");
    assertEquals("\"" + etag + "\"", put.headers().firstValue("Etag").orElseThrow());

    // an SLO of SLOs: its segment is the inner SLO with the inner SLO's etag and total size
    assertEquals(
        201,
        tester
            .call("PUT", "/segs/inner?multipart-manifest=put", Map.of(), manifest(1, 2))
            .statusCode());
    ArrayNode outer = JSON.createArrayNode();
    outer.addObject().put("path", "/segs/part/a").put("etag", md5(SEGMENTS.get(0)));
    outer.addObject().put("path", "/segs/inner").put("etag", sloEtag(1, 2)).put("size_bytes", 5000);
    outer.addObject().put("path", "/segs/part/d");
    HttpResponse<String> nested =
        tester.call("PUT", "/lo/nested?multipart-manifest=put", Map.of(), outer.toString());
    assertEquals(201, nested.statusCode(), nested.body());
    assertArrayEquals(whole, tester.bytes("GET", "/lo/nested", Map.of(), null).body());
    assertEquals(
        String.valueOf(whole.length),
        tester.call("HEAD", "/lo/nested").headers().firstValue("Content-Length").orElseThrow());
    HttpResponse<byte[]> across =
        tester.bytes("GET", "/lo/nested", Map.of("Range", "bytes=990-3010"), null);
    assertArrayEquals(java.util.Arrays.copyOfRange(whole, 990, 3011), across.body());
    JsonNode stored = JSON.readTree(tester.call("GET", "/lo/nested?multipart-manifest=get").body());
    assertTrue(stored.get(1).get("sub_slo").asBoolean());
  }

  @Test
  void sloWithAChangedSegmentIs409() throws Exception {
    assertEquals(201, tester.call("PUT", "/segs/volatile", Map.of(), "original").statusCode());
    ArrayNode m = JSON.createArrayNode();
    m.addObject().put("path", "/segs/volatile");
    m.addObject().put("path", "/segs/part/a");
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/volatile?multipart-manifest=put", Map.of(), m.toString())
            .statusCode());
    assertEquals(201, tester.call("PUT", "/segs/volatile", Map.of(), "replaced").statusCode());
    assertEquals(409, tester.call("GET", "/lo/volatile").statusCode());
    assertEquals(204, tester.call("DELETE", "/segs/volatile").statusCode());
    assertEquals(409, tester.call("GET", "/lo/volatile").statusCode());
  }

  @Test
  void sloMultipartManifestDeleteRemovesSegmentsAndManifest() throws Exception {
    assertEquals(
        201,
        tester.call("PUT", "/doomed", Map.of("X-Storage-Policy", "archive"), null).statusCode());
    for (String s : List.of("1", "2", "3")) {
      assertEquals(201, tester.call("PUT", "/doomed/s" + s, Map.of(), "segment " + s).statusCode());
    }
    ArrayNode m = JSON.createArrayNode();
    m.addObject().put("path", "/doomed/s1");
    m.addObject().put("path", "/doomed/s2");
    assertEquals(
        201,
        tester
            .call("PUT", "/doomed/inner?multipart-manifest=put", Map.of(), m.toString())
            .statusCode());
    ArrayNode outer = JSON.createArrayNode();
    outer.addObject().put("path", "/doomed/inner");
    outer.addObject().put("path", "/doomed/s3");
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/doomed?multipart-manifest=put", Map.of(), outer.toString())
            .statusCode());

    HttpResponse<String> r = tester.call("DELETE", "/lo/doomed?multipart-manifest=delete");
    assertEquals(200, r.statusCode());
    assertEquals(
        "Number Deleted: 5\nNumber Not Found: 0\nResponse Body: \nResponse Status: 200 OK\nErrors:\n",
        r.body());
    assertEquals(204, tester.call("GET", "/doomed").statusCode());
    assertEquals(404, tester.call("HEAD", "/lo/doomed").statusCode());
    assertEquals(
        "0",
        tester
            .call("HEAD", "/doomed")
            .headers()
            .firstValue("X-Container-Object-Count")
            .orElseThrow());

    HttpResponse<String> json =
        tester.call(
            "DELETE",
            "/lo/doomed?multipart-manifest=delete",
            Map.of("Accept", "application/json"),
            null);
    JsonNode report = JSON.readTree(json.body());
    assertEquals(1, report.get("Number Not Found").asInt());
    assertEquals("200 OK", report.get("Response Status").asText());

    assertEquals(201, tester.call("PUT", "/lo/plain", Map.of(), "plain").statusCode());
    HttpResponse<String> notSlo = tester.call("DELETE", "/lo/plain?multipart-manifest=delete");
    assertEquals(200, notSlo.statusCode());
    assertTrue(notSlo.body().contains("Response Status: 400 Bad Request"), notSlo.body());
    assertTrue(notSlo.body().contains("/lo/plain, Not an SLO manifest"), notSlo.body());
    assertEquals(200, tester.call("HEAD", "/lo/plain").statusCode());
  }

  @Test
  void sloSurvivesPostAndCopies() throws Exception {
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/kept?multipart-manifest=put", Map.of(), manifest(0, 3))
            .statusCode());
    assertEquals(
        202,
        tester
            .call(
                "POST",
                "/lo/kept",
                Map.of("X-Object-Meta-Later", "yes", "Content-Type", "text/x-later"),
                null)
            .statusCode());
    HttpResponse<byte[]> get = tester.bytes("GET", "/lo/kept", Map.of(), null);
    assertArrayEquals(concat(0, 3), get.body());
    assertEquals("yes", get.headers().firstValue("X-Object-Meta-Later").orElseThrow());
    assertEquals("text/x-later", get.headers().firstValue("Content-Type").orElseThrow());
    JsonNode rows = JSON.readTree(tester.call("GET", "/lo?format=json&prefix=kept").body());
    assertEquals(1017, rows.get(0).get("bytes").asInt());

    // copying an SLO copies its contents into a plain object
    assertEquals(
        201, tester.call("COPY", "/lo/kept", Map.of("Destination", "/lo/flat"), null).statusCode());
    HttpResponse<byte[]> flat = tester.bytes("GET", "/lo/flat", Map.of(), null);
    assertArrayEquals(concat(0, 3), flat.body());
    assertTrue(flat.headers().firstValue("X-Static-Large-Object").isEmpty());
    assertEquals(md5(concat(0, 3)), flat.headers().firstValue("Etag").orElseThrow());
    // ... and with ?multipart-manifest=get, the manifest into a new SLO
    assertEquals(
        201,
        tester
            .call(
                "COPY",
                "/lo/kept?multipart-manifest=get",
                Map.of("Destination", "/segs/manifest-copy"),
                null)
            .statusCode());
    HttpResponse<byte[]> copied = tester.bytes("GET", "/segs/manifest-copy", Map.of(), null);
    assertEquals("True", copied.headers().firstValue("X-Static-Large-Object").orElseThrow());
    assertArrayEquals(concat(0, 3), copied.body());
  }

  @Test
  void dloConcatenatesItsSegmentsByPrefix() throws Exception {
    HttpResponse<String> put =
        tester.call(
            "PUT",
            "/lo/dlo",
            Map.of("X-Object-Manifest", "segs/part/", "Content-Type", "application/x-dlo"),
            "");
    assertEquals(201, put.statusCode());
    StringBuilder etags = new StringBuilder();
    SEGMENTS.forEach(s -> etags.append(md5(s)));
    String etag = "\"" + md5(etags.toString()) + "\"";

    HttpResponse<byte[]> get = tester.bytes("GET", "/lo/dlo", Map.of(), null);
    assertEquals(200, get.statusCode());
    assertArrayEquals(whole, get.body());
    assertEquals(etag, get.headers().firstValue("Etag").orElseThrow());
    assertEquals("segs/part/", get.headers().firstValue("X-Object-Manifest").orElseThrow());
    assertEquals("application/x-dlo", get.headers().firstValue("Content-Type").orElseThrow());
    HttpResponse<String> head = tester.call("HEAD", "/lo/dlo");
    assertEquals(
        String.valueOf(whole.length), head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(etag, head.headers().firstValue("Etag").orElseThrow());

    HttpResponse<byte[]> ranged =
        tester.bytes("GET", "/lo/dlo", Map.of("Range", "bytes=999-3001"), null);
    assertEquals(206, ranged.statusCode());
    assertArrayEquals(java.util.Arrays.copyOfRange(whole, 999, 3002), ranged.body());
    // Swift's DLO answers several ranges with the whole object
    assertEquals(
        200, tester.bytes("GET", "/lo/dlo", Map.of("Range", "bytes=0-1,5-6"), null).statusCode());
    assertEquals(
        304, tester.call("GET", "/lo/dlo", Map.of("If-None-Match", etag), null).statusCode());

    // the manifest itself: ?multipart-manifest=get, and the listing shows its own size (0)
    HttpResponse<String> manifest = tester.call("GET", "/lo/dlo?multipart-manifest=get");
    assertEquals("", manifest.body());
    assertEquals(md5(new byte[0]), manifest.headers().firstValue("Etag").orElseThrow());
    JsonNode rows = JSON.readTree(tester.call("GET", "/lo?format=json&prefix=dlo").body());
    assertEquals(0, rows.get(0).get("bytes").asInt());

    // a new segment is part of it at once
    assertEquals(201, tester.call("PUT", "/segs/part/e", Map.of(), "tail").statusCode());
    HttpResponse<byte[]> grown = tester.bytes("GET", "/lo/dlo", Map.of(), null);
    assertEquals(whole.length + 4, grown.body().length);
    assertEquals(204, tester.call("DELETE", "/segs/part/e").statusCode());

    // copying a DLO concatenates; with ?multipart-manifest=get it copies the manifest
    assertEquals(
        201,
        tester.call("COPY", "/lo/dlo", Map.of("Destination", "/lo/dlo-flat"), null).statusCode());
    HttpResponse<byte[]> flat = tester.bytes("GET", "/lo/dlo-flat", Map.of(), null);
    assertArrayEquals(whole, flat.body());
    assertTrue(flat.headers().firstValue("X-Object-Manifest").isEmpty());
    assertEquals(
        201,
        tester
            .call(
                "COPY",
                "/lo/dlo?multipart-manifest=get",
                Map.of("Destination", "/lo/dlo-manifest"),
                null)
            .statusCode());
    HttpResponse<byte[]> copy = tester.bytes("GET", "/lo/dlo-manifest", Map.of(), null);
    assertEquals("segs/part/", copy.headers().firstValue("X-Object-Manifest").orElseThrow());
    assertArrayEquals(whole, copy.body());
  }

  @Test
  void dloEdgeCases() {
    HttpResponse<String> bad =
        tester.call("PUT", "/lo/baddlo", Map.of("X-Object-Manifest", "nocontainer"), "");
    assertEquals(400, bad.statusCode());
    assertEquals("X-Object-Manifest must be in the format container/prefix", bad.body());
    assertEquals(
        400,
        tester.call("PUT", "/lo/baddlo", Map.of("X-Object-Manifest", "segs//x"), "").statusCode());
    // no segment yet: an empty object with the etag of nothing
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/emptydlo", Map.of("X-Object-Manifest", "segs/nothing-here"), "")
            .statusCode());
    HttpResponse<String> empty = tester.call("GET", "/lo/emptydlo");
    assertEquals(200, empty.statusCode());
    assertEquals("", empty.body());
    assertEquals("\"" + md5(new byte[0]) + "\"", empty.headers().firstValue("Etag").orElseThrow());
    // a segment container that does not exist
    assertEquals(
        201,
        tester
            .call("PUT", "/lo/orphan", Map.of("X-Object-Manifest", "nosuch/prefix"), "")
            .statusCode());
    assertEquals(404, tester.call("GET", "/lo/orphan").statusCode());
    // POST may turn a DLO back into a plain object (X-Object-Manifest is replaced like metadata)
    assertEquals(
        202,
        tester.call("POST", "/lo/emptydlo", Map.of("X-Object-Meta-A", "b"), null).statusCode());
    assertFalse(
        tester.call("HEAD", "/lo/emptydlo").headers().firstValue("X-Object-Manifest").isPresent());
  }
}
