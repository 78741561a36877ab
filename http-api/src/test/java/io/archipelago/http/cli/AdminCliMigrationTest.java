package io.archipelago.http.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code admin containers migrate} against the real migration endpoints of the gateway: a container
 * with objects moves to another backend of its tier, the command follows it to the end and answers
 * the final migration JSON, and the objects are then read from the new primary. The endpoints come
 * with the live-migration work (#20); a gateway without them makes the command exit 6
 * (unsupported), and then this test is skipped (AdminCliTransferStubTest covers the command).
 */
class AdminCliMigrationTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  private static final ObjectMapper JSON = new ObjectMapper();

  static AdminCliTest.Run admin(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--url", gateway.baseUrl()));
    all.addAll(List.of(args));
    int code =
        AdminCli.run(
            ConfigFactory.empty(),
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err),
            all.toArray(String[]::new));
    return new AdminCliTest.Run(code, out.toString(), err.toString());
  }

  @Test
  void migrateMovesAContainerAndFollowsItToTheEnd() throws Exception {
    SwiftClient tester = gateway.login("test:tester", "testing");
    SwiftClient admin = gateway.login("admin:admin", "admin");
    AdminCliTest.Run added =
        admin(
            "backends",
            "add",
            "cli-standard-2",
            "--kind",
            "filesystem",
            "--tier",
            "standard",
            "--setting",
            "root=backends/cli-standard-2");
    assertEquals(0, added.code(), added.toString());
    assertEquals(201, tester.call("PUT", "/cli-move").statusCode());
    for (int i = 0; i < 3; i++) {
      assertEquals(201, tester.call("PUT", "/cli-move/o" + i, Map.of(), "body " + i).statusCode());
    }
    JsonNode before = container(admin);
    String source = before.path("assignment").path("primary").asText();
    String target = source.equals("cli-standard-2") ? "local-standard" : "cli-standard-2";

    AdminCliTest.Run r =
        admin(
            "containers",
            "migrate",
            "AUTH_test/cli-move",
            "--target",
            target,
            "--json",
            "--interval",
            "0.2",
            "--no-progress");
    Assumptions.assumeFalse(
        r.code() == AdminCli.UNSUPPORTED,
        "this gateway has no migration endpoints yet: " + r.err());
    assertEquals(AdminCli.OK, r.code(), r.toString());
    JsonNode m = r.json();
    assertEquals("completed", m.path("phase").asText(), r.out());
    assertEquals(source, m.path("source").asText());
    assertEquals(target, m.path("target").asText());
    assertEquals(3, m.path("objectsCopied").asLong(), r.out());
    assertTrue(r.err().contains("migrate AUTH_test/cli-move: completed"), r.err());

    assertEquals(target, container(admin).path("assignment").path("primary").asText());
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> get = tester.bytes("GET", "/cli-move/o" + i, Map.of(), null);
      assertEquals(200, get.statusCode());
      assertArrayEquals(("body " + i).getBytes(StandardCharsets.UTF_8), get.body());
    }
    AdminCliTest.Run status = admin("containers", "migrate", "AUTH_test/cli-move", "--status");
    assertEquals(AdminCli.OK, status.code(), status.toString());
    assertTrue(status.out().contains("phase:      completed"), status.out());
  }

  private static JsonNode container(SwiftClient admin) throws Exception {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(
                    URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/cli-move"))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }
}
