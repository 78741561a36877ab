package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.store.SwiftTimestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The change index and the window it keeps its changes in. */
class ChangeIndexTest {

  private static Instant at(long second) {
    return Instant.ofEpochSecond(1_700_000_000L + second);
  }

  @Test
  void countsAndDatesThePendingChangesOfAReplica() {
    // Changes at 3, 5 and 8; the change before them was at 1 (unknown to the index).
    ChangeIndex index =
        ChangeIndex.EMPTY.changed(3, at(3), 1).changed(5, at(5), 3).changed(8, at(8), 5);
    assertEquals(1, index.knownFrom());
    assertEquals(3, index.pendingChanges(1, 8));
    assertEquals(2, index.pendingChanges(3, 8));
    assertEquals(1, index.pendingChanges(6, 8));
    assertEquals(0, index.pendingChanges(8, 8));
    assertEquals(Optional.of(at(5)), index.firstChangeAfter(4));
    assertEquals(Optional.of(at(3)), index.firstChangeAfter(1));
    assertEquals(Optional.empty(), index.firstChangeAfter(8));
    // Before what the index knows: an upper bound, and no date.
    assertEquals(8, index.pendingChanges(0, 8));
    assertEquals(Optional.empty(), index.firstChangeAfter(0));
  }

  @Test
  void anEmptyIndexKnowsNothing() {
    assertEquals(-1, ChangeIndex.EMPTY.knownFrom());
    assertEquals(4, ChangeIndex.EMPTY.pendingChanges(2, 6));
    assertEquals(Optional.empty(), ChangeIndex.EMPTY.firstChangeAfter(2));
  }

  @Test
  void keepsTheNewestChangesAndKnowsFromTheLastOneDropped() {
    ChangeIndex index = ChangeIndex.EMPTY;
    int changes = ChangeIndex.CAPACITY + 10;
    for (int seqNr = 1; seqNr <= changes; seqNr++) {
      index = index.changed(seqNr, at(seqNr), seqNr - 1);
    }
    assertEquals(ChangeIndex.CAPACITY, index.changes().size());
    assertEquals(10, index.knownFrom());
    assertEquals(11, index.changes().get(0).seqNr());
    assertEquals(ChangeIndex.CAPACITY, index.pendingChanges(10, changes));
    assertEquals(
        changes - 5, index.pendingChanges(5, changes), "older than the index: an upper bound");
    assertEquals(Optional.of(at(11)), index.firstChangeAfter(10));
  }

  @Test
  void isAValueOlderVersionsStayAsTheyWere() {
    ChangeIndex base = ChangeIndex.EMPTY.changed(1, at(1), 0);
    ChangeIndex newer = base.changed(2, at(2), 1);
    ChangeIndex branch = base.changed(3, at(3), 1); // appending to an older version copies
    assertEquals(List.of(new ChangeIndex.Change(1, at(1))), base.changes());
    assertEquals(
        List.of(new ChangeIndex.Change(1, at(1)), new ChangeIndex.Change(2, at(2))),
        newer.changes());
    assertEquals(
        List.of(new ChangeIndex.Change(1, at(1)), new ChangeIndex.Change(3, at(3))),
        branch.changes());
    assertEquals(newer, ChangeIndex.of(newer.changes(), newer.knownFrom()));
    assertNotEquals(newer, branch);
  }

  @Test
  void recentWindowSharesStorageOnlyWhereNoOlderVersionLooks() {
    RecentWindow<Integer> window = RecentWindow.empty(3);
    RecentWindow<Integer> one = window.append(1);
    RecentWindow<Integer> two = one.append(2);
    RecentWindow<Integer> other = one.append(20);
    RecentWindow<Integer> full = two.append(3).append(4);
    assertEquals(List.of(1), one.toList());
    assertEquals(List.of(1, 2), two.toList());
    assertEquals(List.of(1, 20), other.toList());
    assertEquals(List.of(2, 3, 4), full.toList());
    assertTrue(full.isFull());
    RecentWindow<Integer> many = full;
    for (int i = 5; i <= 100; i++) {
      many = many.append(i);
    }
    assertEquals(List.of(98, 99, 100), many.toList());
    assertEquals(List.of(2, 3, 4), full.toList());
    assertEquals(RecentWindow.of(List.of(1, 2, 3, 4), 3), full);
    assertThrows(IndexOutOfBoundsException.class, () -> two.get(2));
  }

  @Test
  void recentRecordsRememberTheLastRecordsByKindNameAndTimestamp() {
    SwiftTimestamp ts = SwiftTimestamp.parse("1700000001.5");
    String write = RecentRecords.key(RecentRecords.Kind.WRITE, "a", ts);
    String meta = RecentRecords.key(RecentRecords.Kind.METADATA, "a", ts);
    RecentRecords records = RecentRecords.EMPTY.with(write);
    assertTrue(records.contains(write));
    assertFalse(records.contains(meta));
    for (int i = 0; i < RecentRecords.CAPACITY; i++) {
      records = records.with("w" + i);
    }
    assertFalse(records.contains(write), "the oldest record drops out");
    assertEquals(records, RecentRecords.of(records.keys()));
  }
}
