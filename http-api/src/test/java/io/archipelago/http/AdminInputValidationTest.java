package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend added through the admin API is checked before it is recorded (400 with the reason):
 * tiers a policy uses, the driver's required and well-formed settings, a filesystem root inside the
 * allowed directory (also through symbolic links). Nothing refused reaches the registry.
 */
class AdminInputValidationTest {

  @TempDir static Path elsewhere;
  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient admin;

  @BeforeAll
  static void start() {
    admin = gateway.login("admin:admin", "admin");
  }

  @Test
  void aBackendOfATierNoPolicyUsesIsRefused() {
    refused(
        "{\"id\":\"gold\",\"kind\":\"filesystem\",\"tiers\":[\"gold\"],\"settings\":{\"root\":\"backends/gold\"}}",
        "tier 'gold' is not used by any placement policy");
    refused(
        "{\"id\":\"empty\",\"kind\":\"filesystem\",\"tiers\":[],\"settings\":{\"root\":\"backends/empty\"}}",
        "tiers must name at least one tier");
  }

  @Test
  void remoteBackendsNeedTheirDriversSettingsWellFormed() {
    refused(
        "{\"id\":\"sw1\",\"kind\":\"swift\",\"tiers\":[\"standard\"],\"settings\":{}}",
        "'auth-url' is required");
    refused(
        "{\"id\":\"sw2\",\"kind\":\"swift\",\"tiers\":[\"standard\"],\"settings\":"
            + "{\"auth-url\":\"file:///etc/passwd\",\"user\":\"a:b\",\"key\":\"k\"}}",
        "'auth-url' must be an http or https URL");
    refused(
        "{\"id\":\"sw3\",\"kind\":\"swift\",\"tiers\":[\"standard\"],\"settings\":"
            + "{\"auth-url\":\"http://127.0.0.1:1/auth/v1.0\",\"user\":\"a:b\",\"key\":\"k\",\"request-timeout\":\"soon\"}}",
        "'request-timeout' must be a duration");
    refused(
        "{\"id\":\"s3a\",\"kind\":\"s3\",\"tiers\":[\"standard\"],\"settings\":{\"access-key\":\"a\",\"secret-key\":\"b\"}}",
        "'bucket' is required");
    refused("{\"id\":\"k\",\"kind\":\"tape\",\"tiers\":[\"standard\"]}", "unknown backend kind");
  }

  @Test
  void aFilesystemRootOutsideTheBackendsDirectoryIsRefused() throws Exception {
    String rule = "must be a directory below";
    refused(fs("etc", "/etc"), rule);
    refused(fs("up", "backends/../../x"), rule);
    refused(fs("abs", elsewhere.toString()), rule);
    refused(fs("self", "backends"), rule);
    Files.createDirectories(gateway.dataDir().resolve("backends"));
    Files.createSymbolicLink(gateway.dataDir().resolve("backends/link"), elsewhere);
    refused(fs("link", "backends/link/inside"), rule);
    refused(
        "{\"id\":\"flag\",\"kind\":\"filesystem\",\"tiers\":[\"archive\"],\"settings\":"
            + "{\"root\":\"backends/flag\",\"offline-flag-file\":\"/etc/hostname\"}}",
        "offline-flag-file");
  }

  @Test
  void aWellFormedBackendIsAdded() {
    HttpResponse<String> r = post(fs("extra-archive", "backends/extra-archive"));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"extra-archive\""), r.body());
    HttpResponse<String> absolute =
        post(fs("extra-abs", gateway.dataDir().resolve("backends/extra-abs").toString()));
    assertEquals(200, absolute.statusCode(), absolute.body());
  }

  private static String fs(String id, String root) {
    return "{\"id\":\""
        + id
        + "\",\"kind\":\"filesystem\",\"tiers\":[\"archive\"],\"settings\":{\"root\":\""
        + root.replace("\\", "\\\\")
        + "\"}}";
  }

  private static void refused(String body, String reason) {
    HttpResponse<String> r = post(body);
    assertEquals(400, r.statusCode(), body + ": " + r.body());
    assertTrue(r.body().contains(reason), body + ": " + r.body());
    String id = body.replaceAll("^\\{\"id\":\"([^\"]+)\".*", "$1");
    HttpResponse<String> list =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertFalse(
        list.body().contains("\"id\" : \"" + id + "\""), "recorded: " + id + "\n" + list.body());
  }

  private static HttpResponse<String> post(String body) {
    return admin.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
            .header("X-Auth-Token", admin.token())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }
}
