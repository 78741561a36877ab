package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftCli;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs, temporary URLs and bulk delete end to end with the real swift command line against the
 * packaged gateway process; what the CLI grants is checked with plain HTTP requests that carry no
 * token.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwiftAccessCliIT {

  @TempDir static Path work;
  static GatewayProcess gateway;
  static SwiftCli tester;
  static SwiftCli tester3;
  static String account;

  @BeforeAll
  static void start() throws IOException {
    Assumptions.assumeTrue(
        SwiftCli.available(), "python3-swiftclient is installed by bin/archipelago test");
    gateway = new GatewayProcess(work.resolve("data"), List.of("-Xmx256m")).start();
    tester = new SwiftCli(gateway.authUrl(), "test:tester", "testing");
    tester3 = new SwiftCli(gateway.authUrl(), "test:tester3", "testing3");
    account = gateway.baseUrl() + "/v1/AUTH_test";
    Files.writeString(work.resolve("hello.txt"), "hello from archipelago\n");
    Files.writeString(work.resolve("by-tester3.txt"), "tester3 was here\n");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  @Test
  @Order(1)
  void readAclOpensObjectsAndListingsToAnonymousClients() {
    tester.run(work, "upload", "pub", "hello.txt").assertOk();
    assertEquals(401, PlainHttp.send("GET", account + "/pub/hello.txt").statusCode());

    tester.run(work, "post", "-r", ".r:*,.rlistings", "pub").assertOk();
    String stat = tester.run(work, "stat", "pub").assertOk().output();
    assertTrue(stat.contains("Read ACL: .r:*,.rlistings"), stat);

    HttpResponse<String> object = PlainHttp.send("GET", account + "/pub/hello.txt");
    assertEquals(200, object.statusCode(), gateway.logTail());
    assertEquals("hello from archipelago\n", object.body());
    HttpResponse<String> listing = PlainHttp.send("GET", account + "/pub");
    assertEquals(200, listing.statusCode());
    assertEquals("hello.txt\n", listing.body());
    assertEquals(401, PlainHttp.send("PUT", account + "/pub/x", Map.of(), "x").statusCode());
    assertEquals(401, PlainHttp.send("GET", account).statusCode());

    tester.run(work, "post", "-r", ".r:*", "pub").assertOk();
    assertEquals(401, PlainHttp.send("GET", account + "/pub").statusCode());
    assertEquals(200, PlainHttp.send("GET", account + "/pub/hello.txt").statusCode());
  }

  @Test
  @Order(2)
  void writeAclLetsTester3Upload() {
    tester.run(work, "post", "shared").assertOk();
    SwiftCli.Result refused =
        tester3.run(work, "upload", "--skip-container-put", "shared", "by-tester3.txt");
    assertNotEquals(0, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("403"), refused.output());

    tester.run(work, "post", "-w", "test:tester3", "shared").assertOk();
    String stat = tester.run(work, "stat", "shared").assertOk().output();
    assertTrue(stat.contains("Write ACL: test:tester3"), stat);
    // A write ACL alone does not allow the HEAD that swift upload makes to look for old segments
    // (as in Swift): a write-only uploader leaves segments alone.
    tester3
        .run(work, "upload", "--skip-container-put", "--leave-segments", "shared", "by-tester3.txt")
        .assertOk();
    assertEquals(
        List.of("by-tester3.txt"),
        tester.run(work, "list", "shared").assertOk().output().lines().toList());
    assertNotEquals(0, tester3.run(work, "list", "shared").exitCode());

    tester.run(work, "post", "-r", "test:tester3", "shared").assertOk();
    tester3.run(work, "upload", "--skip-container-put", "shared", "hello.txt").assertOk();
    assertEquals(
        List.of("by-tester3.txt", "hello.txt"),
        tester3.run(work, "list", "shared").assertOk().output().lines().toList());
    Path download = work.resolve("tester3-download");
    tester3.run(work, "download", "shared", "by-tester3.txt", "-o", download.toString()).assertOk();
    assertEquals("tester3 was here\n", readString(download));
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(3)
  void tempUrlsFromTheCliWorkWithoutAToken() throws IOException {
    tester.run(work, "post", "-m", "Temp-URL-Key:cli-secret").assertOk();
    tester.run(work, "upload", "private", "hello.txt").assertOk();
    for (String digest : List.of("sha256", "sha1", "sha512")) {
      String path =
          tester
              .run(
                  work,
                  "tempurl",
                  "--digest",
                  digest,
                  "GET",
                  "600",
                  "/v1/AUTH_test/private/hello.txt",
                  "cli-secret")
              .assertOk()
              .output()
              .trim();
      assertTrue(path.startsWith("/v1/AUTH_test/private/hello.txt?temp_url_sig="), path);
      HttpResponse<String> r = PlainHttp.send("GET", gateway.baseUrl() + path);
      assertEquals(200, r.statusCode(), digest + " " + path);
      assertEquals("hello from archipelago\n", r.body());
    }
    String wrongKey =
        tester
            .run(work, "tempurl", "GET", "600", "/v1/AUTH_test/private/hello.txt", "guess")
            .assertOk()
            .output()
            .trim();
    assertEquals(401, PlainHttp.send("GET", gateway.baseUrl() + wrongKey).statusCode());

    String put =
        tester
            .run(work, "tempurl", "PUT", "1h", "/v1/AUTH_test/private/uploaded.txt", "cli-secret")
            .assertOk()
            .output()
            .trim();
    assertEquals(
        201, PlainHttp.send("PUT", gateway.baseUrl() + put, Map.of(), "via tempurl").statusCode());
    Path download = work.resolve("download");
    Files.createDirectories(download);
    tester.run(download, "download", "private", "uploaded.txt").assertOk();
    assertEquals("via tempurl", Files.readString(download.resolve("uploaded.txt")));

    String iso =
        tester
            .run(
                work,
                "tempurl",
                "--iso8601",
                "GET",
                "600",
                "/v1/AUTH_test/private/hello.txt",
                "cli-secret")
            .assertOk()
            .output()
            .trim();
    assertTrue(iso.contains("temp_url_expires=20"), iso);
    assertEquals(200, PlainHttp.send("GET", gateway.baseUrl() + iso).statusCode());
  }

  @Test
  @Order(4)
  void accountAclLetsAnotherAccountRead() {
    SwiftCli otherAccount = new SwiftCli(gateway.authUrl(), "test2:tester2", "testing2");
    SwiftCli.Result refused = otherAccount.run(work, "--os-storage-url", account, "list");
    assertNotEquals(0, refused.exitCode(), refused.output());
    tester
        .run(work, "post", "-H", "X-Account-Access-Control: {\"read-only\":[\"test2\"]}")
        .assertOk();
    String stat = tester.run(work, "stat").assertOk().output();
    assertTrue(stat.contains("{\"read-only\":[\"test2\"]}"), stat);
    assertTrue(
        otherAccount
            .run(work, "--os-storage-url", account, "list")
            .assertOk()
            .output()
            .lines()
            .toList()
            .containsAll(List.of("private", "pub", "shared")));
    assertEquals(
        "hello from archipelago\n",
        otherAccount
            .run(work, "--os-storage-url", account, "download", "private", "hello.txt", "-o", "-")
            .assertOk()
            .output());
    assertNotEquals(
        0,
        otherAccount
            .run(
                work,
                "--os-storage-url",
                account,
                "upload",
                "--skip-container-put",
                "--leave-segments",
                "private",
                "hello.txt")
            .exitCode());
    tester.run(work, "post", "-H", "X-Account-Access-Control: {}").assertOk();
    assertNotEquals(0, otherAccount.run(work, "--os-storage-url", account, "list").exitCode());
  }

  @Test
  @Order(5)
  void deleteAllUsesBulkDelete() throws IOException {
    Path many = work.resolve("many");
    for (int i = 0; i < 30; i++) {
      Path file = many.resolve("dir" + (i % 3) + "/file " + i + ".txt");
      Files.createDirectories(file.getParent());
      Files.writeString(file, "file " + i);
    }
    tester.run(many, "upload", "bulk", ".").assertOk();
    assertEquals(30, tester.run(work, "list", "bulk").assertOk().output().lines().count());

    // swiftclient bulk-deletes a container of more than 20 objects when /info offers it. Not with
    // --all: that lists versions (since /info offers object_versioning, as Swift's does) and
    // deletes each version on its own.
    SwiftCli.Result deleted = tester.run(work, "--debug", "delete", "bulk");
    deleted.assertOk();
    assertTrue(deleted.output().contains("bulk-delete"), deleted.output());
    // the objects and then the container are gone
    assertTrue(
        tester.run(work, "list").assertOk().output().lines().noneMatch("bulk"::equals),
        "container bulk still listed");
    tester.run(work, "delete", "--all").assertOk();
    assertEquals("", tester.run(work, "list").assertOk().output().trim());
  }
}
