package io.archipelago.http.swift;

import akka.NotUsed;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.account.AccountSummary;
import io.archipelago.engine.ops.AccountOps;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.etagquoter.EtagQuoter;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /v1/<account>}: HEAD, GET (container listing) and POST (metadata). */
public final class AccountController {

  private final AccountOps accounts;
  private final EtagQuoter etagQuoter;

  public AccountController(AccountOps accounts, EtagQuoter etagQuoter) {
    this.accounts = accounts;
    this.etagQuoter = etagQuoter;
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    var method = request.http().method();
    if (method.equals(HttpMethods.HEAD)) {
      return accounts
          .summary(request.account())
          .thenApply(
              s ->
                  Responses.empty(
                          StatusCodes.NO_CONTENT,
                          headers(s),
                          ListingFormat.of(request).contentType())
                      .addHeaders(ListingFormat.vary(request)));
    }
    if (method.equals(HttpMethods.GET)) {
      return list(request);
    }
    if (method.equals(HttpMethods.POST)) {
      Constraints.checkMetadata(request.headers(), "account");
      var changes = SwiftHeaders.accountMetadataChanges(request.headers());
      EtagQuoter.accountChanges(request.headers(), changes);
      return accounts
          .summary(request.account())
          .thenCompose(
              current -> {
                var merged = new HashMap<>(current.metadata());
                changes.forEach(
                    (k, v) -> {
                      if (v.isEmpty()) {
                        merged.remove(k);
                      } else {
                        merged.put(k, v);
                      }
                    });
                Constraints.checkResultingMetadata(merged, "account");
                return accounts.updateMetadata(
                    request.account(), changes, SwiftTimestamp.now(), request.context());
              })
          .thenApply(
              s -> {
                etagQuoter.accountChanged(request.account(), s.metadata());
                return Responses.empty(StatusCodes.NO_CONTENT, headers(s));
              });
    }
    return CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
  }

  /**
   * The listing from the account entity's first page; when the entity had more rows than one page
   * may carry, the rest is asked for page by page while the body streams to the client.
   */
  private CompletionStage<HttpResponse> list(SwiftRequest request) {
    ListingParams p = ListingParams.of(request);
    ListingFormat format = ListingFormat.of(request);
    String account = request.account();
    return accounts
        .list(account, p.prefix(), p.delimiter(), p.marker(), p.endMarker(), p.limit(), p.reverse())
        .thenApply(
            first -> {
              var headers = new ArrayList<>(headers(first.summary()));
              headers.addAll(ListingFormat.vary(request));
              if (first.rows().isEmpty() && format == ListingFormat.PLAIN) {
                return Responses.empty(StatusCodes.NO_CONTENT, headers, format.contentType());
              }
              if (!first.partial()) {
                return HttpResponse.create()
                    .withStatus(StatusCodes.OK)
                    .withEntity(
                        HttpEntities.create(
                            format.contentType(),
                            ByteString.fromString(
                                ListingRenderer.containers(account, first, format))))
                    .addHeaders(headers);
              }
              String after = first.rows().get(first.rows().size() - 1).key();
              Source<ByteString, NotUsed> rest =
                  accounts
                      .pages(
                          account,
                          p.prefix(),
                          p.delimiter(),
                          Optional.of(after),
                          p.endMarker(),
                          p.limit() - first.rows().size(),
                          p.reverse())
                      .map(
                          page ->
                              ByteString.fromString(
                                  ListingRenderer.containerRows(page, format, false)));
              Source<ByteString, NotUsed> body =
                  Source.single(
                          ByteString.fromString(
                              ListingRenderer.containersOpening(account, format)
                                  + ListingRenderer.containerRows(first, format, true)))
                      .concat(rest)
                      .concat(
                          Source.single(
                              ByteString.fromString(ListingRenderer.containersClosing(format))));
              return HttpResponse.create()
                  .withStatus(StatusCodes.OK)
                  .withEntity(HttpEntities.createChunked(format.contentType(), body))
                  .addHeaders(headers);
            });
  }

  private static List<HttpHeader> headers(AccountSummary s) {
    var h =
        Responses.headers()
            .add("X-Account-Container-Count", s.containerCount())
            .add("X-Account-Object-Count", s.objectCount())
            .add("X-Account-Bytes-Used", s.bytesUsed())
            .add("X-Timestamp", s.createdAt().internal())
            .add("X-Put-Timestamp", s.createdAt().internal())
            .add("Accept-Ranges", "bytes")
            .addAll(SwiftHeaders.render(s.metadata()));
    s.containersPerPolicy()
        .forEach(
            (policy, count) -> {
              String prefix = "X-Account-Storage-Policy-" + SwiftHeaders.titleCase(policy);
              h.add(prefix + "-Container-Count", count);
              h.add(prefix + "-Object-Count", s.objectsPerPolicy().getOrDefault(policy, 0L));
              h.add(prefix + "-Bytes-Used", s.bytesPerPolicy().getOrDefault(policy, 0L));
            });
    return h.list();
  }
}
