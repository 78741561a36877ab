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
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.japi.function.Function;
import akka.persistence.typed.EventAdapter;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.audit.AuditWiring;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.container.EntityState.DamagedEvent;
import io.archipelago.engine.entity.GroupCommit;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.Sha256;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * One Swift container: its placement (primary and replica backends, policy), metadata, object
 * counts and lifecycle ({@link EntityState.Empty} until created, then {@link EntityState.Active},
 * then {@link EntityState.Deleted}, from which it can be created again). Sharded by {@code
 * account/container} and event-sourced: every accepted change is an event, so the log is the
 * container's state, its change feed and its audit trail at once. Object bytes never pass through
 * it; the gateway records writes, deletes and metadata changes here after the backend acknowledged
 * them. Every command with a reply gets a {@link ContainerReply}: its result, or a typed {@link
 * ContainerRejection}.
 */
public final class ContainerEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        ContainerEntity.Command, ContainerEntity.Event, EntityState> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Container");

  /** Account stats are pushed at most this often per container, not once per write. */
  private static final Duration STATS_FLUSH_DELAY = Duration.ofSeconds(1);

  private static final int MAX_PERSISTENCE_KEY = 200;

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command answered with a {@link ContainerReply} of {@code T}. */
  public sealed interface Request<T> extends Command {
    ActorRef<ContainerReply<T>> replyTo();
  }

  /** Creates the container on the given backends; replies the state and whether it was new. */
  public record Create(
      String policy,
      String primaryBackend,
      List<String> replicaBackends,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<ContainerReply<CreateResult>> replyTo)
      implements Request<CreateResult> {}

  /** Replies the current state; {@code NOT_FOUND} unless active. */
  public record Get(ActorRef<ContainerReply<ContainerState>> replyTo)
      implements Request<ContainerState> {}

  /** Merges metadata changes (an empty value removes the key); replies the new state. */
  public record UpdateMetadata(
      Map<String, String> changes,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<ContainerReply<ContainerState>> replyTo)
      implements Request<ContainerState> {}

  /**
   * Marks the container deleted (the caller checked that the backend holds no objects); replies
   * Done.
   */
  public record Delete(
      SwiftTimestamp timestamp, AuditInfo audit, ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /** Records an object the backend has stored; replies Done once the event is persisted. */
  public record RecordObjectWrite(
      String name,
      String etag,
      long size,
      String contentType,
      SwiftTimestamp timestamp,
      boolean replaced,
      long replacedSize,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /** Records an object the backend has deleted; replies Done once the event is persisted. */
  public record RecordObjectDelete(
      String name,
      long size,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * Records an object whose metadata the backend has replaced (Swift object POST): its content type
   * and user metadata afterwards. Replies Done once the event is persisted.
   */
  public record RecordObjectMetadata(
      String name,
      String contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * Replies the state with each replica's pending change count; {@code NOT_FOUND} unless active.
   */
  public record GetSyncStatus(ActorRef<ContainerReply<SyncStatus>> replyTo)
      implements Request<SyncStatus> {}

  /**
   * Records what the sync achieved since its last report (sent at most about once a second per
   * container): progress per replica, objects given up on, conflicts resolved, failover writes
   * copied back to the primary. Replies Done once persisted.
   */
  public record RecordSyncProgress(
      List<ReplicaProgress> progress,
      List<ReplicaFailure> failures,
      List<SyncConflict> conflicts,
      List<FailoverResolved> failoverResolved,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * Records a finished reconcile of one replica: it held every change up to {@code upToSeqNr}, and
   * {@code failuresAtStart} recorded failures are repaired. Replies Done once persisted.
   */
  public record RecordReconciled(
      String replica,
      long upToSeqNr,
      long failuresAtStart,
      long copied,
      long deleted,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * Records that a write went to a replica because the primary was down. Replies Done once
   * persisted.
   */
  public record RecordFailoverWrite(
      String name,
      String backend,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * An operator's way past a damaged record: skips stored event {@code sequenceNr}, one that cannot
   * be read or applied (it stays in the journal and its audit chain; the skip is recorded as an
   * event of its own). Replies Done once persisted; {@code NOT_DAMAGED} unless that event is one of
   * the container's damaged events.
   */
  public record SkipDamagedEvent(
      long sequenceNr, AuditInfo audit, ActorRef<ContainerReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * Starts a live migration to backend {@code target} (see {@link Migration}): of the primary when
   * {@code replica} is empty, else of that replica. Replies the migration. {@code
   * MIGRATION_CONFLICT} while one runs, when the target already holds the primary or a replica, or
   * when {@code replica} is not one of the container's replicas.
   */
  public record StartMigration(
      String id,
      String target,
      Migration.Throttle throttle,
      Optional<String> replica,
      AuditInfo audit,
      ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {

    /** A move of the primary. */
    public StartMigration(
        String id,
        String target,
        Migration.Throttle throttle,
        AuditInfo audit,
        ActorRef<ContainerReply<Migration>> replyTo) {
      this(id, target, throttle, Optional.empty(), audit, replyTo);
    }
  }

  /** Replies the latest migration; {@code NO_MIGRATION} when the container never migrated. */
  public record GetMigration(ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /**
   * The copy worker's checkpoint: every source object up to {@code marker} is handled, {@code
   * objects} and {@code bytes} more were copied, and {@code errors} happened. Replies the
   * migration; ignored (the migration replied as it is) unless migration {@code id} is copying.
   */
  public record RecordMigrationProgress(
      String id,
      String marker,
      long objects,
      long bytes,
      List<Migration.MigrationError> errors,
      AuditInfo audit,
      ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /**
   * An operator retried failed copies of migration {@code id} (each object moved again at once):
   * {@code repaired} are on the target now, {@code failed} failed again. Replies the migration;
   * ignored (the migration replied as it is) unless migration {@code id} is copying.
   */
  public record RecordMigrationRetry(
      String id,
      List<String> repaired,
      List<Migration.MigrationError> failed,
      AuditInfo audit,
      ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /**
   * The verification before the cut-over passed; replies the migration. Ignored unless migration
   * {@code id} is copying.
   */
  public record RecordMigrationVerified(
      String id,
      Migration.Verification verification,
      AuditInfo audit,
      ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /**
   * Moves migration {@code id} on by one step: {@code CUT_OVER} (from verified: the target becomes
   * the primary), {@code SOURCE_CLEANED} (from cut-over; completes it), or, after a cancel, {@code
   * CANCELLED} to record it settled. Replies the migration; a step that does not follow is ignored.
   */
  public record AdvanceMigration(
      String id, MigrationPhase step, AuditInfo audit, ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /**
   * Cancels the running migration; replies it. {@code MIGRATION_CONFLICT} past the cut-over or when
   * none runs.
   */
  public record CancelMigration(AuditInfo audit, ActorRef<ContainerReply<Migration>> replyTo)
      implements Request<Migration> {}

  /** Every change up to event {@code seqNr} is on {@code replica}. */
  public record ReplicaProgress(String replica, long seqNr) implements CborSerializable {}

  /** The sync gave up on {@code objects} objects for {@code replica}; the last error. */
  public record ReplicaFailure(String replica, long objects, String error)
      implements CborSerializable {}

  /**
   * A conflict resolved by newest X-Timestamp: the winner's copy is now on {@code replica}'s side
   * too.
   */
  public record SyncConflict(
      String name,
      String replica,
      String winnerBackend,
      SwiftTimestamp winner,
      SwiftTimestamp loser)
      implements CborSerializable {}

  /** A failover write now on the primary (or superseded there). */
  public record FailoverResolved(String name, SwiftTimestamp timestamp)
      implements CborSerializable {}

  /** The reply to {@link GetSyncStatus}: the state and, per replica, changes not yet on it. */
  public record SyncStatus(ContainerState state, Map<String, Long> pendingChanges)
      implements CborSerializable {}

  /** Self message: persist the buffered object records as one batch. No reply. */
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

  /**
   * An object's metadata was replaced (Swift object POST): {@code contentType} and the user {@code
   * metadata} are the object's afterwards, {@code timestamp} its new X-Timestamp. Data, size and
   * etag stay, so the counts do not change; the replicas follow it like a write.
   */
  public record ObjectMetadataReplaced(
      String name,
      String contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp,
      AuditInfo audit)
      implements Event {}

  public record ContainerDeleted(SwiftTimestamp timestamp, AuditInfo audit) implements Event {}

  /** Every change up to {@code syncedSeqNr} is on the replica. */
  public record ReplicaSyncProgressed(
      String replica, long syncedSeqNr, Optional<Instant> pendingSince, AuditInfo audit)
      implements Event {}

  /** The sync gave up on objects for a replica (after retries); the reconciler repairs them. */
  public record ReplicaSyncFailed(String replica, long objects, String error, AuditInfo audit)
      implements Event {}

  /**
   * A conflict between the primary's and a replica's version of an object, resolved by newest
   * X-Timestamp: {@code winnerBackend}'s version (timestamp {@code winner}) was kept and copied
   * over the older one ({@code loser}, on the other side).
   */
  public record SyncConflictResolved(
      String name,
      String replica,
      String winnerBackend,
      SwiftTimestamp winner,
      SwiftTimestamp loser,
      AuditInfo audit)
      implements Event {}

  /** A reconcile of a replica finished: listings compared and differences repaired. */
  public record ReplicaReconciled(
      String replica,
      long upToSeqNr,
      long failuresAtStart,
      long copied,
      long deleted,
      Optional<Instant> pendingSince,
      AuditInfo audit)
      implements Event {}

  /** A write went to {@code backend}, a replica, while the primary was down. */
  public record FailoverWriteRecorded(
      String name, String backend, SwiftTimestamp timestamp, AuditInfo audit) implements Event {}

  /** A failover write is on the primary now (or a newer version superseded it). */
  public record FailoverWriteResolved(String name, SwiftTimestamp timestamp, AuditInfo audit)
      implements Event {}

  /**
   * A live migration of the container's objects to {@code target} started (the source is the
   * primary at that moment; the principal in {@code audit} started it).
   */
  public record MigrationStarted(
      String id, String target, Migration.Throttle throttle, AuditInfo audit) implements Event {}

  /**
   * A live migration of the container's replica on backend {@code replica} to {@code target}
   * started; client requests keep going to the primary (the principal in {@code audit} started it).
   */
  public record ReplicaMigrationStarted(
      String id, String replica, String target, Migration.Throttle throttle, AuditInfo audit)
      implements Event {}

  /** The copy went on to {@code marker}; {@code objects} and {@code bytes} more copied. */
  public record MigrationProgressed(
      String id,
      String marker,
      long objects,
      long bytes,
      List<Migration.MigrationError> errors,
      AuditInfo audit)
      implements Event {}

  /**
   * Failed copies retried by the principal in {@code audit}: {@code repaired} left the errors,
   * {@code failed} replaced their objects' earlier errors.
   */
  public record MigrationCopiesRetried(
      String id, List<String> repaired, List<Migration.MigrationError> failed, AuditInfo audit)
      implements Event {}

  /** Both sides compared equal (the report); the cut-over may follow. */
  public record MigrationVerified(String id, Migration.Verification verification, AuditInfo audit)
      implements Event {}

  /** The target is the primary now; the source still holds its copy until it is cleaned. */
  public record MigrationCutOver(String id, AuditInfo audit) implements Event {}

  /** The source's copy is removed. */
  public record MigrationSourceCleaned(String id, AuditInfo audit) implements Event {}

  public record MigrationCompleted(String id, AuditInfo audit) implements Event {}

  /** Cancelled before the cut-over: the source stays the primary and takes the writes again. */
  public record MigrationCancelled(String id, AuditInfo audit) implements Event {}

  /**
   * After a cancel: the writes that went to the target are on the source again and the target's
   * copy is removed.
   */
  public record MigrationCancelSettled(String id, AuditInfo audit) implements Event {}

  /** The migration stopped for good (its backends are gone); the source is still the primary. */
  public record MigrationFailed(String id, String reason, AuditInfo audit) implements Event {}

  /**
   * Never stored: what replay yields in place of a stored event that this version cannot read
   * ({@code audit} is null). It marks the container damaged at that sequence number.
   */
  public record EventUnreadable(String type, int version, String reason, AuditInfo audit)
      implements Event {}

  /**
   * An operator skipped damaged event {@code sequenceNr} (of type {@code type}); see
   * SkipDamagedEvent.
   */
  public record DamagedEventSkipped(long sequenceNr, String type, AuditInfo audit)
      implements Event {}

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
      throw new IllegalArgumentException(
          "container entity id must be account/container: " + entityId);
    }
    String account = entityId.substring(0, slash);
    String container = entityId.substring(slash + 1);
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(timers -> new ContainerEntity(ctx, account, container, timers)));
  }

  /**
   * Asks a container entity once: the stage completes with the command's result, or fails with a
   * {@link ContainerRejectedException} when the entity refused it.
   */
  public static <T> CompletionStage<T> ask(
      EntityRef<Command> entity,
      Function<ActorRef<ContainerReply<T>>, Command> message,
      Duration timeout) {
    return entity.ask(message, timeout).thenApply(ContainerReply::orThrow);
  }

  /**
   * The journal's persistence id column holds 255 characters; container names may be longer, so
   * long ids keep the account and a digest of the container (events still carry the full names).
   */
  static PersistenceId persistenceIdOf(String account, String container) {
    String key = entityId(account, container);
    if (key.length() > MAX_PERSISTENCE_KEY) {
      key = account + "/#" + Sha256.hexOfUtf8(container);
    }
    // PersistenceId.of refuses a '|' in the entity id, which Swift allows in names: the same id,
    // built as a unique id (the type hint still ends at the first '|')
    return PersistenceId.ofUniqueId(TYPE_KEY.name() + "|" + key);
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
   * Group commit: object records that arrive while a batch is being persisted wait here and are
   * persisted together by the next {@link FlushRecords}, so one hot container is not limited to one
   * journal round trip per object. Each record is still acknowledged only after its event is
   * persisted. Behaviour, not state: it holds reply refs of requests not persisted yet, lost with
   * the actor on a crash (the callers' asks then time out and are sent again).
   */
  private final GroupCommit<Event, ContainerReply<Done>> pending = new GroupCommit<>();

  private final ActorRef<Command> self;

  /** Where this container's route is published for reads while this entity is unreachable. */
  private final ContainerRouteView routes;

  /**
   * The route this incarnation last published, and when (a throttle of a side effect, not state).
   */
  private ContainerRoute publishedRoute;

  private long publishedAtMillis;

  private ContainerEntity(
      ActorContext<Command> ctx, String account, String container, TimerScheduler<Command> timers) {
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
    this.trail =
        AuditWiring.trail(
            system,
            persistenceIdOf(account, container),
            EventSchemas.CONTAINER,
            u -> new EventUnreadable(u.type(), u.version(), u.reason(), null));
    this.routes = ContainerRouteView.get(system);
  }

  /**
   * Publishes the route when something a read depends on changed, or (with {@code counts}) when
   * only the counts changed and the last publication is older than the throttle interval.
   */
  private void publishRoute(EntityState state, boolean counts) {
    if (state instanceof EntityState.Empty) {
      return;
    }
    ContainerRoute route = ContainerRoute.of(state.container(), lastSequenceNumber(ctx));
    long now = System.currentTimeMillis();
    boolean changed = publishedRoute == null || !publishedRoute.sameRoute(route);
    boolean countsDue =
        !changed
            && counts
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

  /**
   * Snapshots hold the container only (as before the indexes moved into the state, so old snapshots
   * still load); the indexes start over from the events replayed after it.
   */
  @Override
  public SnapshotAdapter<EntityState> snapshotAdapter() {
    SnapshotAdapter<ContainerState> chained = trail.snapshotAdapter();
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(EntityState state) {
        return chained.toJournal(state.container());
      }

      @Override
      public EntityState fromJournal(Object stored) {
        return EntityState.recovered(chained.fromJournal(stored));
      }
    };
  }

  @Override
  public SignalHandler<EntityState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              trail.recoveryCompleted();
              reportDamage(state);
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
  public EntityState emptyState() {
    return EntityState.empty(account, container);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return retention;
  }

  /**
   * Only the sync projection reads the tag, and it acts on replicated containers and those with
   * Swift container sync. Object events of the others stay untagged so that the projection's polls
   * do not read every write of every container; lifecycle events are always tagged (they turn
   * following on and off). {@code state} is the state after the event.
   */
  @Override
  public Set<String> tagsFor(EntityState state, Event event) {
    boolean lifecycle =
        event instanceof ContainerCreated
            || event instanceof ContainerMetadataUpdated
            || event instanceof ContainerDeleted;
    return lifecycle || isFollowedBySync(state.container()) ? Set.of(tag) : Set.of();
  }

  /**
   * One error per recovery, naming what the operator needs; requests meanwhile answer at once with
   * {@code DAMAGED} instead of waiting for a recovery that would fail again and again.
   */
  private void reportDamage(EntityState state) {
    if (!state.isDamaged()) {
      return;
    }
    DamagedEvent first = state.damaged().get(0);
    ctx.getLog()
        .error(
            "container {} is damaged: its stored event {} (sequence number {}, persistence id {}) cannot be read or"
                + " applied: {}. Requests to the container answer 503 until an operator skips the event:"
                + " POST /admin/containers/{}/{}/skip-event {\"sequenceNr\": {}} ({} damaged event(s) in all)",
            entityId(account, container),
            first.type(),
            first.sequenceNr(),
            persistenceIdOf(account, container).id(),
            first.reason(),
            account,
            container,
            first.sequenceNr(),
            state.damaged().size());
  }

  private static boolean isFollowedBySync(ContainerState state) {
    String syncTo = state.metadata().get(SYNC_TO_METADATA);
    return !state.replicaBackends().isEmpty() || (syncTo != null && !syncTo.isEmpty());
  }

  // ---- commands -------------------------------------------------------------------------

  /**
   * Handlers by state, tried in this order: a damaged container only lets an operator skip the
   * damaged event; an active one takes every command; a container never created or deleted can be
   * created and refuses the rest; sync bookkeeping is taken in any state. A new stage (such as a
   * migration) gets its own builder here.
   */
  @Override
  public CommandHandlerWithReply<Command, Event, EntityState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, EntityState> builder =
        newCommandHandlerWithReplyBuilder();
    builder
        .forState(EntityState::isDamaged)
        .onCommand(SkipDamagedEvent.class, this::onSkipDamagedEvent)
        .onCommand(cmd -> true, this::refuseDamaged);
    builder
        .forStateType(EntityState.Active.class)
        .onCommand(Create.class, this::onCreateExisting)
        .onCommand(Get.class, this::onGet)
        .onCommand(UpdateMetadata.class, this::onUpdateMetadata)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(RecordObjectWrite.class, this::onRecordObjectWrite)
        .onCommand(RecordObjectDelete.class, this::onRecordObjectDelete)
        .onCommand(RecordObjectMetadata.class, this::onRecordObjectMetadata)
        .onCommand(FlushRecords.class, this::onFlushRecords)
        .onCommand(FlushStats.class, this::onFlushStats)
        .onCommand(GetSyncStatus.class, this::onGetSyncStatus)
        .onCommand(RecordFailoverWrite.class, this::onRecordFailoverWrite)
        .onCommand(StartMigration.class, this::onStartMigration)
        .onCommand(GetMigration.class, this::onGetMigration)
        .onCommand(RecordMigrationProgress.class, this::onRecordMigrationProgress)
        .onCommand(RecordMigrationRetry.class, this::onRecordMigrationRetry)
        .onCommand(RecordMigrationVerified.class, this::onRecordMigrationVerified)
        .onCommand(AdvanceMigration.class, this::onAdvanceMigration)
        .onCommand(CancelMigration.class, this::onCancelMigration);
    notActive(builder, EntityState.Empty.class);
    notActive(builder, EntityState.Deleted.class);
    builder
        .forAnyState()
        .onCommand(RecordSyncProgress.class, this::onRecordSyncProgress)
        .onCommand(RecordReconciled.class, this::onRecordReconciled)
        .onCommand(SkipDamagedEvent.class, this::onSkipDamagedEvent);
    return builder.build();
  }

  /** A container that does not exist (never created, or deleted): it can be created. */
  private <S extends EntityState> void notActive(
      CommandHandlerWithReplyBuilder<Command, Event, EntityState> builder, Class<S> stage) {
    builder
        .forStateType(stage)
        .onCommand(Create.class, this::onCreateNew)
        .onCommand(Delete.class, this::onDeleteMissing)
        .onCommand(FlushRecords.class, this::onFlushRecordsMissing)
        .onCommand(FlushStats.class, cmd -> Effect().noReply())
        .onCommand(Get.class, this::notFound)
        .onCommand(UpdateMetadata.class, this::notFound)
        .onCommand(RecordObjectWrite.class, this::notFound)
        .onCommand(RecordObjectDelete.class, this::notFound)
        .onCommand(RecordObjectMetadata.class, this::notFound)
        .onCommand(GetSyncStatus.class, this::notFound)
        .onCommand(RecordFailoverWrite.class, this::notFound)
        .onCommand(StartMigration.class, this::notFound)
        .onCommand(GetMigration.class, this::notFound)
        .onCommand(RecordMigrationProgress.class, this::notFound)
        .onCommand(RecordMigrationRetry.class, this::notFound)
        .onCommand(RecordMigrationVerified.class, this::notFound)
        .onCommand(AdvanceMigration.class, this::notFound)
        .onCommand(CancelMigration.class, this::notFound);
  }

  private ReplyEffect<Event, EntityState> refuseDamaged(EntityState state, Command cmd) {
    if (!(cmd instanceof Request<?> request)) {
      return Effect().noReply();
    }
    DamagedEvent first = state.damaged().get(0);
    return reject(
        request,
        ContainerRejection.DAMAGED,
        "The record of container "
            + container
            + " is damaged (event "
            + first.sequenceNr()
            + " cannot be read); an operator must repair it.");
  }

  private ReplyEffect<Event, EntityState> onSkipDamagedEvent(
      EntityState state, SkipDamagedEvent cmd) {
    Optional<DamagedEvent> skipped =
        state.damaged().stream().filter(d -> d.sequenceNr() == cmd.sequenceNr()).findFirst();
    if (skipped.isEmpty()) {
      return reject(
          cmd,
          ContainerRejection.NOT_DAMAGED,
          "event "
              + cmd.sequenceNr()
              + " of container "
              + container
              + " is not a damaged event"
              + (state.isDamaged()
                  ? "; damaged: " + state.damaged().stream().map(DamagedEvent::sequenceNr).toList()
                  : ""));
    }
    return Effect()
        .persist(new DamagedEventSkipped(cmd.sequenceNr(), skipped.get().type(), cmd.audit()))
        .thenRun(
            s ->
                ctx.getLog()
                    .warn(
                        "container {}: damaged event {} skipped by {}",
                        entityId(account, container),
                        cmd.sequenceNr(),
                        cmd.audit().principal()))
        .thenReply(cmd.replyTo(), s -> ContainerReply.done());
  }

  private ReplyEffect<Event, EntityState> onCreateExisting(EntityState.Active state, Create cmd) {
    ContainerState current = state.container();
    if (!cmd.policy().equals(current.policy())) {
      return reject(
          cmd,
          ContainerRejection.POLICY_MISMATCH,
          "container " + container + " exists with storage policy " + current.policy());
    }
    // A PUT of an existing container moves its Last-Modified (Swift's put_timestamp), with or
    // without metadata; an older timestamp changes nothing.
    if (cmd.metadata().isEmpty() && !cmd.timestamp().isNewerThan(current.modifiedAt())) {
      return Effect()
          .reply(cmd.replyTo(), ContainerReply.accepted(new CreateResult(current, false)));
    }
    return Effect()
        .persist(new ContainerMetadataUpdated(cmd.metadata(), cmd.timestamp(), cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(
            cmd.replyTo(), s -> ContainerReply.accepted(new CreateResult(s.container(), false)));
  }

  private ReplyEffect<Event, EntityState> onCreateNew(EntityState state, Create cmd) {
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
        .thenReply(
            cmd.replyTo(), s -> ContainerReply.accepted(new CreateResult(s.container(), true)));
  }

  private ReplyEffect<Event, EntityState> onGet(EntityState.Active state, Get cmd) {
    publishRoute(state, true);
    return Effect().reply(cmd.replyTo(), ContainerReply.accepted(state.container()));
  }

  private ReplyEffect<Event, EntityState> onUpdateMetadata(
      EntityState.Active state, UpdateMetadata cmd) {
    return Effect()
        .persist(new ContainerMetadataUpdated(cmd.changes(), cmd.timestamp(), cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), s -> ContainerReply.accepted(s.container()));
  }

  private ReplyEffect<Event, EntityState> onDelete(EntityState.Active state, Delete cmd) {
    if (!pending.isEmpty()) {
      // Let the buffered records land first, in the order they were accepted.
      return Effect().stash();
    }
    return Effect()
        .persist(new ContainerDeleted(cmd.timestamp(), cmd.audit()))
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), s -> ContainerReply.done());
  }

  private ReplyEffect<Event, EntityState> onDeleteMissing(EntityState state, Delete cmd) {
    if (!pending.isEmpty()) {
      return Effect().stash();
    }
    return notFound(state, cmd);
  }

  private ReplyEffect<Event, EntityState> onRecordObjectWrite(
      EntityState.Active state, RecordObjectWrite cmd) {
    return buffer(
        state,
        RecentRecords.Kind.WRITE,
        cmd.name(),
        cmd.timestamp(),
        new ObjectWritten(
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

  private ReplyEffect<Event, EntityState> onRecordObjectDelete(
      EntityState.Active state, RecordObjectDelete cmd) {
    return buffer(
        state,
        RecentRecords.Kind.DELETE,
        cmd.name(),
        cmd.timestamp(),
        new ObjectDeleted(cmd.name(), cmd.size(), cmd.timestamp(), cmd.audit()),
        cmd.replyTo());
  }

  private ReplyEffect<Event, EntityState> onRecordObjectMetadata(
      EntityState.Active state, RecordObjectMetadata cmd) {
    return buffer(
        state,
        RecentRecords.Kind.METADATA,
        cmd.name(),
        cmd.timestamp(),
        new ObjectMetadataReplaced(
            cmd.name(), cmd.contentType(), cmd.metadata(), cmd.timestamp(), cmd.audit()),
        cmd.replyTo());
  }

  /** Joins an object record to the group commit, unless it is persisted already (a retried ask). */
  private ReplyEffect<Event, EntityState> buffer(
      EntityState state,
      RecentRecords.Kind kind,
      String name,
      SwiftTimestamp timestamp,
      Event event,
      ActorRef<ContainerReply<Done>> replyTo) {
    String key = RecentRecords.key(kind, name, timestamp);
    if (state.records().contains(key)) {
      return Effect().reply(replyTo, ContainerReply.done());
    }
    if (pending.add(key, event, replyTo)) {
      self.tell(FlushRecords.INSTANCE);
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, EntityState> onFlushRecords(
      EntityState.Active state, FlushRecords cmd) {
    if (pending.isEmpty()) {
      return Effect().noReply();
    }
    GroupCommit.Batch<Event, ContainerReply<Done>> batch = pending.drain();
    return Effect()
        .persist(batch.events())
        .thenRun(
            s -> {
              batch.answer(ContainerReply.done());
              scheduleStatsFlush();
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, EntityState> onFlushRecordsMissing(
      EntityState state, FlushRecords cmd) {
    if (!pending.isEmpty()) {
      pending
          .drain()
          .answer(ContainerReply.rejected(ContainerRejection.NOT_FOUND, notFoundDetail()));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, EntityState> onFlushStats(EntityState.Active state, FlushStats cmd) {
    ClusterSharding.get(system)
        .entityRefFor(AccountEntity.TYPE_KEY, account)
        .tell(new AccountEntity.RefreshStats(ContainerSummary.of(state.container())));
    return Effect().noReply();
  }

  private ReplyEffect<Event, EntityState> onGetSyncStatus(
      EntityState.Active state, GetSyncStatus cmd) {
    ContainerState current = state.container();
    long lastChange = current.sync().lastChangeSeqNr();
    Map<String, Long> pendingChanges = new TreeMap<>();
    for (String replica : current.replicaBackends()) {
      pendingChanges.put(
          replica,
          state
              .changes()
              .pendingChanges(current.sync().replica(replica).syncedSeqNr(), lastChange));
    }
    return Effect()
        .reply(cmd.replyTo(), ContainerReply.accepted(new SyncStatus(current, pendingChanges)));
  }

  private ReplyEffect<Event, EntityState> onRecordSyncProgress(
      EntityState state, RecordSyncProgress cmd) {
    ContainerState current = state.container();
    List<Event> events = new ArrayList<>();
    for (SyncConflict c : cmd.conflicts()) {
      events.add(
          new SyncConflictResolved(
              c.name(), c.replica(), c.winnerBackend(), c.winner(), c.loser(), cmd.audit()));
    }
    for (ReplicaFailure f : cmd.failures()) {
      events.add(new ReplicaSyncFailed(f.replica(), f.objects(), f.error(), cmd.audit()));
    }
    for (ReplicaProgress p : cmd.progress()) {
      ReplicaSync replica = current.sync().replica(p.replica());
      // The projection reports the last event it read, which may be a progress event itself;
      // recording progress past the last change would feed the projection a new event to report,
      // one more event per progress interval for as long as the container lives.
      long upTo = Math.min(p.seqNr(), current.sync().lastChangeSeqNr());
      if (current.replicaBackends().contains(p.replica())
          && upTo > replica.syncedSeqNr()
          && !replica.needsReconcile()) {
        events.add(
            new ReplicaSyncProgressed(
                p.replica(), upTo, pendingSince(state, upTo, replica), cmd.audit()));
      }
    }
    for (FailoverResolved r : cmd.failoverResolved()) {
      if (current.sync().failoverWrites().containsKey(r.name())) {
        events.add(new FailoverWriteResolved(r.name(), r.timestamp(), cmd.audit()));
      }
    }
    if (events.isEmpty()) {
      return Effect().reply(cmd.replyTo(), ContainerReply.done());
    }
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> ContainerReply.done());
  }

  private ReplyEffect<Event, EntityState> onRecordReconciled(
      EntityState state, RecordReconciled cmd) {
    ContainerState current = state.container();
    if (!current.replicaBackends().contains(cmd.replica())) {
      return Effect().reply(cmd.replyTo(), ContainerReply.done());
    }
    ReplicaSync replica = current.sync().replica(cmd.replica());
    return Effect()
        .persist(
            new ReplicaReconciled(
                cmd.replica(),
                cmd.upToSeqNr(),
                cmd.failuresAtStart(),
                cmd.copied(),
                cmd.deleted(),
                pendingSince(state, Math.max(cmd.upToSeqNr(), replica.syncedSeqNr()), replica),
                cmd.audit()))
        .thenReply(cmd.replyTo(), s -> ContainerReply.done());
  }

  private ReplyEffect<Event, EntityState> onRecordFailoverWrite(
      EntityState.Active state, RecordFailoverWrite cmd) {
    return Effect()
        .persist(new FailoverWriteRecorded(cmd.name(), cmd.backend(), cmd.timestamp(), cmd.audit()))
        .thenReply(cmd.replyTo(), s -> ContainerReply.done());
  }

  // ---- migration ----

  private ReplyEffect<Event, EntityState> onStartMigration(
      EntityState.Active state, StartMigration cmd) {
    ContainerState current = state.container();
    Migration running = current.migration();
    if (running != null && running.routesBoth()) {
      return reject(
          cmd,
          ContainerRejection.MIGRATION_CONFLICT,
          "A migration of container "
              + container
              + " to "
              + running.target()
              + " is "
              + running.phase().wireName());
    }
    if (cmd.target().equals(current.primaryBackend())) {
      return reject(
          cmd,
          ContainerRejection.MIGRATION_CONFLICT,
          "Container " + container + " is already on backend " + cmd.target());
    }
    if (current.replicaBackends().contains(cmd.target())) {
      return reject(
          cmd,
          ContainerRejection.MIGRATION_CONFLICT,
          "Backend " + cmd.target() + " already holds a replica of container " + container);
    }
    if (cmd.replica().isPresent()) {
      String replica = cmd.replica().get();
      if (!current.replicaBackends().contains(replica)) {
        return reject(
            cmd,
            ContainerRejection.MIGRATION_CONFLICT,
            "Container "
                + container
                + " has no replica on backend "
                + replica
                + "; its replicas: "
                + current.replicaBackends());
      }
      return persistMigration(
          new ReplicaMigrationStarted(cmd.id(), replica, cmd.target(), cmd.throttle(), cmd.audit()),
          cmd);
    }
    return persistMigration(
        new MigrationStarted(cmd.id(), cmd.target(), cmd.throttle(), cmd.audit()), cmd);
  }

  private ReplyEffect<Event, EntityState> onGetMigration(
      EntityState.Active state, GetMigration cmd) {
    Migration migration = state.container().migration();
    if (migration == null) {
      return reject(
          cmd, ContainerRejection.NO_MIGRATION, "Container " + container + " never migrated");
    }
    return Effect().reply(cmd.replyTo(), ContainerReply.accepted(migration));
  }

  private ReplyEffect<Event, EntityState> onRecordMigrationProgress(
      EntityState.Active state, RecordMigrationProgress cmd) {
    Migration m = state.container().migration();
    if (!isCopying(m, cmd.id())) {
      return currentMigration(state, cmd);
    }
    List<Migration.MigrationError> errors = cmd.errors();
    if (errors.size() > Migration.MAX_ERRORS) {
      errors = errors.subList(errors.size() - Migration.MAX_ERRORS, errors.size());
    }
    return persistMigration(
        new MigrationProgressed(
            cmd.id(), cmd.marker(), cmd.objects(), cmd.bytes(), List.copyOf(errors), cmd.audit()),
        cmd);
  }

  private ReplyEffect<Event, EntityState> onRecordMigrationRetry(
      EntityState.Active state, RecordMigrationRetry cmd) {
    Migration m = state.container().migration();
    if (!isCopying(m, cmd.id())) {
      return currentMigration(state, cmd);
    }
    List<Migration.MigrationError> failed = cmd.failed();
    if (failed.size() > Migration.MAX_ERRORS) {
      failed = failed.subList(failed.size() - Migration.MAX_ERRORS, failed.size());
    }
    return persistMigration(
        new MigrationCopiesRetried(
            cmd.id(), List.copyOf(cmd.repaired()), List.copyOf(failed), cmd.audit()),
        cmd);
  }

  private ReplyEffect<Event, EntityState> onRecordMigrationVerified(
      EntityState.Active state, RecordMigrationVerified cmd) {
    Migration m = state.container().migration();
    if (!isCopying(m, cmd.id()) || !cmd.verification().passed()) {
      return currentMigration(state, cmd);
    }
    return persistMigration(new MigrationVerified(cmd.id(), cmd.verification(), cmd.audit()), cmd);
  }

  private ReplyEffect<Event, EntityState> onAdvanceMigration(
      EntityState.Active state, AdvanceMigration cmd) {
    Migration m = state.container().migration();
    if (m == null || !m.id().equals(cmd.id())) {
      return currentMigration(state, cmd);
    }
    if (cmd.step() == MigrationPhase.CUT_OVER && m.phase() == MigrationPhase.VERIFIED) {
      return persistMigration(new MigrationCutOver(cmd.id(), cmd.audit()), cmd);
    }
    if (cmd.step() == MigrationPhase.SOURCE_CLEANED && m.phase() == MigrationPhase.CUT_OVER) {
      return Effect()
          .persist(
              List.of(
                  new MigrationSourceCleaned(cmd.id(), cmd.audit()),
                  new MigrationCompleted(cmd.id(), cmd.audit())))
          .thenRun(s -> publishRoute(s, false))
          .thenReply(cmd.replyTo(), s -> ContainerReply.accepted(s.container().migration()));
    }
    if (cmd.step() == MigrationPhase.CANCELLED
        && m.phase() == MigrationPhase.CANCELLED
        && !m.settled()) {
      return persistMigration(new MigrationCancelSettled(cmd.id(), cmd.audit()), cmd);
    }
    return currentMigration(state, cmd);
  }

  private ReplyEffect<Event, EntityState> onCancelMigration(
      EntityState.Active state, CancelMigration cmd) {
    Migration m = state.container().migration();
    if (m == null) {
      return reject(
          cmd, ContainerRejection.NO_MIGRATION, "Container " + container + " never migrated");
    }
    if (!m.phase().cancellable()) {
      return reject(
          cmd,
          ContainerRejection.MIGRATION_CONFLICT,
          "The migration of container "
              + container
              + " is "
              + m.phase().wireName()
              + "; only a migration before its cut-over can be cancelled");
    }
    return persistMigration(new MigrationCancelled(m.id(), cmd.audit()), cmd);
  }

  private static boolean isCopying(Migration m, String id) {
    return m != null
        && m.id().equals(id)
        && (m.phase() == MigrationPhase.STARTED || m.phase() == MigrationPhase.COPYING);
  }

  private ReplyEffect<Event, EntityState> currentMigration(
      EntityState state, Request<Migration> cmd) {
    Migration m = state.container().migration();
    if (m == null) {
      return reject(
          cmd, ContainerRejection.NO_MIGRATION, "Container " + container + " never migrated");
    }
    return Effect().reply(cmd.replyTo(), ContainerReply.accepted(m));
  }

  /** Persists a migration event, publishes the route (it routes requests) and replies. */
  private ReplyEffect<Event, EntityState> persistMigration(Event event, Request<Migration> cmd) {
    return Effect()
        .persist(event)
        .thenRun(s -> publishRoute(s, false))
        .thenReply(cmd.replyTo(), s -> ContainerReply.accepted(s.container().migration()));
  }

  /** When the first change after {@code syncedSeqNr} happened; empty when there is none. */
  private static Optional<Instant> pendingSince(
      EntityState state, long syncedSeqNr, ReplicaSync replica) {
    if (syncedSeqNr >= state.container().sync().lastChangeSeqNr()) {
      return Optional.empty();
    }
    return state.changes().firstChangeAfter(syncedSeqNr).or(replica::pendingSince);
  }

  private void scheduleStatsFlush() {
    if (!timers.isTimerActive(FlushStats.INSTANCE)) {
      timers.startSingleTimer(FlushStats.INSTANCE, FlushStats.INSTANCE, STATS_FLUSH_DELAY);
    }
  }

  private <T> ReplyEffect<Event, EntityState> notFound(EntityState state, Request<T> cmd) {
    return reject(cmd, ContainerRejection.NOT_FOUND, notFoundDetail());
  }

  private String notFoundDetail() {
    return "container " + container + " not found";
  }

  private <T> ReplyEffect<Event, EntityState> reject(
      Request<T> cmd, ContainerRejection reason, String detail) {
    return Effect().reply(cmd.replyTo(), ContainerReply.rejected(reason, detail));
  }

  // ---- events ---------------------------------------------------------------------------

  /** Applies the facts to the state (see {@link EntityState#applied}); never fails. */
  @Override
  public EventHandler<EntityState, Event> eventHandler() {
    return (state, event) -> state.applied(event, lastSequenceNumber(ctx));
  }
}
