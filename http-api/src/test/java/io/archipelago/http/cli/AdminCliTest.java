package io.archipelago.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Net;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code archipelago admin} against a real in-process gateway, run through picocli as the command
 * line runs it: each command's table and {@code --json} output are checked against the admin API's
 * own answers, and its exit code against what happened (bad credentials, unknown names, bad
 * arguments, an unreachable gateway).
 */
class AdminCliTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  private static final ObjectMapper JSON = new ObjectMapper();
  static SwiftClient admin;
  static SwiftClient tester;

  record Run(int code, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  @BeforeAll
  static void start() {
    admin = gateway.login("admin:admin", "admin");
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/cli-photos").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/cli-photos/a.txt", Map.of("X-Object-Meta-Color", "red"), "hello")
            .statusCode());
    assertEquals(
        204,
        tester
            .call("POST", "/cli-photos", Map.of("X-Container-Meta-Owner", "alice"), null)
            .statusCode());
  }

  /** The command line with this gateway's URL (and the environment given). */
  static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        AdminCli.run(ConfigFactory.empty(), env, new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  static Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of("--url", gateway.baseUrl()));
    all.addAll(Arrays.asList(args));
    return run(Map.of(), all.toArray(String[]::new));
  }

  static JsonNode api(String path) throws Exception {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  static JsonNode backend(JsonNode backends, String id) {
    return StreamSupport.stream(backends.path("backends").spliterator(), false)
        .filter(b -> b.path("id").asText().equals(id))
        .findFirst()
        .orElse(null);
  }

  /** A backend without its measured capacity (which changes as the node measures it). */
  static JsonNode withoutUsage(JsonNode backends) {
    JsonNode copy = backends.deepCopy();
    copy.path("backends").forEach(b -> ((ObjectNode) b).remove(List.of("usedBytes", "totalBytes")));
    return copy;
  }

  @Test
  void backendsListPrintsTheRegistryAsATableAndAsTheApisJson() throws Exception {
    JsonNode fromApi = api("/admin/backends");
    Run json = admin("backends", "list", "--json");
    assertEquals(0, json.code(), json.toString());
    assertEquals(withoutUsage(fromApi), withoutUsage(json.json()));

    Run table = admin("backends", "list");
    assertEquals(0, table.code(), table.toString());
    String[] lines = table.out().split("\n");
    assertTrue(
        lines[0].matches("ID\\s+KIND\\s+TIERS\\s+SITE\\s+STATE\\s+QUOTA\\s+USED\\s+TOTAL"),
        lines[0]);
    assertEquals(fromApi.path("backends").size() + 1, lines.length, table.out());
    for (JsonNode b : fromApi.path("backends")) {
      String row =
          Arrays.stream(lines)
              .filter(l -> l.startsWith(b.path("id").asText() + " "))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no row of " + b + " in\n" + table.out()));
      List<String> cells = Arrays.asList(row.trim().split("\\s{2,}"));
      assertEquals(b.path("kind").asText(), cells.get(1), row);
      assertEquals(b.path("tiers").get(0).asText(), cells.get(2), row);
      assertEquals(b.path("site").asText(), cells.get(3), row);
      assertEquals(b.path("state").asText(), cells.get(4), row);
    }
  }

  @Test
  void backendsAddStateAndRemoveChangeTheRegistryAndNameWhatWentWrong() throws Exception {
    Run added =
        admin(
            "backends",
            "add",
            "cli-extra",
            "--kind",
            "filesystem",
            "--tier",
            "archive",
            "--site",
            "b",
            "--setting",
            "root=backends/cli-extra");
    assertEquals(0, added.code(), added.toString());
    assertTrue(added.out().startsWith("backend cli-extra added\n"), added.out());
    JsonNode b = backend(api("/admin/backends"), "cli-extra");
    assertEquals("filesystem", b.path("kind").asText());
    assertEquals("b", b.path("site").asText());
    assertEquals("active", b.path("state").asText());
    assertTrue(
        added.out().matches("(?s).*\ncli-extra\\s+filesystem\\s+archive\\s+b\\s+active\\s.*"),
        added.out());

    Run again =
        admin(
            "backends",
            "add",
            "cli-extra",
            "--kind",
            "filesystem",
            "--tier",
            "archive",
            "--setting",
            "root=backends/cli-extra2");
    assertEquals(AdminCli.CONFLICT, again.code(), again.toString());
    assertTrue(again.err().contains("already exists"), again.err());

    Run refused =
        admin(
            "backends",
            "add",
            "cli-gold",
            "--kind",
            "filesystem",
            "--tier",
            "gold",
            "--setting",
            "root=backends/cli-gold");
    assertEquals(AdminCli.USAGE, refused.code(), refused.toString());
    assertTrue(
        refused.err().contains("tier 'gold' is not used by any placement policy"), refused.err());
    assertEquals(null, backend(api("/admin/backends"), "cli-gold"));

    Run draining = admin("backends", "state", "cli-extra", "draining", "--json");
    assertEquals(0, draining.code(), draining.toString());
    assertEquals("draining", backend(draining.json(), "cli-extra").path("state").asText());
    assertEquals("draining", backend(api("/admin/backends"), "cli-extra").path("state").asText());

    Run badState = admin("backends", "state", "cli-extra", "sleepy");
    assertEquals(AdminCli.USAGE, badState.code(), badState.toString());
    Run unknown = admin("backends", "state", "no-such-backend", "active");
    assertEquals(AdminCli.NOT_FOUND, unknown.code(), unknown.toString());
    assertTrue(unknown.err().contains("no backend 'no-such-backend'"), unknown.err());

    Run removed = admin("backends", "remove", "cli-extra");
    assertEquals(0, removed.code(), removed.toString());
    assertTrue(removed.out().startsWith("backend cli-extra removed\n"), removed.out());
    assertEquals(null, backend(api("/admin/backends"), "cli-extra"));
    Run removedAgain = admin("backends", "remove", "cli-extra");
    assertEquals(AdminCli.NOT_FOUND, removedAgain.code(), removedAgain.toString());
  }

  @Test
  void containersShowPrintsWhereItLivesAndTheApisJson() throws Exception {
    JsonNode fromApi = api("/admin/containers/AUTH_test/cli-photos");
    Run json = admin("containers", "show", "AUTH_test/cli-photos", "--json");
    assertEquals(0, json.code(), json.toString());
    assertEquals(fromApi, json.json());

    Run table = admin("containers", "show", "AUTH_test/cli-photos");
    assertEquals(0, table.code(), table.toString());
    String primary = fromApi.path("assignment").path("primary").asText();
    assertTrue(table.out().contains("container:  AUTH_test/cli-photos\n"), table.out());
    assertTrue(table.out().contains("state:      active\n"), table.out());
    assertTrue(
        table.out().contains("policy:     " + fromApi.path("policy").asText() + "\n"), table.out());
    assertTrue(
        table.out().matches("(?s).*primary:\\s+" + primary + " \\(filesystem, .*"), table.out());
    assertTrue(table.out().contains("objects:    1\n"), table.out());
    assertTrue(table.out().contains("bytes:      5 B (5)\n"), table.out());
    assertTrue(table.out().contains("metadata:   x-container-meta-owner: alice"), table.out());
  }

  @Test
  void anUnknownContainerIsNotFoundAndAMalformedNameIsUsage() {
    Run unknown = admin("containers", "show", "AUTH_test/no-such-container");
    assertEquals(AdminCli.NOT_FOUND, unknown.code(), unknown.toString());
    assertTrue(unknown.err().contains("no container AUTH_test/no-such-container"), unknown.err());
    assertEquals("", unknown.out());
    Run history =
        admin(
            "containers",
            "history",
            "AUTH_test/no-such-container",
            "--at",
            Instant.now().toString());
    assertEquals(AdminCli.NOT_FOUND, history.code(), history.toString());
    Run reconcile = admin("containers", "reconcile", "AUTH_test/no-such-container");
    assertEquals(AdminCli.NOT_FOUND, reconcile.code(), reconcile.toString());
    Run migrate =
        admin("containers", "migrate", "AUTH_test/no-such-container", "--target", "local-archive");
    assertEquals(AdminCli.NOT_FOUND, migrate.code(), migrate.toString());

    Run noSlash = admin("containers", "show", "cli-photos");
    assertEquals(AdminCli.USAGE, noSlash.code(), noSlash.toString());
    assertTrue(noSlash.err().contains("is not ACCOUNT/CONTAINER"), noSlash.err());
  }

  @Test
  void containersHistoryAnswersTheStateThenAsTheApiDoes() throws Exception {
    String at = Instant.now().toString();
    JsonNode fromApi =
        api(
            "/admin/containers/AUTH_test/cli-photos/history?at="
                + URLEncoder.encode(at, StandardCharsets.UTF_8));
    Run json = admin("containers", "history", "AUTH_test/cli-photos", "--at", at, "--json");
    assertEquals(0, json.code(), json.toString());
    assertEquals(fromApi, json.json());

    Run table = admin("containers", "history", "AUTH_test/cli-photos", "--at", at);
    assertEquals(0, table.code(), table.toString());
    assertTrue(table.out().contains("state:       active\n"), table.out());
    assertTrue(table.out().contains("objects:     1\n"), table.out());
    assertTrue(
        table.out().contains("last event:  #" + fromApi.path("sequenceNr").asLong() + " "),
        table.out());

    Run before =
        admin("containers", "history", "AUTH_test/cli-photos", "--at", "2001-01-01T00:00:00Z");
    assertEquals(0, before.code(), before.toString());
    assertTrue(before.out().contains("the container did not exist yet"), before.out());

    Run badTime = admin("containers", "history", "AUTH_test/cli-photos", "--at", "yesterday-ish");
    assertEquals(AdminCli.USAGE, badTime.code(), badTime.toString());
  }

  @Test
  void containersReconcileReportsEachReplica() throws Exception {
    Run plain = admin("containers", "reconcile", "AUTH_test/cli-photos");
    assertEquals(0, plain.code(), plain.toString());
    assertTrue(plain.out().contains("has no replicas"), plain.out());

    assertEquals(
        201,
        tester
            .call("PUT", "/cli-twins", Map.of("X-Storage-Policy", "replicated"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/cli-twins/one", Map.of(), "1").statusCode());
    Run json = admin("containers", "reconcile", "AUTH_test/cli-twins", "--json");
    assertEquals(0, json.code(), json.toString());
    JsonNode replicas = json.json().path("replicas");
    assertEquals(1, replicas.size(), json.out());
    JsonNode container = api("/admin/containers/AUTH_test/cli-twins");
    String replica = container.path("assignment").path("replicas").get(0).asText();
    assertEquals(replica, replicas.get(0).path("replica").asText());
    assertEquals(1, replicas.get(0).path("compared").asLong(), json.out());

    Run table = admin("containers", "reconcile", "AUTH_test/cli-twins");
    assertEquals(0, table.code(), table.toString());
    assertTrue(table.out().split("\n")[0].startsWith("REPLICA  COMPARED  COPIED"), table.out());
    assertTrue(table.out().split("\n")[1].startsWith(replica + " "), table.out());
  }

  @Test
  void clusterMembersListsThisNode() throws Exception {
    JsonNode fromApi = api("/admin/cluster");
    Run json = admin("cluster", "members", "--json");
    assertEquals(0, json.code(), json.toString());
    JsonNode members = json.json().path("members");
    assertEquals(fromApi.path("members").size(), members.size());
    assertEquals(fromApi.path("members").get(0).path("address"), members.get(0).path("address"));
    assertEquals("Up", members.get(0).path("status").asText());

    Run table = admin("cluster", "members");
    assertEquals(0, table.code(), table.toString());
    String self = fromApi.path("members").get(0).path("address").asText();
    assertTrue(
        table
            .out()
            .split("\n")[0]
            .matches("ADDRESS\\s+STATUS\\s+REACHABLE\\s+ROLES\\s+SHARDS\\s+ENTITIES"),
        table.out());
    assertTrue(table.out().contains(self + " *  Up"), table.out());
    assertTrue(table.out().contains("Container="), table.out());

    Run leaveUnknown = admin("cluster", "leave", "akka://archipelago@127.0.0.1:1");
    assertEquals(AdminCli.NOT_FOUND, leaveUnknown.code(), leaveUnknown.toString());
    Run leaveBad = admin("cluster", "leave", "somewhere");
    assertEquals(AdminCli.USAGE, leaveBad.code(), leaveBad.toString());
  }

  @Test
  void auditTailPrintsTheLogAsTheApiStreamsIt() throws Exception {
    HttpResponse<String> api =
        admin.send(
            HttpRequest.newBuilder(
                    URI.create(
                        gateway.baseUrl() + "/admin/audit?account=AUTH_test&container=cli-photos"))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertEquals(200, api.statusCode());
    List<String> apiLines = api.body().lines().filter(l -> !l.isBlank()).toList();
    assertTrue(apiLines.size() >= 3, api.body());
    Run json =
        admin(
            "audit",
            "tail",
            "--no-follow",
            "--account",
            "AUTH_test",
            "--container",
            "cli-photos",
            "--json");
    assertEquals(0, json.code(), json.toString());
    assertEquals(apiLines, json.out().lines().toList());

    Run table =
        admin(
            "audit", "tail", "--no-follow", "--account", "AUTH_test", "--container", "cli-photos");
    assertEquals(0, table.code(), table.toString());
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("AT\\s+PRINCIPAL\\s+EVENT\\s+ENTITY\\s+REQUEST"), lines.get(0));
    assertEquals(apiLines.size() + 1, lines.size(), table.out());
    JsonNode first = JSON.readTree(apiLines.get(0));
    assertTrue(lines.get(1).startsWith(first.path("at").asText() + "  test:tester "), lines.get(1));
    assertTrue(lines.get(1).contains(first.path("type").asText()), lines.get(1));
    assertTrue(lines.get(1).endsWith(first.path("requestId").asText()), lines.get(1));

    Run limited =
        admin("audit", "tail", "--no-follow", "--account", "AUTH_test", "--count", "1", "--json");
    assertEquals(0, limited.code(), limited.toString());
    assertTrue(limited.out().lines().toList().get(1).startsWith("{\"next\":"), limited.out());

    // following: the next event of the account arrives while the command waits
    CompletableFuture<Run> following =
        CompletableFuture.supplyAsync(
            () ->
                admin(
                    "audit",
                    "tail",
                    "--account",
                    "AUTH_test",
                    "--container",
                    "cli-tailed",
                    "--count",
                    "1",
                    "--json"));
    Thread.sleep(1500);
    assertEquals(201, tester.call("PUT", "/cli-tailed").statusCode());
    Run followed = following.get(60, TimeUnit.SECONDS);
    assertEquals(0, followed.code(), followed.toString());
    JsonNode event = JSON.readTree(followed.out().lines().findFirst().orElseThrow());
    assertEquals("test:tester", event.path("principal").asText());
    assertTrue(event.path("entityId").asText().contains("cli-tailed"), followed.out());

    Run orphan = admin("audit", "tail", "--container", "cli-photos");
    assertEquals(AdminCli.USAGE, orphan.code(), orphan.toString());
  }

  /** {@code archipelago audit tail} follows the log through the same reader as admin audit tail. */
  @Test
  void theAuditToolsTailFollowsTheLogToo() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter printOut = new PrintWriter(out, true);
    Thread tail =
        new Thread(
            () ->
                AuditCli.run(
                    ConfigFactory.empty(),
                    printOut,
                    new PrintWriter(err, true),
                    "tail",
                    "--url",
                    gateway.baseUrl(),
                    "--account",
                    "AUTH_test",
                    "--container",
                    "cli-audit-tailed"));
    // it follows until the gateway stops; a daemon thread does not hold the test JVM
    tail.setDaemon(true);
    tail.start();
    Thread.sleep(1500);
    assertEquals(201, tester.call("PUT", "/cli-audit-tailed").statusCode());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (out.toString().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    JsonNode event;
    synchronized (out.getBuffer()) {
      event =
          JSON.readTree(
              out.toString()
                  .lines()
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no line; stderr: " + err)));
    }
    assertEquals("ContainerCreated", event.path("type").asText());
    assertEquals("AUTH_test/cli-audit-tailed", event.path("entityId").asText());
  }

  @Test
  void refusedCredentialsAndAUserWhoIsNoResellerAdminExitWithTheAuthCode() {
    Run wrongKey = admin("--key", "wrong", "backends", "list");
    assertEquals(AdminCli.AUTH_REFUSED, wrongKey.code(), wrongKey.toString());
    assertTrue(wrongKey.err().contains("refused the credentials of admin:admin"), wrongKey.err());
    assertEquals("", wrongKey.out());

    Run notReseller = admin("--user", "test:tester", "--key", "testing", "cluster", "members");
    assertEquals(AdminCli.AUTH_REFUSED, notReseller.code(), notReseller.toString());
    assertTrue(notReseller.err().contains(".reseller_admin"), notReseller.err());
  }

  @Test
  void theEnvironmentSuppliesUrlAndCredentials() {
    Run fromEnv =
        run(
            Map.of(
                "ARCHIPELAGO_URL", gateway.baseUrl(),
                "ARCHIPELAGO_USER", "admin:admin",
                "ARCHIPELAGO_KEY", "admin"),
            "backends",
            "list",
            "--json");
    assertEquals(0, fromEnv.code(), fromEnv.toString());
    assertTrue(fromEnv.json().path("backends").size() >= 2, fromEnv.out());

    Run wrongKey =
        run(
            Map.of("ARCHIPELAGO_URL", gateway.baseUrl(), "ARCHIPELAGO_KEY", "nope"),
            "backends",
            "list");
    assertEquals(AdminCli.AUTH_REFUSED, wrongKey.code(), wrongKey.toString());

    Run optionWins =
        run(
            Map.of("ARCHIPELAGO_URL", gateway.baseUrl(), "ARCHIPELAGO_KEY", "nope"),
            "backends",
            "list",
            "--key",
            "admin");
    assertEquals(0, optionWins.code(), optionWins.toString());
  }

  @Test
  void anUnreachableGatewayExitsWithTheUnavailableCode() {
    Run r =
        run(
            Map.of(),
            "--url",
            "http://127.0.0.1:" + Net.freePort(),
            "--timeout",
            "5",
            "backends",
            "list");
    assertEquals(AdminCli.UNAVAILABLE, r.code(), r.toString());
    assertTrue(r.err().contains("cannot connect to http://127.0.0.1:"), r.err());
  }

  @Test
  void badArgumentsExitWithTheUsageCodeAndHelpListsTheExitCodes() {
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"nonsense"},
            new String[] {"backends"},
            new String[] {"backends", "add", "x", "--tier", "standard"},
            new String[] {"containers", "show"},
            new String[] {"containers", "migrate", "AUTH_test/cli-photos"},
            new String[] {
              "containers", "migrate", "AUTH_test/cli-photos", "--target", "a", "--policy", "b"
            },
            new String[] {"containers", "migrate", "AUTH_test/cli-photos", "--watch", "--cancel"},
            new String[] {"backends", "drain", "local-archive", "--detach", "--status"},
            new String[] {"--timeout", "soon", "backends", "list"},
            new String[] {"--url", "ftp://example", "backends", "list"})) {
      Run r = admin(args);
      assertEquals(AdminCli.USAGE, r.code(), String.join(" ", args) + ": " + r);
      assertFalse(r.err().isBlank(), String.join(" ", args) + ": " + r);
    }
    Run help = admin("--help");
    assertEquals(0, help.code(), help.toString());
    assertTrue(help.out().contains("Exit codes:"), help.out());
    for (String code : AdminCli.EXIT_CODES.keySet()) {
      assertTrue(
          help.out().matches("(?s).*\\n\\s+" + code + "\\s+\\S.*"), code + " in " + help.out());
    }
    Run subHelp = admin("containers", "migrate", "--help");
    assertEquals(0, subHelp.code(), subHelp.toString());
    assertTrue(
        subHelp.out().contains("--detach") && subHelp.out().contains("Exit codes:"), subHelp.out());
  }
}
