package io.archipelago.http.s3;

import akka.NotUsed;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.RequestEntity;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The body of an S3 upload as the Swift side stores it: aws-chunked bodies decoded (chunk
 * signatures and trailing checksums checked), a signed payload hash compared at the end, never more
 * than a chunk header held. A check that fails fails the stream, so the write stores nothing;
 * {@link #failure()} then says why, in S3's words.
 */
final class S3Body {

  private final RequestEntity entity;
  private final Supplier<Optional<S3Exception>> failure;

  private S3Body(RequestEntity entity, Supplier<Optional<S3Exception>> failure) {
    this.entity = entity;
    this.failure = failure;
  }

  RequestEntity entity() {
    return entity;
  }

  Optional<S3Exception> failure() {
    return failure.get();
  }

  static S3Body of(
      HttpRequest request, Map<String, String> headers, S3Authenticator.Authenticated auth) {
    var original = request.entity();
    var contentType = original.getContentType();
    String payload = auth.payloadHash();
    if (payload.startsWith("STREAMING-")) {
      boolean signed =
          payload.equals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
              || payload.equals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
      boolean unsigned = payload.equals("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
      if (!signed && !unsigned) {
        throw new S3Exception(
            S3ErrorCode.INVALID_ARGUMENT,
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.");
      }
      if (signed && auth.chunkSigning().isEmpty()) {
        throw new S3Exception(
            S3ErrorCode.INVALID_REQUEST,
            "A streaming signed payload needs an Authorization header");
      }
      String decoded = headers.get("x-amz-decoded-content-length");
      long length;
      try {
        length = decoded == null ? -1 : Long.parseLong(decoded.strip());
      } catch (NumberFormatException e) {
        throw new S3Exception(
            S3ErrorCode.INVALID_ARGUMENT, "x-amz-decoded-content-length is not a number");
      }
      if (length < 0) {
        throw new S3Exception(S3ErrorCode.MISSING_CONTENT_LENGTH);
      }
      AwsChunked chunked =
          new AwsChunked(
              signed ? auth.chunkSigning() : Optional.empty(),
              Optional.ofNullable(headers.get("x-amz-trailer")),
              length);
      Source<ByteString, ?> body = original.getDataBytes().via(chunked.flow());
      // Akka has no streamed entity of length 0: an empty body still streams, to be checked
      RequestEntity decodedEntity =
          length > 0
              ? HttpEntities.create(contentType, length, body)
              : HttpEntities.createChunked(contentType, body);
      return new S3Body(decodedEntity, chunked::failure);
    }
    OptionalLong length = original.getContentLengthOption();
    if (payload.equals(SigV4.UNSIGNED_PAYLOAD) || auth.key().isEmpty()) {
      return new S3Body(original, Optional::empty);
    }
    if (!payload.matches("[0-9a-fA-F]{64}")) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
              + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.");
    }
    if (length.isPresent() && length.getAsLong() == 0) {
      if (!payload.equalsIgnoreCase(SigV4.EMPTY_SHA256)) {
        throw new S3Exception(S3ErrorCode.CONTENT_SHA256_MISMATCH);
      }
      return new S3Body(original, Optional::empty);
    }
    AtomicReference<S3Exception> mismatch = new AtomicReference<>();
    Source<ByteString, ?> body = original.getDataBytes().via(sha256Check(payload, mismatch));
    RequestEntity checked =
        length.isPresent()
            ? HttpEntities.create(contentType, length.getAsLong(), body)
            : HttpEntities.createChunked(contentType, body);
    return new S3Body(checked, () -> Optional.ofNullable(mismatch.get()));
  }

  /** Passes the bytes on and fails at the end when their SHA-256 is not the signed one. */
  private static Flow<ByteString, ByteString, NotUsed> sha256Check(
      String expectedHex, AtomicReference<S3Exception> mismatch) {
    MessageDigest digest = SigV4.sha256();
    return Flow.<ByteString>create()
        .map(
            bytes -> {
              digest.update(bytes.toArrayUnsafe());
              return bytes;
            })
        .concatLazy(
            Source.lazySource(
                    () -> {
                      if (!SigV4.hex(digest.digest()).equalsIgnoreCase(expectedHex)) {
                        S3Exception e = new S3Exception(S3ErrorCode.CONTENT_SHA256_MISMATCH);
                        mismatch.set(e);
                        throw e;
                      }
                      return Source.<ByteString>empty();
                    })
                .mapMaterializedValue(m -> NotUsed.getInstance()));
  }
}
