package io.archipelago.engine.store.fs;

import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One listing page, found by an ordered walk of a container tree that reads only the directories
 * whose names can still fall in the page.
 *
 * <p>Each directory's entries are decoded and sorted by key (the bytes they add to the name).
 * Visiting them in key order yields names in UTF-8 byte order because, by construction of the
 * layout, no directory key is a prefix of another key in the same directory, except a chunk
 * directory whose key equals a metadata key (that object's name then precedes all names below the
 * chunk, and metadata sorts first on equal keys). So all names below a directory lie between its
 * key and the key's successor, and sit between their neighbours' names.
 *
 * <p>The bounds (prefix, marker, end marker) are one range, {@code lower..upper}; a subtree is
 * skipped when its key range misses it, and the walk of a directory stops at the first entry past
 * the range. A delimiter roll-up narrows the range to skip the rest of the rolled-up names. Not
 * thread-safe; one instance per page.
 */
final class ContainerListing {

  private static final Comparator<NameCodec.Entry> ENTRY_ORDER =
      Comparator.<NameCodec.Entry, byte[]>comparing(NameCodec.Entry::key, Utf8Keys.ORDER)
          .thenComparing(e -> e.kind() == NameCodec.Kind.META ? 0 : 1);

  private final boolean reverse;
  private final int limit;
  private final byte[] prefix;
  private final byte[] delimiter;
  private final byte[] marker;
  private final List<ListingEntry> entries = new ArrayList<>();

  /** Names must be above this (or equal when {@link #lowerInclusive}); null: no lower bound. */
  private byte[] lower;

  private boolean lowerInclusive;

  /** Names must be below this; null: no upper bound. */
  private byte[] upper;

  private boolean done;

  private int directoriesRead;

  private ContainerListing(ListingQuery query) {
    this.reverse = query.reverse();
    this.limit = query.limit();
    this.prefix = bytes(query.prefix(), "prefix");
    this.delimiter = bytes(query.delimiter(), "delimiter");
    this.marker = bytes(query.marker(), "marker");
    byte[] endMarker = bytes(query.endMarker(), "end_marker");
    if (prefix != null) {
      raiseLower(prefix, true);
      lowerUpper(Utf8Keys.successor(prefix));
    }
    byte[] low = reverse ? endMarker : marker;
    byte[] high = reverse ? marker : endMarker;
    if (low != null) {
      raiseLower(low, false);
    }
    if (high != null) {
      lowerUpper(high);
    }
    this.done = limit <= 0;
  }

  /** The page of {@code query} from the container tree at {@code containerDir}. Blocks. */
  static ListingPage list(Path containerDir, ListingQuery query) throws IOException {
    return run(containerDir, query).page();
  }

  /** Runs the walk and answers it, for its page and how much it read. Blocks. */
  static ContainerListing run(Path containerDir, ListingQuery query) throws IOException {
    ContainerListing listing = new ContainerListing(query);
    listing.walk(containerDir, new byte[0]);
    return listing;
  }

  ListingPage page() {
    return new ListingPage(entries);
  }

  /** How many directories the walk read. */
  int directoriesRead() {
    return directoriesRead;
  }

  /** Whether the container tree holds at least one object. Blocks. */
  static boolean holdsObjects(Path containerDir) throws IOException {
    return !list(containerDir, ListingQuery.all(1)).entries().isEmpty();
  }

  private void walk(Path dir, byte[] base) throws IOException {
    List<NameCodec.Entry> sorted = readSorted(dir);
    int n = sorted.size();
    for (int k = 0; k < n && !done; k++) {
      NameCodec.Entry entry = sorted.get(reverse ? n - 1 - k : k);
      byte[] full = Utf8Keys.concat(base, entry.key());
      boolean meta = entry.kind() == NameCodec.Kind.META;
      if (pastRange(full, meta)) {
        return;
      }
      if (meta) {
        if (inRange(full)) {
          visit(full, dir.resolve(entry.fileName()));
        }
      } else if (subtreeMayMatch(full)) {
        walk(dir.resolve(entry.fileName()), full);
      }
    }
  }

