package io.archipelago.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.container.Migration;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The throttle of a migration or drain as the admin API reads and shows it. */
class MigrationThrottleTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Migration.Throttle throttle(String json) throws Exception {
    return MigrationController.throttle(JSON.readTree(json));
  }

  private static String refusal(String json) throws Exception {
    JsonNode node = JSON.readTree(json);
    SwiftException e =
        assertThrows(SwiftException.class, () -> MigrationController.throttle(node), json);
    assertEquals(SwiftError.BAD_REQUEST, e.error(), json);
    assertTrue(e.plainText(), "Swift's plain-text error: " + json);
    return e.body();
  }

  @Test
  void windowsAreReadAndShown() throws Exception {
    Migration.Throttle t =
        throttle(
            "{\"bytesPerSecond\":1000,\"parallelism\":2,\"windows\":[\"22:00-06:00\",\"12:00-13:30\"]}");
    assertEquals(new Migration.Throttle(1000, 0, 2, List.of("22:00-06:00", "12:00-13:30")), t);
    assertEquals(List.of(), throttle("{\"windows\":[]}").windows());
    assertEquals(List.of(), throttle("{\"windows\":null}").windows());
    assertEquals(List.of(), throttle("{\"parallelism\":3}").windows());

    JsonNode shown = MigrationController.throttleJson(t);
    assertEquals(1000, shown.path("bytesPerSecond").asLong());
    assertEquals(0, shown.path("requestsPerSecond").asLong());
    assertEquals(2, shown.path("parallelism").asInt());
    assertEquals("22:00-06:00", shown.path("windows").get(0).asText());
    assertEquals("12:00-13:30", shown.path("windows").get(1).asText());
    assertEquals(
        0, MigrationController.throttleJson(Migration.Throttle.UNLIMITED).path("windows").size());
  }

  @Test
  void badWindowsGetAClear400() throws Exception {
    assertTrue(refusal("{\"windows\":\"22:00-06:00\"}").contains("must be an array"));
    assertTrue(refusal("{\"windows\":[2200]}").contains("must be an array of"));
    assertTrue(refusal("{\"windows\":[[\"22:00-06:00\"]]}").contains("must be an array of"));
    assertTrue(refusal("{\"windows\":[\"22:00\"]}").contains("'22:00' is not HH:MM-HH:MM"));
    assertTrue(refusal("{\"windows\":[\"10pm-6am\"]}").contains("is not HH:MM-HH:MM"));
    assertTrue(refusal("{\"windows\":[\"24:00-06:00\"]}").contains("hours go from 00 to 23"));
    assertTrue(refusal("{\"windows\":[\"22:00-06:60\"]}").contains("minutes go from 00 to 59"));
    assertTrue(refusal("{\"windows\":[\"06:00-06:00\"]}").contains("starts where it ends"));
    StringBuilder many = new StringBuilder("{\"windows\":[");
    for (int i = 0; i < 25; i++) {
      many.append(i == 0 ? "" : ",").append("\"01:00-02:00\"");
    }
    assertTrue(refusal(many + "]}").contains("at most 24 windows"));
    // the other fields are checked as before
    assertTrue(refusal("{\"window\":[]}").contains("Unknown throttle field 'window'"));
  }
}
