package io.archipelago.http.middleware.etagquoter;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.AccountOps;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.Reach;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Swift's {@code etag_quoter}: object answers carry their {@code ETag} in double quotes (RFC 7232)
 * when the container says so ({@code X-Container-Rfc-Compliant-Etags}), else when the account does
 * ({@code X-Account-Rfc-Compliant-Etags}), else as {@code enable-by-default} says. The flags are
 * set by POST (or container PUT), stored as Swift's {@code config_true_value} of the value ("True"
 * or "False"), and removed by an empty value or {@code X-Remove-...}. The flags are looked up only
 * for answers that carry an unquoted ETag.
 */
public final class EtagQuoter implements ObjectMiddleware {

  public static final String CONTAINER_FLAG = "x-container-rfc-compliant-etags";
  public static final String ACCOUNT_FLAG = "x-account-rfc-compliant-etags";

  private static final Duration ACCOUNT_FLAG_WAIT = Duration.ofMillis(500);

  /** Bounds the node's copy of account flags: past it, the copy starts over. */
  private static final int MAX_CACHED_ACCOUNTS = 10_000;

  /** An account's flag as this node last saw it. */
  private record AccountFlag(Optional<String> value, long seenAtNanos) {}

  private final ContainerOps containers;
  private final AccountOps accounts;
  private final boolean enableByDefault;
  private final long accountFlagTtlNanos;
  private final Map<String, AccountFlag> accountFlags = new ConcurrentHashMap<>();

  /** {@code config}: the {@code archipelago.http.etag-quoter} section. */
  public EtagQuoter(ContainerOps containers, AccountOps accounts, Config config) {
    this(
        containers,
        accounts,
        config.getBoolean("enable-by-default"),
        config.getDuration("account-flag-ttl"));
  }

  public EtagQuoter(
      ContainerOps containers,
      AccountOps accounts,
      boolean enableByDefault,
      Duration accountFlagTtl) {
    this.containers = containers;
    this.accounts = accounts;
    this.enableByDefault = enableByDefault;
    this.accountFlagTtlNanos = accountFlagTtl.toNanos();
  }

  /** The account's metadata after a POST through this node: its flag as of now. */
  public void accountChanged(String account, Map<String, String> metadata) {
    remember(account, Optional.ofNullable(metadata.get(ACCOUNT_FLAG)));
  }

  private void remember(String account, Optional<String> flag) {
    if (accountFlags.size() >= MAX_CACHED_ACCOUNTS) {
      accountFlags.clear();
    }
    accountFlags.put(account, new AccountFlag(flag, System.nanoTime()));
  }

  /** The {@code etag_quoter} section of {@code /info}, as Swift registers it. */
  public void capabilities(ObjectNode root) {
    root.putObject("etag_quoter").put("enable_by_default", enableByDefault);
  }

  /** The flag a container PUT or POST sets or removes, into its metadata {@code changes}. */
  public static void containerChanges(Map<String, String> headers, Map<String, String> changes) {
    flagChange(headers, CONTAINER_FLAG, changes);
  }

  /** The flag an account POST sets or removes, into its metadata {@code changes}. */
  public static void accountChanges(Map<String, String> headers, Map<String, String> changes) {
    flagChange(headers, ACCOUNT_FLAG, changes);
  }

  private static void flagChange(
      Map<String, String> headers, String flag, Map<String, String> changes) {
    String value = headers.get(flag);
    if (value != null) {
      changes.put(flag, value.isEmpty() ? "" : SwiftHeaders.isTrue(value) ? "True" : "False");
    }
    String remove = headers.get("x-remove-" + flag.substring("x-".length()));
    if (remove != null && !remove.isEmpty()) {
      changes.put(flag, "");
    }
  }

  @Override
  public CompletionStage<HttpResponse> handle(SwiftRequest request, Reach reach, Next next) {
    return next.handle(request, reach)
        .thenCompose(
            response -> {
              Optional<HttpHeader> etag = response.getHeader("ETag");
              if (etag.isEmpty() || quoted(etag.get().value())) {
                return CompletableFuture.completedFuture(response);
              }
              return quoting(request)
                  .thenApply(
                      quote ->
                          quote
                              ? response
                                  .removeHeader(etag.get().name())
                                  .addHeader(
                                      RawHeader.create(
                                          etag.get().name(), '"' + etag.get().value() + '"'))
                              : response);
            });
  }

  private static boolean quoted(String etag) {
    return (etag.startsWith("\"") || etag.startsWith("W/\""))
        && etag.endsWith("\"")
        && etag.length() > 1;
  }

  /**
   * The container's flag (from the state the request reads anyway), else the account's (as this
   * node last saw it, for at most account-flag-ttl), else the default.
   */
  private CompletionStage<Boolean> quoting(SwiftRequest request) {
    // A PUT's stages have asked the entity already (InfoCache.forWrite): its answer, no ask more.
    CompletionStage<ContainerState> asked =
        request.http().method().value().equals("PUT")
            ? InfoCache.forWrite(containers, request.http(), request.account(), request.container())
            : InfoCache.read(containers, request.http(), request.account(), request.container());
    return asked
        .handle((state, failure) -> failure == null ? state.metadata().get(CONTAINER_FLAG) : null)
        .thenCompose(
            flag ->
                flag != null
                    ? CompletableFuture.completedFuture(SwiftHeaders.isTrue(flag))
                    : accountFlag(request.account())
                        .thenApply(f -> f.map(SwiftHeaders::isTrue).orElse(enableByDefault)));
  }

  private CompletionStage<Optional<String>> accountFlag(String account) {
    AccountFlag known = accountFlags.get(account);
    if (known != null && System.nanoTime() - known.seenAtNanos() < accountFlagTtlNanos) {
      return CompletableFuture.completedFuture(known.value());
    }
    return accounts
        .summary(account)
        // the account entity may be moving after a node crash: a read does not wait for a
        // cosmetic flag longer than this, the default applies (and is not remembered)
        .toCompletableFuture()
        .orTimeout(ACCOUNT_FLAG_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (summary, failure) -> {
              if (failure != null) {
                return Optional.empty();
              }
              Optional<String> flag = Optional.ofNullable(summary.metadata().get(ACCOUNT_FLAG));
              remember(account, flag);
              return flag;
            });
  }
}
