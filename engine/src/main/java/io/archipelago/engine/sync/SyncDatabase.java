package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.japi.function.Function;
import akka.projection.jdbc.JdbcSession;
import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.archipelago.persistence.DatabaseSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The sync's own small connection pool on the configured database (H2 or PostgreSQL), the {@link
 * JdbcSession}s the projection's offset store runs in, and the table of replicated containers per
 * tag slice ({@code archipelago_sync_container}). Blocking calls run on Akka Projection's JDBC
 * dispatcher, sized to this pool.
 */
public final class SyncDatabase implements AutoCloseable {

  private static final String TABLE = "\"archipelago_sync_container\"";

  private final HikariDataSource dataSource;
  private final Executor blocking;

  public SyncDatabase(ActorSystem<?> system, int connections) {
    Config config = system.settings().config();
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("archipelago-sync");
    hikari.setJdbcUrl(db.url());
    hikari.setUsername(db.user());
    hikari.setPassword(db.password());
    hikari.setDriverClassName(config.getString("archipelago.persistence.driver"));
    hikari.setMaximumPoolSize(connections);
    hikari.setMinimumIdle(1);
    hikari.setAutoCommit(false);
    this.dataSource = new HikariDataSource(hikari);
    this.blocking =
        system
            .dispatchers()
            .lookup(
                DispatcherSelector.fromConfig(
                    config.getString("akka.projection.jdbc.use-dispatcher")));
  }

  /** A new session (one pooled connection, one transaction), as the projection asks for them. */
  public Session newSession() {
    try {
      return new Session(dataSource.getConnection());
    } catch (SQLException e) {
      throw new IllegalStateException("no database connection for the sync: " + e.getMessage(), e);
    }
  }

  /** One transaction on one pooled connection, auto-commit off. */
  public static final class Session implements JdbcSession {
    private final Connection connection;

    Session(Connection connection) {
      this.connection = connection;
    }

    @Override
    public <R> R withConnection(Function<Connection, R> func) throws Exception {
      return func.apply(connection);
    }

    @Override
    public void commit() throws SQLException {
      connection.commit();
    }

    @Override
    public void rollback() throws SQLException {
      connection.rollback();
    }

    @Override
    public void close() throws SQLException {
      connection.close();
    }
  }

  /** Records a replicated container (or its new placement). */
  public CompletionStage<Void> upsert(ReplicatedContainer c) {
    return transaction(
        connection -> {
          delete(connection, c.persistenceId());
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO "
                      + TABLE
                      + " (\"persistence_id\", \"slice\", \"account\", \"container\","
                      + " \"primary_backend\", \"replica_backends\", \"sync_to\", \"sync_key\")"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, c.persistenceId());
            insert.setInt(2, c.slice());
            insert.setString(3, c.account());
            insert.setString(4, c.container());
            insert.setString(5, c.primary());
            insert.setString(6, String.join(",", c.replicas()));
            insert.setString(7, c.syncTo());
            insert.setString(8, c.syncKey());
            insert.executeUpdate();
          }
          return null;
        });
  }

  public CompletionStage<Void> remove(String persistenceId) {
    return transaction(
        connection -> {
          delete(connection, persistenceId);
          return null;
        });
  }

  /** Every replicated container of a tag slice. */
  public CompletionStage<List<ReplicatedContainer>> slice(int slice) {
    return transaction(
        connection -> {
          List<ReplicatedContainer> result = new ArrayList<>();
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT \"persistence_id\", \"slice\", \"account\", \"container\", \"primary_backend\","
                      + " \"replica_backends\", \"sync_to\", \"sync_key\" FROM "
                      + TABLE
                      + " WHERE \"slice\" = ?")) {
            select.setInt(1, slice);
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) {
                String replicas = rs.getString(6);
                result.add(
                    new ReplicatedContainer(
                        rs.getString(1),
                        rs.getInt(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        replicas.isEmpty() ? List.of() : Arrays.asList(replicas.split(",")),
                        rs.getString(7),
                        rs.getString(8)));
              }
            }
          }
          return result;
        });
  }

  private static void delete(Connection connection, String persistenceId) throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement("DELETE FROM " + TABLE + " WHERE \"persistence_id\" = ?")) {
      delete.setString(1, persistenceId);
      delete.executeUpdate();
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  private <T> CompletionStage<T> transaction(Work<T> work) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection connection = dataSource.getConnection()) {
            try {
              T result = work.apply(connection);
              connection.commit();
              return result;
            } catch (SQLException | RuntimeException e) {
              connection.rollback();
              throw e;
            }
          } catch (SQLException e) {
            throw new IllegalStateException("sync table: " + e.getMessage(), e);
          }
        },
        blocking);
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
