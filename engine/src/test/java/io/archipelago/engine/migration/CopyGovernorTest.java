package io.archipelago.engine.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.backend.ClientActivity;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CopyGovernorTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ClientActivity clients = new ClientActivity(now::get);
  private final CopyGovernor.Backoff backoff =
      new CopyGovernor.Backoff(0.25, TimeUnit.SECONDS.toNanos(1), 3.0);
  private final CopyGovernor governor =
      new CopyGovernor(8, List.of("source", "target"), clients, backoff, now::get, null);

  /** Tasks that run until the test completes them; counts how many run at once. */
  private final class Tasks {
    final List<CompletableFuture<Boolean>> started = new ArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    int most;
    final List<CompletableFuture<Boolean>> results = new ArrayList<>();

    void submit(int count) {
      for (int i = 0; i < count; i++) {
        results.add(
            governor
                .run(
                    0,
                    () -> {
                      CompletableFuture<Boolean> task = new CompletableFuture<>();
                      synchronized (this) {
                        started.add(task);
                        most = Math.max(most, running.incrementAndGet());
                      }
                      return task.whenComplete((r, f) -> running.decrementAndGet());
                    },
                    failed -> failed)
                .toCompletableFuture());
      }
    }

    /** Completes the oldest running task after {@code nanos}, failed or not. */
    void completeOne(long nanos, boolean failed) throws Exception {
      CompletableFuture<Boolean> task = waitForRunning();
      now.addAndGet(nanos);
      task.complete(failed);
    }

    private CompletableFuture<Boolean> waitForRunning() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        synchronized (this) {
          for (CompletableFuture<Boolean> t : started) {
            if (!t.isDone()) {
              return t;
            }
          }
        }
        Thread.sleep(1);
      }
      throw new AssertionError("no task runs");
    }

    void awaitRunning(int count) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (running.get() != count && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertEquals(count, running.get());
    }
  }

  @Test
  void withoutClientsItRunsItsWholeParallelismAndNeverMore() throws Exception {
    Tasks tasks = new Tasks();
    tasks.submit(20);
    tasks.awaitRunning(8);
    for (int i = 0; i < 20; i++) {
      tasks.completeOne(1_000_000, false);
    }
    CompletableFuture.allOf(tasks.results.toArray(CompletableFuture[]::new))
        .get(5, TimeUnit.SECONDS);
    assertEquals(8, tasks.most);
    assertEquals(8, governor.limit());
  }

  @Test
  void whileClientsUseABackendItRunsItsShareAndTakesAllBackWhenTheyHaveGone() throws Exception {
    Tasks tasks = new Tasks();
    clients.touch("target");
    assertEquals(2, governor.limit());
    tasks.submit(12);
    tasks.awaitRunning(2);
    for (int i = 0; i < 4; i++) {
      clients.touch("source");
      tasks.completeOne(1_000_000, false);
      tasks.awaitRunning(2);
    }
    clients.touch("elsewhere");
    now.addAndGet(TimeUnit.SECONDS.toNanos(2)); // the clients' last request is older than 1 s
    tasks.completeOne(1_000_000, false);
    tasks.awaitRunning(7); // one slot freed re-reads the limit: the 7 waiting tasks start
    assertEquals(8, governor.limit());
    for (int i = 0; i < 7; i++) {
      tasks.completeOne(1_000_000, false);
    }
    assertTrue(tasks.most <= 8, "never more than the parallelism: " + tasks.most);
  }

  @Test
  void aFailedCopyHalvesTheLimitAndCleanRoundsAddOneBackEach() throws Exception {
    Tasks tasks = new Tasks();
    tasks.submit(200);
    tasks.awaitRunning(8);
    tasks.completeOne(1_000_000, true);
    assertEquals(4, governor.limit());
    tasks.completeOne(1_000_000, true);
    assertEquals(2, governor.limit());
    // the 6 still running complete; then rounds of as many copies as the limit, each one more
    for (int i = 0; i < 6; i++) {
      tasks.completeOne(1_000_000, false);
    }
    assertTrue(governor.limit() <= 4, "limit " + governor.limit());
    for (int i = 0; i < 60; i++) {
      tasks.completeOne(1_000_000, false);
    }
    assertEquals(8, governor.limit());
  }

  @Test
  void aBackendThatBecomesSlowerHalvesTheLimit() throws Exception {
    Tasks tasks = new Tasks();
    tasks.submit(200);
    tasks.awaitRunning(8);
    for (int i = 0; i < 16; i++) {
      tasks.completeOne(1_000_000, false); // 1 ms per object
    }
    assertEquals(8, governor.limit());
    for (int i = 0; i < 8; i++) {
      tasks.completeOne(10_000_000, false); // 10 ms: more than 3 times the lowest
    }
    assertEquals(4, governor.limit());
    for (int i = 0; i < 4; i++) {
      tasks.completeOne(10_000_000, false);
    }
    assertEquals(2, governor.limit());
  }
}
