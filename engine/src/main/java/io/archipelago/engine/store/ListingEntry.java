package io.archipelago.engine.store;

/** One row of a container listing. */
public sealed interface ListingEntry {

  /** The name the row sorts by: the object name or the subdir prefix. */
  String sortKey();

  record ObjectRow(
      String name, long size, String etag, String contentType, SwiftTimestamp timestamp)
      implements ListingEntry {
    @Override
    public String sortKey() {
      return name;
    }
  }

  /** Names rolled up by the delimiter: {@code prefix} ends with the delimiter. */
  record SubdirRow(String prefix) implements ListingEntry {
    @Override
    public String sortKey() {
      return prefix;
    }
  }
}
