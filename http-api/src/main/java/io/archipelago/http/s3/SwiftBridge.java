package io.archipelago.http.s3;

import akka.NotUsed;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntity;
import akka.http.javadsl.model.headers.RawHeader;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.auth.TokenCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * S3 handlers act through the Swift API of the same node, as Swift's own s3api middleware does:
 * each S3 operation becomes Swift requests ({@code /v1/<account>/<container>[/<object>]}) on behalf
 * of the signer, who gets a token of its own. The Swift pipeline then applies exactly what it
 * applies to Swift clients: authorization and ACLs, placement, large objects, versioning, audit.
 */
final class SwiftBridge {

  private static final int MAX_SMALL_BODY = 16 * 1024 * 1024;
  private static final int LISTING_PAGE = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<HttpRequest, CompletionStage<HttpResponse>> swift;
  private final TokenCodec tokens;
  private final Materializer materializer;

  SwiftBridge(
      Function<HttpRequest, CompletionStage<HttpResponse>> swift,
      TokenCodec tokens,
      Materializer materializer) {
    this.swift = swift;
    this.tokens = tokens;
    this.materializer = materializer;
  }

  Materializer materializer() {
    return materializer;
  }

  /**
   * A Swift request for the signer of {@code s3}.
   *
   * @param object the object name, or null for a container request (and container null for the
   *     account)
   * @param query an encoded query string, or empty
   */
  CompletionStage<HttpResponse> send(
      S3Request s3,
      HttpMethod method,
      String container,
      String object,
      String query,
      List<HttpHeader> headers,
      RequestEntity entity) {
    return send(s3, method, container, object, query, headers, entity, UnaryOperator.identity());
  }

  /**
   * A Swift request for the signer of {@code s3}, {@code adjust} applied last (to add attributes
   * that only the gateway sets).
   */
  CompletionStage<HttpResponse> send(
      S3Request s3,
      HttpMethod method,
      String container,
      String object,
      String query,
      List<HttpHeader> headers,
      RequestEntity entity,
      UnaryOperator<HttpRequest> adjust) {
    StringBuilder uri = new StringBuilder("/v1/").append(SigV4.uriEncode(s3.account(), false));
    if (container != null) {
      uri.append('/').append(SigV4.uriEncode(container, false));
      if (object != null) {
        uri.append('/').append(SigV4.uriEncode(object, true));
      }
    }
    if (!query.isEmpty()) {
      uri.append('?').append(query);
    }
    List<HttpHeader> all = new ArrayList<>(headers);
    all.add(RawHeader.create("Raw-Request-URI", uri.toString()));
    all.add(RawHeader.create("X-Auth-Token", tokens.issue(s3.principal()).value()));
    s3.http().getHeader("Host").ifPresent(all::add);
    // the entity first: a HEAD or GET must not keep the S3 request's body
    HttpRequest request =
        s3.http()
            .withEntity(HttpEntities.EMPTY)
            .withMethod(method)
            .withUri(uri.toString())
            .withHeaders(all)
            .withEntity(entity);
    return swift.apply(adjust.apply(request));
  }

  CompletionStage<HttpResponse> send(
      S3Request s3, HttpMethod method, String container, String object, String query) {
    return send(s3, method, container, object, query, List.of(), HttpEntities.EMPTY);
  }

  /**
   * The entries of a container listing from {@code marker} on, read page by page as they are pulled
   * (never the whole listing at once); a missing container lists nothing.
   */
  Source<JsonNode, NotUsed> listing(S3Request s3, String container, String prefix, String marker) {
    return Source.unfoldAsync(
            Optional.of(marker),
            next -> {
              if (next.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              String query =
                  "format=json&limit="
                      + LISTING_PAGE
                      + (prefix.isEmpty() ? "" : "&prefix=" + SigV4.uriEncode(prefix, false))
                      + (next.get().isEmpty()
                          ? ""
                          : "&marker=" + SigV4.uriEncode(next.get(), false));
              return send(s3, HttpMethods.GET, container, null, query)
                  .thenCompose(
                      r -> {
                        int status = r.status().intValue();
                        if (status == 404) {
                          discard(r);
                          return CompletableFuture.completedFuture(
                              Optional.of(
                                  Pair.create(Optional.<String>empty(), List.<JsonNode>of())));
                        }
                        if (status >= 300) {
                          discard(r);
                          throw S3Statuses.failure(status, S3Statuses.Target.BUCKET);
                        }
                        return text(r)
                            .thenApply(
                                body -> {
                                  List<JsonNode> page = new ArrayList<>();
                                  try {
                                    JSON.readTree(body).forEach(page::add);
                                  } catch (IOException e) {
                                    throw new IllegalStateException("unreadable Swift listing", e);
                                  }
                                  Optional<String> after =
                                      page.size() < LISTING_PAGE
                                          ? Optional.empty()
                                          : Optional.of(
                                              page.get(page.size() - 1).path("name").asText());
                                  return Optional.of(Pair.create(after, page));
                                });
                      });
            })
        .mapConcat(page -> page);
  }

  /** A small answer body (listings, metadata) read whole. */
  CompletionStage<String> text(HttpResponse response) {
    return response
        .entity()
        .getDataBytes()
        .limitWeighted(MAX_SMALL_BODY, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
        .thenApply(ByteString::utf8String);
  }

  void discard(HttpResponse response) {
    response.discardEntityBytes(materializer);
  }
}
