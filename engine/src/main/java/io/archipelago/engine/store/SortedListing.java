package io.archipelago.engine.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Swift listing semantics (prefix, delimiter, marker, end_marker, limit, reverse) over a sorted
 * map whose comparator is {@link NameOrder#UTF8}. Used for account listings and in-memory stores.
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
      java.util.function.Function<String, R> toSubdir) {
    List<R> rows = new ArrayList<>();
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
    while (entry != null && rows.size() < limit) {
      String key = entry.getKey();
      if (endMarker.isPresent() && !endMarker.get().isEmpty()) {
        int c = NameOrder.compare(key, endMarker.get());
        if (reverse ? c <= 0 : c >= 0) {
          break;
        }
      }
      if (!key.startsWith(p)) {
        if (!reverse && NameOrder.compare(key, p) > 0) {
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
            rows.add(toSubdir.apply(subdir));
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
      rows.add(toRow.apply(key, entry.getValue()));
      entry = view.higherEntry(key);
    }
    return rows;
  }
}
