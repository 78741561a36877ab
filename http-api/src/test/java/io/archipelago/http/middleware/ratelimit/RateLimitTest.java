package io.archipelago.http.middleware.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Swift's ratelimit semantics: sleeps, 498 Slow down, thresholds, blacklist; over HTTP too. */
class RateLimitTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.http.ratelimit.account-ratelimit", 2,
              "archipelago.http.ratelimit.container-ratelimits.\"0\"", 2,
              "archipelago.http.ratelimit.container-listing-ratelimits.\"0\"", 2,
              "archipelago.http.ratelimit.max-sleep-time", "1s",
              "archipelago.http.ratelimit.account-blacklist", List.of("AUTH_test2")));

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/limited").statusCode());
  }

  private static RateLimit limit(AtomicLong clock) {
    return new RateLimit(
        ConfigFactory.parseMap(
                Map.of(
                    "account-ratelimit", 0,
                    "container-ratelimits", Map.of(),
                    "container-listing-ratelimits", Map.of(),
                    "account-whitelist", List.of(),
                    "account-blacklist", List.of(),
                    "max-sleep-time", "60s",
                    "rate-buffer", "5s"))
            .resolve(),
        null,
        clock::get);
  }

  @Test
  void requestsAtTheirRateSleepTheirTurnAndTooLongASleepIsRefused() {
    AtomicLong clock = new AtomicLong(1_000_000);
    RateLimit limit = limit(clock);
    // 10 per second: every request 100 ms after the one before
    assertEquals(Optional.of(0L), limit.sleepMillis("k", 10));
    assertEquals(Optional.of(100L), limit.sleepMillis("k", 10));
    assertEquals(Optional.of(200L), limit.sleepMillis("k", 10));
    clock.addAndGet(1_000);
    assertEquals(Optional.of(0L), limit.sleepMillis("k", 10));
    // a turn a minute (max-sleep-time) away is refused, and a refusal does not count
    long lastSleep = 0;
    Optional<Long> sleep = limit.sleepMillis("k", 10);
    while (sleep.isPresent()) {
      lastSleep = sleep.get();
      sleep = limit.sleepMillis("k", 10);
    }
    assertTrue(lastSleep >= 59_800 && lastSleep < 60_000, "last sleep " + lastSleep);
    assertEquals(Optional.empty(), limit.sleepMillis("k", 10));
    clock.addAndGet(200);
    assertEquals(Optional.of(lastSleep - 100), limit.sleepMillis("k", 10));
    // other keys are not slowed
    assertEquals(Optional.of(0L), limit.sleepMillis("other", 10));
  }

  @Test
  void ratesFollowTheThresholdsOfContainerSizes() {
    TreeMap<Long, Double> rates = new TreeMap<>(Map.of(100L, 100.0, 200L, 50.0, 500L, 20.0));
    assertEquals(OptionalDouble.empty(), RateLimit.maxRate(rates, 99));
    assertEquals(OptionalDouble.of(100.0), RateLimit.maxRate(rates, 100));
    assertEquals(OptionalDouble.of(75.0), RateLimit.maxRate(rates, 150));
    assertEquals(OptionalDouble.of(20.0), RateLimit.maxRate(rates, 500));
    assertEquals(OptionalDouble.of(20.0), RateLimit.maxRate(rates, 10_000));
  }

  private static List<Integer> atOnce(int n, IntFunction<HttpResponse<String>> call) {
    // threads of their own: the common pool may have one thread on a small machine
    ExecutorService threads = Executors.newFixedThreadPool(n);
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int at = i;
      calls.add(CompletableFuture.supplyAsync(() -> call.apply(at), threads));
    }
    threads.shutdown();
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.join();
      statuses.add(r.statusCode());
      if (r.statusCode() == 498) {
        assertEquals("Slow down", r.body());
      }
    }
    return statuses;
  }

  @Test
  void objectWritesOverTheContainerRateGet498SlowDown() {
    List<Integer> statuses = atOnce(8, i -> tester.call("PUT", "/limited/o" + i, Map.of(), "x"));
    assertTrue(statuses.contains(201), statuses.toString());
    assertTrue(statuses.contains(498), statuses.toString());
    assertTrue(statuses.stream().allMatch(s -> s == 201 || s == 498), statuses.toString());
  }

  @Test
  void listingsHaveTheirOwnRate() throws Exception {
    Thread.sleep(1_500);
    List<Integer> listings = atOnce(8, i -> tester.call("GET", "/limited"));
    assertTrue(listings.contains(498), listings.toString());
    assertTrue(
        listings.stream().allMatch(s -> s == 200 || s == 204 || s == 498), listings.toString());
    // account reads are not limited
    assertTrue(atOnce(8, i -> tester.call("HEAD", "")).stream().allMatch(s -> s == 204));
  }

  @Test
  void containerCreationsOverTheAccountRateGet498() {
    List<Integer> creates = atOnce(24, i -> tester.call("PUT", "/made" + i));
    assertTrue(creates.contains(201) && creates.contains(498), creates.toString());
  }

  @Test
  void aBlacklistedAccountGets497() {
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    HttpResponse<String> r = other.call("GET", "/anything");
    assertEquals(497, r.statusCode());
    assertEquals("Your account has been blacklisted", r.body());
  }
}
