package io.archipelago.engine.store.swift;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.store.ObjectStoreException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The token of a Swift backend: obtained with TempAuth v1 or Keystone v3 password auth, cached and
 * shared by all requests, renewed when it is about to expire or when the backend answers 401 (the
 * caller then retries once with the new token). Concurrent requests that find no valid token share
 * one login.
 */
final class SwiftAuth {

  /** A token and the storage URL it is good for. */
  record Session(String token, String storageUrl, Optional<Instant> expires) {}

  /** Renew this long before the announced expiry. */
  private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String backendId;
  private final SwiftSettings settings;
  private final SwiftHttp http;
  private final AtomicReference<CompletableFuture<Session>> current = new AtomicReference<>();
  private final AtomicInteger logins = new AtomicInteger();

  SwiftAuth(String backendId, SwiftSettings settings, SwiftHttp http) {
    this.backendId = backendId;
    this.settings = settings;
    this.http = http;
  }

  /** A valid session: the cached one, or a new login shared with concurrent callers. */
  CompletionStage<Session> session() {
    while (true) {
      CompletableFuture<Session> cached = current.get();
      if (cached != null && usable(cached)) {
        return cached;
      }
      CompletableFuture<Session> fresh = new CompletableFuture<>();
      if (current.compareAndSet(cached, fresh)) {
        login()
            .whenComplete(
                (s, e) -> {
                  if (e != null) {
                    fresh.completeExceptionally(e);
                  } else {
                    fresh.complete(s);
                  }
                });
        return fresh;
      }
    }
  }

  /** Forgets {@code session} after the backend refused it (unless a newer one replaced it). */
  void invalidate(Session session) {
    CompletableFuture<Session> cached = current.get();
    if (cached != null
        && cached.isDone()
        && !cached.isCompletedExceptionally()
        && cached.join().equals(session)) {
      current.compareAndSet(cached, null);
    }
  }

  /** How many logins this backend's driver has made (for tests and metrics). */
  int logins() {
    return logins.get();
  }

  private static boolean usable(CompletableFuture<Session> cached) {
    if (!cached.isDone()) {
      return true; // a login in flight
    }
    if (cached.isCompletedExceptionally()) {
      return false;
    }
    Optional<Instant> expires = cached.join().expires();
    return expires.isEmpty() || Instant.now().plus(EXPIRY_MARGIN).isBefore(expires.get());
  }

  private CompletionStage<Session> login() {
    logins.incrementAndGet();
    CompletionStage<Session> attempt = settings.authVersion() == 3 ? keystoneV3() : tempAuthV1();
    return attempt.exceptionallyCompose(
        e ->
            CompletableFuture.failedStage(
                e instanceof ObjectStoreException || e.getCause() instanceof ObjectStoreException
                    ? (e instanceof ObjectStoreException ? e : e.getCause())
                    : new ObjectStoreException.BackendUnavailable(backendId, "auth failed", e)));
  }

  private CompletionStage<Session> tempAuthV1() {
    HttpRequest request =
        HttpRequest.GET(settings.authUrl())
            .addHeader(RawHeader.create("X-Auth-User", settings.user()))
            .addHeader(RawHeader.create("X-Auth-Key", settings.key()));
    return http.send(request, settings.requestTimeout())
        .thenApply(
            response -> {
              http.discard(response);
              requireSuccess(response);
              String token =
                  header(response, "x-auth-token")
                      .orElseThrow(() -> unavailable("auth answered without X-Auth-Token"));
              String storageUrl =
                  settings
                      .storageUrl()
                      .or(() -> header(response, "x-storage-url"))
                      .orElseThrow(() -> unavailable("auth answered without X-Storage-Url"));
              Optional<Instant> expires =
                  header(response, "x-auth-token-expires")
                      .map(s -> Instant.now().plusSeconds((long) Double.parseDouble(s)));
              return new Session(token, trimSlash(storageUrl), expires);
            });
  }

  private CompletionStage<Session> keystoneV3() {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode auth = body.putObject("auth");
    ObjectNode identity = auth.putObject("identity");
    identity.putArray("methods").add("password");
    ObjectNode user = identity.putObject("password").putObject("user");
    user.put("name", settings.user());
    user.putObject("domain").put("name", settings.userDomain());
    user.put("password", settings.key());
    ObjectNode project = auth.putObject("scope").putObject("project");
    project.put("name", settings.project().orElseThrow());
    project.putObject("domain").put("name", settings.projectDomain());
    HttpRequest request =
        HttpRequest.create(settings.authUrl() + "/auth/tokens")
            .withMethod(HttpMethods.POST)
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
    return http.send(request, settings.requestTimeout())
        .thenCompose(
            response -> {
              if (response.status().intValue() / 100 != 2) {
                http.discard(response);
                requireSuccess(response);
              }
              return http.body(response, settings.requestTimeout())
                  .thenApply(bytes -> keystoneSession(response, bytes.utf8String()));
            });
  }

  private Session keystoneSession(HttpResponse response, String body) {
    String token =
        header(response, "x-subject-token")
            .orElseThrow(() -> unavailable("Keystone answered without X-Subject-Token"));
    JsonNode tokenNode;
    try {
      tokenNode = JSON.readTree(body).path("token");
    } catch (IOException e) {
      throw unavailable("Keystone answered unreadable JSON");
    }
    Optional<Instant> expires =
        Optional.of(tokenNode.path("expires_at").asText(""))
            .filter(s -> !s.isEmpty())
            .map(Instant::parse);
    Optional<String> storageUrl = settings.storageUrl();
    if (storageUrl.isEmpty()) {
      for (JsonNode service : tokenNode.path("catalog")) {
        if (!"object-store".equals(service.path("type").asText())) {
          continue;
        }
        for (JsonNode endpoint : service.path("endpoints")) {
          boolean interfaceMatches =
              settings.endpointInterface().equals(endpoint.path("interface").asText());
          boolean regionMatches =
              settings.region().isEmpty()
                  || settings.region().get().equals(endpoint.path("region").asText())
                  || settings.region().get().equals(endpoint.path("region_id").asText());
          if (interfaceMatches && regionMatches) {
            storageUrl = Optional.of(endpoint.path("url").asText());
            break;
          }
        }
      }
    }
    return new Session(
        token,
        trimSlash(
            storageUrl.orElseThrow(
                () ->
                    unavailable(
                        "the Keystone catalog has no "
                            + settings.endpointInterface()
                            + " object-store endpoint"
                            + settings.region().map(r -> " in region " + r).orElse("")))),
        expires);
  }

  private void requireSuccess(HttpResponse response) {
    int status = response.status().intValue();
    if (status / 100 != 2) {
      throw unavailable(
          status == 401 || status == 403
              ? "auth refused the configured credentials (" + status + ")"
              : "auth answered " + status);
    }
  }

  private ObjectStoreException.BackendUnavailable unavailable(String detail) {
    return new ObjectStoreException.BackendUnavailable(backendId, detail, null);
  }

  static Optional<String> header(HttpResponse response, String lowerName) {
    for (var h : response.getHeaders()) {
      if (h.lowercaseName().equals(lowerName)) {
        return Optional.of(h.value());
      }
    }
    return Optional.empty();
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
