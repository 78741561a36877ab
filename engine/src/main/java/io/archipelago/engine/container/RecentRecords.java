package io.archipelago.engine.container;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.List;

/**
 * Object records (writes, deletes, metadata changes) persisted lately, by kind, name and timestamp:
 * an ask that timed out is sent again (see ops.Retry), and a record that was persisted but whose
 * reply was lost must not count twice. Immutable; rebuilt from the events replayed after the
 * snapshot, so it is not part of the snapshot.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.NONE,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class RecentRecords {

  static final int CAPACITY = 1024;

  public static final RecentRecords EMPTY = new RecentRecords(RecentWindow.empty(CAPACITY));

  /** What a record did to the object. */
  enum Kind {
    WRITE("w"),
    DELETE("d"),
    METADATA("m");

    private final String code;

    Kind(String code) {
      this.code = code;
    }
  }

  private final RecentWindow<String> keys;

  private RecentRecords(RecentWindow<String> keys) {
    this.keys = keys;
  }

  @JsonCreator
  static RecentRecords of(@JsonProperty("keys") List<String> keys) {
    return new RecentRecords(RecentWindow.of(keys == null ? List.of() : keys, CAPACITY));
  }

  @JsonProperty("keys")
  List<String> keys() {
    return keys.toList();
  }

  /** The key of a record, also what the group commit deduplicates a batch by. */
  static String key(Kind kind, String name, SwiftTimestamp timestamp) {
    return kind.code + timestamp.ticks() + "/" + name;
  }

  boolean contains(String key) {
    for (int i = keys.size() - 1; i >= 0; i--) {
      if (keys.get(i).equals(key)) {
        return true;
      }
    }
    return false;
  }

  RecentRecords with(String key) {
    return new RecentRecords(keys.append(key));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecentRecords r && keys.equals(r.keys);
  }

  @Override
  public int hashCode() {
    return keys.hashCode();
  }

  @Override
  public String toString() {
    return "RecentRecords(" + keys.size() + ")";
  }
}
