package io.archipelago.http.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** The migration admin API as the CLI and console call it, for tests. */
final class MigrationAdmin {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final SwiftClient admin;

  MigrationAdmin(String baseUrl, SwiftClient admin) {
    this.baseUrl = baseUrl;
    this.admin = admin;
  }

  HttpResponse<String> call(String method, String path, String body) {
    return admin.send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/admin/" + path))
            .header("X-Auth-Token", admin.token())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  JsonNode start(String account, String container, String body) {
    HttpResponse<String> r =
        call("POST", "containers/" + account + "/" + container + "/migrate", body);
    assertEquals(202, r.statusCode(), r.body());
    return json(r.body());
  }

  JsonNode migration(String account, String container) {
    HttpResponse<String> r =
        call("GET", "containers/" + account + "/" + container + "/migration", null);
    assertEquals(200, r.statusCode(), r.body());
    return json(r.body());
  }

  JsonNode container(String account, String container) {
    HttpResponse<String> r = call("GET", "containers/" + account + "/" + container, null);
    assertEquals(200, r.statusCode(), r.body());
    return json(r.body());
  }

  JsonNode await(String account, String container, Predicate<JsonNode> until, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = migration(account, container);
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    fail("migration did not get there in " + within + "; last: " + last);
    return last;
  }

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(body, e);
    }
  }
}
