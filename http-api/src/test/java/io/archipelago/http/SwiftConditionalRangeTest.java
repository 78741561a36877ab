package io.archipelago.http;

import static io.archipelago.http.testkit.Http.md5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Conditional requests and byte ranges as Swift (swob) answers them. */
class SwiftConditionalRangeTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static String etag;
  static String lastModified;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/cond").statusCode());
    HttpResponse<String> put =
        tester.call("PUT", "/cond/digits", Map.of("Content-Type", "text/plain"), "0123456789");
    assertEquals(201, put.statusCode());
    etag = put.headers().firstValue("Etag").orElseThrow();
    lastModified = put.headers().firstValue("Last-Modified").orElseThrow();
  }

  private static HttpResponse<String> get(String method, String path, String header, String value) {
    return tester.call(method, path, Map.of(header, value), null);
  }

  private static String httpDate(ZonedDateTime t) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(t.withZoneSameInstant(ZoneOffset.UTC));
  }

  @Test
  void ifNoneMatchAnswers304WhenATagMatches() {
    for (String method : List.of("GET", "HEAD")) {
      HttpResponse<String> quoted =
          get(method, "/cond/digits", "If-None-Match", "\"" + etag + "\"");
      assertEquals(304, quoted.statusCode(), method);
      assertEquals(etag, quoted.headers().firstValue("Etag").orElseThrow());
      assertEquals("", quoted.body());
      assertEquals(
          304, get(method, "/cond/digits", "If-None-Match", "\"other\", " + etag).statusCode());
      assertEquals(304, get(method, "/cond/digits", "If-None-Match", "*").statusCode());
      assertEquals(200, get(method, "/cond/digits", "If-None-Match", "\"other\"").statusCode());
    }
    assertEquals("0123456789", get("GET", "/cond/digits", "If-None-Match", "\"other\"").body());
  }

  @Test
  void ifMatchAnswers412WhenNoTagMatches() {
    for (String method : List.of("GET", "HEAD")) {
      assertEquals(200, get(method, "/cond/digits", "If-Match", etag).statusCode());
      assertEquals(200, get(method, "/cond/digits", "If-Match", "*").statusCode());
      HttpResponse<String> failed = get(method, "/cond/digits", "If-Match", "\"other\"");
      assertEquals(412, failed.statusCode());
      assertEquals(etag, failed.headers().firstValue("Etag").orElseThrow());
      // a missing object: If-Match * is 412, a tag is 404
      assertEquals(412, get(method, "/cond/missing", "If-Match", "*").statusCode());
      assertEquals(404, get(method, "/cond/missing", "If-Match", "\"x\"").statusCode());
    }
  }

  @Test
  void ifModifiedSinceAndIfUnmodifiedSince() {
    ZonedDateTime modified =
        ZonedDateTime.parse(lastModified, DateTimeFormatter.RFC_1123_DATE_TIME);
    for (String method : List.of("GET", "HEAD")) {
      assertEquals(
          304, get(method, "/cond/digits", "If-Modified-Since", lastModified).statusCode());
      assertEquals(
          304,
          get(method, "/cond/digits", "If-Modified-Since", httpDate(modified.plusHours(1)))
              .statusCode());
      assertEquals(
          200,
          get(method, "/cond/digits", "If-Modified-Since", httpDate(modified.minusSeconds(1)))
              .statusCode());
      assertEquals(
          200, get(method, "/cond/digits", "If-Modified-Since", "not a date").statusCode());
      assertEquals(
          200, get(method, "/cond/digits", "If-Unmodified-Since", lastModified).statusCode());
      assertEquals(
          412,
          get(method, "/cond/digits", "If-Unmodified-Since", httpDate(modified.minusSeconds(1)))
              .statusCode());
    }
    // If-None-Match is evaluated before If-Modified-Since
    assertEquals(
        200,
        tester
            .call(
                "GET",
                "/cond/digits",
                Map.of(
                    "If-None-Match",
                    "\"other\"",
                    "If-Modified-Since",
                    httpDate(modified.minusDays(1))),
                null)
            .statusCode());
  }

  @Test
  void putIfNoneMatchStarOnlyCreates() {
    assertEquals(
        201, tester.call("PUT", "/cond/once", Map.of("If-None-Match", "*"), "first").statusCode());
    assertEquals(
        412, tester.call("PUT", "/cond/once", Map.of("If-None-Match", "*"), "second").statusCode());
    assertEquals("first", tester.call("GET", "/cond/once").body());
    HttpResponse<String> tag =
        tester.call("PUT", "/cond/once", Map.of("If-None-Match", "\"abc\""), "third");
    assertEquals(400, tag.statusCode());
    assertEquals("If-None-Match only supports *", tag.body());
  }

  @Test
  void singleRanges() {
    HttpResponse<String> r = get("GET", "/cond/digits", "Range", "bytes=2-4");
    assertEquals(206, r.statusCode());
    assertEquals("234", r.body());
    assertEquals("bytes 2-4/10", r.headers().firstValue("Content-Range").orElseThrow());
    assertEquals("3", r.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(etag, r.headers().firstValue("Etag").orElseThrow());
    assertEquals("789", get("GET", "/cond/digits", "Range", "bytes=-3").body());
    assertEquals("89", get("GET", "/cond/digits", "Range", "bytes=8-").body());
    assertEquals("89", get("GET", "/cond/digits", "Range", "bytes=8-100").body());
    HttpResponse<String> longSuffix = get("GET", "/cond/digits", "Range", "bytes=-20");
    assertEquals(206, longSuffix.statusCode());
    assertEquals("bytes 0-9/10", longSuffix.headers().firstValue("Content-Range").orElseThrow());
    assertEquals("0123456789", longSuffix.body());
    // syntactically invalid: the header is ignored
    for (String bad : List.of("bytes=5-3", "bytes=-", "bytes=x-1", "items=0-1", "bytes=1")) {
      HttpResponse<String> whole = get("GET", "/cond/digits", "Range", bad);
      assertEquals(200, whole.statusCode(), bad);
      assertEquals("0123456789", whole.body());
    }
    // HEAD ignores Range
    assertEquals(200, get("HEAD", "/cond/digits", "Range", "bytes=2-4").statusCode());
  }

  @Test
  void unsatisfiableRangesAre416WithContentRange() {
    for (String range : List.of("bytes=10-", "bytes=20-30", "bytes=-0", "bytes=10-12,15-")) {
      HttpResponse<String> r = get("GET", "/cond/digits", "Range", range);
      assertEquals(416, r.statusCode(), range);
      assertEquals("bytes */10", r.headers().firstValue("Content-Range").orElseThrow());
    }
    // more than two overlapping ranges is egregious
    assertEquals(416, get("GET", "/cond/digits", "Range", "bytes=0-5,1-6,2-7").statusCode());
    // an empty object serves a suffix range whole
    assertEquals(201, tester.call("PUT", "/cond/empty", Map.of(), "").statusCode());
    assertEquals(200, get("GET", "/cond/empty", "Range", "bytes=-5").statusCode());
    assertEquals(416, get("GET", "/cond/empty", "Range", "bytes=0-").statusCode());
  }

  @Test
  void multipleRangesAreMultipartByteranges() {
    HttpResponse<byte[]> r =
        tester.bytes("GET", "/cond/digits", Map.of("Range", "bytes=0-1,5-6,-2"), null);
    assertEquals(206, r.statusCode());
    String type = r.headers().firstValue("Content-Type").orElseThrow();
    Matcher m = Pattern.compile("multipart/byteranges;\\s*boundary=([0-9a-f]{32})").matcher(type);
    assertTrue(m.matches(), type);
    String boundary = m.group(1);
    String body = new String(r.body(), StandardCharsets.UTF_8);
    String expected =
        "--"
            + boundary
            + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01\r\n"
            + "--"
            + boundary
            + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/10\r\n\r\n56\r\n"
            + "--"
            + boundary
            + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\n89\r\n"
            + "--"
            + boundary
            + "--";
    assertEquals(expected, body);
    assertEquals(
        Integer.toString(r.body().length), r.headers().firstValue("Content-Length").orElseThrow());
    // one satisfiable range among unsatisfiable ones is served as a single range
    HttpResponse<String> one = get("GET", "/cond/digits", "Range", "bytes=3-3,50-60");
    assertEquals(206, one.statusCode());
    assertEquals("3", one.body());
  }

  @Test
  void rangesOfALargerObjectStream() {
    byte[] data = new byte[3 * 1024 * 1024 + 11];
    new java.util.Random(3).nextBytes(data);
    assertEquals(201, tester.bytes("PUT", "/cond/large", Map.of(), data).statusCode());
    HttpResponse<byte[]> r =
        tester.bytes("GET", "/cond/large", Map.of("Range", "bytes=1048570-2097160"), null);
    assertEquals(206, r.statusCode());
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 1048570, 2097161), r.body());
    HttpResponse<byte[]> whole = tester.bytes("GET", "/cond/large", Map.of(), null);
    assertEquals(md5(data), md5(whole.body()));
    List<String> ranges = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ranges.add((i * 600_000) + "-" + (i * 600_000 + 9));
    }
    HttpResponse<byte[]> multi =
        tester.bytes(
            "GET", "/cond/large", Map.of("Range", "bytes=" + String.join(",", ranges)), null);
    assertEquals(206, multi.statusCode());
    assertTrue(
        multi
            .headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .startsWith("multipart/byteranges"));
  }
}
