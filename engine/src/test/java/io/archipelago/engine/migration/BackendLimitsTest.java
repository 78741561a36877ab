package io.archipelago.engine.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BackendLimitsTest {

  private static final Supplier<CompletionStage<Void>> WANTED =
      () -> CompletableFuture.completedFuture(null);

  /** A wall clock and a nano clock that move only when told. */
  private static final class FakeTime extends Clock {
    final AtomicLong nanos = new AtomicLong();
    final Instant origin;

    FakeTime(Instant origin) {
      this.origin = origin;
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    @Override
    public Instant instant() {
      return origin.plusNanos(nanos.get());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private static BackendLimits.Limit limit(int parallelism, long bytes, long requests) {
    return new BackendLimits.Limit(parallelism, bytes, requests, List.of());
  }

  @Test
  void usersOfABackendNeverExceedItsParallelismTogether() throws Exception {
    BackendLimits limits = new BackendLimits(Map.of("b", limit(2, 0, 0), "a", limit(1, 0, 0)));
    // one lane from a to b, one from c to b and one the other way round (b to a): the permits are
    // taken in the backends' order whatever the direction
    List<BackendLimits.Lane> lanes =
        List.of(
            limits.lane(List.of("a", "b"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1)),
            limits.lane(List.of("c", "b"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1)),
            limits.lane(List.of("b", "a"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1)));
    AtomicInteger onB = new AtomicInteger();
    AtomicInteger onA = new AtomicInteger();
    AtomicInteger maxB = new AtomicInteger();
    AtomicInteger maxA = new AtomicInteger();
    LinkedBlockingQueue<Runnable> started = new LinkedBlockingQueue<>();
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      int lane = i % 3;
      boolean usesA = lane != 1;
      results.add(
          lanes
              .get(lane)
              .run(
                  0,
                  () -> {
                    maxB.accumulateAndGet(onB.incrementAndGet(), Math::max);
                    if (usesA) {
                      maxA.accumulateAndGet(onA.incrementAndGet(), Math::max);
                    }
                    CompletableFuture<String> done = new CompletableFuture<>();
                    started.add(
                        () -> {
                          onB.decrementAndGet();
                          if (usesA) {
                            onA.decrementAndGet();
                          }
                          done.complete("ok");
                        });
                    return done;
                  })
              .toCompletableFuture());
    }
    for (int i = 0; i < 30; i++) {
      Runnable running = started.poll(5, TimeUnit.SECONDS);
      assertNotNull(running, "task " + i + " never started: a permit was lost or deadlocked");
      assertTrue(onB.get() <= 2, "on b at once: " + onB.get());
      running.run();
    }
    for (CompletableFuture<String> r : results) {
      assertEquals("ok", r.get(5, TimeUnit.SECONDS));
    }
    assertEquals(2, maxB.get(), "b's two permits were used");
    assertEquals(1, maxA.get());
  }

  @Test
  void requestsAndBytesPerSecondHoldOverEveryUserOfTheBackend() {
    FakeTime time = new FakeTime(Instant.parse("2026-12-05T12:00:00Z"));
    List<Duration> waits = new ArrayList<>();
    BackendLimits.Delay delay =
        wait -> {
          waits.add(wait);
          time.advance(wait);
          return CompletableFuture.completedFuture(null);
        };
    BackendLimits limits =
        new BackendLimits(
            Map.of("a", limit(0, 0, 100), "d", limit(0, 1000, 0)), time, time.nanos::get, delay);
    BackendLimits.Lane ab =
        limits.lane(List.of("a", "b"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1));
    BackendLimits.Lane ca =
        limits.lane(List.of("c", "a"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1));
    AtomicInteger ran = new AtomicInteger();
    Supplier<CompletionStage<Integer>> task =
        () -> CompletableFuture.completedFuture(ran.incrementAndGet());
    for (int i = 0; i < 150; i++) {
      ab.run(10, task).toCompletableFuture().join();
      ca.run(10, task).toCompletableFuture().join();
    }
    assertEquals(300, ran.get());
    // a second's burst of 100, then 200 more at 100/s: two seconds
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(time.nanos.get());
    assertTrue(elapsedMillis >= 1_950 && elapsedMillis <= 2_050, elapsedMillis + " ms");

    // bytes: 20 objects of 250 bytes through a backend of 1000 bytes/s: 1000 at once, then 4 s
    long before = time.nanos.get();
    BackendLimits.Lane de =
        limits.lane(List.of("d", "e"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1));
    for (int i = 0; i < 20; i++) {
      de.run(250, task).toCompletableFuture().join();
    }
    long bytesMillis = TimeUnit.NANOSECONDS.toMillis(time.nanos.get() - before);
    assertTrue(bytesMillis >= 3_950 && bytesMillis <= 4_050, bytesMillis + " ms");

    // a backend without limits never waits
    waits.clear();
    BackendLimits.Lane free =
        limits.lane(List.of("x", "y"), TimeWindows.ALWAYS, WANTED, Duration.ofSeconds(1));
    for (int i = 0; i < 1000; i++) {
      free.run(1 << 20, task).toCompletableFuture().join();
    }
    assertTrue(waits.isEmpty(), waits.toString());
  }

  @Test
  void tokenBucketGoesIntoDebtForALargeUse() {
    AtomicLong now = new AtomicLong();
    TokenBucket bucket = new TokenBucket(1000, now::get);
    assertEquals(0, bucket.reserve(1000));
    // five seconds' worth at once: it may start after five seconds, and the next after that
    assertEquals(TimeUnit.SECONDS.toNanos(5), bucket.reserve(5000));
    assertEquals(TimeUnit.SECONDS.toNanos(6), bucket.reserve(1000));
    now.addAndGet(TimeUnit.SECONDS.toNanos(6));
    assertEquals(0, bucket.reserve(0));
    // idle time refills at most a second's worth
    now.addAndGet(TimeUnit.SECONDS.toNanos(60));
    assertEquals(0, bucket.reserve(1000));
    assertTrue(bucket.reserve(1) > 0);
  }

  /** Delays that complete only when the test says (after moving the clock). */
  private static final class Pending implements BackendLimits.Delay {
    final LinkedBlockingQueue<Map.Entry<Duration, CompletableFuture<Void>>> asked =
        new LinkedBlockingQueue<>();

    @Override
    public CompletionStage<Void> after(Duration wait) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      asked.add(Map.entry(wait, f));
      return f;
    }

    Map.Entry<Duration, CompletableFuture<Void>> next() throws InterruptedException {
      Map.Entry<Duration, CompletableFuture<Void>> e = asked.poll(5, TimeUnit.SECONDS);
      assertNotNull(e, "no wait was asked for");
      return e;
    }
  }

  @Test
  void outsideTheWindowsNothingStartsUntilTheyOpen() throws Exception {
    FakeTime time = new FakeTime(Instant.parse("2026-12-05T21:00:00Z"));
    Pending delay = new Pending();
    BackendLimits limits =
        new BackendLimits(
            Map.of(
                "b", new BackendLimits.Limit(0, 0, 0, List.of("23:00-05:00")),
                "c", new BackendLimits.Limit(0, 0, 0, List.of("10:00-11:00"))),
            time,
            time.nanos::get,
            delay);
    AtomicInteger checks = new AtomicInteger();
    BackendLimits.Lane lane =
        limits.lane(
            List.of("a", "b"),
            TimeWindows.parse(List.of("22:00-06:00")),
            () -> {
              checks.incrementAndGet();
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofHours(1));
    AtomicInteger ran = new AtomicInteger();
    Supplier<CompletionStage<Integer>> task =
        () -> CompletableFuture.completedFuture(ran.incrementAndGet());
    CompletableFuture<Integer> first = lane.run(0, task).toCompletableFuture();
    CompletableFuture<Integer> second = lane.run(0, task).toCompletableFuture();

    // 21:00: the migration opens at 22:00, the backend at 23:00; waits go a recheck at a time
    var wait = delay.next();
    assertEquals(Duration.ofHours(1), wait.getKey());
    assertTrue(delay.asked.isEmpty(), "one wait for the lane's tasks: " + delay.asked);
    time.advance(Duration.ofHours(1));
    wait.getValue().complete(null);
    wait = delay.next();
    assertEquals(Duration.ofHours(1), wait.getKey());
    assertEquals(0, ran.get());
    assertFalse(first.isDone());
    assertEquals(1, checks.get(), "whether the migration is still wanted, after each wait");
    time.advance(Duration.ofHours(1));
    wait.getValue().complete(null);
    assertEquals(2, first.get(5, TimeUnit.SECONDS) + second.get(5, TimeUnit.SECONDS) - 1);
    assertEquals(2, ran.get());
    // inside the windows a task runs at once
    assertEquals(3, lane.run(0, task).toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertTrue(delay.asked.isEmpty());

    // windows that never overlap (c opens at 10:00, the migration's closes at 06:00): waits on
    BackendLimits.Lane never =
        limits.lane(
            List.of("c"),
            TimeWindows.parse(List.of("22:00-06:00")),
            () -> CompletableFuture.failedFuture(new MigrationRun.Superseded("cancelled")),
            Duration.ofMinutes(5));
    CompletableFuture<Integer> stopped = never.run(0, task).toCompletableFuture();
    wait = delay.next();
    assertEquals(Duration.ofMinutes(5), wait.getKey());
    // ... until the migration is no longer wanted: the wait ends with that failure, nothing ran
    wait.getValue().complete(null);
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> stopped.get(5, TimeUnit.SECONDS));
    assertInstanceOf(MigrationRun.Superseded.class, failed.getCause());
    assertEquals(3, ran.get());
  }

  @Test
  void theNodeConfigReadsSizesAndRefusesMistakes() {
    Map<String, BackendLimits.Limit> limits =
        MigrationSettings.backendLimits(
            ConfigFactory.parseString(
                    "swift-a { parallelism = 8, bytes-per-second = 100M,"
                        + " requests-per-second = 200, windows = [\"01:00-05:00\"] }\n"
                        + "\"s3.b\" { parallelism = 2 }")
                .root());
    assertEquals(
        new BackendLimits.Limit(8, 100L << 20, 200, List.of("01:00-05:00")), limits.get("swift-a"));
    assertEquals(new BackendLimits.Limit(2, 0, 0, List.of()), limits.get("s3.b"));
    assertTrue(
        MigrationSettings.fromConfig(ConfigFactory.load()).backendLimits().isEmpty(),
        "none by default");
    for (String bad :
        List.of(
            "a { windows = [\"25:00-01:00\"] }",
            "a { paralelism = 2 }",
            "a { parallelism = -1 }",
            "a = 5",
            "a { bytes-per-second = lots }")) {
      assertThrows(
          ConfigException.class,
          () -> MigrationSettings.backendLimits(ConfigFactory.parseString(bad).root()),
          bad);
    }
  }
}
