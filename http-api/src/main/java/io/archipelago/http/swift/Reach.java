package io.archipelago.http.swift;

import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the identity behind one request may reach besides the request's own path. Swift's
 * middlewares reach further resources through sub-requests that carry the client's authorization: a
 * copy GETs its source (and the proxy then authorizes the PUT of its destination), an SLO manifest
 * PUT HEADs its segments, a large object GET lists (DLO) and GETs its segments, {@code
 * ?multipart-manifest=delete} GETs each manifest and DELETEs each segment. Each of them is
 * authorized as the same client's own request would be.
 */
@FunctionalInterface
public interface Reach {

  /** Decides for the identity of {@code request}, as TempAuth or TempURL decide for its path. */
  @FunctionalInterface
  interface Authorizer {
    CompletionStage<Optional<SwiftException>> denial(
        SwiftRequest request, String method, RequestPath target);
  }

  /** For callers that decided already (tests of the controllers' own logic). */
  Reach ANYWHERE = (method, target) -> CompletableFuture.completedFuture(Optional.empty());

  /**
   * Empty when {@code method} on {@code target} is allowed, else the refusal Swift answers: 403 for
   * a user, 401 with {@code Www-Authenticate} for the anonymous and temporary URLs.
   */
  CompletionStage<Optional<SwiftException>> denial(String method, RequestPath target);

  /** Completes when allowed; fails with the refusal otherwise. */
  default CompletionStage<Void> require(String method, RequestPath target) {
    return denial(method, target)
        .thenApply(
            refused -> {
              if (refused.isPresent()) {
                throw refused.get();
              }
              return null;
            });
  }

  /**
   * The reach of one request. ACL decisions depend on the method, the account, the container and
   * whether an object is named, not on its name, so each is made once per request (a large object's
   * segments would otherwise each cost a lookup).
   */
  static Reach of(SwiftRequest request, Authorizer authorizer) {
    Map<String, CompletionStage<Optional<SwiftException>>> decided = new ConcurrentHashMap<>();
    return (method, target) ->
        decided.computeIfAbsent(
            method
                + " "
                + target.account()
                + "/"
                + target.container().orElse("")
                + (target.object().isPresent() ? "/*" : ""),
            key -> authorizer.denial(request, method, target));
  }

  static RequestPath object(String account, String container, String object) {
    return new RequestPath("v1", account, Optional.of(container), Optional.of(object));
  }

  static RequestPath container(String account, String container) {
    return new RequestPath("v1", account, Optional.of(container), Optional.empty());
  }
}
