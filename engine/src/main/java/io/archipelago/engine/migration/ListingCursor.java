package io.archipelago.engine.migration;

import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectStore;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Walks a container's listing on one backend in name order, one page in memory at a time. Not
 * thread-safe: one walk, one caller at a time.
 */
final class ListingCursor {

  private final ObjectStore store;
  private final BackendContainer where;
  private final int pageSize;
  private final ArrayDeque<ListingEntry.ObjectRow> buffered = new ArrayDeque<>();
  private Optional<String> marker;
  private boolean exhausted;

  ListingCursor(ObjectStore store, BackendContainer where, int pageSize, Optional<String> marker) {
    this.store = store;
    this.where = where;
    this.pageSize = pageSize;
    this.marker = marker;
  }

  /** The next row without taking it; empty at the end. */
  CompletionStage<Optional<ListingEntry.ObjectRow>> peek() {
    if (!buffered.isEmpty() || exhausted) {
      return CompletableFuture.completedFuture(Optional.ofNullable(buffered.peek()));
    }
    ListingQuery query =
        new ListingQuery(
            Optional.empty(), Optional.empty(), marker, Optional.empty(), pageSize, false);
    return store
        .list(where, query)
        .thenApplyAsync(
            page -> {
              int rows = 0;
              for (ListingEntry e : page.entries()) {
                if (e instanceof ListingEntry.ObjectRow row) {
                  buffered.add(row);
                  marker = Optional.of(row.name());
                  rows++;
                }
              }
              exhausted = rows == 0 || page.entries().size() < pageSize;
              return Optional.ofNullable(buffered.peek());
            });
  }

  /** The row {@link #peek()} gave is taken; only call right after a non-empty peek. */
  ListingEntry.ObjectRow take() {
    return buffered.poll();
  }

  /** Whether a row is in memory (a take needs no page fetch). */
  boolean hasBuffered() {
    return !buffered.isEmpty();
  }

  ListingEntry.ObjectRow buffered() {
    return buffered.peek();
  }

  /** Whether the walk is over: the last page was read and every row taken. */
  boolean exhausted() {
    return exhausted && buffered.isEmpty();
  }
}
