package io.archipelago.persistence;

import com.typesafe.config.Config;
import io.archipelago.persistence.audit.ChainHeads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the journal, snapshot and offset tables when they are missing. Every statement of the
 * bundled DDL is idempotent, so running it at each start is safe on a fresh and on an existing
 * database. Then runs the one-time data steps not yet recorded in {@code archipelago_schema_step}
 * (each in one transaction with its record). Runs before the actor system starts, so blocking JDBC
 * is fine here.
 */
public final class SchemaBootstrap {

  private static final Logger log = LoggerFactory.getLogger(SchemaBootstrap.class);

  /** Chain heads of the entities a journal already held when heads began to be recorded. */
  static final String INITIAL_CHAIN_HEADS = "audit-chain-heads-initialised";

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
        runOnce(
            connection,
            INITIAL_CHAIN_HEADS,
            () -> {
              int entities = ChainHeads.initialise(connection, settings.dialect());
              if (entities > 0) {
                log.warn(
                    "audit: recorded the newest event of {} existing entities as their chain heads (first"
                        + " start with chain heads); events removed before now cannot be detected as missing",
                    entities);
              }
            });
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

  @FunctionalInterface
  private interface Step {
    void run() throws SQLException;
  }

  /** Runs {@code step} and records it, in one transaction, unless it is recorded already. */
  private static void runOnce(Connection connection, String name, Step step) throws SQLException {
    connection.setAutoCommit(false);
    try {
      try (PreparedStatement done =
          connection.prepareStatement(
              "SELECT 1 FROM \"archipelago_schema_step\" WHERE \"step\" = ?")) {
        done.setString(1, name);
        try (ResultSet rs = done.executeQuery()) {
          if (rs.next()) {
            connection.rollback();
            return;
          }
        }
      }
      step.run();
      try (PreparedStatement record =
          connection.prepareStatement(
              "INSERT INTO \"archipelago_schema_step\" (\"step\", \"done_at\") VALUES (?, ?)")) {
        record.setString(1, name);
        record.setLong(2, System.currentTimeMillis());
        record.executeUpdate();
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /**
   * The statements of the dialect's DDL: split at lines ending with {@code ;}, except inside {@code
   * $$}-quoted bodies (PostgreSQL functions).
   */
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
    boolean inBody = false;
    for (String line : ddl.split("\n")) {
      String trimmed = line.trim();
      if (!inBody && (trimmed.startsWith("--") || trimmed.isEmpty())) {
        continue;
      }
      current.append(line).append('\n');
      if ((line.split("\\$\\$", -1).length - 1) % 2 == 1) {
        inBody = !inBody;
      }
      if (!inBody && trimmed.endsWith(";")) {
        String sql = current.toString().trim();
        result.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    return result;
  }
}
