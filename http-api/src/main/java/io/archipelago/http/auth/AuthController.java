package io.archipelago.http.auth;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * TempAuth v1: {@code GET /auth/v1.0} with {@code X-Auth-User}/{@code X-Auth-Key} (or the {@code
 * X-Storage-*} spellings) answers a token and the account's storage URL.
 */
public final class AuthController {

  private final TempAuthUsers users;
  private final TokenCodec tokens;
  private final Clock clock;

  private final Optional<KeystoneTokens> keystone;

  public AuthController(TempAuthUsers users, TokenCodec tokens, Clock clock) {
    this(users, tokens, clock, Optional.empty());
  }

  /** With Keystone tokens accepted besides TempAuth's (those not under TempAuth's prefix). */
  public AuthController(
      TempAuthUsers users, TokenCodec tokens, Clock clock, Optional<KeystoneTokens> keystone) {
    this.users = users;
    this.tokens = tokens;
    this.clock = clock;
    this.keystone = keystone;
  }

  /** Whether tokens TempAuth does not recognise go to Keystone. */
  public boolean keystone() {
    return keystone.isPresent();
  }

  /**
   * The principal of a Keystone token (empty when Keystone refuses it); 503 when Keystone cannot
   * answer, as keystonemiddleware.
   */
  public CompletionStage<Optional<Principal>> keystonePrincipal(String token) {
    return keystone
        .map(k -> unavailableAs503(k.principal(token.trim())))
        .orElse(CompletableFuture.completedFuture(Optional.empty()));
  }

  /**
   * The principal behind an {@code X-Service-Token}, TempAuth's or (when Keystone is on and the
   * token is not TempAuth's) Keystone's; empty when it does not validate.
   */
  public CompletionStage<Optional<Principal>> servicePrincipal(
      Map<String, String> headers, String tempAuthPrefix) {
    String token = headers.get("x-service-token");
    if (token == null || token.isBlank()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    String trimmed = token.trim();
    if (keystone.isEmpty() || trimmed.startsWith(tempAuthPrefix)) {
      return CompletableFuture.completedFuture(servicePrincipal(headers));
    }
    return unavailableAs503(keystone.get().servicePrincipal(trimmed));
  }

  private static <T> CompletionStage<T> unavailableAs503(CompletionStage<T> stage) {
    return stage.exceptionally(
        failure -> {
          Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
          if (cause instanceof KeystoneTokens.Unavailable u) {
            throw new SwiftException(SwiftError.SERVICE_UNAVAILABLE, u.getMessage() + "\n");
          }
          throw failure instanceof RuntimeException r ? r : new CompletionException(failure);
        });
  }

  public HttpResponse authenticate(
      HttpRequest request, Map<String, String> headers, String baseUrl) {
    String user =
        Optional.ofNullable(headers.get("x-auth-user")).orElse(headers.get("x-storage-user"));
    String key =
        Optional.ofNullable(headers.get("x-auth-key")).orElse(headers.get("x-storage-pass"));
    if (user == null || key == null) {
      return SwiftErrors.response(SwiftError.UNAUTHORIZED);
    }
    Optional<Principal> principal = users.authenticate(user.trim(), key);
    if (principal.isEmpty()) {
      return SwiftErrors.response(SwiftError.UNAUTHORIZED);
    }
    TokenCodec.Token token = tokens.issue(principal.get());
    String storageUrl = baseUrl + "/v1/" + principal.get().account();
    long expiresIn = Math.max(0, Duration.between(clock.instant(), token.expires()).getSeconds());
    String body = "{\"storage\": {\"default\": \"local\", \"local\": \"" + storageUrl + "\"}}";
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body))
        .addHeader(RawHeader.create("X-Auth-Token", token.value()))
        .addHeader(RawHeader.create("X-Storage-Token", token.value()))
        .addHeader(RawHeader.create("X-Storage-Url", storageUrl))
        .addHeader(RawHeader.create("X-Auth-Token-Expires", Long.toString(expiresIn)));
  }

  /** The principal behind the request's token, if it is valid. */
  public Optional<Principal> principal(Map<String, String> headers) {
    String token =
        Optional.ofNullable(headers.get("x-auth-token")).orElse(headers.get("x-storage-token"));
    return tokens.validate(token == null ? null : token.trim()).map(TokenCodec.Token::principal);
  }

  /** The principal behind the request's {@code X-Service-Token}, if it is valid. */
  public Optional<Principal> servicePrincipal(Map<String, String> headers) {
    String token = headers.get("x-service-token");
    return tokens.validate(token == null ? null : token.trim()).map(TokenCodec.Token::principal);
  }
}
