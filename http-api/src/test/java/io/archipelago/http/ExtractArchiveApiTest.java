package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bulk upload ({@code PUT ?extract-archive=}) over HTTP: formats, placement of names, errors. */
class ExtractArchiveApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
  }

  /** A tar of the files (name to content), in order; directories are added for the names. */
  private static byte[] tar(Map<String, String> files, String compression) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream out =
        switch (compression) {
          case "gz" -> new GZIPOutputStream(bytes);
          case "bz2" -> new BZip2CompressorOutputStream(bytes);
          default -> bytes;
        };
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry dir = new TarArchiveEntry("./dir/");
      tar.putArchiveEntry(dir);
      tar.closeArchiveEntry();
      for (var f : files.entrySet()) {
        byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static JsonNode extract(String path, byte[] archive, String format) throws Exception {
    HttpResponse<byte[]> r =
        tester.bytes(
            "PUT",
            path + "?extract-archive=" + format,
            Map.of("Accept", "application/json"),
            archive);
    assertEquals(200, r.statusCode());
    return JSON.readTree(new String(r.body(), StandardCharsets.UTF_8).trim());
  }

  @Test
  void extractsAtTheAccountCreatingContainersAndIgnoringBaseLevelFiles() throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("./ea1/a.txt", "one");
    files.put("ea1/deep/b.txt", "two");
    files.put("/ea2/" + "n".repeat(150) + "/c", "three");
    files.put("top-level.txt", "ignored");
    JsonNode report = extract("", tar(files, "gz"), "tar.gz");
    assertEquals("201 Created", report.get("Response Status").asText(), report.toString());
    assertEquals(3, report.get("Number Files Created").asInt());
    assertEquals(0, report.get("Errors").size());
    assertEquals("one", tester.call("GET", "/ea1/a.txt").body());
    assertEquals("two", tester.call("GET", "/ea1/deep/b.txt").body());
    assertEquals("three", tester.call("GET", "/ea2/" + "n".repeat(150) + "/c").body());
    assertEquals(404, tester.call("HEAD", "/top-level.txt").statusCode());
  }

  @Test
  void extractsUnderAContainerAndAPrefixFromPlainAndBzip2Tars() throws Exception {
    assertEquals(201, tester.call("PUT", "/eab").statusCode());
    JsonNode plain = extract("/eab", tar(Map.of("x/1", "plain"), "none"), "tar");
    assertEquals(1, plain.get("Number Files Created").asInt(), plain.toString());
    JsonNode bz2 = extract("/eab/pre", tar(Map.of("y/2", "bzip2"), "bz2"), ".TAR.BZ2.");
    assertEquals(1, bz2.get("Number Files Created").asInt(), bz2.toString());
    assertEquals("plain", tester.call("GET", "/eab/x/1").body());
    assertEquals("bzip2", tester.call("GET", "/eab/pre/y/2").body());
  }

  @Test
  void reportsFailuresAsSwiftDoes() throws Exception {
    HttpResponse<String> unsupported =
        tester.call("PUT", "/eac?extract-archive=zip", Map.of(), "x");
    assertEquals(400, unsupported.statusCode());
    assertEquals("Unsupported archive format", unsupported.body());

    JsonNode empty = extract("/eac", tar(Map.of(), "none"), "tar");
    assertEquals("400 Bad Request", empty.get("Response Status").asText());
    assertEquals("Invalid Tar File: No Valid Files", empty.get("Response Body").asText());

    // the container is missing and cannot be created by a user without rights on it
    SwiftClient reader = gateway.login("test:tester3", "testing3");
    HttpResponse<byte[]> refused =
        reader.bytes(
            "PUT",
            "?extract-archive=tar",
            Map.of("Accept", "application/json"),
            tar(Map.of("ead/f", "x"), "none"));
    JsonNode report = JSON.readTree(new String(refused.body(), StandardCharsets.UTF_8).trim());
    assertEquals("400 Bad Request", report.get("Response Status").asText(), report.toString());
    assertEquals(0, report.get("Number Files Created").asInt());
    assertEquals("ead/f", report.get("Errors").get(1).get(0).asText(), report.toString());
    assertEquals("403 Forbidden", report.get("Errors").get(1).get(1).asText());
  }

  @Test
  void infoAdvertisesBulkUpload() throws Exception {
    JsonNode info =
        JSON.readTree(
            tester
                .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/info")).build())
                .body());
    assertEquals(10_000, info.path("bulk_upload").path("max_containers_per_extraction").asInt());
    assertTrue(info.path("bulk_upload").has("max_failed_extractions"));
  }
}
