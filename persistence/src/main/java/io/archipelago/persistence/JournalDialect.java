package io.archipelago.persistence;

import java.util.Locale;

/** The SQL databases the journal, snapshot store and offset store can live in. */
public enum JournalDialect {
  /** Embedded, file based: the single-node default. */
  H2("db/h2-schema.sql"),
  /** Shared by every node of a multi-node cluster. */
  POSTGRES("db/postgres-schema.sql");

  private final String schemaResource;

  JournalDialect(String schemaResource) {
    this.schemaResource = schemaResource;
  }

  public String schemaResource() {
    return schemaResource;
  }

  public static JournalDialect fromConfigValue(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "h2" -> H2;
      case "postgres", "postgresql" -> POSTGRES;
      default ->
          throw new IllegalArgumentException(
              "archipelago.persistence.dialect must be h2 or postgres, not '" + value + "'");
    };
  }
}
