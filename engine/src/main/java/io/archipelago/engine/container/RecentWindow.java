package io.archipelago.engine.container;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} items appended, as an immutable value. Appending to the newest version
 * writes into storage it shares with the older versions, past their end where they never look;
 * appending to an older version copies. So an event handler gets a new value per event in amortized
 * constant time instead of copying thousands of entries.
 */
final class RecentWindow<T> {

  /** Shared by the versions; {@code used} slots are written, and written slots never change. */
  private static final class Storage {
    final Object[] items;
    int used;

    Storage(int length) {
      items = new Object[length];
    }
  }

  private final Storage storage;
  private final int start;
  private final int end;
  private final int capacity;

  private RecentWindow(Storage storage, int start, int end, int capacity) {
    this.storage = storage;
    this.start = start;
    this.end = end;
    this.capacity = capacity;
  }

  static <T> RecentWindow<T> empty(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    return new RecentWindow<>(new Storage(2 * capacity), 0, 0, capacity);
  }

  /** The last {@code capacity} of {@code items}, oldest first. */
  static <T> RecentWindow<T> of(List<T> items, int capacity) {
    RecentWindow<T> window = empty(capacity);
    for (T item : items) {
      window = window.append(item);
    }
    return window;
  }

  int size() {
    return end - start;
  }

  boolean isFull() {
    return size() == capacity;
  }

  /** Item {@code index}, 0 being the oldest kept. */
  @SuppressWarnings("unchecked")
  T get(int index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException(index);
    }
    return (T) storage.items[start + index];
  }

  /** This window plus {@code item}; the oldest item drops out when the window is full. */
  RecentWindow<T> append(T item) {
    int from = isFull() ? start + 1 : start;
    if (end == storage.used && end < storage.items.length) {
      storage.items[end] = item;
      storage.used++;
      return new RecentWindow<>(storage, from, end + 1, capacity);
    }
    Storage fresh = new Storage(2 * capacity);
    int kept = end - from;
    System.arraycopy(storage.items, from, fresh.items, 0, kept);
    fresh.items[kept] = item;
    fresh.used = kept + 1;
    return new RecentWindow<>(fresh, 0, kept + 1, capacity);
  }

  /** The items, oldest first. */
  List<T> toList() {
    List<T> list = new ArrayList<>(size());
    for (int i = 0; i < size(); i++) {
      list.add(get(i));
    }
    return list;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecentWindow<?> w && capacity == w.capacity && toList().equals(w.toList());
  }

  @Override
  public int hashCode() {
    return toList().hashCode();
  }

  @Override
  public String toString() {
    return "RecentWindow" + toList();
  }
}
