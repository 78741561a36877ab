package io.archipelago.engine.store;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Swift's X-Timestamp: seconds since the epoch with five decimals (10 microsecond steps), rendered
 * as {@code 1700000000.12345}. Newest timestamp wins. Held as a count of 10 microsecond ticks so
 * that comparison is exact. In JSON and CBOR it is its text, {@link #internal()}.
 */
@JsonDeserialize(using = SwiftTimestamp.FromText.class)
public record SwiftTimestamp(long ticks) implements Comparable<SwiftTimestamp> {

  /** Only timestamps Swift can represent exist, so no overflowed value is ever stored. */
  public SwiftTimestamp {
    if (ticks < 0 || ticks > MAX_TICKS) {
      throw new IllegalArgumentException("timestamp out of range: " + ticks + " ticks");
    }
  }

  private static final long TICKS_PER_SECOND = 100_000;
  private static final double PRECISION = 1e-5;

  /** 9999999999.99999, the largest timestamp Swift writes with ten digits of seconds. */
  public static final long MAX_TICKS = 10_000_000_000L * TICKS_PER_SECOND - 1;

  /** Swift's MAX_OFFSET, {@code 16 ** 16 - 1}. */
  private static final BigInteger MAX_OFFSET =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** What Python's {@code float()} reads, less its NaN and infinities (and non-ASCII digits). */
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  /** What Python's {@code int(text, 16)} reads (underscores are refused before). */
  private static final Pattern OFFSET = Pattern.compile("([+-]?)(?:0[xX])?([0-9a-fA-F]+)");

  private static final Logger log = LoggerFactory.getLogger(SwiftTimestamp.class);
  private static final AtomicLong LAST_ISSUED = new AtomicLong();
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  /** Now; strictly increasing within this JVM so that two writes never tie here. */
  public static SwiftTimestamp now() {
    Instant now = Instant.now();
    long candidate = now.getEpochSecond() * TICKS_PER_SECOND + now.getNano() / 10_000;
    return new SwiftTimestamp(
        LAST_ISSUED.accumulateAndGet(candidate, (last, c) -> Math.max(last + 1, c)));
  }

  /** The instant, clamped to the range Swift allows (1970 to 2286). */
  public static SwiftTimestamp ofInstant(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < 0 || seconds > MAX_TICKS / TICKS_PER_SECOND) {
      return new SwiftTimestamp(seconds < 0 ? 0 : MAX_TICKS);
    }
    return new SwiftTimestamp(seconds * TICKS_PER_SECOND + instant.getNano() / 10_000);
  }

  /**
   * Parses a client's or a peer's X-Timestamp exactly as Swift 2.30.1's {@code Timestamp} does
   * (swift/common/utils.py): a float as Python's {@code float()} reads it ({@code
   * 1700000000.12345}, {@code 1700000000}, {@code 1.7e9}, surrounding whitespace), optionally
   * followed by {@code _} and an offset in hexadecimal as {@code int(text, 16)} reads it (at most
   * {@code ffffffffffffffff}; the offset only orders writes of one instant inside Swift and is
   * dropped here). The value must not be negative and must be below 10000000000; it is rounded to
   * 10 microseconds as Swift rounds it. One difference: a value that rounds up to 10000000000.00000
   * (from 9999999999.999995 on), which Swift accepts but cannot send on, is refused too. NaN and
   * infinity are refused (Swift answers 500 for the latter).
   *
   * @throws IllegalArgumentException when the text is not such a timestamp
   */
  public static SwiftTimestamp parse(String text) {
    int underscore = text.indexOf('_');
    String base = underscore < 0 ? text : text.substring(0, underscore);
    if (underscore >= 0) {
      checkOffset(text.substring(underscore + 1));
    }
    String number = base.strip();
    if (!FLOAT.matcher(number).matches()) {
      throw new IllegalArgumentException("could not convert string to float: " + text);
    }
    double seconds = Double.parseDouble(number);
    if (seconds < 0) {
      throw new IllegalArgumentException("timestamp cannot be negative");
    }
    if (seconds >= 10_000_000_000.0) {
      throw new IllegalArgumentException("timestamp too large");
    }
    long ticks = (long) Math.rint(seconds / PRECISION);
    if (ticks > MAX_TICKS) {
      throw new IllegalArgumentException("timestamp too large");
    }
    return new SwiftTimestamp(ticks);
  }

  /** Python's {@code int(offset, 16)} as Swift applies it, bounded by Swift's MAX_OFFSET. */
  private static void checkOffset(String offset) {
    if (offset.indexOf('_') >= 0) {
      throw new IllegalArgumentException("invalid literal for int() with base 16: " + offset);
    }
    if (offset.isEmpty()) {
      return;
    }
    var m = OFFSET.matcher(offset.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid literal for int() with base 16: " + offset);
    }
    if (new BigInteger(m.group(1) + m.group(2), 16).compareTo(MAX_OFFSET) > 0) {
      throw new IllegalArgumentException("offset must be smaller than " + MAX_OFFSET);
    }
  }

  /**
   * Reads a timestamp the gateway stored earlier (journal, snapshots, backend metadata): never
   * fails, so that what was once written stays readable. Gateways before the X-Timestamp check
   * could store values that overflowed (such as {@code 00000000-1.00000}); those, and anything else
   * out of range, are clamped to the range Swift allows, and unreadable text is read as 0.
   */
  public static SwiftTimestamp fromStored(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException notSwift) {
      SwiftTimestamp read = new SwiftTimestamp(clamp(legacyTicks(text.trim())));
      log.warn("stored timestamp '{}' is not a valid Swift timestamp; read as {}", text, read);
      return read;
    }
  }

  /**
   * The ticks the old text form meant: seconds and fraction as it wrote them, each possibly
   * negative after its zero padding ({@code 00000000-1.00000} is -100000 ticks).
   */
  private static long legacyTicks(String text) {
    int dot = text.indexOf('.');
    try {
      long seconds = Long.parseLong(stripZeros(dot < 0 ? text : text.substring(0, dot)));
      long fraction = dot < 0 ? 0 : Long.parseLong(stripZeros(text.substring(dot + 1)));
      return Math.addExact(Math.multiplyExact(seconds, TICKS_PER_SECOND), fraction);
    } catch (ArithmeticException overflow) {
      return text.contains("-") ? 0 : MAX_TICKS;
    } catch (NumberFormatException unreadable) {
      return 0;
    }
  }

  private static String stripZeros(String digits) {
    int i = 0;
    while (i < digits.length() - 1 && digits.charAt(i) == '0') {
      i++;
    }
    return digits.substring(i);
  }

  private static long clamp(long ticks) {
    return Math.max(0, Math.min(MAX_TICKS, ticks));
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
   * Reads the text form, leniently ({@link #fromStored}): Jackson reads what the gateway stored and
   * what nodes send each other, never a client's input. A {@code @JsonCreator} on {@link #parse}
   * does not work here: with the parameter names module in {@code PROPERTIES} mode, as Akka's
   * serializers configure it, Jackson 2.13 takes the factory's parameter for a property of the
   * record and fails.
   */
  static final class FromText extends FromStringDeserializer<SwiftTimestamp> {
    FromText() {
      super(SwiftTimestamp.class);
    }

    @Override
    protected SwiftTimestamp _deserialize(String value, DeserializationContext ctxt) {
      return fromStored(value);
    }
  }
}
