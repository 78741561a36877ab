package io.archipelago.engine.sync;

import io.archipelago.engine.container.ContainerEntity;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The container event inside what the read journal hands the projection. Today that is the
 * event itself; an event adapter that wraps events in an envelope (as the audit hash chain does)
 * is unwrapped through its {@code event()} or {@code payload()} accessor, so that the sync keeps
 * following the log whatever the journal stores around the event.
 */
final class SyncEvents {

  private SyncEvents() {}

  static Optional<ContainerEntity.Event> unwrap(Object stored) {
    if (stored instanceof ContainerEntity.Event e) {
      return Optional.of(e);
    }
    if (stored == null) {
      return Optional.empty();
    }
    for (String accessor : new String[] {"event", "payload"}) {
      try {
        Method m = stored.getClass().getMethod(accessor);
        Object inner = m.invoke(stored);
        if (inner instanceof ContainerEntity.Event e) {
          return Optional.of(e);
        }
      } catch (ReflectiveOperationException | RuntimeException ignored) {
        // not an envelope of this shape
      }
    }
    return Optional.empty();
  }
}
