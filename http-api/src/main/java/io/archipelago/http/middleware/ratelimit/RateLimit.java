package io.archipelago.http.middleware.ratelimit;

import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.typesafe.config.Config;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.http.protocol.RequestPath;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Swift's ratelimit middleware: per-account and per-container request rates, each request delayed
 * until its turn and answered {@code 498 Slow down} when its turn is further away than the longest
 * sleep. As in Swift:
 *
 * <ul>
 *   <li>{@code account-ratelimit}: container PUT and DELETE per account (requests per second);
 *   <li>{@code container-ratelimits} ({@code container_ratelimit_N}): object PUT, POST, DELETE and
 *       COPY per container, by the container's object count N, interpolated between thresholds;
 *   <li>{@code container-listing-ratelimits} ({@code container_listing_ratelimit_N}): container
 *       GET;
 *   <li>{@code account-blacklist} answers 497, {@code account-whitelist} is never limited.
 * </ul>
 *
 * Everything is off unless configured ({@code archipelago.http.ratelimit}). The running times are
 * kept per node (Swift keeps them in memcache, shared by its proxies): with N nodes behind a load
 * balancer a client gets up to N times the rate.
 */
public final class RateLimit {

  private static final Set<String> OBJECT_WRITES = Set.of("PUT", "POST", "DELETE", "COPY");

  private final double accountRate;
  private final TreeMap<Long, Double> containerRates;
  private final TreeMap<Long, Double> listingRates;
  private final Set<String> whitelist;
  private final Set<String> blacklist;
  private final long maxSleepMillis;
  private final long rateBufferMillis;
  private final ContainerOps containers;
  private final LongSupplier clockMillis;
  private final Map<String, AtomicLong> runningTimes = new ConcurrentHashMap<>();

  public RateLimit(Config config, ContainerOps containers, LongSupplier clockMillis) {
    this.accountRate = config.getDouble("account-ratelimit");
    this.containerRates = thresholds(config.getConfig("container-ratelimits"));
    this.listingRates = thresholds(config.getConfig("container-listing-ratelimits"));
    this.whitelist = Set.copyOf(config.getStringList("account-whitelist"));
    this.blacklist = Set.copyOf(config.getStringList("account-blacklist"));
    this.maxSleepMillis = config.getDuration("max-sleep-time").toMillis();
    this.rateBufferMillis = config.getDuration("rate-buffer").toMillis();
    this.containers = containers;
    this.clockMillis = clockMillis;
  }

  private static TreeMap<Long, Double> thresholds(Config rates) {
    TreeMap<Long, Double> sorted = new TreeMap<>();
    for (var entry : rates.root().entrySet()) {
      sorted.put(Long.parseLong(entry.getKey()), rates.getDouble("\"" + entry.getKey() + "\""));
    }
    return sorted;
  }

  /** Whether any limit is configured (otherwise the pipeline skips this stage). */
  public boolean enabled() {
    return accountRate > 0
        || !containerRates.isEmpty()
        || !listingRates.isEmpty()
        || !blacklist.isEmpty();
  }

  /**
   * Runs {@code next} when the request's turn comes; answers 498 (or 497) instead when it must not
   * run.
   */
  public CompletionStage<HttpResponse> handle(
      HttpMethod method, RequestPath path, Supplier<CompletionStage<HttpResponse>> next) {
    String account = path.account();
    if (blacklist.contains(account)) {
      return CompletableFuture.completedFuture(
          HttpResponse.create()
              .withStatus(
                  StatusCodes.custom(
                      497, "Blacklisted", "Your account has been blacklisted", false, true))
              .withEntity("Your account has been blacklisted"));
    }
    if (whitelist.contains(account) || path.container().isEmpty()) {
      return next.get();
    }
    String container = path.container().get();
    boolean objectWrite = path.object().isPresent() && OBJECT_WRITES.contains(method.name());
    boolean listing = path.object().isEmpty() && method.equals(HttpMethods.GET);
    boolean containerChange =
        path.object().isEmpty()
            && (method.equals(HttpMethods.PUT) || method.equals(HttpMethods.DELETE));
    if (containerChange && accountRate > 0) {
      return limited("ratelimit/" + account, accountRate, next);
    }
    TreeMap<Long, Double> rates = objectWrite ? containerRates : listing ? listingRates : null;
    if (rates == null || rates.isEmpty()) {
      return next.get();
    }
    return containers
        .get(account, container)
        .handle((state, failure) -> failure == null ? state.objectCount() : -1L)
        .thenCompose(
            count -> {
              OptionalDouble rate = count < 0 ? OptionalDouble.empty() : maxRate(rates, count);
              if (rate.isEmpty()) {
                return next.get();
              }
              String key =
                  (listing ? "ratelimit_listing/" : "ratelimit/") + account + "/" + container;
              return limited(key, rate.getAsDouble(), next);
            });
  }

  private CompletionStage<HttpResponse> limited(
      String key, double rate, Supplier<CompletionStage<HttpResponse>> next) {
    Optional<Long> sleep = sleepMillis(key, rate);
    if (sleep.isEmpty()) {
      return CompletableFuture.completedFuture(
          HttpResponse.create()
              .withStatus(StatusCodes.custom(498, "Rate Limited", "Slow down", false, true))
              .withEntity("Slow down"));
    }
    if (sleep.get() == 0) {
      return next.get();
    }
    Executor later = CompletableFuture.delayedExecutor(sleep.get(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, later).thenCompose(x -> next.get());
  }

  /** Swift's get_sleep_time, in milliseconds; empty when the sleep would reach the maximum. */
  Optional<Long> sleepMillis(String key, double rate) {
    long now = clockMillis.getAsLong();
    long perRequest = Math.max(1, Math.round(1000 / rate));
    AtomicLong running = runningTimes.computeIfAbsent(key, k -> new AtomicLong());
    long runningTime = running.addAndGet(perRequest);
    long sleep = 0;
    if (now - runningTime > rateBufferMillis) {
      running.set(now + perRequest);
    } else {
      sleep = Math.max(runningTime - now - perRequest, 0);
    }
    if (maxSleepMillis - sleep <= 10) {
      running.addAndGet(-perRequest);
      return Optional.empty();
    }
    return Optional.of(sleep);
  }

  /** Swift's get_maxrate: none below the first threshold, interpolated between two. */
  static OptionalDouble maxRate(TreeMap<Long, Double> rates, long size) {
    if (rates.isEmpty() || size < rates.firstKey()) {
      return OptionalDouble.empty();
    }
    var floor = rates.floorEntry(size);
    var ceiling = rates.higherEntry(size);
    if (ceiling == null) {
      return OptionalDouble.of(floor.getValue());
    }
    double slope =
        (ceiling.getValue() - floor.getValue()) / (double) (ceiling.getKey() - floor.getKey());
    return OptionalDouble.of(floor.getValue() + slope * (size - floor.getKey()));
  }
}
