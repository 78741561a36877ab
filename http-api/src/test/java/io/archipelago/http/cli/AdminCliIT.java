package io.archipelago.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/archipelago admin} as an operator runs it: a real process (the script, the packaged
 * jar) against the packaged gateway running as its own JVM, with the URL and credentials from the
 * environment or from the gateway's own configuration; output and exit codes as scripts see them.
 */
class AdminCliIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static GatewayProcess gateway;
  static SwiftClient admin;

  record Cli(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  @BeforeAll
  static void start() {
    gateway = new GatewayProcess(work.resolve("data"), List.of("-Xmx256m")).start();
    admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
    SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/it-docs").statusCode());
    assertEquals(201, tester.call("PUT", "/it-docs/readme", Map.of(), "hello world").statusCode());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  /** {@code bin/archipelago admin args...} with these environment variables. */
  static Cli archipelago(Map<String, String> env, String... args) throws Exception {
    Path root = TestGateway.rootApplicationConf().getParent();
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin/archipelago").toString());
    command.add("admin");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(work, "cli", ".out");
    Path err = Files.createTempFile(work, "cli", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("ARCHIPELAGO_DATA_DIR", work.resolve("cli-data").toString());
    builder
        .environment()
        .put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("bin/archipelago admin " + String.join(" ", args) + " hung");
    }
    Cli r =
        new Cli(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertTrue(
        !r.err().contains("archipelago: building"),
        "bin/archipelago rebuilt the jar inside a test: " + r.err());
    return r;
  }

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("ARCHIPELAGO_URL", gateway.baseUrl());
    env.put("ARCHIPELAGO_USER", "admin:admin");
    env.put("ARCHIPELAGO_KEY", "admin");
    return env;
  }

  static JsonNode api(String path) throws Exception {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("X-Auth-Token", admin.token())
                .GET()
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void anOperatorReadsTheGatewayThroughTheScript() throws Exception {
    Cli table = archipelago(env(), "backends", "list");
    assertEquals(0, table.code(), table.toString());
    assertTrue(table.out().startsWith("ID "), table.out());
    assertTrue(table.out().contains("\nlocal-standard  filesystem  standard"), table.out());

    // --json is the API's JSON and nothing else on stdout
    Cli json = archipelago(env(), "containers", "show", "AUTH_test/it-docs", "--json");
    assertEquals(0, json.code(), json.toString());
    assertEquals(api("/admin/containers/AUTH_test/it-docs"), JSON.readTree(json.out()));

    Cli members = archipelago(env(), "cluster", "members");
    assertEquals(0, members.code(), members.toString());
    assertTrue(
        members.out().contains("akka://archipelago@127.0.0.1:" + gateway.clusterPort() + " *  Up"),
        members.out());

    Cli tail =
        archipelago(
            env(),
            "audit",
            "tail",
            "--no-follow",
            "--account",
            "AUTH_test",
            "--container",
            "it-docs",
            "--json");
    assertEquals(0, tail.code(), tail.toString());
    List<String> types = new ArrayList<>();
    for (String line : tail.out().lines().toList()) {
      types.add(JSON.readTree(line).path("type").asText());
    }
    assertEquals(List.of("ContainerCreated", "ObjectWritten"), types, tail.out());
  }

  @Test
  void withoutAUrlItFindsTheGatewayWhereServeListens() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("ARCHIPELAGO_HTTP_PORT", Integer.toString(gateway.httpPort()));
    Cli r = archipelago(env, "backends", "list", "--json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(JSON.readTree(r.out()).path("backends").size() >= 2, r.out());
  }

  @Test
  void exitCodesTellScriptsWhatHappened() throws Exception {
    Cli unknown = archipelago(env(), "containers", "show", "AUTH_test/nothing-here");
    assertEquals(4, unknown.code(), unknown.toString());
    assertEquals("", unknown.out());
    assertTrue(unknown.err().contains("no container AUTH_test/nothing-here"), unknown.err());

    Map<String, String> wrongKey = env();
    wrongKey.put("ARCHIPELAGO_KEY", "wrong");
    Cli refused = archipelago(wrongKey, "backends", "list");
    assertEquals(3, refused.code(), refused.toString());

    Cli usage = archipelago(env(), "backends", "add", "x");
    assertEquals(2, usage.code(), usage.toString());
    assertTrue(usage.err().contains("Missing required"), usage.err());

    Map<String, String> nowhere = env();
    nowhere.put("ARCHIPELAGO_URL", "http://127.0.0.1:" + Net.freePort());
    Cli unreachable = archipelago(nowhere, "cluster", "members");
    assertEquals(7, unreachable.code(), unreachable.toString());

    Cli help = archipelago(Map.of(), "--help");
    assertEquals(0, help.code(), help.toString());
    assertTrue(help.out().contains("Exit codes:"), help.out());
  }
}
