package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import io.archipelago.engine.store.ObjectStoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries with exponential backoff for the sync's backend calls. A call to a backend that
 * {@link BackendHealth} counts as down fails at once; a call that keeps failing fails with {@link
 * ObjectSync.GaveUp} after the configured attempts. Failures that another attempt cannot change (an
 * invalid request, a container that is not empty) give up at once.
 */
public final class Retrying {

  private static final Logger log = LoggerFactory.getLogger(Retrying.class);

  private final ActorSystem<?> system;
  private final BackendHealth health;
  private final int attempts;
  private final Duration minBackoff;
  private final Duration maxBackoff;

  public Retrying(
      ActorSystem<?> system,
      BackendHealth health,
      int attempts,
      Duration minBackoff,
      Duration maxBackoff) {
    this.system = system;
    this.health = health;
    this.attempts = attempts;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
  }

  public BackendHealth health() {
    return health;
  }

  public <T> CompletionStage<T> attempt(
      String backend, String what, Supplier<CompletionStage<T>> call) {
    return attempt(List.of(backend), what, call);
  }

  public <T> CompletionStage<T> attempt(
      List<String> backends, String what, Supplier<CompletionStage<T>> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    run(backends, what, call, 1, minBackoff, result);
    return result;
  }

  private <T> void run(
      List<String> backends,
      String what,
      Supplier<CompletionStage<T>> call,
      int attempt,
      Duration pause,
      CompletableFuture<T> result) {
    for (String b : backends) {
      if (health.isDown(b)) {
        result.completeExceptionally(
            new ObjectSync.GaveUp(what + ": backend " + b + " is down", null));
        return;
      }
    }
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            backends.forEach(health::success);
            result.complete(value);
            return;
          }
          Throwable cause = ObjectSync.unwrap(failure);
          if (cause instanceof ObjectSync.GaveUp) {
            result.completeExceptionally(cause);
            return;
          }
          blame(backends, cause);
          boolean hopeless =
              cause instanceof ObjectStoreException.InvalidRequest
                  || cause instanceof ObjectStoreException.ContainerNotEmpty;
          if (hopeless || attempt >= attempts) {
            result.completeExceptionally(
                new ObjectSync.GaveUp(
                    what + " failed after " + attempt + " attempt(s): " + cause.getMessage(),
                    cause));
            return;
          }
          log.debug("{} failed (attempt {}): {}", what, attempt, cause.toString());
          Duration next =
              pause.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : pause.multipliedBy(2);
          system
              .scheduler()
              .scheduleOnce(
                  pause,
                  () -> run(backends, what, call, attempt + 1, next, result),
                  system.executionContext());
        });
  }

  /** Counts a failure against the backend it names, or against every backend of the call. */
  private void blame(List<String> backends, Throwable cause) {
    if (!(cause instanceof ObjectStoreException.BackendUnavailable)) {
      return;
    }
    String message = String.valueOf(cause.getMessage());
    for (String b : backends) {
      if (message.startsWith("backend " + b + " ")) {
        health.failure(b);
        return;
      }
    }
    backends.forEach(health::failure);
  }
}
