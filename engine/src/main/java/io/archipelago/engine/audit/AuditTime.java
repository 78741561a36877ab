package io.archipelago.engine.audit;

import io.archipelago.engine.store.SwiftTimestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Instants as operators write them: ISO-8601 ({@code 2024-03-01T12:00:00Z}) or a Swift timestamp.
 */
public final class AuditTime {

  private AuditTime() {}

  public static Instant parse(String text) {
    String t = text.trim();
    if (!t.isEmpty() && t.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == '_')) {
      return SwiftTimestamp.parse(t).toInstant();
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is neither an ISO-8601 instant (2024-03-01T12:00:00Z) nor a Swift timestamp");
    }
  }
}
