package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntity;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.Materializer;
import akka.util.ByteString;
import io.archipelago.http.auth.TokenCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * S3 handlers act through the Swift API of the same node, as Swift's own s3api middleware does:
 * each S3 operation becomes Swift requests ({@code /v1/<account>/<container>[/<object>]}) on behalf
 * of the signer, who gets a token of its own. The Swift pipeline then applies exactly what it
 * applies to Swift clients: authorization and ACLs, placement, large objects, versioning, audit.
 */
final class SwiftBridge {

  private static final int MAX_SMALL_BODY = 16 * 1024 * 1024;

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
    return swift.apply(request);
  }

  CompletionStage<HttpResponse> send(
      S3Request s3, HttpMethod method, String container, String object, String query) {
    return send(s3, method, container, object, query, List.of(), HttpEntities.EMPTY);
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
