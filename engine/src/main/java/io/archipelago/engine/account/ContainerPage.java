package io.archipelago.engine.account;

import io.archipelago.persistence.CborSerializable;
import java.util.List;

/**
 * One page of an account listing: containers and, with a delimiter, rolled-up prefixes.
 *
 * @param subdirs prefixes rolled up by the delimiter, merged into {@code rows} order by the caller
 *     through {@link Row#subdir()}
 */
public record ContainerPage(AccountSummary summary, List<Row> rows) implements CborSerializable {

  /** A container row, or a subdir row when {@code container} is null. */
  public record Row(ContainerSummary container, String subdir) implements CborSerializable {}

  public ContainerPage {
    rows = List.copyOf(rows);
  }
}
