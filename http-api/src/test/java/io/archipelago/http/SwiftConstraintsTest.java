package io.archipelago.http;

import static io.archipelago.http.testkit.Http.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Swift's constraints over HTTP: what /info publishes is what the gateway enforces, with Swift's
 * status codes and messages. The gateway runs with a 1 MiB max_file_size so that the size limit can
 * be tested, streaming included.
 */
class SwiftConstraintsTest {

  static final long MAX_FILE_SIZE = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.http.max-object-size", MAX_FILE_SIZE));

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/limits").statusCode());
  }

  @Test
  void infoPublishesTheConstraintsAndTheFeatures() throws Exception {
    HttpResponse<String> r =
        new SwiftClient(gateway.baseUrl())
            .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/info")).build());
    JsonNode info = JSON.readTree(r.body());
    JsonNode swift = info.get("swift");
    assertEquals(MAX_FILE_SIZE, swift.get("max_file_size").asLong());
    assertEquals(1024, swift.get("max_object_name_length").asInt());
    assertEquals(256, swift.get("max_container_name_length").asInt());
    assertEquals(128, swift.get("max_meta_name_length").asInt());
    assertEquals(256, swift.get("max_meta_value_length").asInt());
    assertEquals(90, swift.get("max_meta_count").asInt());
    assertEquals(4096, swift.get("max_meta_overall_size").asInt());
    assertEquals(8192, swift.get("max_header_size").asInt());
    assertEquals(10000, swift.get("container_listing_limit").asInt());
    assertEquals(10000, swift.get("account_listing_limit").asInt());
    assertEquals(1000, info.at("/slo/max_manifest_segments").asInt());
    assertEquals(8 * 1024 * 1024, info.at("/slo/max_manifest_size").asInt());
    assertEquals(1, info.at("/slo/min_segment_size").asInt());
    List<String> flags = new ArrayList<>();
    info.at("/versioned_writes/allowed_flags").forEach(f -> flags.add(f.asText()));
    assertEquals(List.of("x-versions-location", "x-history-location"), flags);
    assertEquals(2, info.at("/symlink/symloop_max").asInt());
    assertTrue(info.at("/symlink/static_links").asBoolean());
    assertTrue(info.has("staticweb"));
    assertTrue(info.has("object_versioning"));
  }

  @Test
  void objectNamesUpTo1024Bytes() {
    StringBuilder name = new StringBuilder();
    while (name.length() < 1024) {
      name.append(name.length() % 100 == 99 ? '/' : 'n');
    }
    assertEquals(
        201, tester.call("PUT", "/limits/" + enc(name.toString()), Map.of(), "x").statusCode());
    HttpResponse<String> tooLong = tester.call("PUT", "/limits/" + enc(name + "n"), Map.of(), "x");
    assertEquals(400, tooLong.statusCode());
    assertEquals("Object name length of 1025 longer than 1024", tooLong.body());
    assertTrue(tooLong.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    // bytes count, not characters: 342 three-byte characters are 1026 bytes
    assertEquals(
        400, tester.call("PUT", "/limits/" + enc("日".repeat(342)), Map.of(), "x").statusCode());
  }

  @Test
  void containerNamesUpTo256Bytes() {
    assertEquals(201, tester.call("PUT", "/" + "c".repeat(256)).statusCode());
    HttpResponse<String> tooLong = tester.call("PUT", "/" + "c".repeat(257));
    assertEquals(400, tooLong.statusCode());
    assertEquals("Container name length of 257 longer than 256", tooLong.body());
  }

  @Test
  void namesThatAreNotUtf8OrHoldNulAre412() {
    assertEquals(412, tester.call("PUT", "/bad%FFname").statusCode());
    assertEquals(412, tester.call("PUT", "/limits/x%00y", Map.of(), "x").statusCode());
    assertEquals(412, tester.call("GET", "/limits/%C3%28").statusCode());
    assertEquals("Invalid UTF8 or contains NULL", tester.call("GET", "/nul%00").body());
  }

  @Test
  void metadataNameValueCountAndSizeLimitsPerRequest() {
    assertEquals(
        201,
        tester
            .call("PUT", "/limits/meta", Map.of("X-Object-Meta-" + "n".repeat(128), "v"), "x")
            .statusCode());
    HttpResponse<String> longName =
        tester.call("PUT", "/limits/meta", Map.of("X-Object-Meta-" + "n".repeat(129), "v"), "x");
    assertEquals(400, longName.statusCode());
    assertEquals("Metadata name too long: x-object-meta-" + "n".repeat(129), longName.body());

    assertEquals(
        201,
        tester
            .call("PUT", "/limits/meta", Map.of("X-Object-Meta-V", "v".repeat(256)), "x")
            .statusCode());
    HttpResponse<String> longValue =
        tester.call("PUT", "/limits/meta", Map.of("X-Object-Meta-V", "v".repeat(257)), "x");
    assertEquals(400, longValue.statusCode());
    assertEquals("Metadata value longer than 256: x-object-meta-v", longValue.body());

    Map<String, String> ninety = new HashMap<>();
    for (int i = 0; i < 90; i++) {
      ninety.put("X-Object-Meta-M" + i, "v");
    }
    assertEquals(201, tester.call("PUT", "/limits/meta", ninety, "x").statusCode());
    assertEquals(202, tester.call("POST", "/limits/meta", ninety, null).statusCode());
    Map<String, String> ninetyOne = new HashMap<>(ninety);
    ninetyOne.put("X-Object-Meta-M90", "v");
    HttpResponse<String> tooMany = tester.call("PUT", "/limits/meta", ninetyOne, "x");
    assertEquals(400, tooMany.statusCode());
    assertEquals("Too many metadata items; max 90", tooMany.body());
    assertEquals(400, tester.call("POST", "/limits/meta", ninetyOne, null).statusCode());

    Map<String, String> large = new HashMap<>();
    for (int i = 0; i < 17; i++) {
      large.put("X-Object-Meta-L" + i, "v".repeat(250)); // 17 * (2 or 3 + 250) > 4096
    }
    HttpResponse<String> tooLarge = tester.call("PUT", "/limits/meta", large, "x");
    assertEquals(400, tooLarge.statusCode());
    assertEquals("Total metadata too large; max 4096", tooLarge.body());

    assertEquals(
        400,
        tester
            .call("POST", "/limits", Map.of("X-Container-Meta-" + "n".repeat(129), "v"), null)
            .statusCode());
    assertEquals(
        400,
        tester.call("POST", "", Map.of("X-Account-Meta-V", "v".repeat(257)), null).statusCode());
  }

  @Test
  void metadataLengthsCountUtf8BytesAndValuesRoundTrip() throws Exception {
    String path = tester.accountPath() + "/limits/utf8meta";
    Http.RawResponse ok =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            path,
            Map.of(
                "X-Auth-Token",
                tester.token(),
                "Content-Length",
                "1",
                "X-Object-Meta-Word",
                Http.wire("é".repeat(128))),
            List.of(new byte[] {'x'}),
            false);
    assertEquals(201, ok.status(), ok.text());
    Http.RawResponse head =
        Http.raw(
            gateway.baseUrl(),
            "HEAD",
            path,
            Map.of("X-Auth-Token", tester.token()),
            List.of(),
            false);
    assertEquals(
        "é".repeat(128),
        new String(
            head.header("x-object-meta-word").getBytes(StandardCharsets.ISO_8859_1),
            java.nio.charset.StandardCharsets.UTF_8));
    Http.RawResponse tooLong =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            path,
            Map.of(
                "X-Auth-Token",
                tester.token(),
                "Content-Length",
                "1",
                "X-Object-Meta-Word",
                Http.wire("é".repeat(129))),
            List.of(new byte[] {'x'}),
            false);
    assertEquals(400, tooLong.status(), tooLong.text());
  }

  @Test
  void objectMetadataEndingInACutUtf8SequenceIsStoredAsSwiftStoresIt() throws Exception {
    // 255 ASCII bytes and the lead byte of a two-byte character: 256 bytes, the value limit
    String cut =
        "a".repeat(255) + new String(new byte[] {(byte) 0xc3}, StandardCharsets.ISO_8859_1);
    Http.RawResponse r =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            tester.accountPath() + "/limits/cut-utf8",
            Map.of("X-Auth-Token", tester.token(), "Content-Length", "1", "X-Object-Meta-Cut", cut),
            List.of(new byte[] {'x'}),
            false);
    assertEquals(201, r.status(), r.text());
  }

  @Test
  void containerMetadataMustBeUtf8() throws Exception {
    Http.RawResponse r =
        Http.raw(
            gateway.baseUrl(),
            "POST",
            tester.accountPath() + "/limits",
            Map.of(
                "X-Auth-Token",
                tester.token(),
                "Content-Length",
                "0",
                "X-Container-Meta-Bad",
                new String(new byte[] {'a', (byte) 0xff, 'b'}, StandardCharsets.ISO_8859_1)),
            List.of(),
            false);
    assertEquals(400, r.status(), r.text());
  }

  @Test
  void containerMetadataIsLimitedForTheResultingSet() {
    assertEquals(201, tester.call("PUT", "/metaset").statusCode());
    Map<String, String> first = new HashMap<>();
    Map<String, String> second = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      first.put("X-Container-Meta-A" + i, "v");
      second.put("X-Container-Meta-B" + i, "v");
    }
    assertEquals(204, tester.call("POST", "/metaset", first, null).statusCode());
    HttpResponse<String> tooMany = tester.call("POST", "/metaset", second, null);
    assertEquals(400, tooMany.statusCode());
    assertEquals("Too many metadata items; max 90", tooMany.body());
    assertEquals(400, tester.call("PUT", "/metaset", second, null).statusCode());
    // removing makes room
    Map<String, String> swap = new HashMap<>(second);
    first
        .keySet()
        .forEach(k -> swap.put(k.replace("X-Container-Meta-", "X-Remove-Container-Meta-"), "x"));
    assertEquals(204, tester.call("POST", "/metaset", swap, null).statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/metaset");
    assertTrue(head.headers().firstValue("X-Container-Meta-B49").isPresent());
    assertTrue(head.headers().firstValue("X-Container-Meta-A0").isEmpty());
  }

  @Test
  void headerValuesLongerThanMaxHeaderSizeAre400() {
    HttpResponse<String> r =
        tester.call("PUT", "/limits/hdr", Map.of("X-Some-Header", "h".repeat(8193)), "x");
    assertEquals(400, r.statusCode());
    assertEquals("Header value too long: X-Some-Header", r.body());
    assertEquals(
        201,
        tester
            .call("PUT", "/limits/hdr", Map.of("X-Some-Header", "h".repeat(8192)), "x")
            .statusCode());
  }

  @Test
  void objectsLargerThanMaxFileSizeAre413() throws Exception {
    byte[] max = new byte[(int) MAX_FILE_SIZE];
    assertEquals(201, tester.bytes("PUT", "/limits/max", Map.of(), max).statusCode());
    HttpResponse<byte[]> tooLarge =
        tester.bytes("PUT", "/limits/toolarge", Map.of(), new byte[(int) MAX_FILE_SIZE + 1]);
    assertEquals(413, tooLarge.statusCode());
    assertEquals(404, tester.call("HEAD", "/limits/toolarge").statusCode());
  }

  @Test
  void chunkedUploadsPastMaxFileSizeAre413AndLeaveNothing() throws Exception {
    assertEquals(201, tester.call("PUT", "/chunky").statusCode());
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      chunks.add(new byte[64 * 1024]); // 2.5 MiB in all
    }
    Http.RawResponse r =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            tester.accountPath() + "/chunky/big",
            Map.of("X-Auth-Token", tester.token()),
            chunks,
            true);
    assertEquals(413, r.status(), r.text());
    assertEquals("Your request is too large.", r.text());
    assertEquals(404, tester.call("HEAD", "/chunky/big").statusCode());
    assertEquals(
        "0",
        tester
            .call("HEAD", "/chunky")
            .headers()
            .firstValue("X-Container-Object-Count")
            .orElseThrow());
    try (Stream<Path> files = Files.walk(gateway.dataDir().resolve("backends"))) {
      assertTrue(
          files.filter(Files::isRegularFile).noneMatch(p -> p.toString().contains("/.tmp/")),
          "the spooled part was removed");
    }
    // a chunked upload within the limit is fine
    Http.RawResponse ok =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            tester.accountPath() + "/chunky/small",
            Map.of("X-Auth-Token", tester.token()),
            chunks.subList(0, 4),
            true);
    assertEquals(201, ok.status(), ok.text());
  }

  @Test
  void listingLimitsAre412Beyond10000() {
    assertEquals(412, tester.call("GET", "/limits?limit=10001").statusCode());
    assertEquals(412, tester.call("GET", "?limit=10001").statusCode());
    assertEquals(200, tester.call("GET", "/limits?limit=10000").statusCode());
  }

  @Test
  void manyMetadataHeadersPassTheServer() {
    Map<String, String> headers = new HashMap<>();
    for (int i = 0; i < 90; i++) {
      headers.put("X-Container-Meta-K" + i, "v");
    }
    assertEquals(201, tester.call("PUT", "/manyheaders", headers, null).statusCode());
    assertEquals(
        "v",
        tester
            .call("HEAD", "/manyheaders")
            .headers()
            .firstValue("X-Container-Meta-K89")
            .orElseThrow());
  }
}
