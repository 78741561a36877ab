package io.archipelago.persistence;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the journal, snapshot and offset tables when they are missing. Every statement of the
 * bundled DDL is idempotent, so running it at each start is safe on a fresh and on an existing
 * database. Runs before the actor system starts, so blocking JDBC is fine here.
 */
public final class SchemaBootstrap {

  private SchemaBootstrap() {}

  /** Reads {@code archipelago.persistence} from the given config and applies the schema. */
  public static void apply(Config config) {
    DatabaseSettings settings = DatabaseSettings.fromConfig(config);
    apply(settings);
  }

  public static void apply(DatabaseSettings settings) {
    List<String> statements = statements(settings.dialect());
    try (Connection connection =
            DriverManager.getConnection(settings.url(), settings.user(), settings.password());
        Statement statement = connection.createStatement()) {
      if (settings.dialect() == JournalDialect.POSTGRES) {
        // Nodes starting together would race on CREATE TABLE IF NOT EXISTS; one at a time.
        statement.execute("SELECT pg_advisory_lock(727274)");
      }
      try {
        for (String sql : statements) {
          statement.execute(sql);
        }
      } finally {
        if (settings.dialect() == JournalDialect.POSTGRES) {
          statement.execute("SELECT pg_advisory_unlock(727274)");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "Could not create the journal schema at " + settings.url() + ": " + e.getMessage(), e);
    }
  }

  static List<String> statements(JournalDialect dialect) {
    String ddl;
    try (InputStream in =
        SchemaBootstrap.class.getClassLoader().getResourceAsStream(dialect.schemaResource())) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + dialect.schemaResource());
      }
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : ddl.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().trim();
        result.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    return result;
  }
}