  private void visit(byte[] name, Path metaFile) throws IOException {
    if (delimiter != null) {
      int at = Utf8Keys.indexOf(name, delimiter, prefix == null ? 0 : prefix.length);
      if (at >= 0) {
        byte[] subdir = Arrays.copyOf(name, at + delimiter.length);
        if (marker == null || Utf8Keys.compare(subdir, marker) != 0) {
          emit(new ListingEntry.SubdirRow(Utf8Keys.decode(subdir)));
        }
        skipNamesStartingWith(subdir);
        return;
      }
    }
    Optional<StoredObject> stored = MetadataFile.read(metaFile);
    if (stored.isPresent()) { // else deleted since the directory was read
      StoredObject o = stored.get();
      emit(
          new ListingEntry.ObjectRow(
              Utf8Keys.decode(name), o.size(), o.etag(), o.contentType(), o.timestamp()));
    }
  }

  private void emit(ListingEntry entry) {
    entries.add(entry);
    if (entries.size() >= limit) {
      done = true;
    }
  }

  private void skipNamesStartingWith(byte[] subdir) {
    if (reverse) {
      lowerUpper(subdir);
    } else {
      byte[] next = Utf8Keys.successor(subdir);
      if (next == null) {
        done = true;
      } else {
        raiseLower(next, true);
      }
    }
  }

  private boolean inRange(byte[] name) {
    return aboveLower(name) && (upper == null || Utf8Keys.compare(name, upper) < 0);
  }

  private boolean aboveLower(byte[] name) {
    if (lower == null) {
      return true;
    }
    int c = Utf8Keys.compare(name, lower);
    return c > 0 || (c == 0 && lowerInclusive);
  }

  /** Whether some name starting with {@code key} may be in range. */
  private boolean subtreeMayMatch(byte[] key) {
    if (upper != null && Utf8Keys.compare(key, upper) >= 0) {
      return false;
    }
    byte[] end = Utf8Keys.successor(key);
    return lower == null || end == null || Utf8Keys.compare(end, lower) > 0;
  }

  /**
   * Whether this entry and all that follow it in walk order are outside the range, so the rest of
   * the directory can be skipped.
   */
  private boolean pastRange(byte[] full, boolean meta) {
    if (!reverse) {
      return upper != null && Utf8Keys.compare(full, upper) >= 0;
    }
    if (lower == null) {
      return false;
    }
    if (meta) {
      return !aboveLower(full);
    }
    byte[] end = Utf8Keys.successor(full);
    return end != null && Utf8Keys.compare(end, lower) <= 0;
  }

  private void raiseLower(byte[] bound, boolean inclusive) {
    int c = lower == null ? 1 : Utf8Keys.compare(bound, lower);
    if (c > 0) {
      lower = bound;
      lowerInclusive = inclusive;
    } else if (c == 0 && !inclusive) {
      lowerInclusive = false;
    }
  }

  private void lowerUpper(byte[] bound) {
    if (bound != null && (upper == null || Utf8Keys.compare(bound, upper) < 0)) {
      upper = bound;
    }
  }

  private List<NameCodec.Entry> readSorted(Path dir) throws IOException {
    directoriesRead++;
    List<NameCodec.Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path child : stream) {
        NameCodec.Entry entry = NameCodec.parse(child.getFileName().toString());
        if (entry != null && entry.kind() != NameCodec.Kind.DATA) {
          out.add(entry);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of(); // pruned since its parent was read, or not ours
    }
    out.sort(ENTRY_ORDER);
    return out;
  }

  private static byte[] bytes(Optional<String> parameter, String what) {
    return parameter.filter(s -> !s.isEmpty()).map(s -> Utf8Keys.encode(s, what)).orElse(null);
  }
}
