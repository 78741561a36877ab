package io.archipelago.engine.account;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
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
import io.archipelago.engine.audit.AuditWiring;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.entity.GroupCommit;
import io.archipelago.engine.store.SortedListing;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One account: the unified namespace of its containers across all backends, with per-container
 * counts for listings, and the account's metadata. Sharded by account name, event-sourced.
 * Containers are listed when created and unlisted when deleted (asked, so listings agree with the
 * client's last request); their counts arrive as throttled {@link RefreshStats} tells.
 */
public final class AccountEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        AccountEntity.Command, AccountEntity.Event, AccountState> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Account");

  public sealed interface Command extends CborSerializable {}

  /** Adds or updates a container in the namespace; replies when persisted. */
  public record ListContainer(
      ContainerSummary summary, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Removes a container from the namespace; replies when persisted. */
  public record UnlistContainer(String name, AuditInfo audit, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** New counts of a listed container (ignored for containers not listed). No reply. */
  public record RefreshStats(ContainerSummary summary) implements Command {}

  /** Replies the account's totals and metadata. */
  public record GetSummary(ActorRef<StatusReply<AccountSummary>> replyTo) implements Command {}

  /**
   * Replies one page of the container listing (Swift semantics): up to {@code limit} rows, fewer
   * (marked {@link ContainerPage#partial()}) when they would exceed the page size that a remote
   * message may carry.
   */
  public record ListContainers(
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse,
      ActorRef<StatusReply<ContainerPage>> replyTo)
      implements Command {}

  /** Merges account metadata (empty value removes); replies the new summary. */
  public record UpdateMetadata(
      Map<String, String> changes,
      SwiftTimestamp timestamp,
      AuditInfo audit,
      ActorRef<StatusReply<AccountSummary>> replyTo)
      implements Command {}

  public sealed interface Event extends CborSerializable {
    AuditInfo audit();
  }

  public record ContainerListed(ContainerSummary summary, AuditInfo audit) implements Event {}

  public record ContainerUnlisted(String name, AuditInfo audit) implements Event {}

  /** Counts pushed by the container entity: the gateway's own work ({@code system} principal). */
  public record ContainerStatsRefreshed(ContainerSummary summary, AuditInfo audit)
      implements Event {}

  public record AccountMetadataUpdated(
      Map<String, String> changes, SwiftTimestamp timestamp, AuditInfo audit) implements Event {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), system)));
  }

  public static Behavior<Command> create(String account, ActorSystem<?> system) {
    return Behaviors.setup(ctx -> new AccountEntity(account, system, ctx.getSelf()));
  }

  private final String account;
  private final RetentionCriteria retention;
  private final long listingPageBytes;
  private final String node;

  /** The hash chain of this account's events (the journal stores envelopes). */
  private final AuditTrail<Event, AccountState> trail;

  /** Self message: persist the buffered namespace changes as one batch. No reply. */
  public enum FlushChanges implements Command {
    INSTANCE
  }

  /**
   * Group commit, as in the container entity: namespace changes that arrive while a batch is being
   * persisted are persisted together, each acknowledged after its event is stored.
   */
  private final GroupCommit<Event, StatusReply<Done>> pending = new GroupCommit<>();

  private final ActorRef<Command> self;

  /**
   * {@code Account|<account>}. Built as a unique id because PersistenceId.of refuses a '|' in the
   * entity id, which Swift allows in names; the type hint still ends at the first '|'.
   */
  static PersistenceId persistenceIdOf(String account) {
    return PersistenceId.ofUniqueId(TYPE_KEY.name() + "|" + account);
  }

  private AccountEntity(String account, ActorSystem<?> system, ActorRef<Command> self) {
    super(
        persistenceIdOf(account),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.account = account;
    this.self = self;
    this.node = system.address().hostPort();
    this.trail = AuditWiring.trail(system, persistenceIdOf(account), EventSchemas.ACCOUNT);
    var config = system.settings().config();
    this.listingPageBytes = config.getBytes("archipelago.engine.account-listing-page-bytes");
    this.retention =
        RetentionCriteria.snapshotEvery(
            config.getInt("archipelago.engine.account-snapshot-every"),
            config.getInt("archipelago.persistence.keep-snapshots"));
  }

  @Override
  public AccountState emptyState() {
    return new AccountState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return retention;
  }

  @Override
  public EventAdapter<Event, ?> eventAdapter() {
    return trail.eventAdapter();
  }

  @Override
  public SnapshotAdapter<AccountState> snapshotAdapter() {
    return trail.snapshotAdapter();
  }

  @Override
  public SignalHandler<AccountState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> trail.recoveryCompleted())
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, AccountState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(ListContainer.class, this::onListContainer)
        .onCommand(UnlistContainer.class, this::onUnlistContainer)
        .onCommand(RefreshStats.class, this::onRefreshStats)
        .onCommand(
            GetSummary.class,
            (state, cmd) ->
                Effect().reply(cmd.replyTo(), StatusReply.success(state.summarize(account))))
        .onCommand(ListContainers.class, this::onListContainers)
        .onCommand(UpdateMetadata.class, this::onUpdateMetadata)
        .onCommand(FlushChanges.class, this::onFlushChanges)
        .build();
  }

  private ReplyEffect<Event, AccountState> onListContainer(AccountState state, ListContainer cmd) {
    return buffer(new ContainerListed(cmd.summary(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, AccountState> buffer(
      Event event, ActorRef<StatusReply<Done>> replyTo) {
    if (pending.add(event, replyTo)) {
      self.tell(FlushChanges.INSTANCE);
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, AccountState> onFlushChanges(AccountState state, FlushChanges cmd) {
    if (pending.isEmpty()) {
      return Effect().noReply();
    }
    GroupCommit.Batch<Event, StatusReply<Done>> batch = pending.drain();
    return Effect()
        .persist(batch.events())
        .thenRun(s -> batch.answer(StatusReply.ack()))
        .thenNoReply();
  }

  private ReplyEffect<Event, AccountState> onUnlistContainer(
      AccountState state, UnlistContainer cmd) {
    boolean listedInBatch =
        pending.pendingEvents().stream()
            .anyMatch(e -> e instanceof ContainerListed l && l.summary().name().equals(cmd.name()));
    if (!state.isListed(cmd.name()) && !listedInBatch) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return buffer(new ContainerUnlisted(cmd.name(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, AccountState> onRefreshStats(AccountState state, RefreshStats cmd) {
    ContainerSummary current = state.summary(cmd.summary().name());
    if (current == null || Objects.equals(current, cmd.summary())) {
      return Effect().noReply();
    }
    return buffer(
        new ContainerStatsRefreshed(
            cmd.summary(), AuditInfo.system(node, "stats/" + cmd.summary().name())),
        null);
  }

  private ReplyEffect<Event, AccountState> onListContainers(
      AccountState state, ListContainers cmd) {
    // Names from NUL on are the gateway's own (versions containers), never listed (Swift's
    // reserved names).
    var rows =
        SortedListing.page(
            state.containers().tailMap("\u0001", true),
            cmd.prefix(),
            cmd.delimiter(),
            cmd.marker(),
            cmd.endMarker(),
            cmd.limit(),
            cmd.reverse(),
            (name, summary) -> new ContainerPage.Row(summary, null),
            subdir -> new ContainerPage.Row(null, subdir),
            ContainerPage.Row::sizeBound,
            listingPageBytes);
    boolean partial =
        rows.size() < cmd.limit()
            && !rows.isEmpty()
            && rows.stream().mapToLong(ContainerPage.Row::sizeBound).sum() >= listingPageBytes;
    return Effect()
        .reply(
            cmd.replyTo(),
            StatusReply.success(new ContainerPage(state.summarize(account), rows, partial)));
  }

  private ReplyEffect<Event, AccountState> onUpdateMetadata(
      AccountState state, UpdateMetadata cmd) {
    return Effect()
        .persist(new AccountMetadataUpdated(cmd.changes(), cmd.timestamp(), cmd.audit()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.summarize(account)));
  }

  @Override
  public EventHandler<AccountState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ContainerListed.class, (s, e) -> s.listed(e.summary()))
        .onEvent(ContainerUnlisted.class, (s, e) -> s.unlisted(e.name()))
        .onEvent(ContainerStatsRefreshed.class, (s, e) -> s.listed(e.summary()))
        .onEvent(
            AccountMetadataUpdated.class, (s, e) -> s.metadataUpdated(e.changes(), e.timestamp()))
        .build();
  }
}
