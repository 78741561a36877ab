package io.archipelago.engine.store.remote;

import akka.Done;
import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.pattern.CircuitBreaker;
import akka.pattern.CircuitBreakerOpenException;
import akka.pattern.Patterns;
import akka.stream.ActorAttributes;
import akka.stream.Materializer;
import akka.stream.StreamSubscriptionTimeoutTerminationMode;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.typesafe.config.Config;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.UploadGuard;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health protection around a remote store: a circuit breaker per backend, periodic probes and
 * retries of idempotent reads.
 *
 * <ul>
 *   <li>Every call goes through the backend's {@link CircuitBreaker}. Only unavailability counts
 *       (an {@link ObjectStoreException.BackendUnavailable#outage() outage}: no connection, a
 *       time-out, 502/503/504); a missing object, an ETag mismatch or the backend's error answer to
 *       one request (a 4xx, a 500 for one name) does not. After {@code max-failures} failures in a
 *       row the breaker opens: calls then fail at once with BackendUnavailable (503 with
 *       Retry-After for the client) instead of waiting for time-outs, and the other backends are
 *       not affected.
 *   <li>A probe ({@link RemoteObjectStore#probe()}) runs every {@code probe-interval} through the
 *       breaker: it notices an outage without client traffic, and after {@code reset-timeout} it is
 *       the half-open trial call that closes the breaker again once the backend answers.
 *   <li>HEAD, GET (until the response starts), listings and capacity are retried {@code
 *       read-attempts - 1} times after an outage; writes are never retried here (their bodies
 *       stream once).
 *   <li>Calls other than PUT fail after {@code call-timeout}; a PUT is bounded by the driver's own
 *       time-outs, since its duration grows with the body.
 * </ul>
 */
public final class GuardedObjectStore implements ObjectStore {

  private static final Logger log = LoggerFactory.getLogger(GuardedObjectStore.class);

  /**
   * Settings of {@code archipelago.engine.backend-health}, overridable per backend ({@code
   * health.*}).
   */
  public record Settings(
      int maxFailures,
      Duration callTimeout,
      Duration resetTimeout,
      Duration probeInterval,
      int readAttempts,
      Duration retryBackoff) {

    public static Settings of(Config engineConfig, DriverSettings backend) {
      Config c = engineConfig.getConfig("archipelago.engine.backend-health");
      return new Settings(
          backend.integer("health.max-failures", c.getInt("max-failures")),
          backend.duration("health.call-timeout", c.getDuration("call-timeout")),
          backend.duration("health.reset-timeout", c.getDuration("reset-timeout")),
          backend.duration("health.probe-interval", c.getDuration("probe-interval")),
          Math.max(1, backend.integer("health.read-attempts", c.getInt("read-attempts"))),
          backend.duration("health.retry-backoff", c.getDuration("retry-backoff")));
    }
  }

  private final RemoteObjectStore delegate;
  private final Settings settings;
  private final ActorSystem<?> system;
  private final Materializer materializer;
  private final CircuitBreaker breaker;
  private final Cancellable probes;

  public GuardedObjectStore(RemoteObjectStore delegate, Settings settings, ActorSystem<?> system) {
    this.delegate = delegate;
    this.settings = settings;
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.breaker =
        CircuitBreaker.create(
            system.classicSystem().scheduler(),
            settings.maxFailures(),
            settings.callTimeout(),
            settings.resetTimeout());
    String id = delegate.backendId();
    breaker.addOnOpenListener(
        () ->
            log.warn(
                "backend {} is failing: circuit opened, requests fail fast for {}",
                id,
                settings.resetTimeout()));
    breaker.addOnHalfOpenListener(() -> log.info("backend {}: circuit half-open, trying it", id));
    breaker.addOnCloseListener(() -> log.info("backend {} answers again: circuit closed", id));
    this.probes =
        system
            .scheduler()
            .scheduleWithFixedDelay(
                settings.probeInterval(),
                settings.probeInterval(),
                this::probe,
                system.executionContext());
  }

  /** Whether the backend is believed to serve requests (its circuit is not open). */
  public boolean available() {
    return !breaker.isOpen();
  }

  public RemoteObjectStore delegate() {
    return delegate;
  }

  /** Stops the probes (the actor system's termination stops them too). */
  public void stopProbes() {
    probes.cancel();
  }

  private void probe() {
    guarded(delegate::probe)
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                log.debug("backend {} probe failed: {}", delegate.backendId(), failure.toString());
              }
            });
  }

  @Override
  public String backendId() {
    return delegate.backendId();
  }

  @Override
  public CompletionStage<Done> createContainer(BackendContainer container) {
    return guarded(() -> delegate.createContainer(container));
  }

  @Override
  public CompletionStage<Done> deleteContainer(BackendContainer container) {
    return guarded(() -> delegate.deleteContainer(container));
  }

  @Override
  public CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    return UploadGuard.cancelUntaken(
        body,
        materializer,
        untaken -> {
          if (breaker.isOpen()) {
            throw open();
          }
          return whenBodyStarts(untaken, attributes)
              .thenCompose(
                  started ->
                      UploadGuard.cancelUntaken(
                          started,
                          materializer,
                          sent -> {
                            if (breaker.isOpen()) {
                              throw open();
                            }
                            return delegate.put(container, name, attributes, sent);
                          }))
              .whenComplete(
                  (r, failure) -> {
                    if (failure != null && countsAsFailure(failure)) {
                      breaker.fail();
                    } else if (failure == null) {
                      breaker.succeed();
                    }
                  });
        });
  }

  /**
   * The body, once its first bytes arrived (at once when it is empty or failed): the backend is
   * asked to take an object only when the client sends it, as Swift's object servers reserve the
   * declared size on disk when a PUT starts. A client that announces 5 GiB and sends nothing waits
   * for its own time-out, as with Swift, and holds nothing on the backend.
   */
  private CompletionStage<Source<ByteString, ?>> whenBodyStarts(
      Source<ByteString, ?> body, ObjectAttributes attributes) {
    if (attributes.expectedLength().isPresent() && attributes.expectedLength().getAsLong() == 0) {
      return CompletableFuture.completedFuture(body);
    }
    return body.prefixAndTail(1)
        // the rest is taken once the driver is ready to send it (after its own setup)
        .addAttributes(
            ActorAttributes.streamSubscriptionTimeout(
                settings.callTimeout().multipliedBy(2),
                StreamSubscriptionTimeoutTerminationMode.cancel()))
        .runWith(Sink.head(), materializer)
        .handle(
            (split, failure) ->
                failure == null
                    ? Source.from(split.first()).concat(split.second())
                    : Source.failed(unwrap(failure)));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
    return read(() -> delegate.head(container, name));
  }

  @Override
  public CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range) {
    return read(() -> delegate.get(container, name, range));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    return guarded(
        () -> delegate.replaceMetadata(container, name, contentType, metadata, timestamp));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
    return guarded(() -> delegate.delete(container, name));
  }

  @Override
  public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
    return read(() -> delegate.list(container, query));
  }

  @Override
  public CompletionStage<Capacity> capacity() {
    return read(delegate::capacity);
  }

  // ---- plumbing ----

  private <T> CompletionStage<T> read(Supplier<CompletionStage<T>> call) {
    return attempt(call, 1);
  }

  private <T> CompletionStage<T> attempt(Supplier<CompletionStage<T>> call, int attempt) {
    return guarded(call)
        .handle(
            (value, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedStage(value);
              }
              Throwable cause = unwrap(failure);
              boolean retry =
                  attempt < settings.readAttempts() && countsAsFailure(cause) && !breaker.isOpen();
              if (!retry) {
                return CompletableFuture.<T>failedStage(cause);
              }
              Duration backoff = settings.retryBackoff().multipliedBy(attempt);
              return Patterns.after(
                  backoff,
                  system.classicSystem().scheduler(),
                  system.executionContext(),
                  () -> attempt(call, attempt + 1));
            })
        .thenCompose(stage -> stage);
  }

  /** Runs the call through the breaker; failures come out as ObjectStoreExceptions. */
  private <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage =
          breaker.callWithCircuitBreakerCS(
              call::get,
              (result, failure) -> failure.map(GuardedObjectStore::countsAsFailure).orElse(false));
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.exceptionallyCompose(failure -> CompletableFuture.failedStage(translate(failure)));
  }

  private Throwable translate(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof CircuitBreakerOpenException) {
      return open();
    }
    if (cause instanceof TimeoutException) {
      return new ObjectStoreException.BackendUnavailable(
          backendId(), "no answer within " + settings.callTimeout().toSeconds() + " s", cause);
    }
    if (cause instanceof ObjectStoreException) {
      return cause;
    }
    return new ObjectStoreException.BackendUnavailable(backendId(), "request failed", cause);
  }

  private ObjectStoreException.BackendUnavailable open() {
    return new ObjectStoreException.BackendUnavailable(
        backendId(),
        "it failed repeatedly and is not used for "
            + settings.resetTimeout().toSeconds()
            + " s (circuit breaker open)",
        null);
  }

  private static boolean countsAsFailure(Throwable failure) {
    Throwable cause = unwrap(failure);
    // a missing object, a refused request, a client's broken body or the backend's error answer
    // to this one request (a 500 for one name, a refused signature) says nothing about health
    return (cause instanceof ObjectStoreException.BackendUnavailable unavailable
            && unavailable.outage())
        || cause instanceof TimeoutException;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
