package io.archipelago.engine.container;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
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
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
                timers -> new ContainerEntity(ctx.getSystem(), account, container, timers)));
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
  private final java.util.Map<String, Boolean> recentRecords =
      new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
          return size() > 1024;
        }
      };

  private ContainerEntity(
      ActorSystem<?> system, String account, String container, TimerScheduler<Command> timers) {
    super(
        persistenceIdOf(account, container),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.system = system;
    this.account = account;
    this.container = container;
    this.timers = timers;
    var persistence = system.settings().config().getConfig("archipelago.persistence");
    this.retention =
        RetentionCriteria.snapshotEvery(
            persistence.getInt("snapshot-every"), persistence.getInt("keep-snapshots"));
    int slices = system.settings().config().getInt("archipelago.engine.container-tag-slices");
    this.tag = TYPE_KEY.name() + "-" + Math.floorMod(entityId(account, container).hashCode(), slices);
    this.trail = AuditWiring.trail(system, persistenceIdOf(account, container), EventSchemas.CONTAINER);
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
        .onSignal(RecoveryCompleted.instance(), state -> trail.recoveryCompleted())
        .build();
  }

  @Override
  public ContainerState emptyState() {
    return ContainerState.empty(account, container);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return retention;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tag);
  }

  // ---- commands -------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, ContainerState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Get.class, this::onGet)
        .onCommand(UpdateMetadata.class, this::onUpdateMetadata)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(RecordObjectWrite.class, this::onRecordObjectWrite)
        .onCommand(RecordObjectDelete.class, this::onRecordObjectDelete)
        .onCommand(FlushStats.class, this::onFlushStats)
        .build();
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
      if (cmd.metadata().isEmpty()) {
        return Effect().reply(cmd.replyTo(), StatusReply.success(new CreateResult(state, false)));
      }
      return Effect()
          .persist(new ContainerMetadataUpdated(cmd.metadata(), cmd.timestamp(), cmd.audit()))
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
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new CreateResult(s, true)));
  }

  private ReplyEffect<Event, ContainerState> onGet(ContainerState state, Get cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(state));
  }

  private ReplyEffect<Event, ContainerState> onUpdateMetadata(
      ContainerState state, UpdateMetadata cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect()
        .persist(new ContainerMetadataUpdated(cmd.changes(), cmd.timestamp(), cmd.audit()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, ContainerState> onDelete(ContainerState state, Delete cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    return Effect()
        .persist(new ContainerDeleted(cmd.timestamp(), cmd.audit()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onRecordObjectWrite(
      ContainerState state, RecordObjectWrite cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    if (recentRecords.containsKey(recordKey("w", cmd.name(), cmd.timestamp()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(
            new ObjectWritten(
                cmd.name(),
                cmd.etag(),
                cmd.size(),
                cmd.contentType(),
                cmd.timestamp(),
                cmd.replaced(),
                cmd.replacedSize(),
                cmd.audit()))
        .thenRun(s -> scheduleStatsFlush())
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onRecordObjectDelete(
      ContainerState state, RecordObjectDelete cmd) {
    if (!state.isActive()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    if (recentRecords.containsKey(recordKey("d", cmd.name(), cmd.timestamp()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new ObjectDeleted(cmd.name(), cmd.size(), cmd.timestamp(), cmd.audit()))
        .thenRun(s -> scheduleStatsFlush())
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, ContainerState> onFlushStats(ContainerState state, FlushStats cmd) {
    if (state.isActive()) {
      ClusterSharding.get(system)
          .entityRefFor(AccountEntity.TYPE_KEY, account)
          .tell(new AccountEntity.RefreshStats(ContainerSummary.of(state)));
    }
    return Effect().noReply();
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

  @Override
  public EventHandler<ContainerState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ContainerCreated.class, ContainerState::created)
        .onEvent(ContainerMetadataUpdated.class, ContainerState::metadataUpdated)
        .onEvent(ObjectWritten.class, (state, e) -> {
          recentRecords.put(recordKey("w", e.name(), e.timestamp()), Boolean.TRUE);
          return state.objectWritten(e);
        })
        .onEvent(ObjectDeleted.class, (state, e) -> {
          recentRecords.put(recordKey("d", e.name(), e.timestamp()), Boolean.TRUE);
          return state.objectDeleted(e);
        })
        .onEvent(ContainerDeleted.class, ContainerState::deleted)
        .build();
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
