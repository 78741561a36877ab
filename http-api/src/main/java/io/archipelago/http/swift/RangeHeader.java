package io.archipelago.http.swift;

import io.archipelago.engine.store.ByteRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Parses {@code Range: bytes=...}. A header Swift would not understand is ignored (the whole
 * object is served), as Swift does.
 */
final class RangeHeader {

  private RangeHeader() {}

  static List<ByteRange> parse(Optional<String> header) {
    if (header.isEmpty()) {
      return List.of();
    }
    String value = header.get().trim();
    if (!value.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
      return List.of();
    }
    List<ByteRange> ranges = new ArrayList<>();
    for (String spec : value.substring(6).split(",")) {
      String s = spec.trim();
      int dash = s.indexOf('-');
      if (dash < 0) {
        return List.of();
      }
      String first = s.substring(0, dash).trim();
      String last = s.substring(dash + 1).trim();
      try {
        if (first.isEmpty()) {
          if (last.isEmpty()) {
            return List.of();
          }
          ranges.add(new ByteRange.Suffix(Long.parseLong(last)));
        } else if (last.isEmpty()) {
          ranges.add(new ByteRange.From(Long.parseLong(first)));
        } else {
          long f = Long.parseLong(first);
          long l = Long.parseLong(last);
          if (l < f) {
            return List.of();
          }
          ranges.add(new ByteRange.FromTo(f, l));
        }
      } catch (NumberFormatException e) {
        return List.of();
      }
    }
    return ranges;
  }
}
