package io.archipelago.engine.cluster;

import akka.cluster.Member;
import akka.cluster.UniqueAddress;
import io.archipelago.persistence.DatabaseSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The row of {@code archipelago_cluster_lease} that names the one gateway cluster allowed to write
 * the shared journal: its incarnation (a UUID chosen when a cluster takes a free lease), the member
 * that renewed it last, and when (database clock, so that node clocks do not matter). The lease is
 * free when missing or when its heartbeat is older than the ttl. Each call is one short transaction
 * that locks the row; blocking JDBC, so callers run it on their own thread.
 */
final class ClusterLease implements AutoCloseable {

  private static final String NAME = "cluster";

  /** The row as read: who renewed it last, and how long ago by the database's clock. */
  record Lease(String incarnation, String holder, Timestamp heartbeatAt, Duration age) {}

  /** The outcome of a claim or a renewal: held by the caller's cluster, or by another one. */
  record Outcome(boolean held, Lease lease) {}

  private final DatabaseSettings settings;
  private final Duration ttl;
  private Connection connection;

  ClusterLease(DatabaseSettings settings, Duration ttl) {
    this.settings = settings;
    this.ttl = ttl;
  }

  /**
   * Takes the lease for a new cluster formed by {@code self} when it is free. A fresh lease of
   * anyone is not taken: a node that is not yet a member belongs to no cluster.
   */
  Outcome claimForNewCluster(String self) throws SQLException {
    return inTransaction(
        () -> {
          Optional<Lease> current = lockAndRead();
          if (current.isPresent() && isFresh(current.get())) {
            return new Outcome(false, current.get());
          }
          return new Outcome(true, write(current.isPresent(), UUID.randomUUID().toString(), self));
        });
  }

  /**
   * Renews the lease for a running cluster: when its last holder was a member of this cluster
   * ({@code ourMember}) or it is free. A fresh lease of a foreign holder is left alone.
   */
  Outcome renew(String self, Predicate<String> ourMember) throws SQLException {
    return inTransaction(
        () -> {
          Optional<Lease> current = lockAndRead();
          if (current.isEmpty()) {
            return new Outcome(true, write(false, UUID.randomUUID().toString(), self));
          }
          Lease lease = current.get();
          if (ourMember.test(lease.holder())) {
            return new Outcome(true, write(true, lease.incarnation(), self));
          }
          if (isFresh(lease)) {
            return new Outcome(false, lease);
          }
          return new Outcome(true, write(true, UUID.randomUUID().toString(), self));
        });
  }

  /** Frees the lease of {@code incarnation}, when the last member of that cluster stops. */
  void release(String incarnation) throws SQLException {
    inTransaction(
        () -> {
          try (PreparedStatement delete =
              connection()
                  .prepareStatement(
                      "DELETE FROM archipelago_cluster_lease WHERE lease_name = ? AND incarnation = ?")) {
            delete.setString(1, NAME);
            delete.setString(2, incarnation);
            delete.executeUpdate();
          }
          return null;
        });
  }

  static String holderId(UniqueAddress member) {
    return member.address() + "#" + member.longUid();
  }

  static Set<String> holderIds(Iterable<Member> members) {
    Set<String> ids = new HashSet<>();
    members.forEach(m -> ids.add(holderId(m.uniqueAddress())));
    return ids;
  }

  private boolean isFresh(Lease lease) {
    return lease.age().compareTo(ttl) < 0;
  }

  private Optional<Lease> lockAndRead() throws SQLException {
    try (PreparedStatement select =
        connection()
            .prepareStatement(
                "SELECT incarnation, holder, heartbeat_at, CURRENT_TIMESTAMP FROM archipelago_cluster_lease"
                    + " WHERE lease_name = ? FOR UPDATE")) {
      select.setString(1, NAME);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Timestamp heartbeat = rs.getTimestamp(3);
        Timestamp now = rs.getTimestamp(4);
        return Optional.of(
            new Lease(
                rs.getString(1),
                rs.getString(2),
                heartbeat,
                Duration.ofMillis(now.getTime() - heartbeat.getTime())));
      }
    }
  }

  private Lease write(boolean exists, String incarnation, String holder) throws SQLException {
    String sql =
        exists
            ? "UPDATE archipelago_cluster_lease SET incarnation = ?, holder = ?, heartbeat_at = CURRENT_TIMESTAMP"
                + " WHERE lease_name = ?"
            : "INSERT INTO archipelago_cluster_lease (incarnation, holder, heartbeat_at, lease_name)"
                + " VALUES (?, ?, CURRENT_TIMESTAMP, ?)";
    try (PreparedStatement write = connection().prepareStatement(sql)) {
      write.setString(1, incarnation);
      write.setString(2, holder);
      write.setString(3, NAME);
      write.executeUpdate();
    }
    return new Lease(incarnation, holder, null, Duration.ZERO);
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** One transaction; a failed one drops the connection (the next call opens a new one). */
  private <T> T inTransaction(Work<T> work) throws SQLException {
    Connection c = connection();
    try {
      T result = work.run();
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection =
          DriverManager.getConnection(settings.url(), settings.user(), settings.password());
      connection.setAutoCommit(false);
    }
    return connection;
  }

  @Override
  public void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already broken
      }
      connection = null;
    }
  }
}
