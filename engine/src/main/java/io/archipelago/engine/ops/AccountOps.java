package io.archipelago.engine.ops;

import akka.NotUsed;
import akka.japi.Pair;
import akka.stream.javadsl.Source;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.AccountSummary;
import io.archipelago.engine.account.ContainerPage;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Account operations: totals, the unified container listing, metadata. */
public final class AccountOps {

  private final EngineContext ctx;

  public AccountOps(EngineContext ctx) {
    this.ctx = ctx;
  }

  public CompletionStage<AccountSummary> summary(String account) {
    return ctx.askAccount(account, AccountEntity.GetSummary::new);
  }

  /**
   * The listing as the pages the account entity answers, asked for one after the other (the next
   * when the stream pulls it) until {@code limit} rows or the end: each page is a bounded message,
   * however long the listing. The first page carries the summary the response's headers show; a
   * listing that fits one page is one page.
   */
  public Source<ContainerPage, NotUsed> pages(
      String account,
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse) {
    record Next(Optional<String> marker, int remaining) {}
    return Source.unfoldAsync(
        Optional.of(new Next(marker, limit)),
        next -> {
          if (next.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
          }
          Next n = next.get();
          return list(account, prefix, delimiter, n.marker(), endMarker, n.remaining(), reverse)
              .thenApply(
                  page -> {
                    int remaining = n.remaining() - page.rows().size();
                    Optional<Next> following =
                        page.partial() && remaining > 0
                            ? Optional.of(
                                new Next(
                                    Optional.of(page.rows().get(page.rows().size() - 1).key()),
                                    remaining))
                            : Optional.empty();
                    return Optional.of(Pair.create(following, page));
                  });
        });
  }

  /**
   * One page of the listing: up to {@code limit} rows, fewer when {@link ContainerPage#partial()}.
   */
  public CompletionStage<ContainerPage> list(
      String account,
      Optional<String> prefix,
      Optional<String> delimiter,
      Optional<String> marker,
      Optional<String> endMarker,
      int limit,
      boolean reverse) {
    return ctx.askAccount(
        account,
        replyTo ->
            new AccountEntity.ListContainers(
                prefix, delimiter, marker, endMarker, limit, reverse, replyTo));
  }

  public CompletionStage<AccountSummary> updateMetadata(
      String account,
      Map<String, String> changes,
      SwiftTimestamp timestamp,
      RequestContext request) {
    return ctx.askAccount(
        account,
        replyTo -> new AccountEntity.UpdateMetadata(changes, timestamp, request.audit(), replyTo));
  }
}
