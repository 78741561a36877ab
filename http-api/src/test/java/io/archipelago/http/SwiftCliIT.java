package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftCli;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * End to end with the real swift command line against the packaged gateway running as its own JVM
 * with a 256 MiB heap: upload, list, download, metadata, placement, restart, delete.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwiftCliIT {

  @TempDir static Path work;
  static GatewayProcess gateway;
  static SwiftCli swift;
  static Path upload;

  @BeforeAll
  static void start() throws IOException {
    Assumptions.assumeTrue(
        SwiftCli.available(), "python3-swiftclient is installed by bin/archipelago test");
    // Two processors, as on the CI machine: the JDK's common pool would then have one thread.
    gateway =
        new GatewayProcess(work.resolve("data"), List.of("-Xmx256m", "-XX:ActiveProcessorCount=2"))
            .start();
    swift = new SwiftCli(gateway.authUrl(), "test:tester", "testing");
    upload = work.resolve("upload");
    Random random = new Random(42);
    writeRandom(upload.resolve("top.txt"), 10, random);
    writeRandom(upload.resolve("photos/2024/cat.jpg"), 200_000, random);
    writeRandom(upload.resolve("photos/2024/with space.bin"), 1_000, random);
    writeRandom(upload.resolve("docs/ünïcødé/日本.txt"), 5_000, random);
    writeRandom(upload.resolve("docs/empty"), 0, random);
    writeRandom(upload.resolve("big/three-mib.bin"), 3 * 1024 * 1024 + 5, random);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  /**
   * Akka's Java futures run every callback on the common fork-join pool; with one thread in it the
   * JDK starts a new thread per callback instead. The gateway widens the pool at start-up.
   */
  @Test
  @Order(0)
  void futureCallbacksRunOnAPoolNotOnANewThreadEach() throws IOException {
    Matcher logged =
        Pattern.compile("common fork-join pool parallelism (\\d+)")
            .matcher(Files.readString(gateway.log()));
    assertTrue(logged.find(), gateway.logTail());
    assertTrue(Integer.parseInt(logged.group(1)) >= 2, logged.group());
  }

  @Test
  @Order(1)
  void uploadListDownloadCompare() throws Exception {
    swift.run(upload, "upload", "files", ".").assertOk();
    String listing = swift.run(upload, "list", "files").assertOk().output();
    assertEquals(
        List.of(
            "big/three-mib.bin",
            "docs/empty",
            "docs/ünïcødé/日本.txt",
            "photos/2024/cat.jpg",
            "photos/2024/with space.bin",
            "top.txt"),
        listing.lines().toList(),
        gateway.logTail());
    Path download = work.resolve("download1");
    Files.createDirectories(download);
    swift.run(download, "download", "files").assertOk();
    assertEquals(digests(upload), digests(download));
  }

  @Test
  @Order(2)
  void postAndStatMetadata() {
    swift.run(upload, "post", "-m", "team:storage", "files").assertOk();
    swift.run(upload, "post", "-m", "color:blue", "files", "top.txt").assertOk();
    String container = swift.run(upload, "stat", "files").assertOk().output();
    assertTrue(container.contains("Meta Team: storage"), container);
    assertTrue(container.contains("Objects: 6"), container);
    String object = swift.run(upload, "stat", "files", "top.txt").assertOk().output();
    assertTrue(object.contains("Meta Color: blue"), object);
    assertTrue(object.contains("Content Length: 10"), object);
    String account = swift.run(upload, "stat").assertOk().output();
    assertTrue(account.contains("Containers: 1"), account);
  }

  @Test
  @Order(3)
  void archivePolicyLandsOnTheArchiveBackend() throws Exception {
    swift.run(upload, "post", "-H", "X-Storage-Policy: archive", "cold").assertOk();
    swift.run(upload, "upload", "cold", "top.txt").assertOk();
    String stat = swift.run(upload, "stat", "cold").assertOk().output();
    assertTrue(stat.contains("archive"), stat);
    SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
    JsonNode cold =
        new ObjectMapper()
            .readTree(
                admin
                    .send(
                        HttpRequest.newBuilder(
                                URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/cold"))
                            .header("X-Auth-Token", admin.token())
                            .build())
                    .body());
    assertEquals("local-archive", cold.at("/assignment/primary").asText());
    try (Stream<Path> files = Files.walk(work.resolve("data/backends/local-archive"))) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("top.txt")));
    }
  }

  @Test
  @Order(4)
  void everythingIsThereAfterARestart() throws Exception {
    int exit = gateway.stop();
    // A SIGTERM that CoordinatedShutdown handled ends the JVM with 143 (128 + TERM).
    assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + gateway.logTail());
    // Two processors, as on the CI machine: the JDK's common pool would then have one thread.
    gateway =
        new GatewayProcess(work.resolve("data"), List.of("-Xmx256m", "-XX:ActiveProcessorCount=2"))
            .start();
    swift = new SwiftCli(gateway.authUrl(), "test:tester", "testing");
    assertEquals(
        List.of("cold", "files"), swift.run(upload, "list").assertOk().output().lines().toList());
    String container = swift.run(upload, "stat", "files").assertOk().output();
    assertTrue(container.contains("Meta Team: storage"), container);
    String object = swift.run(upload, "stat", "files", "top.txt").assertOk().output();
    assertTrue(object.contains("Meta Color: blue"), object);
    Path download = work.resolve("download2");
    Files.createDirectories(download);
    swift.run(download, "download", "files").assertOk();
    assertEquals(digests(upload), digests(download));
  }

  @Test
  @Order(5)
  void deleteEverything() {
    swift.run(upload, "delete", "files", "top.txt").assertOk();
    assertEquals(5, swift.run(upload, "list", "files").assertOk().output().lines().count());
    swift.run(upload, "delete", "--all").assertOk();
    assertEquals("", swift.run(upload, "list").assertOk().output().trim());
  }

  private static void writeRandom(Path file, int size, Random random) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] data = new byte[size];
    random.nextBytes(data);
    Files.write(file, data);
  }

  /** Relative path to SHA-256 of every regular file below root. */
  static Map<String, String> digests(Path root) throws Exception {
    Map<String, String> result = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        result.put(root.relativize(p).toString(), sha256(p));
      }
    }
    return result;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
