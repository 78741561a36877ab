package io.archipelago.http.middleware.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import io.archipelago.http.protocol.RequestPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Slow bulk deletes keep the connection alive with whitespace before the report, as Swift. */
class BulkDeleteKeepAliveTest {

  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static String run(String accept, List<String> seen) throws Exception {
    Materializer mat = Materializer.matFromSystem(testKit.system());
    BulkDelete bulk = new BulkDelete(mat, Duration.ofMillis(100));
    HttpRequest request =
        HttpRequest.POST("/v1/AUTH_test?bulk-delete")
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "/c/slow\n/c"));
    HttpResponse response =
        bulk.handle(
                request,
                RequestPath.parse("/v1/AUTH_test"),
                accept == null ? Map.of() : Map.of("accept", accept),
                path -> {
                  seen.add(path);
                  CompletionStage<HttpResponse> later =
                      new CompletableFuture<HttpResponse>()
                          .completeOnTimeout(
                              HttpResponse.create().withStatus(StatusCodes.NO_CONTENT),
                              350,
                              TimeUnit.MILLISECONDS);
                  return later;
                })
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    assertEquals(200, response.status().intValue());
    return response
        .entity()
        .getDataBytes()
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), mat)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS)
        .utf8String();
  }

  @Test
  void whitespaceComesFirstThenASeparatedReport() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    String body = run("application/json", seen);
    assertEquals(List.of("/v1/AUTH_test/c/slow", "/v1/AUTH_test/c"), seen);
    assertTrue(body.startsWith(" "), body);
    assertTrue(body.trim().startsWith("{"), body);
    int separator = body.indexOf("\r\n\r\n{");
    assertTrue(separator > 0, body);
    assertTrue(body.substring(0, separator).isBlank(), body);
    assertTrue(
        body.endsWith("\"Number Deleted\": 2, \"Number Not Found\": 0, \"Errors\": []}"), body);
  }

  @Test
  void xmlStartsWithItsDeclaration() throws Exception {
    String body = run("text/xml", new CopyOnWriteArrayList<>());
    assertTrue(body.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), body);
    assertTrue(body.contains("\r\n\r\n<delete>\n<number_deleted>2</number_deleted>"), body);
  }
}
