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
   * Configured as Akka's Jackson serializers configure theirs: the parameter names module in {@code
   * PROPERTIES} mode (and we compile with {@code -parameters}), under which a single-argument
   * creator reads an object with a property of the parameter's name, unless it says it is
   * delegating.
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
    for (String text :
        List.of("1700000000.12345", "1700000000", "1700000000.1", "0.00001", "9999999999.99999")) {
      SwiftTimestamp t = SwiftTimestamp.parse(text);
      assertEquals(t, SwiftTimestamp.parse(t.internal()), text);
    }
  }

  /** Parsing goes through a double, as Swift's does: every tick of the range must survive it. */
  @Test
  void everyTickRoundTripsThroughItsText() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      long ticks = random.nextLong(SwiftTimestamp.MAX_TICKS + 1);
      SwiftTimestamp t = new SwiftTimestamp(ticks);
      assertEquals(t, SwiftTimestamp.parse(t.internal()), t.internal());
    }
    for (long ticks :
        new long[] {
          0, 1, 99_999, 100_000, SwiftTimestamp.MAX_TICKS - 1, SwiftTimestamp.MAX_TICKS
        }) {
      assertEquals(ticks, SwiftTimestamp.parse(new SwiftTimestamp(ticks).internal()).ticks());
    }
  }

  @Test
  void countsTenMicrosecondTicks() {
    assertEquals(170000000012345L, SwiftTimestamp.parse("1700000000.12345").ticks());
    assertEquals(170000000010000L, SwiftTimestamp.parse("1700000000.1").ticks());
    assertEquals(
        Instant.parse("2023-11-14T22:13:20.12345Z"),
        SwiftTimestamp.parse("1700000000.12345").toInstant());
    assertEquals(
        SwiftTimestamp.parse("1700000000.12345"),
        SwiftTimestamp.ofInstant(Instant.parse("2023-11-14T22:13:20.123459999Z")));
  }

  @Test
  void ignoresSwiftsOffsetSuffix() {
    assertEquals(
        SwiftTimestamp.parse("1700000000.12345"),
        SwiftTimestamp.parse("1700000000.12345_0000000000000001"));
  }

  @Test
  void rejectsWhatIsNotATimestamp() {
    assertThrows(IllegalArgumentException.class, () -> SwiftTimestamp.parse("yesterday"));
    assertThrows(IllegalArgumentException.class, () -> SwiftTimestamp.parse("-5.0"));
    assertThrows(IllegalArgumentException.class, () -> SwiftTimestamp.parse(""));
  }

  /** What Swift 2.30.1's Timestamp refuses (ValueError, or OverflowError for infinities). */
  @Test
  void refusesWhatSwiftRefuses() {
    for (String text :
        List.of(
            // out of range: these overflowed a long of 10 microsecond ticks and were stored as
            // garbage
            "9223372036854775807",
            "99999999999999",
            "92233720368548",
            "10000000000",
            "1e10",
            // Swift accepts this one but rounds it to 10000000000.00000, which it refuses
            // downstream
            "9999999999.999996",
            "-0.00001",
            "-1",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "1e400",
            // not Python floats
            ".",
            "1.2.3",
            "0x10",
            "1,5",
            "1 2",
            "1d",
            "1f",
            "1e",
            "e5",
            "+-1",
            // offsets: hexadecimal, no second underscore, at most 16 ** 16 - 1
            "1234567890.12345_",
            "1234567890.12345_xyz",
            "1234567890.12345_1_2",
            "1234567890.12345_10000000000000000",
            "1234567890.12345_0x",
            "_1")) {
      if (text.equals("1234567890.12345_")) {
        continue; // an empty offset is Swift's offset 0: accepted, see below
      }
      assertThrows(IllegalArgumentException.class, () -> SwiftTimestamp.parse(text), text);
    }
  }

  /** What Swift 2.30.1's Timestamp accepts, rounded to 10 microseconds as Swift rounds it. */
  @Test
  void acceptsWhatSwiftAccepts() {
    Map<String, String> accepted = new java.util.LinkedHashMap<>();
    accepted.put("1234567890.12345_000000000000000a", "1234567890.12345");
    accepted.put("1234567890.12345_ffffffffffffffff", "1234567890.12345");
    accepted.put("1234567890.12345_0XFF", "1234567890.12345");
    accepted.put("1234567890.12345_", "1234567890.12345");
    accepted.put("9999999999.99999", "9999999999.99999");
    accepted.put("0", "0000000000.00000");
    accepted.put("-0", "0000000000.00000");
    accepted.put("-0.000001", null);
    accepted.put(" 1.7e9 ", "1700000000.00000");
    accepted.put("+5.", "0000000005.00000");
    accepted.put(".5", "0000000000.50000");
    accepted.put("1700000000.123456", "1700000000.12346");
    accepted.put("1700000000.000004", "1700000000.00000");
    for (var e : accepted.entrySet()) {
      if (e.getValue() == null) {
        assertThrows(
            IllegalArgumentException.class, () -> SwiftTimestamp.parse(e.getKey()), e.getKey());
      } else {
        assertEquals(e.getValue(), SwiftTimestamp.parse(e.getKey()).internal(), e.getKey());
      }
    }
  }

  @Test
  void noTimestampOutsideSwiftsRangeExists() {
    assertThrows(IllegalArgumentException.class, () -> new SwiftTimestamp(-100_000));
    assertThrows(
        IllegalArgumentException.class, () -> new SwiftTimestamp(SwiftTimestamp.MAX_TICKS + 1));
    assertEquals(
        "9999999999.99999",
        SwiftTimestamp.ofInstant(Instant.parse("3000-01-01T00:00:00Z")).internal());
    assertEquals(
        "0000000000.00000",
        SwiftTimestamp.ofInstant(Instant.parse("1960-01-01T00:00:00Z")).internal());
  }

  /**
   * What gateways before the check stored stays readable: X-Timestamp 9223372036854775807 was
   * stored as {@code 00000000-1.00000} (-100000 ticks); such values are clamped into range.
   */
  @Test
  void readsWhatOldGatewaysStoredClamped() throws Exception {
    assertEquals(new SwiftTimestamp(0), SwiftTimestamp.fromStored("00000000-1.00000"));
    assertEquals(new SwiftTimestamp(0), SwiftTimestamp.fromStored("0000000000.000-5"));
    assertEquals(
        new SwiftTimestamp(SwiftTimestamp.MAX_TICKS),
        SwiftTimestamp.fromStored("92233720368547.75807"));
    assertEquals(new SwiftTimestamp(0), SwiftTimestamp.fromStored("garbage"));
    assertEquals(
        SwiftTimestamp.parse("1700000000.12345"), SwiftTimestamp.fromStored("1700000000.12345"));
    assertEquals(
        new Stamped("x", new SwiftTimestamp(0), List.of()),
        MAPPER.readValue(
            "{\"name\":\"x\",\"at\":\"00000000-1.00000\",\"history\":[]}", Stamped.class));
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
    assertEquals(
        "Tue, 14 Nov 2023 22:13:21 GMT", SwiftTimestamp.parse("1700000000.00001").toHttpDate());
    assertEquals(
        "Tue, 14 Nov 2023 22:13:21 GMT", SwiftTimestamp.parse("1700000000.99999").toHttpDate());
  }

  @Test
  void listingDateHasMicroseconds() {
    assertEquals(
        "2023-11-14T22:13:20.123450", SwiftTimestamp.parse("1700000000.12345").toListingDate());
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
      workers.add(
          new Thread(
              () -> {
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
