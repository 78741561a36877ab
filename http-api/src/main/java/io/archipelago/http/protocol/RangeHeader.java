package io.archipelago.http.protocol;

import io.archipelago.engine.store.ByteRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code Range: bytes=...} as Swift's swob reads it. A header with any syntactically invalid range
 * is ignored (the whole object is served). Resolved against a length, the satisfiable ranges are
 * kept in the order asked for; none left, or an egregious set (more than 50 ranges, more than 2
 * overlapping, 8 or more out of order), means 416.
 */
public final class RangeHeader {

  public static final int MAX_RANGES = 50;
  public static final int MAX_RANGE_OVERLAPS = 2;
  public static final int MAX_NONASCENDING_RANGES = 8;

  /** One {@code first-last} spec; either bound may be absent (never both). */
  public record Spec(Long first, Long last) {}

  private RangeHeader() {}

  /** The specs of the header, or empty when there is no usable Range header. */
  public static Optional<List<Spec>> parse(Optional<String> header) {
    if (header.isEmpty() || header.get().isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().replace(" ", "");
    if (!value.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
      return Optional.empty();
    }
    List<Spec> specs = new ArrayList<>();
    for (String spec : value.substring(6).split(",", -1)) {
      int dash = spec.indexOf('-');
      if (dash < 0) {
        return Optional.empty();
      }
      String first = spec.substring(0, dash);
      String last = spec.substring(dash + 1);
      Long f = null;
      Long l = null;
      if (!first.isEmpty()) {
        f = number(first);
        if (f == null) {
          return Optional.empty();
        }
      }
      if (!last.isEmpty()) {
        l = number(last);
        if (l == null || (f != null && l < f)) {
          return Optional.empty();
        }
      } else if (f == null) {
        return Optional.empty();
      }
      specs.add(new Spec(f, l));
    }
    return specs.isEmpty() ? Optional.empty() : Optional.of(specs);
  }

  private static Long number(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return null;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return null;
      }
    }
    return Long.parseLong(digits);
  }

  /**
   * swob's {@code ranges_for_length}: the byte ranges to serve (inclusive bounds); an empty list
   * means "not satisfiable" (416).
   */
  public static List<ByteRange.Resolved> resolve(List<Spec> specs, long length) {
    List<long[]> all = new ArrayList<>(); // half-open [start, end)
    for (Spec s : specs) {
      if (s.first() == null) {
        long suffix = s.last();
        if (suffix == 0) {
          continue;
        }
        all.add(suffix > length ? new long[] {0, length} : new long[] {length - suffix, length});
      } else if (s.last() == null) {
        if (s.first() < length) {
          all.add(new long[] {s.first(), length});
        }
      } else if (s.first() < length) {
        all.add(new long[] {s.first(), Math.min(s.last() + 1, length)});
      }
    }
    if (all.size() > MAX_RANGES) {
      return List.of();
    }
    int overlaps = 0;
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) {
        long s1 = all.get(i)[0];
        long e1 = all.get(i)[1];
        long s2 = all.get(j)[0];
        long e2 = all.get(j)[1];
        if ((s1 < s2 && s2 < e1)
            || (s1 < e2 && e2 < e1)
            || (s2 < s1 && s1 < e2)
            || (s2 < e1 && e1 < e2)) {
          if (++overlaps > MAX_RANGE_OVERLAPS) {
            return List.of();
          }
        }
      }
    }
    boolean ascending = true;
    for (int i = 0; i + 1 < all.size(); i++) {
      long[] a = all.get(i);
      long[] b = all.get(i + 1);
      if (a[0] > b[0] || (a[0] == b[0] && a[1] > b[1])) {
        ascending = false;
        break;
      }
    }
    if (!ascending && all.size() >= MAX_NONASCENDING_RANGES) {
      return List.of();
    }
    List<ByteRange.Resolved> result = new ArrayList<>(all.size());
    for (long[] r : all) {
      // an empty object yields [0, 0): kept so that the caller serves it whole, as swob does
      result.add(new ByteRange.Resolved(r[0], r[1] - 1));
    }
    return result;
  }
}
