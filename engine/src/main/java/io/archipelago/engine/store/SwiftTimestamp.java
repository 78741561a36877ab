package io.archipelago.engine.store;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Swift's X-Timestamp: seconds since the epoch with five decimals (10 microsecond steps),
 * rendered as {@code 1700000000.12345}. Newest timestamp wins. Held as a count of 10 microsecond
 * ticks so that comparison is exact. In JSON and CBOR it is its text, {@link #internal()}.
 */
@JsonDeserialize(using = SwiftTimestamp.FromText.class)
public record SwiftTimestamp(long ticks) implements Comparable<SwiftTimestamp> {

  private static final long TICKS_PER_SECOND = 100_000;
  private static final AtomicLong LAST_ISSUED = new AtomicLong();
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  /** Now; strictly increasing within this JVM so that two writes never tie here. */
  public static SwiftTimestamp now() {
    Instant now = Instant.now();
    long candidate = now.getEpochSecond() * TICKS_PER_SECOND + now.getNano() / 10_000;
    return new SwiftTimestamp(LAST_ISSUED.accumulateAndGet(candidate, (last, c) -> Math.max(last + 1, c)));
  }

  public static SwiftTimestamp ofInstant(Instant instant) {
    return new SwiftTimestamp(instant.getEpochSecond() * TICKS_PER_SECOND + instant.getNano() / 10_000);
  }

  /** Parses {@code 1700000000.12345}, {@code 1700000000} or {@code 1700000000.1}. */
  public static SwiftTimestamp parse(String text) {
    String t = text.trim();
    int underscore = t.indexOf('_'); // Swift's offset suffix; the base is what orders writes
    if (underscore >= 0) {
      t = t.substring(0, underscore);
    }
    int dot = t.indexOf('.');
    long seconds = Long.parseLong(dot < 0 ? t : t.substring(0, dot));
    long fraction = 0;
    if (dot >= 0) {
      String digits = (t.substring(dot + 1) + "00000").substring(0, 5);
      fraction = Long.parseLong(digits);
    }
    if (seconds < 0) {
      throw new NumberFormatException("negative timestamp " + text);
    }
    return new SwiftTimestamp(seconds * TICKS_PER_SECOND + fraction);
  }

  public Instant toInstant() {
    return Instant.ofEpochSecond(ticks / TICKS_PER_SECOND, (ticks % TICKS_PER_SECOND) * 10_000);
  }

  /** {@code Last-Modified}: whole seconds rounded up, as Swift does. */
  public String toHttpDate() {
    long seconds = ticks / TICKS_PER_SECOND + (ticks % TICKS_PER_SECOND == 0 ? 0 : 1);
    return HTTP_DATE.format(Instant.ofEpochSecond(seconds));
  }

  /** ISO-8601 with microseconds, as Swift's JSON listings print {@code last_modified}. */
  public String toListingDate() {
    Instant i = toInstant();
    return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
        .withZone(ZoneOffset.UTC)
        .format(i);
  }

  @JsonValue
  public String internal() {
    // By hand: String.format showed up in profiles of small writes.
    StringBuilder text = new StringBuilder(16);
    String seconds = Long.toString(ticks / TICKS_PER_SECOND);
    text.append("0000000000", 0, Math.max(0, 10 - seconds.length())).append(seconds).append('.');
    String fraction = Long.toString(ticks % TICKS_PER_SECOND);
    text.append("00000", 0, 5 - fraction.length()).append(fraction);
    return text.toString();
  }

  @Override
  public int compareTo(SwiftTimestamp other) {
    return Long.compare(ticks, other.ticks);
  }

  public boolean isNewerThan(SwiftTimestamp other) {
    return ticks > other.ticks;
  }

  @Override
  public String toString() {
    return internal();
  }

  /**
   * Reads the text form. A {@code @JsonCreator} on {@link #parse} does not work here: with the
   * parameter names module in {@code PROPERTIES} mode, as Akka's serializers configure it,
   * Jackson 2.13 takes the factory's parameter for a property of the record and fails.
   */
  static final class FromText extends FromStringDeserializer<SwiftTimestamp> {
    FromText() {
      super(SwiftTimestamp.class);
    }

    @Override
    protected SwiftTimestamp _deserialize(String value, DeserializationContext ctxt) {
      return parse(value);
    }
  }
}
