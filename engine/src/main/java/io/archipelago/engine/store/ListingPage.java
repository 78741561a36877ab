package io.archipelago.engine.store;

import java.util.List;

/** One page of a listing, in the order asked for. */
public record ListingPage(List<ListingEntry> entries) {
  public ListingPage {
    entries = List.copyOf(entries);
  }
}
