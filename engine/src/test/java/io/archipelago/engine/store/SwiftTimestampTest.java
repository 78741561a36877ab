package io.archipelago.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SwiftTimestampTest {

  /**
   * Configured as Akka's Jackson serializers configure theirs: the parameter names module in
   * {@code PROPERTIES} mode (and we compile with {@code -parameters}), under which a
   * single-argument creator reads an object with a property of the parameter's name, unless it
   * says it is delegating.
   */
  private static final ObjectMapper MAPPER =
      new ObjectMapper().registerModule(new ParameterNamesModule(JsonCreator.Mode.PROPERTIES));

  /** A record holding timestamps, as events and states do. */
  public record Stamped(String name, SwiftTimestamp at, List<SwiftTimestamp> history) {}

  @Test
  void parsesAndFormatsSwiftsNotation() {
    assertEquals("1700000000.12345", SwiftTimestamp.parse("1700000000.12345").internal());
    assertEquals("1700000000.00000", SwiftTimestamp.parse("1700000000").internal());
    assertEquals("1700000000.10000", SwiftTimestamp.parse("1700000000.1").internal());
    assertEquals("0000000001.00001", SwiftTimestamp.parse("1.00001").internal());
    assertEquals("1700000000.12345", SwiftTimestamp.parse("1700000000.12345").toString());
  }

  @Test
  void roundTripsThroughItsText() {
    for (String text : List.of("1700000000.12345", "1700000000", "1700000000.1", "0.00001", "9999999999.99999")) {
      SwiftTimestamp t = SwiftTimestamp.parse(text);
      assertEquals(t, SwiftTimestamp.parse(t.internal()), text);
    }
  }

  @Test
  void countsTenMicrosecondTicks() {
    assertEquals(170000000012345L, SwiftTimestamp.parse("1700000000.12345").ticks());
    assertEquals(170000000010000L, SwiftTimestamp.parse("1700000000.1").ticks());
    assertEquals(Instant.parse("2023-11-14T22:13:20.12345Z"), SwiftTimestamp.parse("1700000000.12345").toInstant());
    assertEquals(
        SwiftTimestamp.parse("1700000000.12345"),
        SwiftTimestamp.ofInstant(Instant.parse("2023-11-14T22:13:20.123459999Z")));
  }

  @Test
  void ignoresSwiftsOffsetSuffix() {
    assertEquals(SwiftTimestamp.parse("1700000000.12345"), SwiftTimestamp.parse("1700000000.12345_0000000000000001"));
  }

  @Test
  void rejectsWhatIsNotATimestamp() {
    assertThrows(NumberFormatException.class, () -> SwiftTimestamp.parse("yesterday"));
    assertThrows(NumberFormatException.class, () -> SwiftTimestamp.parse("-5.0"));
    assertThrows(NumberFormatException.class, () -> SwiftTimestamp.parse(""));
  }

  @Test
  void ordersByTime() {
    SwiftTimestamp a = SwiftTimestamp.parse("1700000000.00001");
    SwiftTimestamp b = SwiftTimestamp.parse("1700000000.1");
    SwiftTimestamp c = SwiftTimestamp.parse("1700000001");
    // "1700000000.00001" < "1700000000.1" also textually, but 999999999.9 < 1700000000 is not.
    SwiftTimestamp early = SwiftTimestamp.parse("999999999.9");

    List<SwiftTimestamp> list = new ArrayList<>(List.of(c, early, b, a));
    Collections.sort(list);
    assertEquals(List.of(early, a, b, c), list);
    assertTrue(b.isNewerThan(a));
    assertFalse(a.isNewerThan(b));
    assertFalse(a.isNewerThan(SwiftTimestamp.parse("1700000000.00001")));
    assertEquals(0, a.compareTo(SwiftTimestamp.parse("1700000000.00001")));
  }

  @Test
  void httpDateRoundsUpToTheNextSecond() {
    assertEquals("Tue, 14 Nov 2023 22:13:20 GMT", SwiftTimestamp.parse("1700000000").toHttpDate());
    assertEquals("Tue, 14 Nov 2023 22:13:21 GMT", SwiftTimestamp.parse("1700000000.00001").toHttpDate());
    assertEquals("Tue, 14 Nov 2023 22:13:21 GMT", SwiftTimestamp.parse("1700000000.99999").toHttpDate());
  }

  @Test
  void listingDateHasMicroseconds() {
    assertEquals("2023-11-14T22:13:20.123450", SwiftTimestamp.parse("1700000000.12345").toListingDate());
  }

  @Test
  void nowIsStrictlyIncreasing() {
    SwiftTimestamp previous = SwiftTimestamp.now();
    for (int i = 0; i < 100_000; i++) {
      SwiftTimestamp next = SwiftTimestamp.now();
      SwiftTimestamp before = previous;
      assertTrue(next.isNewerThan(before), () -> next + " after " + before);
      previous = next;
    }
  }

  @Test
  void nowIsStrictlyIncreasingAcrossThreads() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    List<List<SwiftTimestamp>> issued = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<SwiftTimestamp> mine = new ArrayList<>();
      issued.add(mine);
      workers.add(new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          mine.add(SwiftTimestamp.now());
        }
      }));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    // No two callers ever receive the same timestamp.
    assertEquals(threads * perThread, issued.stream().flatMap(List::stream).distinct().count());
  }

  @Test
  void jsonRoundTripAsAField() throws Exception {
    ObjectMapper mapper = MAPPER;
    Stamped stamped =
        new Stamped(
            "x",
            SwiftTimestamp.parse("1700000000.12345"),
            List.of(SwiftTimestamp.parse("1"), SwiftTimestamp.parse("1700000000.1")));

    String json = mapper.writeValueAsString(stamped);

    assertEquals(
        Map.of(
            "name", "x",
            "at", "1700000000.12345",
            "history", List.of("0000000001.00000", "1700000000.10000")),
        mapper.readValue(json, Map.class));
    assertEquals(stamped, mapper.readValue(json, Stamped.class));
  }

  @Test
  void jsonRoundTripOnItsOwn() throws Exception {
    ObjectMapper mapper = MAPPER;
    SwiftTimestamp t = SwiftTimestamp.parse("1700000000.5");

    assertEquals("\"1700000000.50000\"", mapper.writeValueAsString(t));
    assertEquals(t, mapper.readValue("\"1700000000.5\"", SwiftTimestamp.class));
  }
}
