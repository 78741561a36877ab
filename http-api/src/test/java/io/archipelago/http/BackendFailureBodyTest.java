package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend failure answers 503 naming the backend, never with the text of the exception behind it
 * (the filesystem driver's Jackson and Java exception texts used to reach the body).
 */
class BackendFailureBodyTest {

  @TempDir Path dataDir;

  @Test
  void aFailingBackendAnswers503WithoutItsInternals() throws Exception {
    try (TestGateway gateway = TestGateway.start(dataDir)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals(201, tester.call("PUT", "/fragile").statusCode());
      assertEquals(201, tester.call("PUT", "/fragile/object", Map.of(), "bytes").statusCode());
      // The object's metadata file, damaged on disk: its JSON header no longer parses.
      List<Path> metadata;
      try (Stream<Path> files = Files.walk(dataDir.resolve("backends/local-standard"))) {
        metadata =
            files
                .filter(
                    p ->
                        p.getFileName().toString().startsWith("object")
                            && p.getFileName().toString().endsWith("%m"))
                .toList();
      }
      assertEquals(1, metadata.size(), metadata.toString());
      Files.write(metadata.get(0), "{\"etag\": [not json\nbytes".getBytes(StandardCharsets.UTF_8));

      HttpResponse<String> get = tester.call("GET", "/fragile/object");
      assertEquals(503, get.statusCode(), get.body());
      assertTrue(get.body().contains("backend local-standard is unavailable"), get.body());
      for (String internal : List.of("jackson", "Exception", "java.", "line:", "column:")) {
        assertFalse(get.body().contains(internal), get.body());
      }
    }
  }
}
