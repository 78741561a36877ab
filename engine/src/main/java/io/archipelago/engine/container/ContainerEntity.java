package io.archipelago.engine.container;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.EventAdapter;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.audit.AuditWiring;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.entity.GroupCommit;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Swift container: its placement (primary and replica backends, policy), metadata, object
 * counts and lifecycle ({@link Lifecycle#EMPTY} until created, then {@code ACTIVE}, then
 * {@code DELETED}, from which it can be created again). Sharded by {@code account/container} and
 * event-sourced: every accepted change is an event, so the log is the container's state, its
 * change feed and its audit trail at once. Object bytes never pass through it; the gateway
 * records writes and deletes here after the backend acknowledged them.
 */
public final class ContainerEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        ContainerEntity.Command, ContainerEntity.Event, ContainerState> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Container");

  /** Account stats are pushed at most this often per container, not once per write. */
  private static final Duration STATS_FLUSH_DELAY = Duration.ofSeconds(1);

  private static final int MAX_PERSISTENCE_KEY = 200;

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Creates the container on the given backends; replies the state and whether it was new. */
  public record Create(
      String policy,
      String primaryBackend,
      List<String> replicaBackends,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<StatusReply<CreateResult>> replyTo)
      implements Command {}

  /** Replies the current state; {@code NOT_FOUND} unless active. */
  public record Get(ActorRef<StatusReply<ContainerState>> replyTo) implements Command {}

  /** Merges metadata changes (an empty value removes the key); replies the new state. */
  public record UpdateMetadata(
      Map<String, String> changes,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<StatusReply<ContainerState>> replyTo)
      implements Command {}

  /** Marks the container deleted (the caller checked that the backend holds no objects). */
  public record Delete(SwiftTimestamp timestamp, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Records an object the backend has stored; replies once the event is persisted. */
  public record RecordObjectWrite(
      String name,
      String etag,
      long size,
      String contentType,
      SwiftTimestamp timestamp,
      boolean replaced,
      long replacedSize,
      AuditInfo audit,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Records an object the backend has deleted; replies once the event is persisted. */
  public record RecordObjectDelete(
      String name, long size, SwiftTimestamp timestamp, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Replies the state with each replica's pending change count; {@code NOT_FOUND} unless active. */
  public record GetSyncStatus(ActorRef<StatusReply<SyncStatus>> replyTo) implements Command {}

  /**
   * Records what the sync achieved since its last report (sent at most about once a second per
   * container): progress per replica, objects given up on, conflicts resolved, failover writes
   * copied back to the primary. Replies once persisted.
   */
  public record RecordSyncProgress(
      List<ReplicaProgress> progress,
      List<ReplicaFailure> failures,
      List<SyncConflict> conflicts,
      List<FailoverResolved> failoverResolved,
      AuditInfo audit,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Records a finished reconcile of one replica: it held every change up to {@code upToSeqNr},
   * and {@code failuresAtStart} recorded failures are repaired. Replies once persisted.
   */
  public record RecordReconciled(
      String replica,
      long upToSeqNr,
      long failuresAtStart,
      long copied,
      long deleted,
      AuditInfo audit,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Records that a write went to a replica because the primary was down. Replies once persisted. */
  public record RecordFailoverWrite(
      String name, String backend, SwiftTimestamp timestamp, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * An operator's way past a damaged record: skips stored event {@code sequenceNr}, one that
   * cannot be read or applied (it stays in the journal and its audit chain; the skip is recorded
   * as an event of its own). Replies once persisted; {@code NOT_DAMAGED} unless that event is
   * one of the container's damaged events.
   */
  public record SkipDamagedEvent(long sequenceNr, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Every change up to event {@code seqNr} is on {@code replica}. */
  public record ReplicaProgress(String replica, long seqNr) implements CborSerializable {}

  /** The sync gave up on {@code objects} objects for {@code replica}; the last error. */
  public record ReplicaFailure(String replica, long objects, String error) implements CborSerializable {}

  /** A conflict resolved by newest X-Timestamp: the winner's copy is now on {@code replica}'s side too. */
  public record SyncConflict(
      String name, String replica, String winnerBackend, SwiftTimestamp winner, SwiftTimestamp loser)
      implements CborSerializable {}

  /** A failover write now on the primary (or superseded there). */
  public record FailoverResolved(String name, SwiftTimestamp timestamp) implements CborSerializable {}

  /** The reply to {@link GetSyncStatus}: the state and, per replica, changes not yet on it. */
  public record SyncStatus(ContainerState state, Map<String, Long> pendingChanges) implements CborSerializable {}

  /** Self message: persist the buffered write and delete records as one batch. No reply. */
  public enum FlushRecords implements Command {
    INSTANCE
  }

  /** Timer tick: push object count and bytes to the account. No reply. */
  public enum FlushStats implements Command {
    INSTANCE
  }

  /** The reply to {@link Create}. */
  public record CreateResult(ContainerState state, boolean created) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {
    AuditInfo audit();
  }

  public record ContainerCreated(
      String account,
      String container,
      String policy,
      String primaryBackend,
      List<String> replicaBackends,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      AuditInfo audit)
      implements Event {}

  public record ContainerMetadataUpdated(
      Map<String, String> changes, SwiftTimestamp timestamp, AuditInfo audit) implements Event {}

  public record ObjectWritten(
      String name,
      String etag,
      long size,
      String contentType,
      SwiftTimestamp timestamp,
      boolean replaced,
      long replacedSize,
      AuditInfo audit)
      implements Event {}

  public record ObjectDeleted(String name, long size, SwiftTimestamp timestamp, AuditInfo audit)
      implements Event {}

  public record ContainerDeleted(SwiftTimestamp timestamp, AuditInfo audit) implements Event {}

  /** Every change up to {@code syncedSeqNr} is on the replica. */
  public record ReplicaSyncProgressed(
      String replica, long syncedSeqNr, Optional<Instant> pendingSince, AuditInfo audit) implements Event {}

  /** The sync gave up on objects for a replica (after retries); the reconciler repairs them. */
  public record ReplicaSyncFailed(String replica, long objects, String error, AuditInfo audit)
      implements Event {}

  /**
   * A conflict between the primary's and a replica's version of an object, resolved by newest
   * X-Timestamp: {@code winnerBackend}'s version (timestamp {@code winner}) was kept and copied
   * over the older one ({@code loser}, on the other side).
   */
  public record SyncConflictResolved(
      String name, String replica, String winnerBackend, SwiftTimestamp winner, SwiftTimestamp loser,
      AuditInfo audit)
      implements Event {}

  /** A reconcile of a replica finished: listings compared and differences repaired. */
  public record ReplicaReconciled(
      String replica, long upToSeqNr, long failuresAtStart, long copied, long deleted,
      Optional<Instant> pendingSince, AuditInfo audit)
      implements Event {}

  /** A write went to {@code backend}, a replica, while the primary was down. */
  public record FailoverWriteRecorded(String name, String backend, SwiftTimestamp timestamp, AuditInfo audit)
      implements Event {}

  /** A failover write is on the primary now (or a newer version superseded it). */
  public record FailoverWriteResolved(String name, SwiftTimestamp timestamp, AuditInfo audit)
      implements Event {}

  /**
   * Never stored: what replay yields in place of a stored event that this version cannot read
   * ({@code audit} is null). It marks the container damaged at that sequence number.
   */
  public record EventUnreadable(String type, int version, String reason, AuditInfo audit) implements Event {}

  /** An operator skipped damaged event {@code sequenceNr} (of type {@code type}); see SkipDamagedEvent. */
  public record DamagedEventSkipped(long sequenceNr, String type, AuditInfo audit) implements Event {}

  /** A stored event that could not be read or applied: the container refuses requests until it is skipped. */
  private record Damage(long sequenceNr, String type, String reason) {}

  // ---- set-up ---------------------------------------------------------------------------

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId())));
  }

  /** The sharding entity id of a container: {@code account/container} (neither contains '/'). */
  public static String entityId(String account, String container) {
    return account + "/" + container;
  }

  public static Behavior<Command> create(String entityId) {
    int slash = entityId.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("container entity id must be account/container: " + entityId);
    }
    String account = entityId.substring(0, slash);
    String container = entityId.substring(slash + 1);
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new ContainerEntity(ctx, account, container, timers)));
  }

  /**
   * The journal's persistence id column holds 255 characters; container names may be longer, so
   * long ids keep the account and a digest of the container (events still carry the full names).
   */
  static PersistenceId persistenceIdOf(String account, String container) {
    String key = entityId(account, container);
    if (key.length() > MAX_PERSISTENCE_KEY) {
      key = account + "/#" + sha256(container);
    }
    return PersistenceId.of(TYPE_KEY.name(), key);
  }

  private final ActorContext<Command> ctx;
  private final ActorSystem<?> system;
  private final String account;
  private final String container;
  private final TimerScheduler<Command> timers;
  private final RetentionCriteria retention;
  private final String tag;
  /** The hash chain of this container's events (the journal stores envelopes). */
  private final AuditTrail<Event, ContainerState> trail;

  /**
   * Writes and deletes recorded lately, by name and timestamp: an ask that timed out is sent
   * again (see ops.Retry), and a record that was persisted but whose reply was lost must not
   * count twice. Rebuilt from the events replayed at recovery.
   */
  /**
   * Group commit: write and delete records that arrive while a batch is being persisted wait
   * here and are persisted together by the next {@link FlushRecords}, so one hot container is
   * not limited to one journal round trip per object. Each record is still acknowledged only
   * after its event is persisted. Lost with the actor on a crash; the callers' asks then time
   * out and are sent again.
   */
  private final GroupCommit<Event> pending = new GroupCommit<>();
  private final java.util.Set<String> pendingKeys = new java.util.HashSet<>();
  private final ActorRef<Command> self;

  private final java.util.Map<String, Boolean> recentRecords =
      new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
          return size() > 1024;
        }
      };

  /**
   * Recent changes (object writes and deletes, container deletes) by event sequence number, with
   * when they happened: how many changes a replica lacks, and since when. Rebuilt from the events
   * replayed at recovery; exact for replicas synced past {@link #changesKnownFrom}.
   */
  private final java.util.TreeMap<Long, Instant> recentChanges = new java.util.TreeMap<>();

  /** Damaged events not skipped yet, by sequence number; rebuilt at recovery. */
  private final java.util.TreeMap<Long, Damage> damage = new java.util.TreeMap<>();
  private long changesKnownFrom = -1;
  private static final int MAX_RECENT_CHANGES = 8192;
  /** Where this container's route is published for reads while this entity is unreachable. */
  private final ContainerRouteView routes;
  /** The route this incarnation last published, and when (for the counts-only throttle). */
  private ContainerRoute publishedRoute;
  private long publishedAtMillis;

  private ContainerEntity(
      ActorContext<Command> ctx,
      String account,
      String container,
      TimerScheduler<Command> timers) {
    super(
        persistenceIdOf(account, container),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.system = ctx.getSystem();
    this.self = ctx.getSelf();
    this.account = account;
    this.container = container;
    this.timers = timers;
    var persistence = system.settings().config().getConfig("archipelago.persistence");
    this.retention =
        RetentionCriteria.snapshotEvery(
            persistence.getInt("snapshot-every"), persistence.getInt("keep-snapshots"));
    int slices = system.settings().config().getInt("archipelago.engine.container-tag-slices");
    this.tag = tagOf(account, container, slices);
    this.trail = AuditWiring.trail(system, persistenceIdOf(account, container), EventSchemas.CONTAINER,
        u -> new EventUnreadable(u.type(), u.version(), u.reason(), null));
    this.routes = ContainerRouteView.get(system);
  }

  /**
   * Publishes the route when something a read depends on changed, or (with {@code counts}) when
   * only the counts changed and the last publication is older than the throttle interval.
   */
  private void publishRoute(ContainerState state, boolean counts) {
    if (state.lifecycle() == Lifecycle.EMPTY) {
      return;
    }
    ContainerRoute route = ContainerRoute.of(state, lastSequenceNumber(ctx));
    long now = System.currentTimeMillis();
    boolean changed = publishedRoute == null || !publishedRoute.sameRoute(route);
    boolean countsDue = !changed && counts
        && (publishedRoute.objectCount() != route.objectCount()
            || publishedRoute.bytesUsed() != route.bytesUsed())
        && now - publishedAtMillis >= ContainerRouteView.COUNTS_INTERVAL_MILLIS;
    if (changed || countsDue) {
      routes.publish(entityId(account, container), route);
      publishedRoute = route;
      publishedAtMillis = now;
    }
  }

  @Override
  public EventAdapter<Event, ?> eventAdapter() {
    return trail.eventAdapter();
  }

  @Override
  public SnapshotAdapter<ContainerState> snapshotAdapter() {
    return trail.snapshotAdapter();
  }

  @Override
  public SignalHandler<ContainerState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          trail.recoveryCompleted();
          reportDamage();
          publishRoute(state, false);
        })
        .build();
  }

  /** The tag of every event of a container: {@code Container-<slice>}. */
  public static String tagOf(String account, String container, int slices) {
    return TYPE_KEY.name() + "-" + sliceOf(account, container, slices);
  }

  /** The tag slice of a container, {@code 0 <= slice < slices}. */
  public static int sliceOf(String account, String container, int slices) {
    return Math.floorMod(entityId(account, container).hashCode(), slices);
  }

  /** Container metadata naming the external Swift container this one syncs to (lower case). */
  public static final String SYNC_TO_METADATA = "x-container-sync-to";

  @Override
  public ContainerState emptyState() {
    return ContainerState.empty(account, container);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return retention;
  }

  /**
   * Only the sync projection reads the tag, and it acts on replicated containers and those with
   * Swift container sync. Object events of the others stay untagged so that the projection's
   * polls do not read every write of every container; lifecycle events are always tagged (they
   * turn following on and off). {@code state} is the state after the event.
   */
  @Override
  public Set<String> tagsFor(ContainerState state, Event event) {
    boolean lifecycle = event instanceof ContainerCreated
        || event instanceof ContainerMetadataUpdated
        || event instanceof ContainerDeleted;
    return lifecycle || isFollowedBySync(state) ? Set.of(tag) : Set.of();
  }

  /**
   * One error per recovery, naming what the operator needs; requests meanwhile answer at once
   * with {@code DAMAGED} instead of waiting for a recovery that would fail again and again.
   */
  private void reportDamage() {
    if (damage.isEmpty()) {
      return;
    }
    Damage first = damage.firstEntry().getValue();
    ctx.getLog().error(
        "container {} is damaged: its stored event {} (sequence number {}, persistence id {}) cannot be read or"
            + " applied: {}. Requests to the container answer 503 until an operator skips the event:"
            + " POST /admin/containers/{}/{}/skip-event {\"sequenceNr\": {}} ({} damaged event(s) in all)",
        entityId(account, container), first.type(), first.sequenceNr(), persistenceIdOf(account, container).id(),
        first.reason(), account, container, first.sequenceNr(), damage.size());
  }

  private static boolean isFollowedBySync(ContainerState state) {
    String syncTo = state.metadata().get(SYNC_TO_METADATA);
    return !state.replicaBackends().isEmpty() || (syncTo != null && !syncTo.isEmpty());
  }

  // ---- commands -------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, ContainerState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(cmd -> !damage.isEmpty() && !(cmd instanceof SkipDamagedEvent), this::refuseDamaged)
        .onCommand(SkipDamagedEvent.class, this::onSkipDamagedEvent)
        .onCommand(Create.class, this::onCreate)
        .onCommand(Get.class, this::onGet)
        .onCommand(UpdateMetadata.class, this::onUpdateMetadata)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(RecordObjectWrite.class, this::onRecordObjectWrite)
        .onCommand(RecordObjectDelete.class, this::onRecordObjectDelete)
        .onCommand(FlushRecords.class, this::onFlushRecords)
        .onCommand(FlushStats.class, this::onFlushStats)
        .onCommand(GetSyncStatus.class, this::onGetSyncStatus)
        .onCommand(RecordSyncProgress.class, this::onRecordSyncProgress)
        .onCommand(RecordReconciled.class, this::onRecordReconciled)
        .onCommand(RecordFailoverWrite.class, this::onRecordFailoverWrite)
        .build();
  }

  @SuppressWarnings("unchecked")
  private ReplyEffect<Event, ContainerState> refuseDamaged(ContainerState state, Command cmd) {
    Damage first = damage.firstEntry().getValue();
    StatusReply<Object> refusal = StatusReply.error(ContainerRejection.DAMAGED.message(
        "The record of container " + container + " is damaged (event " + first.sequenceNr()
            + " cannot be read); an operator must repair it."));
    ActorRef<?> replyTo = replyToOf(cmd);
    return replyTo == null
        ? Effect().noReply()
        : Effect().reply((ActorRef<StatusReply<Object>>) replyTo, refusal);
  }

  /** Where a command wants its reply; null for the entity's own messages. */
  private static ActorRef<?> replyToOf(Command cmd) {
    if (cmd instanceof Create c) {
      return c.replyTo();
    } else if (cmd instanceof Get c) {
      return c.replyTo();
    } else if (cmd instanceof UpdateMetadata c) {
      return c.replyTo();
    } else if (cmd instanceof Delete c) {
      return c.replyTo();
    } else if (cmd instanceof RecordObjectWrite c) {
      return c.replyTo();
    } else if (cmd instanceof RecordObjectDelete c) {
      return c.replyTo();
    } else if (cmd instanceof GetSyncStatus c) {
      return c.replyTo();
    } else if (cmd instanceof RecordSyncProgress c) {
      return c.replyTo();
    } else if (cmd instanceof RecordReconciled c) {
      return c.replyTo();
    } else if (cmd instanceof RecordFailoverWrite c) {
      return c.replyTo();
    } else if (cmd instanceof SkipDamagedEvent c) {
      return c.replyTo();
    }
    return null;
  }

  private ReplyEffect<Event, ContainerState> onSkipDamagedEvent(ContainerState state, SkipDamagedEvent cmd) {
    Damage skipped = damage.get(cmd.sequenceNr());
    if (skipped == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(ContainerRejection.NOT_DAMAGED.message(
          "event " + cmd.sequenceNr() + " of container " + container + " is not a damaged event"
              + (damage.isEmpty() ? "" : "; damaged: " + damage.keySet()))));
    }
    return Effect()
        .persist(new DamagedEventSkipped(cmd.sequenceNr(), skipped.type(), cmd.audit()))
        .thenRun(s -> ctx.getLog().warn("container {}: damaged event {} skipped by {}",
            entityId(account, container), cmd.sequenceNr(), cmd.audit().principal()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onCreate(ContainerState state, Create cmd) {
    if (state.isActive()) {
      if (!cmd.policy().equals(state.policy())) {
        return Effect()
            .reply(
                cmd.replyTo(),
                StatusReply.error(
                    ContainerRejection.POLICY_MISMATCH.message(
                        "container " + container + " exists with storage policy " + state.policy())));
      }
      // A PUT of an existing container moves its Last-Modified (Swift's put_timestamp), with or
      // without metadata; an older timestamp changes nothing.
      if (cmd.metadata().isEmpty() && !cmd.timestamp().isNewerThan(state.modifiedAt())) {
        return Effect().reply(cmd.replyTo(), StatusReply.success(new CreateResult(state, false)));
      }
      return Effect()
          .persist(new ContainerMetadataUpdated(cmd.metadata(), cmd.timestamp(), cmd.audit()))
          .thenRun(s -> publishRoute(s, false))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(new CreateResult(s, false)));
    }
    return Effect()
        .persist(
            new ContainerCreated(
                account,
                container,
                cmd.policy(),
                cmd.primaryBackend(),
                cmd.replicaBackends(),
                cmd.metadata(),
                cmd.timestamp(),
                cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new CreateResult(s, true)));
  }

  private ReplyEffect<Event, ContainerState> onGet(ContainerState state, Get cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    publishRoute(state, true);
    return Effect().reply(cmd.replyTo(), StatusReply.success(state));
  }

  private ReplyEffect<Event, ContainerState> onUpdateMetadata(
      ContainerState state, UpdateMetadata cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect()
        .persist(new ContainerMetadataUpdated(cmd.changes(), cmd.timestamp(), cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, ContainerState> onDelete(ContainerState state, Delete cmd) {
    if (!pending.isEmpty()) {
      // Let the buffered records land first, in the order they were accepted.
      return Effect().stash();
    }
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect()
        .persist(new ContainerDeleted(cmd.timestamp(), cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onRecordObjectWrite(
      ContainerState state, RecordObjectWrite cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    String key = recordKey("w", cmd.name(), cmd.timestamp());
    if (recentRecords.containsKey(key)) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return buffer(key, new ObjectWritten(
            cmd.name(),
            cmd.etag(),
            cmd.size(),
            cmd.contentType(),
            cmd.timestamp(),
            cmd.replaced(),
            cmd.replacedSize(),
            cmd.audit()),
        cmd.replyTo());
  }

  private ReplyEffect<Event, ContainerState> buffer(
      String key, Event event, ActorRef<StatusReply<Done>> replyTo) {
    if (pending.add(pendingKeys.add(key) ? event : null, replyTo)) {
      self.tell(FlushRecords.INSTANCE);
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, ContainerState> onFlushRecords(ContainerState state, FlushRecords cmd) {
    if (pending.isEmpty()) {
      return Effect().noReply();
    }
    GroupCommit.Batch<Event> batch = pending.drain();
    pendingKeys.clear();
    if (!state.isActive()) {
      batch.reject(notFound());
      return Effect().noReply();
    }
    return Effect()
        .persist(batch.events())
        .thenRun(s -> {
          batch.acknowledge();
          scheduleStatsFlush();
        })
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, ContainerState> onRecordObjectDelete(
      ContainerState state, RecordObjectDelete cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    String key = recordKey("d", cmd.name(), cmd.timestamp());
    if (recentRecords.containsKey(key)) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return buffer(key, new ObjectDeleted(cmd.name(), cmd.size(), cmd.timestamp(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, ContainerState> onFlushStats(ContainerState state, FlushStats cmd) {
    if (state.isActive()) {
      ClusterSharding.get(system)
          .entityRefFor(AccountEntity.TYPE_KEY, account)
          .tell(new AccountEntity.RefreshStats(ContainerSummary.of(state)));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, ContainerState> onGetSyncStatus(ContainerState state, GetSyncStatus cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    Map<String, Long> pending = new java.util.TreeMap<>();
    for (String replica : state.replicaBackends()) {
      pending.put(replica, pendingChanges(state, state.sync().replica(replica).syncedSeqNr()));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(new SyncStatus(state, pending)));
  }

  private ReplyEffect<Event, ContainerState> onRecordSyncProgress(ContainerState state, RecordSyncProgress cmd) {
    List<Event> events = new java.util.ArrayList<>();
    for (SyncConflict c : cmd.conflicts()) {
      events.add(new SyncConflictResolved(c.name(), c.replica(), c.winnerBackend(), c.winner(), c.loser(), cmd.audit()));
    }
    for (ReplicaFailure f : cmd.failures()) {
      events.add(new ReplicaSyncFailed(f.replica(), f.objects(), f.error(), cmd.audit()));
    }
    for (ReplicaProgress p : cmd.progress()) {
      ReplicaSync current = state.sync().replica(p.replica());
      // The projection reports the last event it read, which may be a progress event itself;
      // recording progress past the last change would feed the projection a new event to report,
      // one more event per progress interval for as long as the container lives.
      long upTo = Math.min(p.seqNr(), state.sync().lastChangeSeqNr());
      if (state.replicaBackends().contains(p.replica()) && upTo > current.syncedSeqNr()
          && !current.needsReconcile()) {
        events.add(new ReplicaSyncProgressed(
            p.replica(), upTo, pendingSince(state, upTo, current), cmd.audit()));
      }
    }
    for (FailoverResolved r : cmd.failoverResolved()) {
      if (state.sync().failoverWrites().containsKey(r.name())) {
        events.add(new FailoverWriteResolved(r.name(), r.timestamp(), cmd.audit()));
      }
    }
    if (events.isEmpty()) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onRecordReconciled(ContainerState state, RecordReconciled cmd) {
    if (!state.replicaBackends().contains(cmd.replica())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    ReplicaSync current = state.sync().replica(cmd.replica());
    return Effect()
        .persist(new ReplicaReconciled(cmd.replica(), cmd.upToSeqNr(), cmd.failuresAtStart(), cmd.copied(),
            cmd.deleted(), pendingSince(state, Math.max(cmd.upToSeqNr(), current.syncedSeqNr()), current),
            cmd.audit()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onRecordFailoverWrite(ContainerState state, RecordFailoverWrite cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect()
        .persist(new FailoverWriteRecorded(cmd.name(), cmd.backend(), cmd.timestamp(), cmd.audit()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  /** Changes after {@code syncedSeqNr}: exact when known, else an upper bound. */
  private long pendingChanges(ContainerState state, long syncedSeqNr) {
    long last = state.sync().lastChangeSeqNr();
    if (syncedSeqNr >= last) {
      return 0;
    }
    if (changesKnownFrom >= 0 && syncedSeqNr >= changesKnownFrom) {
      return recentChanges.tailMap(syncedSeqNr, false).size();
    }
    return last - syncedSeqNr;
  }

  /** When the first change after {@code syncedSeqNr} happened; empty when there is none. */
  private Optional<Instant> pendingSince(ContainerState state, long syncedSeqNr, ReplicaSync current) {
    if (syncedSeqNr >= state.sync().lastChangeSeqNr()) {
      return Optional.empty();
    }
    if (changesKnownFrom >= 0 && syncedSeqNr >= changesKnownFrom) {
      var next = recentChanges.higherEntry(syncedSeqNr);
      if (next != null) {
        return Optional.of(next.getValue());
      }
    }
    return current.pendingSince();
  }

  private void scheduleStatsFlush() {
    if (!timers.isTimerActive(FlushStats.INSTANCE)) {
      timers.startSingleTimer(FlushStats.INSTANCE, FlushStats.INSTANCE, STATS_FLUSH_DELAY);
    }
  }

  private <T> StatusReply<T> notFound() {
    return StatusReply.error(
        ContainerRejection.NOT_FOUND.message("container " + container + " not found"));
  }

  // ---- events ---------------------------------------------------------------------------

  /**
   * Applies the facts; never fails. A stored event that cannot be read ({@link EventUnreadable})
   * or applied marks the container damaged at its sequence number instead of failing the
   * recovery (which would be retried forever, each request waiting for the ask timeout); the
   * state then stays as it was before that event.
   */
  @Override
  public EventHandler<ContainerState, Event> eventHandler() {
    EventHandler<ContainerState, Event> facts = facts();
    return (state, event) -> {
      long seqNr = lastSequenceNumber(ctx);
      if (event instanceof EventUnreadable e) {
        damage.put(seqNr, new Damage(seqNr, e.type(), e.reason()));
        return state;
      }
      if (event instanceof DamagedEventSkipped e) {
        damage.remove(e.sequenceNr());
        return state;
      }
      try {
        return facts.apply(state, event);
      } catch (RuntimeException e) {
        damage.put(seqNr, new Damage(seqNr, event.getClass().getSimpleName(), String.valueOf(e.getMessage())));
        return state;
      }
    };
  }

  private EventHandler<ContainerState, Event> facts() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ContainerCreated.class, ContainerState::created)
        .onEvent(ContainerMetadataUpdated.class, ContainerState::metadataUpdated)
        .onEvent(ObjectWritten.class, (state, e) -> {
          recentRecords.put(recordKey("w", e.name(), e.timestamp()), Boolean.TRUE);
          return changed(state.objectWritten(e), e);
        })
        .onEvent(ObjectDeleted.class, (state, e) -> {
          recentRecords.put(recordKey("d", e.name(), e.timestamp()), Boolean.TRUE);
          return changed(state.objectDeleted(e), e);
        })
        .onEvent(ContainerDeleted.class, (state, e) -> changed(state.deleted(e), e))
        .onEvent(ReplicaSyncProgressed.class, (state, e) -> state.withSync(state.sync().withReplica(
            e.replica(), state.sync().replica(e.replica()).progressed(e.syncedSeqNr(), e.pendingSince()))))
        .onEvent(ReplicaSyncFailed.class, (state, e) -> state.withSync(state.sync().withReplica(
            e.replica(), state.sync().replica(e.replica()).failed(e.objects(), e.error(), e.audit().at()))))
        .onEvent(SyncConflictResolved.class, (state, e) -> state.withSync(state.sync().withReplica(
            e.replica(), state.sync().replica(e.replica()).conflictResolved())))
        .onEvent(ReplicaReconciled.class, (state, e) -> state.withSync(state.sync().withReplica(
            e.replica(), state.sync().replica(e.replica()).reconciled(
                e.upToSeqNr(), e.failuresAtStart(), e.pendingSince(), e.audit().at()))))
        .onEvent(FailoverWriteRecorded.class, (state, e) -> state.withSync(state.sync().withFailoverWrite(
            e.name(), new SyncState.FailoverWrite(e.backend(), e.timestamp()))))
        .onEvent(FailoverWriteResolved.class, (state, e) -> state.withSync(
            state.sync().withoutFailoverWrite(e.name(), e.timestamp())))
        .build();
  }

  /** Notes a change the replicas must follow, at this event's sequence number. */
  private ContainerState changed(ContainerState state, Event e) {
    long seqNr = lastSequenceNumber(ctx);
    Instant at = e.audit().at();
    if (changesKnownFrom < 0) {
      changesKnownFrom = state.sync().lastChangeSeqNr();
    }
    recentChanges.put(seqNr, at);
    if (recentChanges.size() > MAX_RECENT_CHANGES) {
      changesKnownFrom = recentChanges.pollFirstEntry().getKey();
    }
    return state.withSync(state.sync().changed(seqNr, at));
  }

  private static String recordKey(String kind, String name, SwiftTimestamp timestamp) {
    return kind + timestamp.ticks() + "/" + name;
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
