package io.archipelago.http.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.cli.AuditCli;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.persistence.ArchipelagoConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the audit tests share: admin calls, NDJSON, the CLI run in this JVM. */
final class AuditTesting {

  static final ObjectMapper JSON = new ObjectMapper();

  private AuditTesting() {}

  /** Asserts a 2xx answer, naming the request when it is not. */
  static void ok(HttpResponse<String> r) {
    assertTrue(
        r.statusCode() / 100 == 2,
        r.statusCode() + " " + r.request().method() + " " + r.request().uri() + " " + r.body());
  }

  /**
   * An instant strictly between the request before and the one after (both clocks are this
   * machine's).
   */
  static Instant tick() throws InterruptedException {
    Thread.sleep(20);
    Instant now = Instant.now();
    Thread.sleep(20);
    return now;
  }

  /**
   * GET {@code base + path} with the client's token. The timeout is generous: replaying 100,000 H2
   * events for a history answer took over two minutes on a loaded machine.
   */
  static HttpResponse<String> get(SwiftClient client, String base, String path) {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("X-Auth-Token", client.token())
            .timeout(Duration.ofMinutes(15))
            .GET()
            .build());
  }

  static List<JsonNode> ndjson(String body) {
    List<JsonNode> result = new ArrayList<>();
    try {
      for (String line : body.split("\n")) {
        if (!line.isBlank()) {
          result.add(JSON.readTree(line));
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return result;
  }

  /** The configuration `bin/archipelago audit` would read for a node with this data directory. */
  static Config config(Path dataDir, Map<String, Object> extra) {
    Map<String, Object> overrides = new HashMap<>(extra);
    overrides.put("archipelago.data-dir", dataDir.toString());
    return ArchipelagoConfig.load(
        ConfigFactory.parseMap(overrides)
            .withFallback(ConfigFactory.parseFile(TestGateway.rootApplicationConf().toFile())));
  }

  record CliResult(int code, String out, String err) {}

  static CliResult cli(Config config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AuditCli.run(config, new PrintWriter(out), new PrintWriter(err), args);
    return new CliResult(code, out.toString(), err.toString());
  }
}
