package io.archipelago.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupSyncTest {

  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void aRequestDuringAFlushWaitsForTheNextOneAndLaterRequestsShareIt() throws Exception {
    AtomicInteger flushes = new AtomicInteger();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    GroupSync sync =
        new GroupSync(
            () -> {
              if (flushes.incrementAndGet() == 1) {
                firstStarted.countDown();
                releaseFirst.await();
              }
            },
            executor);

    CompletableFuture<Void> first = sync.request().toCompletableFuture();
    assertTrue(firstStarted.await(10, TimeUnit.SECONDS));
    // The running flush may have started before these callers' writes: they need another one.
    List<CompletableFuture<Void>> during = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      during.add(sync.request().toCompletableFuture());
    }
    Thread.sleep(50);
    assertFalse(first.isDone());
    during.forEach(f -> assertFalse(f.isDone()));

    releaseFirst.countDown();
    first.get(10, TimeUnit.SECONDS);
    for (CompletableFuture<Void> f : during) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertEquals(2, flushes.get(), "ten callers during the first flush share the second");
  }

  @Test
  void aFailedFlushFailsItsCallersAndTheNextRequestFlushesAgain() throws Exception {
    AtomicBoolean fail = new AtomicBoolean(true);
    AtomicInteger flushes = new AtomicInteger();
    GroupSync sync =
        new GroupSync(
            () -> {
              flushes.incrementAndGet();
              if (fail.get()) {
                throw new IOException("disk gone");
              }
            },
            executor);

    ExecutionException failed =
        assertThrows(
            ExecutionException.class,
            () -> sync.request().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals("disk gone", failed.getCause().getMessage());

    fail.set(false);
    sync.request().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, flushes.get());
  }

  @Test
  void sequentialRequestsEachGetAFlush() throws Exception {
    AtomicInteger flushes = new AtomicInteger();
    GroupSync sync = new GroupSync(flushes::incrementAndGet, executor);
    for (int i = 0; i < 5; i++) {
      sync.request().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertEquals(5, flushes.get());
  }
}
