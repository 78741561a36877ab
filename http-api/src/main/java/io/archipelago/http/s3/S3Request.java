package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpRequest;
import io.archipelago.http.protocol.Principal;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One authenticated S3 request, path style ({@code /<bucket>/<key>}): the bucket and key decoded,
 * the query decoded, headers by lower-case name, who signed it and the request id.
 */
record S3Request(
    HttpRequest http,
    String rawPath,
    Optional<String> bucket,
    Optional<String> key,
    Map<String, String> query,
    Map<String, String> headers,
    S3Authenticator.Authenticated auth,
    Principal principal,
    String requestId) {

  String method() {
    return http.method().value();
  }

  String account() {
    return principal.account();
  }

  String bucketName() {
    return bucket.orElseThrow();
  }

  String keyName() {
    return key.orElseThrow();
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  Optional<String> param(String name) {
    return Optional.ofNullable(query.get(name));
  }
}
