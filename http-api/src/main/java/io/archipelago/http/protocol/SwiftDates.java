package io.archipelago.http.protocol;

import io.archipelago.engine.store.SwiftTimestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Dates derived from X-Timestamps the way Swift derives them. */
public final class SwiftDates {

  private static final DateTimeFormatter SEGMENT_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  private SwiftDates() {}

  /** The second of {@code Last-Modified}: the timestamp rounded up, as Swift does. */
  public static long lastModifiedSeconds(SwiftTimestamp t) {
    long ticks = t.ticks();
    return ticks / 100_000 + (ticks % 100_000 == 0 ? 0 : 1);
  }

  /** An SLO manifest's {@code last_modified} of a segment: its Last-Modified, ISO form. */
  public static String segmentDate(SwiftTimestamp t) {
    return SEGMENT_DATE.format(Instant.ofEpochSecond(lastModifiedSeconds(t)));
  }
}
