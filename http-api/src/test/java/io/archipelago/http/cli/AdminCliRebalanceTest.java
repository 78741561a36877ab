package io.archipelago.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code archipelago admin placement} and {@code admin rebalance plan|accept|reject} against an
 * in-process gateway whose {@code local-standard} (10,000 bytes) is 90 % full: tables, {@code
 * --json} as the API answers, and the exit codes (no backend fits: 1, unknown policy: 2, a plan
 * that changed or was rejected: 5).
 */
class AdminCliRebalanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.engine.capacity-poll-interval",
              "500ms",
              "archipelago.backends.local-standard.capacity",
              10_000,
              "archipelago.placement.rebalance.enabled",
              true,
              "archipelago.migration.enabled",
              false));

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
  static void start() throws Exception {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/cli-rb-big").statusCode());
    assertEquals(201, tester.call("PUT", "/cli-rb-small").statusCode());
    for (int i = 0; i < 2; i++) {
      assertEquals(
          201, tester.call("PUT", "/cli-rb-big/o" + i, Map.of(), "b".repeat(2500)).statusCode());
    }
    assertEquals(
        201, tester.call("PUT", "/cli-rb-small/o", Map.of(), "s".repeat(4000)).statusCode());
    eventually(
        () -> admin("--json", "backends", "list").json(),
        b -> {
          for (JsonNode n : b.path("backends")) {
            if (n.path("id").asText().equals("local-standard")) {
              return n.path("usedBytes").asLong() == 9000;
            }
          }
          return false;
        });
  }

  static Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of("--url", gateway.baseUrl()));
    all.addAll(Arrays.asList(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        AdminCli.run(
            ConfigFactory.empty(),
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err),
            all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  interface Source {
    JsonNode get() throws Exception;
  }

  static JsonNode eventually(Source source, Predicate<JsonNode> until) throws Exception {
    JsonNode last = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      last = source.get();
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    fail("did not get there; last: " + last);
    return last;
  }

  @Test
  void placementAndRebalanceFromTheCommandLine() throws Exception {
    // the only standard backend is beyond its high-water mark: nothing fits (exit 1), and why
    Run full = admin("placement", "--policy", "standard");
    assertEquals(1, full.code(), full.toString());
    assertTrue(full.out().contains("local-standard"), full.toString());
    assertTrue(full.out().contains("no: has no room below its high-water mark"), full.toString());
    assertTrue(full.out().contains("no: does not carry the tier standard"), full.toString());
    Run unknown = admin("placement", "--policy", "nope");
    assertEquals(2, unknown.code(), unknown.toString());

    Run added =
        admin(
            "backends",
            "add",
            "roomy",
            "--kind",
            "filesystem",
            "--tier",
            "standard",
            "--site",
            "local",
            "--setting",
            "root=backends/roomy");
    assertEquals(0, added.code(), added.toString());
    Run placed = admin("placement", "--policy", "standard");
    assertEquals(0, placed.code(), placed.toString());
    assertTrue(placed.out().contains("chosen: primary roomy"), placed.toString());
    Run placedJson =
        admin("--json", "placement", "--policy", "replicated", "--account", "AUTH_test");
    assertEquals(0, placedJson.code(), placedJson.toString());
    assertEquals("roomy", placedJson.json().path("chosen").path("primary").asText());
    assertEquals("site-b", placedJson.json().path("chosen").path("replicas").get(0).asText());
    assertTrue(admin("placement", "--policy", "replicated").out().contains("REPLICA"));

    JsonNode plan =
        eventually(
            () -> admin("--json", "rebalance", "plan").json(), p -> p.path("moves").size() == 1);
    String id = plan.path("id").asText();
    // 9000 of 10,000: 2000 must go; cli-rb-small (4000) does it alone
    assertEquals("cli-rb-small", plan.path("moves").get(0).path("container").asText());
    Run table = admin("rebalance", "plan");
    assertEquals(0, table.code(), table.toString());
    assertTrue(table.out().contains("plan " + id + " (open): 1 move(s)"), table.toString());
    assertTrue(table.out().contains("AUTH_test/cli-rb-small"), table.toString());
    assertTrue(table.out().contains("90%"), table.toString());
    assertTrue(table.out().contains("50%"), table.toString());

    assertEquals(5, admin("rebalance", "accept", "0000000000000000").code());
    Run rejected = admin("rebalance", "reject", id);
    assertEquals(0, rejected.code(), rejected.toString());
    assertTrue(rejected.out().contains("plan " + id + " rejected"));
    Run refused = admin("rebalance", "accept", id);
    assertEquals(5, refused.code(), refused.toString());
    assertTrue(refused.err().contains("rejected"), refused.toString());

    // new figures, a new plan
    assertEquals(
        201, tester.call("PUT", "/cli-rb-small/p", Map.of(), "s".repeat(100)).statusCode());
    JsonNode next =
        eventually(
            () -> admin("--json", "rebalance", "plan").json(),
            p -> !p.path("id").asText().equals(id) && p.path("moves").size() == 1);
    Run accepted = admin("rebalance", "accept", next.path("id").asText());
    assertEquals(0, accepted.code(), accepted.toString());
    assertTrue(accepted.out().contains("AUTH_test/cli-rb-small"), accepted.toString());
    assertTrue(accepted.out().contains("yes"), accepted.toString());
    Run migration = admin("--json", "containers", "migrate", "AUTH_test/cli-rb-small", "--status");
    assertEquals("roomy", migration.json().path("target").asText(), migration.toString());
  }
}
