package io.archipelago.engine.account;

import io.archipelago.persistence.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One page of an account listing: containers and, with a delimiter, rolled-up prefixes, in listing
 * order.
 *
 * @param partial the entity stopped at its page size before the requested limit; more rows may
 *     follow the last one (ask again with it as marker). False when the page ends at the limit or
 *     at the end of the listing.
 */
public record ContainerPage(AccountSummary summary, List<Row> rows, boolean partial)
    implements CborSerializable {

  /** A container row, or a subdir row when {@code container} is null. */
  public record Row(ContainerSummary container, String subdir) implements CborSerializable {

    /** The row's name in listing order: the container's, or the subdir; the next page's marker. */
    public String key() {
      return container != null ? container.name() : subdir;
    }

    /**
     * An upper bound of the row's serialized size: its strings' UTF-8 bytes plus room for the field
     * names, the counters and the timestamp (about 150 bytes in CBOR; checked by the entity's tests
     * against the real serializer).
     */
    public long sizeBound() {
      if (container == null) {
        return 64 + utf8(subdir);
      }
      return 256
          + utf8(container.name())
          + utf8(container.policy())
          + utf8(container.primaryBackend());
    }

    private static long utf8(String s) {
      return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
  }

  public ContainerPage {
    rows = List.copyOf(rows);
  }
}
