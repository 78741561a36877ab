package io.archipelago.engine.drain;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
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
import io.archipelago.engine.container.Migration;
import io.archipelago.persistence.CborSerializable;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditTrail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The drain of one backend (entity id: the backend id), event-sourced so that a drain survives node
 * crashes and restarts and the audit log shows who started, paused, resumed, cancelled or retried
 * it and which container moved where. Lifecycle: none -> draining (<-> paused) -> drained, or
 * failed (some containers could not move; a retry drains again), or cancelled; a drained or
 * cancelled backend may be drained again (a new drain id). The entity only records facts; the drain
 * daemon ({@link Drains}) finds the containers, starts their migrations and reports back.
 */
public final class DrainEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        DrainEntity.Command, DrainEntity.Event, DrainState> {

  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "Drain");

  /** Why the entity refused a command. */
  public enum Rejection {
    /** There is no drain of this backend (or it ended) for this command. */
    NO_DRAIN,
    /** The command does not fit the drain's status (a drain runs already, it is not paused ...). */
    CONFLICT
  }

  /** The answer to every command: the state after it, or why it was refused. */
  public record Reply(DrainState state, Rejection rejection, String detail)
      implements CborSerializable {
    public boolean accepted() {
      return rejection == null;
    }
  }

  public sealed interface Command extends CborSerializable {}

  /** Starts a drain (none runs; a drained or cancelled backend may be drained again). */
  public record Start(
      String drainId,
      int concurrency,
      Migration.Throttle throttle,
      AuditInfo audit,
      ActorRef<Reply> replyTo)
      implements Command {}

  /** Replies the state. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Records containers found on the backend (those already known are left as they are). */
  public record Queue(
      String drainId, List<ContainerDrain> found, AuditInfo audit, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Records that a container's migration to {@code target} started, with the container's counts
   * when it started.
   */
  public record MarkMoving(
      String drainId,
      String entityId,
      String target,
      String migrationId,
      long objects,
      long bytes,
      AuditInfo audit,
      ActorRef<Reply> replyTo)
      implements Command {}

  /** The end of some containers' moves: moved when {@code error} is empty, else failed. */
  public record Outcome(String entityId, String error) implements CborSerializable {
    public boolean moved() {
      return error == null || error.isEmpty();
    }
  }

  /** Records the outcomes of container moves. */
  public record RecordOutcomes(
      String drainId, List<Outcome> outcomes, AuditInfo audit, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Ends the drain when nothing is left to do: drained if every container moved, failed if some
   * could not. Otherwise replies the state unchanged.
   */
  public record Finish(String drainId, AuditInfo audit, ActorRef<Reply> replyTo)
      implements Command {}

  public record Pause(AuditInfo audit, ActorRef<Reply> replyTo) implements Command {}

  public record Resume(AuditInfo audit, ActorRef<Reply> replyTo) implements Command {}

  /** Cancels the drain; the caller cancels the running migrations and reactivates the backend. */
  public record Cancel(AuditInfo audit, ActorRef<Reply> replyTo) implements Command {}

  /** Puts failed containers (all of them when {@code entityIds} is empty) back in the queue. */
  public record Retry(List<String> entityIds, AuditInfo audit, ActorRef<Reply> replyTo)
      implements Command {}

  public sealed interface Event extends CborSerializable {
    AuditInfo audit();
  }

  public record DrainStarted(
      String drainId, int concurrency, Migration.Throttle throttle, AuditInfo audit)
      implements Event {}

  public record ContainersQueued(String drainId, List<ContainerDrain> containers, AuditInfo audit)
      implements Event {}

  public record ContainerMoving(
      String drainId,
      String entityId,
      String target,
      String migrationId,
      long objects,
      long bytes,
      AuditInfo audit)
      implements Event {}

  public record ContainerMoved(String drainId, String entityId, AuditInfo audit) implements Event {}

  public record ContainerFailed(String drainId, String entityId, String error, AuditInfo audit)
      implements Event {}

  public record ContainersRetried(String drainId, List<String> entityIds, AuditInfo audit)
      implements Event {}

  public record DrainPaused(String drainId, AuditInfo audit) implements Event {}

  public record DrainResumed(String drainId, AuditInfo audit) implements Event {}

  public record DrainCancelled(String drainId, AuditInfo audit) implements Event {}

  public record DrainCompleted(String drainId, AuditInfo audit) implements Event {}

  /** Nothing runs any more but some containers failed. */
  public record DrainStalled(String drainId, AuditInfo audit) implements Event {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<Command> create(String backend) {
    return Behaviors.setup(ctx -> new DrainEntity(ctx.getSystem(), backend));
  }

  private final String backend;
  private final AuditTrail<Event, DrainState> trail;

  private DrainEntity(ActorSystem<?> system, String backend) {
    super(
        PersistenceId.of(TYPE_KEY.name(), backend),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.backend = backend;
    this.trail =
        AuditWiring.trail(system, PersistenceId.of(TYPE_KEY.name(), backend), EventSchemas.DRAIN);
  }

  @Override
  public EventAdapter<Event, ?> eventAdapter() {
    return trail.eventAdapter();
  }

  @Override
  public SnapshotAdapter<DrainState> snapshotAdapter() {
    return trail.snapshotAdapter();
  }

  @Override
  public SignalHandler<DrainState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> trail.recoveryCompleted())
        .build();
  }

  @Override
  public DrainState emptyState() {
    return DrainState.none(backend);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, DrainState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Start.class, this::onStart)
        .onCommand(Get.class, (state, cmd) -> reply(state, cmd.replyTo()))
        .onCommand(Queue.class, this::onQueue)
        .onCommand(MarkMoving.class, this::onMarkMoving)
        .onCommand(RecordOutcomes.class, this::onRecordOutcomes)
        .onCommand(Finish.class, this::onFinish)
        .onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, this::onResume)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Retry.class, this::onRetry)
        .build();
  }

  private ReplyEffect<Event, DrainState> onStart(DrainState state, Start cmd) {
    if (state.status().holdsBackend()) {
      return reject(
          cmd.replyTo(),
          Rejection.CONFLICT,
          "Backend " + backend + " is being drained already (" + state.status().wireName() + ")");
    }
    if (cmd.concurrency() < 1) {
      return reject(cmd.replyTo(), Rejection.CONFLICT, "concurrency must be at least 1");
    }
    return persist(
        new DrainStarted(cmd.drainId(), cmd.concurrency(), cmd.throttle(), cmd.audit()),
        cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onQueue(DrainState state, Queue cmd) {
    if (!current(state, cmd.drainId())) {
      return reply(state, cmd.replyTo());
    }
    List<ContainerDrain> fresh =
        cmd.found().stream().filter(c -> !state.containers().containsKey(c.entityId())).toList();
    if (fresh.isEmpty()) {
      return reply(state, cmd.replyTo());
    }
    return persist(new ContainersQueued(cmd.drainId(), fresh, cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onMarkMoving(DrainState state, MarkMoving cmd) {
    ContainerDrain c = state.containers().get(cmd.entityId());
    if (!current(state, cmd.drainId()) || c == null || c.phase() != ContainerDrain.Phase.PENDING) {
      return reply(state, cmd.replyTo());
    }
    return persist(
        new ContainerMoving(
            cmd.drainId(),
            cmd.entityId(),
            cmd.target(),
            cmd.migrationId(),
            cmd.objects(),
            cmd.bytes(),
            cmd.audit()),
        cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onRecordOutcomes(DrainState state, RecordOutcomes cmd) {
    if (!current(state, cmd.drainId())) {
      return reply(state, cmd.replyTo());
    }
    List<Event> events = new ArrayList<>();
    for (Outcome o : cmd.outcomes()) {
      ContainerDrain c = state.containers().get(o.entityId());
      if (c == null
          || c.phase() == ContainerDrain.Phase.MOVED
          || (c.phase() == ContainerDrain.Phase.FAILED && !o.moved())) {
        continue;
      }
      events.add(
          o.moved()
              ? new ContainerMoved(cmd.drainId(), o.entityId(), cmd.audit())
              : new ContainerFailed(cmd.drainId(), o.entityId(), o.error(), cmd.audit()));
    }
    return events.isEmpty() ? reply(state, cmd.replyTo()) : persist(events, cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onFinish(DrainState state, Finish cmd) {
    if (!current(state, cmd.drainId())
        || state.status() != DrainStatus.DRAINING
        || state.count(ContainerDrain.Phase.PENDING) > 0
        || state.count(ContainerDrain.Phase.MOVING) > 0) {
      return reply(state, cmd.replyTo());
    }
    Event end =
        state.count(ContainerDrain.Phase.FAILED) > 0
            ? new DrainStalled(cmd.drainId(), cmd.audit())
            : new DrainCompleted(cmd.drainId(), cmd.audit());
    return persist(end, cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onPause(DrainState state, Pause cmd) {
    if (state.status() == DrainStatus.PAUSED) {
      return reply(state, cmd.replyTo());
    }
    if (state.status() != DrainStatus.DRAINING) {
      return refused(state, cmd.replyTo(), "paused");
    }
    return persist(new DrainPaused(state.id(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onResume(DrainState state, Resume cmd) {
    if (state.status() == DrainStatus.DRAINING) {
      return reply(state, cmd.replyTo());
    }
    if (state.status() != DrainStatus.PAUSED) {
      return refused(state, cmd.replyTo(), "resumed");
    }
    return persist(new DrainResumed(state.id(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onCancel(DrainState state, Cancel cmd) {
    if (!state.status().holdsBackend()) {
      return refused(state, cmd.replyTo(), "cancelled");
    }
    return persist(new DrainCancelled(state.id(), cmd.audit()), cmd.replyTo());
  }

  private ReplyEffect<Event, DrainState> onRetry(DrainState state, Retry cmd) {
    if (!state.status().holdsBackend()) {
      return refused(state, cmd.replyTo(), "retried");
    }
    Set<String> wanted = Set.copyOf(cmd.entityIds());
    List<String> failed =
        state.sortedContainers().stream()
            .filter(c -> c.phase() == ContainerDrain.Phase.FAILED)
            .map(ContainerDrain::entityId)
            .filter(id -> wanted.isEmpty() || wanted.contains(id))
            .toList();
    for (String id : wanted) {
      if (!failed.contains(id)) {
        return reject(
            cmd.replyTo(),
            Rejection.CONFLICT,
            "Container " + id + " is not a failed container of the drain of " + backend);
      }
    }
    if (failed.isEmpty()) {
      return reply(state, cmd.replyTo());
    }
    return persist(new ContainersRetried(state.id(), failed, cmd.audit()), cmd.replyTo());
  }

  private static boolean current(DrainState state, String drainId) {
    return state.status().holdsBackend() && state.id().equals(drainId);
  }

  private ReplyEffect<Event, DrainState> refused(
      DrainState state, ActorRef<Reply> replyTo, String action) {
    if (state.status() == DrainStatus.NONE) {
      return reject(replyTo, Rejection.NO_DRAIN, "Backend " + backend + " was never drained");
    }
    return reject(
        replyTo,
        Rejection.CONFLICT,
        "The drain of backend "
            + backend
            + " is "
            + state.status().wireName()
            + "; it cannot be "
            + action);
  }

  private ReplyEffect<Event, DrainState> persist(Event event, ActorRef<Reply> replyTo) {
    return persist(List.of(event), replyTo);
  }

  private ReplyEffect<Event, DrainState> persist(List<Event> events, ActorRef<Reply> replyTo) {
    return Effect().persist(events).thenReply(replyTo, s -> new Reply(s, null, ""));
  }

  private ReplyEffect<Event, DrainState> reply(DrainState state, ActorRef<Reply> replyTo) {
    return Effect().reply(replyTo, new Reply(state, null, ""));
  }

  private ReplyEffect<Event, DrainState> reject(
      ActorRef<Reply> replyTo, Rejection rejection, String detail) {
    return Effect().reply(replyTo, new Reply(null, rejection, detail));
  }

  @Override
  public EventHandler<DrainState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            DrainStarted.class,
            (s, e) ->
                s.started(
                    e.drainId(),
                    e.concurrency(),
                    e.throttle(),
                    e.audit().principal(),
                    e.audit().at()))
        .onEvent(ContainersQueued.class, (s, e) -> s.queued(e.containers(), e.audit().at()))
        .onEvent(
            ContainerMoving.class,
            (s, e) ->
                s.changed(
                    e.entityId(),
                    c ->
                        c.moving(
                            e.target(), e.migrationId(), e.objects(), e.bytes(), e.audit().at()),
                    e.audit().at()))
        .onEvent(
            ContainerMoved.class,
            (s, e) -> s.changed(e.entityId(), c -> c.moved(e.audit().at()), e.audit().at()))
        .onEvent(
            ContainerFailed.class,
            (s, e) ->
                s.changed(e.entityId(), c -> c.failed(e.error(), e.audit().at()), e.audit().at()))
        .onEvent(
            ContainersRetried.class,
            (s, e) -> {
              DrainState next = s;
              for (String id : e.entityIds()) {
                next = next.changed(id, c -> c.retried(e.audit().at()), e.audit().at());
              }
              return next.status() == DrainStatus.FAILED
                  ? next.withStatus(DrainStatus.DRAINING, e.audit().at())
                  : next;
            })
        .onEvent(DrainPaused.class, (s, e) -> s.withStatus(DrainStatus.PAUSED, e.audit().at()))
        .onEvent(DrainResumed.class, (s, e) -> s.withStatus(DrainStatus.DRAINING, e.audit().at()))
        .onEvent(
            DrainCancelled.class, (s, e) -> s.withStatus(DrainStatus.CANCELLED, e.audit().at()))
        .onEvent(DrainCompleted.class, (s, e) -> s.withStatus(DrainStatus.DRAINED, e.audit().at()))
        .onEvent(DrainStalled.class, (s, e) -> s.withStatus(DrainStatus.FAILED, e.audit().at()))
        .build();
  }
}
