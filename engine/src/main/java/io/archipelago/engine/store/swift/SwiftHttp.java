package io.archipelago.engine.store.swift;

import akka.actor.typed.ActorSystem;
import akka.event.Logging;
import akka.event.LoggingAdapter;
import akka.http.javadsl.ConnectionContext;
import akka.http.javadsl.Http;
import akka.http.javadsl.HttpsConnectionContext;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.settings.ConnectionPoolSettings;
import akka.stream.Materializer;
import akka.util.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.remote.TrustStores;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client of one Swift backend: Akka HTTP's host connection pool with this backend's own
 * settings (so its own pool), TLS trust from the backend's settings, raw (unmodelled) response
 * headers so that metadata values come back exactly as stored.
 */
final class SwiftHttp {

  private final Http http;
  private final HttpsConnectionContext tls;
  private final ConnectionPoolSettings pool;
  private final Materializer materializer;
  private final LoggingAdapter log;

  SwiftHttp(ActorSystem<?> system, SwiftSettings settings, DriverSettings raw) {
    this.http = Http.get(system);
    this.tls = ConnectionContext.httpsClient(TrustStores.sslContext(raw));
    this.materializer = Materializer.matFromSystem(system);
    this.log = Logging.getLogger(system.classicSystem(), SwiftHttp.class);
    // Settings layered over the system's: a distinct settings value also means a distinct pool.
    Config overrides =
        ConfigFactory.parseString(
            String.join(
                "\n",
                "akka.http.client.parsing.modeled-header-parsing = off",
                "akka.http.client.parsing.max-content-length = infinite",
                "akka.http.client.connecting-timeout = "
                    + settings.connectTimeout().toMillis()
                    + "ms",
                "akka.http.client.idle-timeout = " + settings.idleTimeout().toMillis() + "ms",
                "akka.http.host-connection-pool.client.parsing.modeled-header-parsing = off",
                "akka.http.host-connection-pool.client.parsing.max-content-length = infinite",
                // An object may carry 90 metadata headers with 128-byte names after
                // X-Object-Meta- (Swift's limits); Akka's defaults (64 headers, 64-character
                // names) refuse such answers in any actor system that does not raise them.
                "akka.http.host-connection-pool.client.parsing.max-header-count = 256",
                "akka.http.host-connection-pool.client.parsing.max-header-name-length = 8k",
                "akka.http.host-connection-pool.client.parsing.max-header-value-length = 16k",
                "akka.http.host-connection-pool.client.connecting-timeout = "
                    + settings.connectTimeout().toMillis()
                    + "ms",
                "akka.http.host-connection-pool.client.idle-timeout = "
                    + settings.idleTimeout().toMillis()
                    + "ms",
                "akka.http.host-connection-pool.max-connections = " + settings.maxConnections(),
                "akka.http.host-connection-pool.max-open-requests = "
                    + Integer.highestOneBit(Math.max(1, settings.maxConnections() * 8 - 1)) * 2,
                // a streamed body cannot be sent twice: the gateway decides about retries
                "akka.http.host-connection-pool.max-retries = 0",
                "akka.http.host-connection-pool.response-entity-subscription-timeout = 60s",
                "akka.http.host-connection-pool.idle-timeout = 30s"));
    this.pool = ConnectionPoolSettings.create(overrides.withFallback(system.settings().config()));
  }

  /** Sends the request; the response (headers) must arrive within {@code timeout}. */
  CompletionStage<HttpResponse> send(HttpRequest request, Duration timeout) {
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    sendUntimed(request).whenComplete((r, e) -> complete(result, r, e));
    return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Sends the request without a time limit of its own; the caller completes {@code result} (or
   * times it out) and a response that comes too late is discarded.
   */
  CompletionStage<HttpResponse> sendUntimed(HttpRequest request) {
    return http.singleRequest(request, tls, pool, log);
  }

  /** Completes {@code result} with the response unless it has already failed (time-out). */
  void complete(CompletableFuture<HttpResponse> result, HttpResponse response, Throwable failure) {
    if (failure != null) {
      result.completeExceptionally(failure);
    } else if (!result.complete(response)) {
      response.discardEntityBytes(materializer);
    }
  }

  /** The whole (small) body of a response: listings, auth answers, error texts. */
  CompletionStage<ByteString> body(HttpResponse response, Duration timeout) {
    return response.entity().toStrict(timeout.toMillis(), materializer).thenApply(e -> e.getData());
  }

  void discard(HttpResponse response) {
    response.discardEntityBytes(materializer);
  }

  Materializer materializer() {
    return materializer;
  }
}
