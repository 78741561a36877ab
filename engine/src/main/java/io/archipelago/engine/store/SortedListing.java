package io.archipelago.engine.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Swift listing semantics (prefix, delimiter, marker, end_marker, limit, reverse) over a sorted map
 * whose comparator is {@link NameOrder#UTF8}. Used for account listings and in-memory stores.
 */
public final class SortedListing {

  private SortedListing() {}

  /**
   * @param toRow turns a key and its value into a row
   * @param toSubdir turns a rolled-up prefix into a row
   */
  public static <V, R> List<R> page(
      NavigableMap<String, V> sorted,
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse,
      BiFunction<String, V, R> toRow,
      Function<String, R> toSubdir) {
    return page(
        sorted,
        prefix,
        delimiter,
        marker,
        endMarker,
        limit,
        reverse,
        toRow,
        toSubdir,
        r -> 0,
        Long.MAX_VALUE);
  }

  /**
   * As above, and stops once the rows' sizes reach {@code byteBudget} (the row that reaches it is
   * included): a page then holds fewer than {@code limit} rows though more may follow, and the
   * caller continues with the last row as marker.
   *
   * @param rowBytes an upper bound of a row's size, in the unit of {@code byteBudget}
   */
  public static <V, R> List<R> page(
      NavigableMap<String, V> sorted,
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse,
      BiFunction<String, V, R> toRow,
      Function<String, R> toSubdir,
      ToLongFunction<R> rowBytes,
      long byteBudget) {
    List<R> rows = new ArrayList<>();
    long spent = 0;
    if (limit <= 0) {
      return rows;
    }
    NavigableMap<String, V> view = reverse ? sorted.descendingMap() : sorted;
    String p = prefix.orElse("");
    Optional<String> start = marker.filter(m -> !m.isEmpty());
    Map.Entry<String, V> entry;
    if (start.isPresent()) {
      entry = view.higherEntry(start.get());
    } else if (!reverse && !p.isEmpty()) {
      entry = view.ceilingEntry(p);
    } else {
      entry = view.firstEntry();
    }
    while (entry != null && rows.size() < limit && spent < byteBudget) {
      String key = entry.getKey();
      if (endMarker.isPresent() && !endMarker.get().isEmpty()) {
        int c = NameOrder.compare(key, endMarker.get());
        if (reverse ? c <= 0 : c >= 0) {
          break;
        }
      }
      if (!key.startsWith(p)) {
        // Past the prefix's range: above it going forward, below it in reverse.
        if (NameOrder.compare(key, p) > 0 ? !reverse : reverse) {
          break;
        }
        entry = view.higherEntry(key);
        continue;
      }
      if (delimiter.isPresent() && !delimiter.get().isEmpty()) {
        int at = key.indexOf(delimiter.get(), p.length());
        if (at >= 0) {
          String subdir = key.substring(0, at + delimiter.get().length());
          // A client pages on with the last row as marker; as Swift, do not repeat that subdir.
          if (!start.isPresent() || !subdir.equals(start.get())) {
            R row = toSubdir.apply(subdir);
            rows.add(row);
            spent += rowBytes.applyAsLong(row);
          }
          // Skip every key under the rolled-up prefix. Keys that continue it with U+10FFFF sort
          // after the jump target, so step over those one by one.
          entry =
              reverse
                  ? view.higherEntry(subdir)
                  : view.higherEntry(subdir + Character.toString(Character.MAX_CODE_POINT));
          while (entry != null && entry.getKey().startsWith(subdir)) {
            entry = view.higherEntry(entry.getKey());
          }
          continue;
        }
      }
      R row = toRow.apply(key, entry.getValue());
      rows.add(row);
      spent += rowBytes.applyAsLong(row);
      entry = view.higherEntry(key);
    }
    return rows;
  }
}
