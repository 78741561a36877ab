package io.archipelago.engine.cluster;

import akka.Done;
import akka.actor.Address;
import akka.actor.AddressFromURIString;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.cluster.typed.JoinSeedNodes;
import com.typesafe.config.Config;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.JournalDialect;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins this node to its cluster so that two clusters never write one shared journal.
 *
 * <p>Joining: the node joins the other seed nodes (Akka retries them until one answers). Only the
 * first seed of the list (or, with no seeds, a node with self-join on) may form a new cluster,
 * after akka.cluster.seed-node-timeout without an answer, and only once it has taken the {@link
 * ClusterLease}. While another cluster renews the lease, it refuses: an ERROR line, /ready stays
 * false, and it keeps trying the seeds and the lease.
 *
 * <p>Running: every Up member renews the lease (not only the oldest, so that the crash of any one
 * member, the oldest included, never lets the lease lapse while the cluster lives). A member that
 * finds the lease renewed by a holder that never was a member of its own cluster is in the second
 * cluster: it leaves and its JVM exits (coordinated shutdown), because a node that merely stopped
 * serving would still hold shards whose entities write the journal. It exits with status 3;
 * restarted, it joins the seeds. The last member to stop frees the lease so that the next start
 * need not wait for the ttl.
 *
 * <p>Only with PostgreSQL: an embedded H2 file has one process by construction, and a single H2
 * node forms its cluster at once as before.
 */
public final class ClusterGuard {

  private static final Logger log = LoggerFactory.getLogger(ClusterGuard.class);

  /** While refusing to form a cluster, the ERROR line is repeated this often. */
  private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(30);

  /** Exit status of a node that left because another cluster holds the lease. */
  public static final int LEASE_LOST_EXIT_STATUS = 3;

  private final ActorSystem<?> system;
  private final Cluster cluster;
  private final ClusterLease lease;
  private final Duration heartbeat;
  private final ScheduledExecutorService thread;

  /** Every member this node has seen in its cluster, as lease holder ids. */
  private final Set<String> ourMembers = new HashSet<>();

  private volatile boolean formed;
  private volatile boolean stopping;
  private String incarnation;
  private long lastRefusalLog;

  /** A foreign holder seen once; confirmed when seen renewing it again. */
  private ClusterLease.Lease foreignSeen;

