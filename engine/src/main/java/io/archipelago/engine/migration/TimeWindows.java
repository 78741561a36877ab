package io.archipelago.engine.migration;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times of day (UTC) at which a migration, or the migrations using a backend, may start object
 * transfers and removals: {@code "HH:MM-HH:MM"} each, the start included and the end excluded; a
 * window whose end is before its start wraps over midnight ({@code "22:00-06:00"}). No window at
 * all means always.
 */
public final class TimeWindows {

  /** More would be a schedule, not windows; the admin API refuses them. */
  public static final int MAX_WINDOWS = 24;

  private static final Pattern FORMAT = Pattern.compile("(\\d{2}):(\\d{2})-(\\d{2}):(\\d{2})");
  private static final int DAY_MINUTES = 24 * 60;
  private static final long DAY_NANOS = Duration.ofDays(1).toNanos();

  public static final TimeWindows ALWAYS = new TimeWindows(List.of());

  /** One window, in minutes of the day. */
  record Window(int start, int end) {
    boolean contains(long nanoOfDay) {
      long s = start * 60_000_000_000L;
      long e = end * 60_000_000_000L;
      return s < e ? nanoOfDay >= s && nanoOfDay < e : nanoOfDay >= s || nanoOfDay < e;
    }

    /** Nanoseconds from {@code nanoOfDay} to this window's next start (0 to a day). */
    long untilStart(long nanoOfDay) {
      return Math.floorMod(start * 60_000_000_000L - nanoOfDay, DAY_NANOS);
    }
  }

  private final List<Window> windows;

  private TimeWindows(List<Window> windows) {
    this.windows = List.copyOf(windows);
  }

  /**
   * Parses the windows as the throttle and the config give them.
   *
   * @throws IllegalArgumentException naming the bad window and why
   */
  public static TimeWindows parse(List<String> windows) {
    if (windows.size() > MAX_WINDOWS) {
      throw new IllegalArgumentException(
          "at most " + MAX_WINDOWS + " windows, not " + windows.size());
    }
    List<Window> parsed = new ArrayList<>();
    for (String w : windows) {
      parsed.add(window(w));
    }
    return new TimeWindows(parsed);
  }

  private static Window window(String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "window '" + text + "' is not HH:MM-HH:MM (UTC, e.g. 22:00-06:00)");
    }
    int start = minutes(text, m.group(1), m.group(2));
    int end = minutes(text, m.group(3), m.group(4));
    if (start == end) {
      throw new IllegalArgumentException(
          "window '" + text + "' starts where it ends (leave the windows out for always)");
    }
    return new Window(start, end);
  }

  private static int minutes(String text, String hours, String minutes) {
    int h = Integer.parseInt(hours);
    int m = Integer.parseInt(minutes);
    if (h > 23) {
      throw new IllegalArgumentException("window '" + text + "': hours go from 00 to 23");
    }
    if (m > 59) {
      throw new IllegalArgumentException("window '" + text + "': minutes go from 00 to 59");
    }
    return h * 60 + m;
  }

  public boolean always() {
    return windows.isEmpty();
  }

  /** How long from {@code now} until a window is open: zero inside one (or with none). */
  public Duration untilOpen(Instant now) {
    if (windows.isEmpty()) {
      return Duration.ZERO;
    }
    long nanoOfDay = now.atOffset(ZoneOffset.UTC).toLocalTime().toNanoOfDay();
    long least = Long.MAX_VALUE;
    for (Window w : windows) {
      if (w.contains(nanoOfDay)) {
        return Duration.ZERO;
      }
      least = Math.min(least, w.untilStart(nanoOfDay));
    }
    return Duration.ofNanos(least);
  }

  /**
   * How long from {@code now} until every one of {@code all} is open at once; empty when they never
   * are (windows that do not overlap).
   */
  public static Optional<Duration> untilAllOpen(List<TimeWindows> all, Instant now) {
    Instant at = now;
    Instant limit = now.plus(Duration.ofDays(1)).plusSeconds(60);
    while (!at.isAfter(limit)) {
      Duration wait = Duration.ZERO;
      for (TimeWindows w : all) {
        Duration d = w.untilOpen(at);
        if (d.compareTo(wait) > 0) {
          wait = d;
        }
      }
      if (wait.isZero()) {
        return Optional.of(Duration.between(now, at));
      }
      // at the latest opening of those closed: each step reaches the start of another window
      at = at.plus(wait);
    }
    return Optional.empty();
  }
}
