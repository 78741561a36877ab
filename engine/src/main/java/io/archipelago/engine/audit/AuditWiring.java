package io.archipelago.engine.audit;

import akka.actor.typed.ActorSystem;
import akka.persistence.typed.PersistenceId;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.AuditTrail;
import io.archipelago.persistence.audit.EventSchema;
import java.util.function.Function;

/** Builds the hash chain ({@link AuditTrail}) of one entity instance. */
public final class AuditWiring {

  private AuditWiring() {}

  public static <E, S> AuditTrail<E, S> trail(
      ActorSystem<?> system, PersistenceId persistenceId, EventSchema<E> schema) {
    return new AuditTrail<>(persistenceId.id(), schema, AuditMapper.of(system));
  }

  /** A trail whose replay turns unreadable stored events into {@code onUnreadable}'s event. */
  public static <E, S> AuditTrail<E, S> trail(
      ActorSystem<?> system,
      PersistenceId persistenceId,
      EventSchema<E> schema,
      Function<AuditTrail.Unreadable, E> onUnreadable) {
    return new AuditTrail<>(persistenceId.id(), schema, AuditMapper.of(system), onUnreadable);
  }
}
