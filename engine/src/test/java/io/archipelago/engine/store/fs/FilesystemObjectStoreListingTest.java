package io.archipelago.engine.store.fs;

import static io.archipelago.engine.store.fs.FsStoreTesting.CONTAINER;
import static io.archipelago.engine.store.fs.FsStoreTesting.await;
import static io.archipelago.engine.store.fs.FsStoreTesting.md5Hex;
import static io.archipelago.engine.store.fs.FsStoreTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.PutResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings against a reference computed in memory from the same names: Swift order (UTF-8 bytes),
 * prefix, delimiter, marker, end marker, limit and reverse, on randomised names and queries.
 */
class FilesystemObjectStoreListingTest {

  private static final String[] ALPHABET = {
    "a", "a", "b", "c", "-", "/", "/", ".", " ", "%", "~", "A", "Z", "0", "_", "ü", "é", "日", "😀",
    "\u0001", "\u007f", "+", "m", "v"
  };
  private static final String[] DELIMITERS = {"/", "/", "-", "a", ".", "%", "日", "😀", "\u0001"};

  private static ActorTestKit testKit;
  private static FilesystemObjectStore store;
  private static List<String> names; // in UTF-8 byte order

  @BeforeAll
  static void fill(@TempDir Path root) {
    testKit = ActorTestKit.create();
    store = FsStoreTesting.newStore(testKit, root);
    names = new ArrayList<>(randomNames(new Random(20240611L), 500));
    List<CompletionStage<PutResult>> puts = new ArrayList<>();
    for (String name : names) {
      puts.add(
          store.put(
              CONTAINER,
              name,
              FsStoreTesting.attributes(),
              Source.single(ByteString.fromArray(utf8(name)))));
    }
    puts.forEach(FsStoreTesting::await);
    names.sort(FsStoreTesting.SWIFT_ORDER);
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  /** Random names plus the cases where byte order and tree order are easiest to get wrong. */
  static Set<String> randomNames(Random random, int count) {
    Set<String> out = new LinkedHashSet<>();
    out.addAll(
        List.of(
            "a", "a/", "a-c", "a/b", "a//b", "a/b/", "a0", "a.", "a~", "a\u0001", "a ", "ab", "/",
            "//", "/a", "ü", "z", "日", "😀", "\uFFFD", "\u00FF", "a/%", "a%", "a%/b"));
    String x79 = "x".repeat(79);
    String x80 = "x".repeat(80);
    for (String tail : List.of("", "/", "/y", "-", "\u0001", "ü", "%", "y", "~", "//", "y/z")) {
      out.add(x79 + tail);
      out.add(x80 + tail);
      out.add(x80 + "x" + tail);
      out.add("p/" + x79 + tail);
      out.add("p/" + x80 + tail);
    }
    out.add("x".repeat(160));
    out.add("x".repeat(160) + "/");
    out.add("x".repeat(161));
    out.add("ü".repeat(40) + "/a");
    out.add("ü".repeat(41) + "a");
    while (out.size() < count) {
      int length = 1 + random.nextInt(12);
      StringBuilder name = new StringBuilder();
      for (int i = 0; i < length; i++) {
        name.append(ALPHABET[random.nextInt(ALPHABET.length)]);
      }
      out.add(name.toString());
    }
    return out;
  }

  @Test
  void fullListingIsInUtf8ByteOrder() {
    List<String> listed = keys(await(store.list(CONTAINER, ListingQuery.all(10_000))).entries());
    assertEquals(names, listed);
    // differs from Java's UTF-16 order for this set, so the test means something
    List<String> javaOrder = new ArrayList<>(names);
    Collections.sort(javaOrder);
    assertTrue(!javaOrder.equals(names));

    ListingQuery reversed =
        new ListingQuery(
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10_000, true);
    List<String> descending = new ArrayList<>(names);
    Collections.reverse(descending);
    assertEquals(descending, keys(await(store.list(CONTAINER, reversed)).entries()));
  }

  @Test
  void rowsCarryStoredFacts() {
    for (ListingEntry entry : await(store.list(CONTAINER, ListingQuery.all(10_000))).entries()) {
      ListingEntry.ObjectRow row = (ListingEntry.ObjectRow) entry;
      assertEquals(utf8(row.name()).length, row.size());
      assertEquals(md5Hex(utf8(row.name())), row.etag());
      assertEquals("application/octet-stream", row.contentType());
    }
  }

  @Test
  void randomQueriesMatchReference() {
    Random random = new Random(7L);
    for (int i = 0; i < 600; i++) {
      ListingQuery query = randomQuery(random);
      List<String> expected = reference(names, query);
      List<String> actual = rows(await(store.list(CONTAINER, query)).entries());
      assertEquals(expected, actual, "query " + i + ": " + query);
    }
  }

  @Test
  void specificQueries() {
    ListingQuery rollUp = query("a", "/", null, null, 1000, false);
    List<String> rolled = rows(await(store.list(CONTAINER, rollUp)).entries());
    assertEquals(reference(names, rollUp), rolled);
    assertTrue(rolled.containsAll(List.of("O:a", "D:a/", "D:a%/", "O:a-c", "O:a0")));
    assertTrue(rolled.stream().noneMatch(r -> r.startsWith("O:a/")));
    assertTrue(rolled.indexOf("O:a-c") < rolled.indexOf("D:a/"));

    // a marker equal to a subdir skips the subdir and the names below it
    ListingQuery afterSubdir = query("a", "/", "a/", null, 1000, false);
    List<String> after = rows(await(store.list(CONTAINER, afterSubdir)).entries());
    assertEquals(reference(names, afterSubdir), after);
    assertTrue(after.stream().noneMatch(r -> r.startsWith("D:a/") || r.startsWith("O:a/")));

    // reverse: the marker bounds from above, the end marker from below
    ListingQuery between = query(null, null, "a/b", "a/", 1000, true);
    List<String> descending = rows(await(store.list(CONTAINER, between)).entries());
    assertEquals(reference(names, between), descending);
    assertTrue(descending.contains("O:a//b"));
    assertTrue(!descending.contains("O:a/b") && !descending.contains("O:a/"));

    // names around the 80-byte chunk boundary, with a delimiter inside the chunk run
    String x80 = "x".repeat(80);
    for (String delimiter : List.of("/", "-", "y")) {
      for (boolean reverse : List.of(false, true)) {
        ListingQuery q = query(x80.substring(0, 70), delimiter, null, null, 1000, reverse);
        assertEquals(
            reference(names, q), rows(await(store.list(CONTAINER, q)).entries()), q.toString());
      }
    }
  }

  @Test
  void pagingWithMarkerYieldsEveryEntryOnce() {
    Random random = new Random(99L);
    for (int i = 0; i < 120; i++) {
      ListingQuery base = randomQuery(random);
      ListingQuery unlimited =
          new ListingQuery(
              base.prefix(),
              base.delimiter(),
              base.marker(),
              base.endMarker(),
              100_000,
              base.reverse());
      List<String> expected = reference(names, unlimited);
      int pageSize = 1 + random.nextInt(9);
      List<String> collected = new ArrayList<>();
      Optional<String> marker = base.marker();
      for (int pages = 0; pages < 1000; pages++) {
        ListingQuery page =
            new ListingQuery(
                base.prefix(),
                base.delimiter(),
                marker,
                base.endMarker(),
                pageSize,
                base.reverse());
        List<ListingEntry> entries = await(store.list(CONTAINER, page)).entries();
        collected.addAll(rows(entries));
        if (entries.size() < pageSize) {
          break;
        }
        marker = Optional.of(entries.get(entries.size() - 1).sortKey());
      }
      assertEquals(expected, collected, "paging " + unlimited + " by " + pageSize);
      assertEquals(new LinkedHashSet<>(collected).size(), collected.size());
    }
    // plain paging returns every name once
    List<String> all = new ArrayList<>();
    Optional<String> marker = Optional.empty();
    while (true) {
      List<ListingEntry> page =
          await(
                  store.list(
                      CONTAINER,
                      new ListingQuery(
                          Optional.empty(), Optional.empty(), marker, Optional.empty(), 37, false)))
              .entries();
      if (page.isEmpty()) {
        break;
      }
      all.addAll(keys(page));
      marker = Optional.of(page.get(page.size() - 1).sortKey());
    }
    assertEquals(names, all);
  }

  private static ListingQuery randomQuery(Random random) {
    String prefix = random.nextInt(10) < 4 ? null : fragment(random);
    String delimiter =
        random.nextInt(10) < 4 ? null : DELIMITERS[random.nextInt(DELIMITERS.length)];
    String marker = random.nextInt(10) < 5 ? null : fragment(random);
    String endMarker = random.nextInt(10) < 6 ? null : fragment(random);
    int limit = random.nextInt(4) == 0 ? 10_000 : 1 + random.nextInt(25);
    return query(prefix, delimiter, marker, endMarker, limit, random.nextBoolean());
  }

  /** A prefix of a stored name (often), a whole name, or random text. */
  private static String fragment(Random random) {
    String name = names.get(random.nextInt(names.size()));
    switch (random.nextInt(4)) {
      case 0:
        return name;
      case 1:
      case 2:
        int cut = 1 + random.nextInt(Math.min(name.length(), 6));
        String fragment = name.substring(0, cut);
        // do not split a surrogate pair
        return Character.isHighSurrogate(fragment.charAt(cut - 1))
            ? name.substring(0, Math.min(cut + 1, name.length()))
            : fragment;
      default:
        return ALPHABET[random.nextInt(ALPHABET.length)]
            + ALPHABET[random.nextInt(ALPHABET.length)];
    }
  }

  private static ListingQuery query(
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    return new ListingQuery(
        Optional.ofNullable(prefix),
        Optional.ofNullable(delimiter),
        Optional.ofNullable(marker),
        Optional.ofNullable(endMarker),
        limit,
        reverse);
  }

  /** Swift's listing semantics, straight from the definition, on strings. */
  static List<String> reference(List<String> sortedNames, ListingQuery q) {
    List<String> order = new ArrayList<>(sortedNames);
    if (q.reverse()) {
      Collections.reverse(order);
    }
    Comparator<String> bytes = FsStoreTesting.SWIFT_ORDER;
    String prefix = q.prefix().orElse("");
    String marker = q.marker().orElse(null);
    String endMarker = q.endMarker().orElse(null);
    String delimiter = q.delimiter().orElse(null);
    List<String> out = new ArrayList<>();
    String lastSubdir = null;
    for (String name : order) {
      if (out.size() >= q.limit()) {
        break;
      }
      if (!name.startsWith(prefix)) {
        continue;
      }
      if (!q.reverse()) {
        if (marker != null && bytes.compare(name, marker) <= 0) {
          continue;
        }
        if (endMarker != null && bytes.compare(name, endMarker) >= 0) {
          continue;
        }
      } else {
        if (marker != null && bytes.compare(name, marker) >= 0) {
          continue;
        }
        if (endMarker != null && bytes.compare(name, endMarker) <= 0) {
          continue;
        }
      }
      int at = delimiter == null ? -1 : name.indexOf(delimiter, prefix.length());
      if (at >= 0) {
        String subdir = name.substring(0, at + delimiter.length());
        if (subdir.equals(lastSubdir)) {
          continue;
        }
        lastSubdir = subdir;
        if (!subdir.equals(marker)) {
          out.add("D:" + subdir);
        }
      } else {
        out.add("O:" + name);
      }
    }
    return out;
  }

  private static List<String> rows(List<ListingEntry> entries) {
    return entries.stream()
        .map(e -> (e instanceof ListingEntry.SubdirRow ? "D:" : "O:") + e.sortKey())
        .collect(Collectors.toList());
  }

  private static List<String> keys(List<ListingEntry> entries) {
    return entries.stream().map(ListingEntry::sortKey).collect(Collectors.toList());
  }
}
