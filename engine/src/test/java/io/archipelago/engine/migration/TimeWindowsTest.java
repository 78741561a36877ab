package io.archipelago.engine.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeWindowsTest {

  private static Instant at(String time) {
    return Instant.parse("2026-12-05T" + time + "Z");
  }

  private static Duration until(String time, String... windows) {
    return TimeWindows.parse(List.of(windows)).untilOpen(at(time));
  }

  @Test
  void insideAWindowNothingWaits() {
    assertEquals(Duration.ZERO, until("12:00:00", "09:00-17:00"));
    assertEquals(Duration.ZERO, until("09:00:00", "09:00-17:00")); // the start is in
    assertEquals(Duration.ZERO, until("03:30:00", "22:00-06:00"));
    assertEquals(Duration.ZERO, until("23:59:59", "22:00-06:00"));
    assertEquals(Duration.ZERO, until("00:00:00", "22:00-06:00"));
    assertEquals(Duration.ZERO, until("05:00:00", "01:00-02:00", "04:00-06:00"));
    assertTrue(TimeWindows.ALWAYS.untilOpen(at("13:13:13")).isZero());
    assertTrue(TimeWindows.parse(List.of()).always());
  }

  @Test
  void outsideItWaitsForTheNextOpening() {
    assertEquals(Duration.ofHours(1), until("08:00:00", "09:00-17:00"));
    // the end is out: the next opening is tomorrow's
    assertEquals(Duration.ofHours(16), until("17:00:00", "09:00-17:00"));
    assertEquals(Duration.ofHours(16).plusMinutes(30), until("17:30:00", "10:00-12:00"));
    // wrapping over midnight
    assertEquals(Duration.ofHours(16), until("06:00:00", "22:00-06:00"));
    assertEquals(Duration.ofMinutes(90).minusSeconds(15), until("20:30:15", "22:00-06:00"));
    // several windows: the nearest opening, wrapping over midnight too
    assertEquals(Duration.ofHours(1), until("03:00:00", "01:00-02:00", "04:00-06:00"));
    assertEquals(Duration.ofHours(3), until("22:00:00", "01:00-02:00", "04:00-06:00"));
    assertEquals(Duration.ofMinutes(1), until("13:58:00", "23:00-01:00", "13:59-14:00"));
  }

  @Test
  void severalSetsWaitUntilAllAreOpenAtOnce() {
    TimeWindows own = TimeWindows.parse(List.of("22:00-06:00"));
    TimeWindows backend = TimeWindows.parse(List.of("01:00-05:00"));
    assertEquals(
        Optional.of(Duration.ofHours(3)),
        TimeWindows.untilAllOpen(List.of(own, backend), at("22:00:00")));
    assertEquals(
        Optional.of(Duration.ZERO),
        TimeWindows.untilAllOpen(List.of(own, backend), at("02:00:00")));
    // 05:00 the backend closes: both open again at 01:00 the next night
    assertEquals(
        Optional.of(Duration.ofHours(20)),
        TimeWindows.untilAllOpen(List.of(own, backend), at("05:00:00")));
    assertEquals(Optional.of(Duration.ZERO), TimeWindows.untilAllOpen(List.of(), at("05:00:00")));
    assertEquals(
        Optional.empty(),
        TimeWindows.untilAllOpen(
            List.of(
                TimeWindows.parse(List.of("01:00-02:00")),
                TimeWindows.parse(List.of("03:00-04:00"))),
            at("05:00:00")));
  }

  @Test
  void badWindowsAreRefusedWithTheReason() {
    assertThrows(IllegalArgumentException.class, () -> TimeWindows.parse(List.of("22:00")));
    assertThrows(IllegalArgumentException.class, () -> TimeWindows.parse(List.of("2:00-06:00")));
    assertThrows(IllegalArgumentException.class, () -> TimeWindows.parse(List.of(" 22:00-06:00")));
    IllegalArgumentException hours =
        assertThrows(
            IllegalArgumentException.class, () -> TimeWindows.parse(List.of("24:00-06:00")));
    assertTrue(hours.getMessage().contains("hours"), hours.getMessage());
    IllegalArgumentException minutes =
        assertThrows(
            IllegalArgumentException.class, () -> TimeWindows.parse(List.of("22:60-06:00")));
    assertTrue(minutes.getMessage().contains("minutes"), minutes.getMessage());
    IllegalArgumentException same =
        assertThrows(
            IllegalArgumentException.class, () -> TimeWindows.parse(List.of("06:00-06:00")));
    assertTrue(same.getMessage().contains("starts where it ends"), same.getMessage());
    List<String> many =
        new ArrayList<>(Collections.nCopies(TimeWindows.MAX_WINDOWS, "01:00-02:00"));
    TimeWindows.parse(many);
    many.add("01:00-02:00");
    assertThrows(IllegalArgumentException.class, () -> TimeWindows.parse(many));
    List<String> withNull = new ArrayList<>();
    withNull.add(null);
    assertThrows(IllegalArgumentException.class, () -> TimeWindows.parse(withNull));
  }
}
