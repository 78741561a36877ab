package io.archipelago.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A recorded backend this node cannot drive is warned about once, not at every registry refresh
 * (every 2 s, for ever).
 */
class UndrivableBackendWarningTest {

  @Test
  void aBackendWithoutADriverIsWarnedAboutOnce() {
    BackendDescriptor broken =
        new BackendDescriptor(
            "broken", BackendKind.SWIFT, Set.of("standard"), "a", 0, BackendState.ACTIVE, Map.of());
    Logger logger = (Logger) LoggerFactory.getLogger(BackendRegistry.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      BackendRegistry registry =
          new BackendRegistry(
              List.of(broken),
              d -> {
                throw new IllegalArgumentException(
                    "backend broken: setting 'auth-url' is required");
              });
      for (int refresh = 0; refresh < 5; refresh++) {
        registry.update(List.of(broken));
      }
      assertTrue(registry.store("broken").isEmpty());
      assertEquals(1, appender.list.size(), appender.list.toString());
      assertTrue(appender.list.get(0).getFormattedMessage().contains("'auth-url' is required"));
    } finally {
      logger.detachAppender(appender);
    }
  }
}
