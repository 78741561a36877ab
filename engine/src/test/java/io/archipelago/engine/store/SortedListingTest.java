package io.archipelago.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link SortedListing} against a brute-force model of Swift's listing: sort every name by its
 * UTF-8 bytes, filter, roll up, cut. The model shares no code with the implementation (it orders
 * with {@link NameOrderTest#utf8Order}, not {@link NameOrder}).
 */
class SortedListingTest {

  /**
   * Few letters so that names share prefixes; '/' and '-' as delimiters; multi-byte and
   * supplementary characters, including both ends of the range UTF-16 orders differently (U+E000,
   * U+FFFF) and the last code point (U+10FFFF).
   */
  private static final int[] ALPHABET = {
    'a', 'b', '/', '/', '-', 0xE9, 0x4E2D, 0xE000, 0xFFFF, 0x1F600, 0x10000, 0x10FFFF,
  };

  private static final String[] DELIMITERS = {"/", "/", "-", "\u00E9", "\uD83D\uDE00"};

  private static String randomName(Random random, int maxLength) {
    int length = 1 + random.nextInt(maxLength);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.appendCodePoint(ALPHABET[random.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  /** A leading part of a name, cut between code points. */
  private static String head(Random random, String name) {
    int codePoints = name.codePointCount(0, name.length());
    return name.substring(0, name.offsetByCodePoints(0, random.nextInt(codePoints + 1)));
  }

  /** Swift's listing, spelled out. Rows are "name" or "subdir:prefix". */
  static List<String> model(
      Set<String> names,
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(NameOrderTest::utf8Order);
    if (reverse) {
      Collections.reverse(sorted);
    }
    List<String> rows = new ArrayList<>();
    for (String name : sorted) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      if (!marker.isEmpty()) {
        int c = NameOrderTest.utf8Order(name, marker);
        if (reverse ? c >= 0 : c <= 0) {
          continue;
        }
      }
      if (!endMarker.isEmpty()) {
        int c = NameOrderTest.utf8Order(name, endMarker);
        if (reverse ? c <= 0 : c >= 0) {
          continue;
        }
      }
      if (!delimiter.isEmpty()) {
        int at = name.indexOf(delimiter, prefix.length());
        if (at >= 0) {
          String subdir = name.substring(0, at + delimiter.length());
          // Names under one subdir are adjacent; Swift lists the subdir once, and not at all
          // when it is the marker (the client's previous page ended with it).
          String row = "subdir:" + subdir;
          if (!subdir.equals(marker)
              && (rows.isEmpty() || !rows.get(rows.size() - 1).equals(row))) {
            rows.add(row);
          }
          continue;
        }
      }
      rows.add(name);
    }
    return rows.subList(0, Math.max(0, Math.min(limit, rows.size())));
  }

  private static List<String> actual(
      TreeMap<String, Integer> map,
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    return SortedListing.page(
        map,
        Optional.of(prefix).filter(p -> !p.isEmpty()),
        Optional.of(delimiter).filter(d -> !d.isEmpty()),
        Optional.of(marker).filter(m -> !m.isEmpty()),
        Optional.of(endMarker).filter(m -> !m.isEmpty()),
        limit,
        reverse,
        (name, value) -> name,
        subdir -> "subdir:" + subdir);
  }

  @Test
  void matchesTheModelOnRandomNamesAndQueries() {
    Random random = new Random(1_700_000_000L);
    for (int round = 0; round < 300; round++) {
      Set<String> names = new LinkedHashSet<>();
      int count = 1 + random.nextInt(40);
      while (names.size() < count) {
        names.add(randomName(random, 5));
      }
      List<String> pool = new ArrayList<>(names);
      TreeMap<String, Integer> map = new TreeMap<>(NameOrder.UTF8);
      pool.forEach(n -> map.put(n, n.length()));

      for (int query = 0; query < 40; query++) {
        String prefix =
            random.nextInt(3) == 0 ? head(random, pool.get(random.nextInt(pool.size()))) : "";
        String delimiter =
            random.nextBoolean() ? DELIMITERS[random.nextInt(DELIMITERS.length)] : "";
        String marker = bound(random, pool, prefix, delimiter);
        String endMarker = bound(random, pool, prefix, delimiter);
        int limit = random.nextInt(4) == 0 ? random.nextInt(3) : 1 + random.nextInt(50);
        boolean reverse = random.nextBoolean();

        List<String> expected = model(names, prefix, delimiter, marker, endMarker, limit, reverse);
        List<String> got = actual(map, prefix, delimiter, marker, endMarker, limit, reverse);
        assertEquals(
            expected,
            got,
            () ->
                String.format(
                    "names=%s prefix=%s delimiter=%s marker=%s end_marker=%s limit=%d reverse=%b",
                    pool.stream().map(NameOrderTest::codePoints).toList(),
                    NameOrderTest.codePoints(prefix),
                    NameOrderTest.codePoints(delimiter),
                    NameOrderTest.codePoints(marker),
                    NameOrderTest.codePoints(endMarker),
                    limit,
                    reverse));
      }
    }
  }

  /** A marker: none, a name, a random string, or a subdir the listing could have returned. */
  private static String bound(Random random, List<String> pool, String prefix, String delimiter) {
    switch (random.nextInt(5)) {
      case 0:
      case 1:
        return "";
      case 2:
        return pool.get(random.nextInt(pool.size()));
      case 3:
        return randomName(random, 3);
      default:
        String name = pool.get(random.nextInt(pool.size()));
        String d = delimiter.isEmpty() ? "/" : delimiter;
        int at = name.indexOf(d, Math.min(prefix.length(), name.length()));
        return at >= 0 ? name.substring(0, at + d.length()) : head(random, name);
    }
  }

  @Test
  void pagingWithADelimiterVisitsEveryRowOnce() {
    Random random = new Random(42L);
    TreeMap<String, Integer> map = new TreeMap<>(NameOrder.UTF8);
    Set<String> names = new LinkedHashSet<>();
    while (names.size() < 300) {
      names.add(randomName(random, 6));
    }
    names.forEach(n -> map.put(n, 0));

    for (boolean reverse : new boolean[] {false, true}) {
      List<String> all = model(names, "", "/", "", "", Integer.MAX_VALUE, reverse);
      List<String> paged = new ArrayList<>();
      String marker = "";
      for (int pages = 0; pages < 1_000; pages++) {
        List<String> page = actual(map, "", "/", marker, "", 7, reverse);
        if (page.isEmpty()) {
          break;
        }
        paged.addAll(page);
        String last = page.get(page.size() - 1);
        marker = last.startsWith("subdir:") ? last.substring("subdir:".length()) : last;
      }
      assertEquals(all, paged, reverse ? "reverse" : "forward");
    }
  }
}