  private ClusterGuard(ActorSystem<?> system, ClusterLease lease, Duration heartbeat) {
    this.system = system;
    this.cluster = Cluster.get(system);
    this.lease = lease;
    this.heartbeat = heartbeat;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "archipelago-cluster-lease");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts joining (unless Cluster Bootstrap or Akka's own seed list does it) and the lease. */
  public static void start(ActorSystem<?> system) {
    Config config = system.settings().config();
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfMember().address();
    List<Address> seeds =
        config.getStringList("archipelago.cluster.seed-nodes").stream()
            .map(AddressFromURIString::parse)
            .toList();
    boolean bootstrap = config.getBoolean("archipelago.cluster.bootstrap");
    // Set when the config did not come through ArchipelagoConfig: Akka joins by itself then.
    boolean akkaJoins = !config.getStringList("akka.cluster.seed-nodes").isEmpty();
    boolean mayForm =
        !bootstrap
            && !akkaJoins
            && (seeds.isEmpty()
                ? config.getBoolean("archipelago.cluster.self-join")
                : seeds.get(0).equals(self));
    if (!bootstrap && !akkaJoins) {
      List<Address> others = seeds.stream().filter(a -> !a.equals(self)).toList();
      if (!others.isEmpty()) {
        log.info("joining the cluster through seed nodes {}", others);
        cluster.manager().tell(new JoinSeedNodes(others));
      }
    }
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    if (db.dialect() != JournalDialect.POSTGRES) {
      if (mayForm && seeds.isEmpty()) {
        cluster.manager().tell(Join.create(self));
      } else if (mayForm) {
        // As Akka's first seed: form the cluster when no other seed answered in time.
        system
            .scheduler()
            .scheduleOnce(
                config.getDuration("akka.cluster.seed-node-timeout"),
                () -> {
                  if (!isMember(cluster)) {
                    cluster.manager().tell(Join.create(self));
                  }
                },
                system.executionContext());
      }
      return;
    }
    Config leaseConfig = config.getConfig("archipelago.cluster.lease");
    ClusterGuard guard =
        new ClusterGuard(
            system,
            new ClusterLease(db, leaseConfig.getDuration("lease-ttl")),
            leaseConfig.getDuration("heartbeat-interval"));
    guard.run(
        mayForm,
        seeds.isEmpty() ? Duration.ZERO : config.getDuration("akka.cluster.seed-node-timeout"));
  }

  private void run(boolean mayForm, Duration formAfter) {
    long interval = heartbeat.toMillis();
    long firstFormCheck = mayForm ? formAfter.toMillis() : Long.MAX_VALUE;
    long started = System.currentTimeMillis();
    thread.scheduleWithFixedDelay(
        () -> {
          try {
            if (stopping) {
              return;
            }
            if (isMember(cluster)) {
              guardRunningCluster();
            } else if (!formed && System.currentTimeMillis() - started >= firstFormCheck) {
              formIfLeaseFree();
            }
          } catch (RuntimeException e) {
            log.warn("cluster lease: {}", e.toString(), e);
          }
        },
        Math.min(interval, Math.max(formAfter.toMillis(), 0)),
        interval,
        TimeUnit.MILLISECONDS);
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    boolean[] lastMember = {false};
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeClusterShutdown(),
        "archipelago-lease-last-member",
        () -> {
          lastMember[0] = isLastMember();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "archipelago-lease-release",
        () -> stop(lastMember[0]));
  }

  private void formIfLeaseFree() {
    String self = ClusterLease.holderId(cluster.selfMember().uniqueAddress());
    ClusterLease.Outcome outcome;
    try {
      outcome = lease.claimForNewCluster(self);
    } catch (SQLException e) {
      log.error(
          "not forming a new cluster: cannot read the cluster lease ({}); trying again",
          e.getMessage());
      return;
    }
    if (outcome.held()) {
      formed = true;
      incarnation = outcome.lease().incarnation();
      log.info(
          "no other cluster holds the cluster lease: forming a new cluster (incarnation {})",
          incarnation);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      return;
    }
    long now = System.currentTimeMillis();
    if (now - lastRefusalLog >= REFUSAL_LOG_INTERVAL.toMillis()) {
      lastRefusalLog = now;
      ClusterLease.Lease held = outcome.lease();
      log.error(
          "refusing to form a new cluster: another cluster on this journal (incarnation {}, member {})"
              + " renewed the cluster lease {} ms ago; still trying to join the seed nodes."
              + " List every node in akka.cluster.seed-nodes (the same list on every node).",
          held.incarnation(),
          held.holder(),
          held.age().toMillis());
    }
  }

  private void guardRunningCluster() {
    Iterable<Member> members = cluster.state().getMembers();
    ourMembers.addAll(ClusterLease.holderIds(members));
    MemberStatus status = cluster.selfMember().status();
    if (status != MemberStatus.up()
        && status != MemberStatus.leaving()
        && status != MemberStatus.exiting()) {
      return;
    }
    String self = ClusterLease.holderId(cluster.selfMember().uniqueAddress());
    ClusterLease.Outcome outcome;
    try {
      outcome = lease.renew(self, ourMembers::contains);
    } catch (SQLException e) {
      log.warn("could not renew the cluster lease: {}", e.getMessage());
      return;
    }
    if (outcome.held()) {
      incarnation = outcome.lease().incarnation();
      foreignSeen = null;
      return;
    }
    ClusterLease.Lease foreign = outcome.lease();
    // A holder that left before this node joined is unknown here too; only one seen renewing
    // again is a live foreign cluster.
    if (foreignSeen == null || !foreign.heartbeatAt().after(foreignSeen.heartbeatAt())) {
      foreignSeen = foreignSeen == null ? foreign : foreignSeen;
      return;
    }
    stopping = true;
    log.error(
        "another cluster writes this journal: it holds the cluster lease (incarnation {}, member {},"
            + " renewed {} ms ago), this node's cluster does not; leaving and stopping so that two clusters"
            + " never write the same journal. Restarted, the node joins the seed nodes.",
        foreign.incarnation(),
        foreign.holder(),
        foreign.age().toMillis());
    // A non-zero status, so that a supervisor restarts the node: then it joins the seed nodes, or
    // the guard refuses to let it form a cluster while the other one lives.
    CoordinatedShutdown.get(system)
        .runAll(LeaseLost.INSTANCE)
        .thenRun(() -> System.exit(LEASE_LOST_EXIT_STATUS));
  }

  private boolean isLastMember() {
    Address self = cluster.selfMember().address();
    Set<Member> unreachable = cluster.state().getUnreachable();
    return StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .filter(m -> !m.address().equals(self) && !unreachable.contains(m))
        .noneMatch(
            m ->
                m.status() == MemberStatus.up()
                    || m.status() == MemberStatus.joining()
                    || m.status() == MemberStatus.weaklyUp()
                    || m.status() == MemberStatus.leaving());
  }

  private CompletionStage<Done> stop(boolean lastMember) {
    return CompletableFuture.supplyAsync(
            () -> {
              stopping = true;
              if (lastMember && incarnation != null) {
                try {
                  lease.release(incarnation);
                  log.info(
                      "last member of the cluster stopped: cluster lease (incarnation {}) freed",
                      incarnation);
                } catch (SQLException e) {
                  log.warn("could not free the cluster lease: {}", e.getMessage());
                }
              }
              lease.close();
              return Done.getInstance();
            },
            thread)
        .whenComplete((done, failure) -> thread.shutdown());
  }

  private static boolean isMember(Cluster cluster) {
    UniqueAddress self = cluster.selfMember().uniqueAddress();
    return StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .anyMatch(m -> m.uniqueAddress().equals(self));
  }

  /** The reason of a shutdown because another cluster holds the lease. */
  public static final class LeaseLost implements CoordinatedShutdown.Reason {
    public static final LeaseLost INSTANCE = new LeaseLost();

    private LeaseLost() {}

    @Override
    public String toString() {
      return "LeaseLost";
    }
  }
}
