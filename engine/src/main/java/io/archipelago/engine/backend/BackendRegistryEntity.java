package io.archipelago.engine.backend;

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
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one cluster-wide backend registry: a single sharded, event-sourced entity (id {@value #ID}).
 * Every node reads it periodically into its local {@link BackendRegistry}, so a change made through
 * any node's admin API reaches every node within the refresh interval, and the event log records
 * who added, drained or removed which backend. Backends named in application.conf are added the
 * first time a node starts with them, unless an operator removed them.
 */
public final class BackendRegistryEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        BackendRegistryEntity.Command, BackendRegistryEntity.Event, RegistryState> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "BackendRegistry");
  public static final String ID = "registry";

  public sealed interface Command extends CborSerializable {}

  /** Adds the configured backends that the registry has never seen; replies the state. */
  public record SeedFromConfig(
      List<BackendDescriptor> configured,
      AuditInfo audit,
      ActorRef<StatusReply<RegistryState>> replyTo)
      implements Command {}

  /** Replies the current state. */
  public record Get(ActorRef<StatusReply<RegistryState>> replyTo) implements Command {}

  /** Adds a backend; an existing id is an error. Replies the state. */
  public record Add(
      BackendDescriptor backend, AuditInfo audit, ActorRef<StatusReply<RegistryState>> replyTo)
      implements Command {}

  /** Sets a backend's state (active, draining, down). Replies the state. */
  public record ChangeState(
      String id, BackendState state, AuditInfo audit, ActorRef<StatusReply<RegistryState>> replyTo)
      implements Command {}

  /** Removes a backend. Replies the state. */
  public record Remove(String id, AuditInfo audit, ActorRef<StatusReply<RegistryState>> replyTo)
      implements Command {}

  public sealed interface Event extends CborSerializable {
    AuditInfo audit();
  }

  public record BackendAdded(BackendDescriptor backend, AuditInfo audit) implements Event {}

  public record BackendStateChanged(String id, BackendState state, AuditInfo audit)
      implements Event {}

  public record BackendRemoved(String id, AuditInfo audit) implements Event {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create()));
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> new BackendRegistryEntity(ctx.getSystem()));
  }

  /** The hash chain of the registry's events (the journal stores envelopes). */
  private final AuditTrail<Event, RegistryState> trail;

  private BackendRegistryEntity(ActorSystem<?> system) {
    super(
        PersistenceId.of(TYPE_KEY.name(), ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.trail =
        AuditWiring.trail(system, PersistenceId.of(TYPE_KEY.name(), ID), EventSchemas.REGISTRY);
  }

  @Override
  public EventAdapter<Event, ?> eventAdapter() {
    return trail.eventAdapter();
  }

  @Override
  public SnapshotAdapter<RegistryState> snapshotAdapter() {
    return trail.snapshotAdapter();
  }

  @Override
  public SignalHandler<RegistryState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> trail.recoveryCompleted())
        .build();
  }

  @Override
  public RegistryState emptyState() {
    return RegistryState.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, RegistryState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(SeedFromConfig.class, this::onSeed)
        .onCommand(
            Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state)))
        .onCommand(Add.class, this::onAdd)
        .onCommand(ChangeState.class, this::onChangeState)
        .onCommand(Remove.class, this::onRemove)
        .build();
  }

  private ReplyEffect<Event, RegistryState> onSeed(RegistryState state, SeedFromConfig cmd) {
    List<Event> events = new ArrayList<>();
    for (BackendDescriptor d : cmd.configured()) {
      if (!state.backends().containsKey(d.id()) && !state.removed().contains(d.id())) {
        events.add(new BackendAdded(d, cmd.audit()));
      }
    }
    if (events.isEmpty()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state));
    }
    return Effect().persist(events).thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, RegistryState> onAdd(RegistryState state, Add cmd) {
    if (state.backends().containsKey(cmd.backend().id())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error("backend " + cmd.backend().id() + " already exists"));
    }
    return Effect()
        .persist(new BackendAdded(cmd.backend(), cmd.audit()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, RegistryState> onChangeState(RegistryState state, ChangeState cmd) {
    if (!state.backends().containsKey(cmd.id())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.error("backend " + cmd.id() + " does not exist"));
    }
    return Effect()
        .persist(new BackendStateChanged(cmd.id(), cmd.state(), cmd.audit()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, RegistryState> onRemove(RegistryState state, Remove cmd) {
    if (!state.backends().containsKey(cmd.id())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.error("backend " + cmd.id() + " does not exist"));
    }
    return Effect()
        .persist(new BackendRemoved(cmd.id(), cmd.audit()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  @Override
  public EventHandler<RegistryState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(BackendAdded.class, (s, e) -> s.added(e.backend()))
        .onEvent(BackendStateChanged.class, (s, e) -> s.stateChanged(e.id(), e.state()))
        .onEvent(BackendRemoved.class, (s, e) -> s.removedBackend(e.id()))
        .build();
  }
}
