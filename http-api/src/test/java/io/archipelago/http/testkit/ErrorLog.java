package io.archipelago.http.testkit;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.Behaviors;
import akka.event.Logging;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects every ERROR a gateway logs while it is open: the gateway's own (SLF4J, logback) and
 * Akka's (its event stream, which Akka's loggers print from).
 */
public final class ErrorLog implements AutoCloseable {

  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
            errors.add(event.getLoggerName() + ": " + event.getFormattedMessage());
          }
        }
      };
  private final ActorSystem<?> system;
  private final ActorRef<Logging.Error> listener;

  public ErrorLog(ActorSystem<?> system) {
    this.system = system;
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
    listener =
        system.systemActorOf(
            Behaviors.receiveMessage(
                error -> {
                  errors.add(error.logSource() + ": " + error.message());
                  return Behaviors.same();
                }),
            "error-log-" + System.nanoTime(),
            akka.actor.typed.Props.empty());
    system.eventStream().tell(new EventStream.Subscribe<>(Logging.Error.class, listener));
  }

  /** The errors so far, after Akka's asynchronous log events had a moment to arrive. */
  public List<String> errors() throws InterruptedException {
    Thread.sleep(1_000);
    return List.copyOf(errors);
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    system.eventStream().tell(new EventStream.Unsubscribe<>(listener));
  }
}
