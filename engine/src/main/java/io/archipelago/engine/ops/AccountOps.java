package io.archipelago.engine.ops;

import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.AccountSummary;
import io.archipelago.engine.account.ContainerPage;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Account operations: totals, the unified container listing, metadata. */
public final class AccountOps {

  private final EngineContext ctx;

  public AccountOps(EngineContext ctx) {
    this.ctx = ctx;
  }

  public CompletionStage<AccountSummary> summary(String account) {
    return ctx.askAccount(account,
                AccountEntity.GetSummary::new);
  }

  public CompletionStage<ContainerPage> list(
      String account,
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse) {
    return ctx.askAccount(account,
                replyTo -> new AccountEntity.ListContainers(
                prefix, delimiter, marker, endMarker, limit, reverse, replyTo));
  }

  public CompletionStage<AccountSummary> updateMetadata(
      String account, Map<String, String> changes, SwiftTimestamp timestamp, RequestContext request) {
    return ctx.askAccount(account,
                replyTo -> new AccountEntity.UpdateMetadata(changes, timestamp, request.audit(), replyTo));
  }
}
