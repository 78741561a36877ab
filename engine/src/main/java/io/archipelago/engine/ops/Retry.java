package io.archipelago.engine.ops;

import akka.actor.typed.ActorSystem;
import akka.pattern.AskTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Retries an entity ask that timed out, with growing pauses, until a time budget is spent. A
 * timeout is what a client would otherwise see while the entity's shard moves (node joining,
 * leaving, or downed after a crash); the ask is sent again and sharding delivers it to the entity's
 * new home. Other failures are answers and are not retried.
 */
final class Retry {

  private final ActorSystem<?> system;
  private final Duration budget;

  Retry(ActorSystem<?> system, Duration budget) {
    this.system = system;
    this.budget = budget;
  }

  /** Whether an ask failed for want of an answer (not with one). */
  static boolean isTimeout(Throwable cause) {
    return cause instanceof AskTimeoutException || cause instanceof TimeoutException;
  }

  <T> CompletionStage<T> onTimeout(Supplier<CompletionStage<T>> attempt) {
    CompletableFuture<T> result = new CompletableFuture<>();
    run(attempt, result, System.nanoTime() + budget.toNanos(), Duration.ofMillis(100));
    return result;
  }

  private <T> void run(
      Supplier<CompletionStage<T>> attempt,
      CompletableFuture<T> result,
      long deadline,
      Duration pause) {
    CompletionStage<T> stage;
    try {
      stage = attempt.get();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            result.complete(value);
            return;
          }
          Throwable cause = EntityAsk.unwrap(failure);
          if (!isTimeout(cause) || System.nanoTime() + pause.toNanos() > deadline) {
            result.completeExceptionally(cause);
            return;
          }
          Duration next =
              pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0
                  ? Duration.ofSeconds(2)
                  : pause.multipliedBy(2);
          system
              .scheduler()
              .scheduleOnce(
                  pause, () -> run(attempt, result, deadline, next), system.executionContext());
        });
  }
}
