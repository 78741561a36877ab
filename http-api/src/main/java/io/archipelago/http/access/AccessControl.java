package io.archipelago.http.access;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.AccountOps;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Who may do what on {@code /v1/...}, in the order of Swift's pipeline: TempURL, then TempAuth
 * (token, then {@code authorize()} against owners, container ACLs and account ACLs), then the
 * proxy's CORS handling around the controllers.
 *
 * <ol>
 *   <li>OPTIONS needs no right: it is answered here (CORS preflight).
 *   <li>A temporary URL is judged by its signature alone, and its answer is trimmed as Swift's
 *       tempurl trims it.
 *   <li>A token that looks like ours but does not validate is 401. No token is anonymous. With a
 *       valid token, a valid {@code X-Service-Token} adds its user's groups (TempAuth's service
 *       tokens: accounts under a prefix with a required group need both).
 *   <li>Owners pass at once. Anyone else is judged by the container's ACL, then the account's; a
 *       refusal is 403 for a user and 401 for the anonymous.
 *   <li>Container ACL headers are validated and tidied; headers only owners may set are dropped for
 *       others, and taken out of the answers they get.
 *   <li>Requests with {@code Origin} get the container's CORS headers.
 * </ol>
 *
 * Container and account metadata are read only when a decision needs them, so an owner's request
 * without {@code Origin} costs nothing extra.
 */
public final class AccessControl {

  static final List<String> ACCOUNT_METHODS = List.of("GET", "HEAD", "POST", "OPTIONS");
  static final List<String> CONTAINER_METHODS =
      List.of("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS");

  private final AuthController auth;
  private final ContainerOps containers;
  private final AccountOps accounts;
  private final ResellerPrefixes prefixes;
  private final Authorization authorization;
  private final TempUrl tempUrl;

  public AccessControl(
      AuthController auth,
      ContainerOps containers,
      AccountOps accounts,
      ResellerPrefixes prefixes,
      Clock clock) {
    this.auth = auth;
    this.containers = containers;
    this.accounts = accounts;
    this.prefixes = prefixes;
    this.authorization = new Authorization(prefixes);
    this.tempUrl = new TempUrl(clock);
  }

  /**
   * The /info sections of what this class enforces: TempAuth with account ACLs, and TempURL with
   * its methods, header filters and digests.
   */
  public static void capabilities(ObjectNode info) {
    info.putObject("tempauth").put("account_acls", true);
    ObjectNode tempurl = info.putObject("tempurl");
    TempUrl.METHODS.forEach(tempurl.putArray("methods")::add);
    TempUrl.INCOMING_REMOVE_HEADERS.forEach(tempurl.putArray("incoming_remove_headers")::add);
    tempurl.putArray("incoming_allow_headers");
    TempUrl.OUTGOING_REMOVE_HEADERS.forEach(tempurl.putArray("outgoing_remove_headers")::add);
    TempUrl.OUTGOING_ALLOW_HEADERS.forEach(tempurl.putArray("outgoing_allow_headers")::add);
    TempUrl.DIGESTS.forEach(tempurl.putArray("allowed_digests")::add);
    TempUrl.DEPRECATED_DIGESTS.forEach(tempurl.putArray("deprecated_digests")::add);
  }

