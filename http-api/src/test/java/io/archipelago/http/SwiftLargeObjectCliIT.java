package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftCli;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Generated;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flows a user runs with the real swift command line against the packaged gateway (its own JVM,
 * 256 MiB heap): a 300 MiB file uploaded in segments as an SLO ({@code --use-slo}) and as a DLO,
 * with the segment container created first on the archive backend while the manifests' container is
 * on the standard one; downloads byte-identical (SHA-256); {@code swift copy}; {@code swift delete
 * --all} taking the segments with the manifests.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwiftLargeObjectCliIT {

  static final long SIZE = 300L * 1024 * 1024;
  static final String SEGMENT_SIZE = Long.toString(64L * 1024 * 1024);

  @TempDir static Path work;
  static GatewayProcess gateway;
  static SwiftCli swift;
  static Path upload;
  static String uploadSha256;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        SwiftCli.available(), "python3-swiftclient is installed by bin/archipelago test");
    gateway = new GatewayProcess(work.resolve("data"), List.of("-Xmx256m")).start();
    swift = new SwiftCli(gateway.authUrl(), "test:tester", "testing");
    upload = work.resolve("upload");
    Files.createDirectories(upload);
    try (InputStream in = new Generated(SIZE, 42);
        OutputStream out = Files.newOutputStream(upload.resolve("big.bin"))) {
      in.transferTo(out);
    }
    Files.writeString(upload.resolve("small.txt"), "a small file\n");
    uploadSha256 = SwiftCliIT.sha256(upload.resolve("big.bin"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  private static String backendOf(String container) throws Exception {
    SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
    return new ObjectMapper()
        .readTree(
            admin
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                gateway.baseUrl() + "/admin/containers/AUTH_test/" + container))
                        .header("X-Auth-Token", admin.token())
                        .build())
                .body())
        .at("/assignment/primary")
        .asText();
  }

  private static Path download(String container, String object) throws Exception {
    Path target = work.resolve("download-" + object);
    swift.run(work, "download", container, object, "-o", target.toString()).assertOk();
    return target;
  }

  @Test
  @Order(1)
  void sloUploadWithSegmentsOnAnotherBackend() throws Exception {
    swift.run(upload, "post", "-H", "X-Storage-Policy: archive", "big_segments").assertOk();
    swift.run(upload, "post", "big").assertOk();
    String out =
        swift
            .run(upload, "upload", "--use-slo", "--segment-size", SEGMENT_SIZE, "big", "big.bin")
            .assertOk()
            .output();
    assertTrue(out.contains("big.bin"), out);
    assertEquals("local-standard", backendOf("big"));
    assertEquals("local-archive", backendOf("big_segments"));
    List<String> segments =
        swift.run(upload, "list", "big_segments").assertOk().output().lines().toList();
    assertEquals(5, segments.size(), segments.toString());
    assertTrue(segments.stream().allMatch(s -> s.startsWith("big.bin/slo/")), segments.toString());

    String stat = swift.run(upload, "stat", "big", "big.bin").assertOk().output();
    assertTrue(stat.contains("Content Length: " + SIZE), stat);
    assertTrue(
        stat.contains("Manifest")
            || stat.contains("Static-Large-Object")
            || stat.contains("Large Object"),
        stat);
    String listing = swift.run(upload, "list", "--long", "big").assertOk().output();
    assertTrue(
        listing.contains(Long.toString(SIZE)),
        "the listing shows the SLO's total size: " + listing);

    assertEquals(uploadSha256, SwiftCliIT.sha256(download("big", "big.bin")));
    // the segments are on the archive backend's disk, the manifest on the standard one
    assertTrue(dataFileBytes("local-archive") >= SIZE);
    assertTrue(dataFileBytes("local-standard") < 1024 * 1024);
  }

  @Test
  @Order(2)
  void dloUploadWithSegmentsOnAnotherBackend() throws Exception {
    swift
        .run(
            upload,
            "upload",
            "--segment-size",
            SEGMENT_SIZE,
            "--object-name",
            "dlo.bin",
            "big",
            "big.bin")
        .assertOk();
    String stat = swift.run(upload, "stat", "big", "dlo.bin").assertOk().output();
    assertTrue(stat.contains("Manifest: big_segments/dlo.bin/"), stat);
    assertTrue(stat.contains("Content Length: " + SIZE), stat);
    assertEquals(10, swift.run(upload, "list", "big_segments").assertOk().output().lines().count());
    assertEquals(uploadSha256, SwiftCliIT.sha256(download("big", "dlo.bin")));
  }

  @Test
  @Order(3)
  void copyAcrossContainersAndBackends() throws Exception {
    swift.run(upload, "upload", "big", "small.txt").assertOk();
    swift.run(upload, "post", "-H", "X-Storage-Policy: archive", "cold").assertOk();
    swift
        .run(upload, "copy", "-d", "/cold/small-copy.txt", "-m", "copied:yes", "big", "small.txt")
        .assertOk();
    String stat = swift.run(upload, "stat", "cold", "small-copy.txt").assertOk().output();
    assertTrue(stat.contains("Meta Copied: yes"), stat);
    assertEquals("a small file\n", Files.readString(download("cold", "small-copy.txt")));
    // a large object copies as its contents
    swift.run(upload, "copy", "-d", "/cold/slo-copy.bin", "big", "big.bin").assertOk();
    String copied = swift.run(upload, "stat", "cold", "slo-copy.bin").assertOk().output();
    assertTrue(copied.contains("Content Length: " + SIZE), copied);
    assertEquals(uploadSha256, SwiftCliIT.sha256(download("cold", "slo-copy.bin")));
  }

  @Test
  @Order(4)
  void deleteAllTakesTheSegmentsWithTheManifests() throws Exception {
    swift.run(upload, "delete", "--all").assertOk();
    assertEquals("", swift.run(upload, "list").assertOk().output().trim());
    assertEquals(0, dataFileBytes("local-standard"));
    assertEquals(0, dataFileBytes("local-archive"));
  }

  /** Bytes of the object data files ({@code <name>%v<token>}) a filesystem backend holds. */
  private static long dataFileBytes(String backend) throws IOException {
    Path root = work.resolve("data/backends/" + backend);
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              p -> p.getFileName().toString().contains("%v") && !p.toString().contains("/.tmp/"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }
}
