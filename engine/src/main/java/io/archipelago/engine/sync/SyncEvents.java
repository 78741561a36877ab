package io.archipelago.engine.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.persistence.audit.AuditEnvelope;
import java.util.Optional;

/**
 * Container events as the read journal hands them to the sync projection. The journal stores them
 * in hash-chained audit envelopes (the entities' event adapter unwraps them only on recovery, not
 * for queries), so the projection decodes the envelope with the same schema.
 */
final class SyncEvents {

  private SyncEvents() {}

  static Optional<ContainerEntity.Event> unwrap(Object stored, ObjectMapper auditMapper) {
    if (stored instanceof ContainerEntity.Event e) {
      return Optional.of(e);
    }
    if (stored instanceof AuditEnvelope envelope && EventSchemas.CONTAINER.knows(envelope.type())) {
      return Optional.of(
          EventSchemas.CONTAINER.decode(
              auditMapper, envelope.type(), envelope.version(), envelope.payload()));
    }
    return Optional.empty();
  }
}