  /**
   * Authorizes a Swift request and, if it may proceed, hands it to {@code controllers} as the
   * identity it acts for, with the headers and query it may use.
   *
   * @param request the request; its principal is ignored (the token decides)
   */
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request, Function<SwiftRequest, CompletionStage<HttpResponse>> controllers) {
    return handle(request, controllers, (refused, refusal) -> done(refusal));
  }

  /**
   * {@link #handle(SwiftRequest, Function)}, where a refusal by authorization (not of an invalid
   * token) goes through {@code refusals} first, with the request as the identity it was refused
   * for: Swift's middlewares after TempAuth see the refusal the proxy would send (staticweb answers
   * with the container's error page).
   */
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request,
      Function<SwiftRequest, CompletionStage<HttpResponse>> controllers,
      BiFunction<SwiftRequest, HttpResponse, CompletionStage<HttpResponse>> refusals) {
    String method = request.http().method().value();
    if (method.equals("OPTIONS")) {
      return token(request)
          .thenCompose(
              token ->
                  token.state() == TokenState.INVALID
                      ? done(unauthorized(request.path()))
                      : options(request));
    }
    Optional<TempUrl.Params> params = TempUrl.Params.of(request.query());
    if (params.isPresent()) {
      return viaTempUrl(request, params.get(), controllers);
    }
    return token(request)
        .thenCompose(
            token -> {
              if (token.state() == TokenState.INVALID) {
                return done(unauthorized(request.path()));
              }
              return token
                  .principal()
                  .map(p -> userIdentity(p, request))
                  .orElseGet(() -> done(Identity.anonymous()))
                  .thenCompose(identity -> handle(request, identity, controllers, refusals));
            });
  }

  private CompletionStage<HttpResponse> handle(
      SwiftRequest request,
      Identity identity,
      Function<SwiftRequest, CompletionStage<HttpResponse>> controllers,
      BiFunction<SwiftRequest, HttpResponse, CompletionStage<HttpResponse>> refusals) {
    String method = request.http().method().value();
    if (request.path().level() != RequestPath.Level.OBJECT) {
      List<String> allowed =
          request.path().level() == RequestPath.Level.ACCOUNT ? ACCOUNT_METHODS : CONTAINER_METHODS;
      if (!allowed.contains(method)) {
        return done(
            SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED)
                .addHeader(RawHeader.create("Allow", String.join(", ", allowed))));
      }
    }
    Map<String, String> headers = request.headers();
    String accountAcl = headers.get(AccountAcl.HEADER);
    if (accountAcl != null) {
      try {
        headers = with(headers, AccountAcl.HEADER, AccountAcl.validate(accountAcl.strip()));
      } catch (AccountAcl.InvalidAcl e) {
        return done(
            HttpResponse.create()
                .withStatus(StatusCodes.BAD_REQUEST)
                .withEntity(
                    HttpEntities.create(
                        ContentTypes.TEXT_PLAIN_UTF8,
                        "X-Account-Access-Control invalid: "
                            + e.getMessage()
                            + "\n\nInput: "
                            + accountAcl
                            + "\n")));
      }
    }
    SwiftRequest checked = copy(request, identity.principal(), headers, request.query());
    if (isCopy(method, request.path(), headers)) {
      return proceed(checked, false, Optional.empty(), controllers);
    }
    return authorize(request, request.path(), identity, method)
        .thenCompose(
            decision -> {
              if (decision.verdict() == Authorization.Verdict.DENIED) {
                HttpResponse denied =
                    identity.authenticated()
                        ? SwiftErrors.response(SwiftError.FORBIDDEN)
                        : unauthorized(request.path());
                return refusals
                    .apply(checked, denied)
                    .thenApply(
                        answer ->
                            delayedDenial(method, request.path())
                                ? cors(checked, decision.container(), answer)
                                : answer);
              }
              return proceed(
                  checked,
                  decision.verdict() == Authorization.Verdict.OWNER,
                  decision.container(),
                  controllers);
            });
  }

  /** An outcome of authorization, with the container state read on the way (if any). */
  private record Decision(
      Authorization.Verdict verdict, Optional<Optional<ContainerState>> container) {}

  private CompletionStage<Decision> authorize(
      SwiftRequest request, RequestPath path, Identity identity, String method) {
    Map<String, String> headers = request.headers();
    Optional<Authorization.Verdict> byIdentity = authorization.byIdentity(identity, method, path);
    if (byIdentity.isPresent()) {
      return done(new Decision(byIdentity.get(), Optional.empty()));
    }
    CompletionStage<Optional<ContainerState>> container =
        path.container().isPresent() ? container(request, path, method) : done(Optional.empty());
    return container.thenCompose(
        state -> {
          String acl =
              Authorization.aclHeader(method, path)
                  .flatMap(h -> state.map(s -> s.metadata().get(h)))
                  .orElse(null);
          Optional<Authorization.Verdict> byAcl =
              authorization.byContainerAcl(identity, path, acl, headers.get("referer"));
          if (byAcl.isPresent()) {
            return done(new Decision(byAcl.get(), Optional.of(state)));
          }
          return accounts
              .summary(path.account())
              .thenApply(
                  summary ->
                      new Decision(
                          authorization.byAccountAcl(
                              identity, method, path, AccountAcl.of(summary.metadata())),
                          Optional.of(state)));
        });
  }

  /**
   * Whether the identity an authorized request acts for may also make {@code method} on {@code
   * target}: for requests that reach further resources, as Swift's sub-requests do (the source of a
   * copy, the segments of a large object). A temporary URL reaches its own account or container
   * only.
   */
  public CompletionStage<Boolean> permits(SwiftRequest request, String method, RequestPath target) {
    return denial(request, method, target).thenApply(Optional::isEmpty);
  }

  /**
   * {@link #permits} with the refusal Swift answers: 403 for a user; 401 (realm: the target's
   * account) for the anonymous and for temporary URLs, whose {@code authorize_same_account} and
   * {@code authorize_same_container} answer 401.
   */
  public CompletionStage<Optional<SwiftException>> denial(
      SwiftRequest request, String method, RequestPath target) {
    Principal principal = request.principal();
    if (principal.user().equals(Identity.tempUrl().principal().user())) {
      String scope = principal.account();
      String reached = target.account() + "/" + target.container().orElse("");
      boolean allowed =
          scope.contains("/") ? reached.equals(scope) : target.account().equals(scope);
      return done(allowed ? Optional.empty() : Optional.of(unauthorizedException(target)));
    }
    CompletionStage<Identity> asked =
        principal.user().equals(Identity.anonymous().principal().user())
            ? done(Identity.anonymous())
            : userIdentity(principal, request);
    return asked.thenCompose(
        identity ->
            authorize(request, target, identity, method)
                .thenApply(
                    decision ->
                        decision.verdict() != Authorization.Verdict.DENIED
                            ? Optional.empty()
                            : Optional.of(
                                identity.authenticated()
                                    ? new SwiftException(SwiftError.FORBIDDEN)
                                    : unauthorizedException(target))));
  }

  /**
   * Copies (COPY, PUT with X-Copy-From) are authorized as Swift's copy middleware has them
   * authorized: a GET of the source first, then the PUT of the destination once the source is read
   * (so a missing source is 404 even where the destination is not writable); the controller makes
   * both checks through {@link #denial}.
   */
  private static boolean isCopy(String method, RequestPath path, Map<String, String> headers) {
    return path.level() == RequestPath.Level.OBJECT
        && (method.equals("COPY") || (method.equals("PUT") && headers.containsKey("x-copy-from")));
  }

  private CompletionStage<HttpResponse> proceed(
      SwiftRequest request,
      boolean owner,
      Optional<Optional<ContainerState>> known,
      Function<SwiftRequest, CompletionStage<HttpResponse>> controllers) {
    RequestPath path = request.path();
    String method = request.http().method().value();
    Map<String, String> headers = request.headers();
    if (path.level() == RequestPath.Level.CONTAINER
        && (method.equals("PUT") || method.equals("POST"))) {
      for (String name : List.of("x-container-read", "x-container-write")) {
        String value = headers.get(name);
        if (value != null) {
          try {
            headers = with(headers, name, ContainerAcl.clean(name, value));
          } catch (ContainerAcl.InvalidAcl e) {
            return done(SwiftErrors.response(SwiftError.BAD_REQUEST, e.getMessage()));
          }
        }
      }
    }
    if (!owner) {
      headers = OwnerHeaders.strip(headers);
    }
    SwiftRequest allowed = copy(request, request.principal(), headers, request.query());
    boolean corsRequest = request.headers().containsKey("origin") && path.container().isPresent();
    // CORS rules are those of the container before the request (Swift reads them first).
    CompletionStage<Optional<ContainerState>> before =
        !corsRequest
            ? done(Optional.empty())
            : known.isPresent()
                ? done(known.get())
                : container(request, path, request.http().method().value());
    return before.thenCompose(
        state ->
            controllers
                .apply(allowed)
                .thenApply(
                    response -> {
                      HttpResponse r = owner ? response : OwnerHeaders.strip(response);
                      return corsRequest ? cors(request, Optional.of(state), r) : r;
                    }));
  }

  private CompletionStage<HttpResponse> viaTempUrl(
      SwiftRequest request,
      TempUrl.Params params,
      Function<SwiftRequest, CompletionStage<HttpResponse>> controllers) {
    String method = request.http().method().value();
    RequestPath path = request.path();
    Optional<TempUrl.Candidate> candidate =
        tempUrl.candidate(params, method, path, request.clientAddress());
    if (candidate.isEmpty()) {
      return done(tempUrlInvalid(method, path));
    }
    CompletionStage<Optional<ContainerState>> container = container(request, path, method);
    return accounts
        .summary(path.account())
        .thenCombine(
            container,
            (account, state) ->
                TempUrl.keys(
                    account.metadata(), state.map(ContainerState::metadata).orElse(Map.of())))
        .thenCombine(
            container,
            (keys, state) -> {
              Optional<TempUrl.Grant> grant =
                  keys.isEmpty() ? Optional.empty() : tempUrl.verify(candidate.get(), keys);
              if (grant.isEmpty()) {
                return done(tempUrlInvalid(method, path));
              }
              Optional<String> disallowed = TempUrl.disallowedHeader(method, request.headers());
              if (disallowed.isPresent()) {
                return done(
                    SwiftErrors.response(
                        SwiftError.BAD_REQUEST,
                        "The header "
                            + PyText.repr(titleCase(disallowed.get()))
                            + " is not allowed in this tempurl"));
              }
              // The principal remembers what the URL reaches, for permits().
              String scope =
                  grant.get().scope() == TempUrl.Scope.ACCOUNT
                      ? path.account()
                      : path.account() + "/" + path.container().orElseThrow();
              Principal holder =
                  new Principal(Identity.tempUrl().principal().user(), scope, Set.of());
              SwiftRequest granted =
                  copy(
                      request,
                      holder,
                      TempUrl.incomingHeaders(request.headers()),
                      params.forwardedQuery());
              return proceed(granted, false, Optional.of(state), controllers)
                  .thenApply(response -> tempUrl.outgoing(response, candidate.get(), path));
            })
        .thenCompose(Function.identity());
  }

  private CompletionStage<HttpResponse> options(SwiftRequest request) {
    RequestPath path = request.path();
    List<String> allowed =
        path.level() == RequestPath.Level.ACCOUNT ? ACCOUNT_METHODS : CONTAINER_METHODS;
    if (!request.headers().containsKey("origin") || path.container().isEmpty()) {
      return done(Cors.preflight(allowed, request.headers(), Optional.empty()));
    }
    return container(request, path, "OPTIONS")
        .thenApply(
            state ->
                Cors.preflight(
                    allowed,
                    request.headers(),
                    Optional.of(
                        state.map(s -> Cors.Rules.of(s.metadata())).orElse(Cors.Rules.NONE))));
  }

  private HttpResponse cors(
      SwiftRequest request, Optional<Optional<ContainerState>> state, HttpResponse response) {
    String origin = request.headers().get("origin");
    if (origin == null
        || origin.isEmpty()
        || state.isEmpty()
        || request.path().container().isEmpty()) {
      return response;
    }
    return Cors.decorate(
        response,
        origin,
        state.get().map(s -> Cors.Rules.of(s.metadata())).orElse(Cors.Rules.NONE));
  }

  /**
   * Whether Swift refuses this request inside its controller (object requests, container GET and
   * HEAD: {@code delay_denial}), where the refusal still gets CORS headers.
   */
  private static boolean delayedDenial(String method, RequestPath path) {
    return path.level() == RequestPath.Level.OBJECT
        || (path.level() == RequestPath.Level.CONTAINER && Authorization.isRead(method));
  }

  /**
   * The container's state, or empty if it does not exist. A read is authorized by the state the
   * read itself will use, which while the entity is unreachable is the replicated route view (ACLs
   * as of their last change that reached this node); writes always by the entity's.
   */
  private CompletionStage<Optional<ContainerState>> container(
      SwiftRequest request, RequestPath path, String method) {
    String account = path.account();
    String name = path.container().orElseThrow();
    return (Authorization.isRead(method)
            ? InfoCache.read(containers, request.http(), account, name)
            : containers.get(account, name))
        .thenApply(Optional::of)
        .exceptionally(
            failure -> {
              Throwable t = SwiftErrors.unwrap(failure);
              if (t instanceof GatewayException g
                  && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                return Optional.empty();
              }
              throw t instanceof RuntimeException r ? r : new CompletionException(t);
            });
  }

  /**
   * A user's identity, with the groups of a valid {@code X-Service-Token} (TempAuth ignores one
   * that does not validate).
   */
  private CompletionStage<Identity> userIdentity(Principal principal, SwiftRequest request) {
    String serviceToken = request.headers().get("x-service-token");
    if (serviceToken == null || serviceToken.isEmpty()) {
      return done(Identity.of(principal, prefixes));
    }
    return auth.servicePrincipal(request.headers(), prefixes.first())
        .thenApply(
            service ->
                service
                    .map(s -> Identity.of(principal, s, prefixes))
                    .orElseGet(() -> Identity.of(principal, prefixes)));
  }

  private enum TokenState {
    NONE,
    VALID,
    INVALID
  }

  private record Token(TokenState state, Optional<Principal> principal) {}

  /**
   * TempAuth considers only tokens with its prefix: such a token is valid or refused. With Keystone
   * on, any other token is Keystone's to accept or refuse (keystoneauth after tempauth in Swift's
   * pipeline); without, it leaves the request anonymous, as does no token.
   */
  private CompletionStage<Token> token(SwiftRequest request) {
    String token =
        Optional.ofNullable(request.headers().get("x-auth-token"))
            .orElse(request.headers().get("x-storage-token"));
    if (token == null || token.isEmpty()) {
      return done(new Token(TokenState.NONE, Optional.empty()));
    }
    if (!token.startsWith(prefixes.first())) {
      if (!auth.keystone()) {
        return done(new Token(TokenState.NONE, Optional.empty()));
      }
      return auth.keystonePrincipal(token)
          .thenApply(
              principal ->
                  principal.isPresent()
                      ? new Token(TokenState.VALID, principal)
                      : new Token(TokenState.INVALID, Optional.empty()));
    }
    Optional<Principal> principal = auth.principal(request.headers());
    return done(
        principal.isPresent()
            ? new Token(TokenState.VALID, principal)
            : new Token(TokenState.INVALID, Optional.empty()));
  }

  private static SwiftException unauthorizedException(RequestPath path) {
    return new SwiftException(
        SwiftError.UNAUTHORIZED,
        SwiftError.UNAUTHORIZED.body(),
        Map.of("Www-Authenticate", "Swift realm=\"" + PyText.quote(path.account()) + "\""));
  }

  /** 401 as TempAuth sends it, naming the account as realm. */
  public static HttpResponse unauthorized(RequestPath path) {
    return SwiftErrors.response(SwiftError.UNAUTHORIZED)
        .addHeader(
            RawHeader.create(
                "Www-Authenticate", "Swift realm=\"" + PyText.quote(path.account()) + "\""));
  }

  private static HttpResponse tempUrlInvalid(String method, RequestPath path) {
    HttpResponse r =
        SwiftErrors.response(
            SwiftError.UNAUTHORIZED,
            method.equals("HEAD") ? "" : "401 Unauthorized: Temp URL invalid\n");
    return r.addHeader(
        RawHeader.create(
            "Www-Authenticate", "Swift realm=\"" + PyText.quote(path.account()) + "\""));
  }

  private static SwiftRequest copy(
      SwiftRequest r, Principal principal, Map<String, String> headers, Map<String, String> query) {
    return new SwiftRequest(
        r.http(), r.path(), query, headers, principal, r.clientAddress(), r.node(), r.requestId());
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> result = new TreeMap<>(headers);
    result.put(name, value);
    return result;
  }

  private static String titleCase(String name) {
    return SwiftHeaders.titleCase(name);
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
