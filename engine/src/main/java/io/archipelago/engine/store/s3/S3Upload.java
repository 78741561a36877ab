package io.archipelago.engine.store.s3;

import akka.NotUsed;
import akka.japi.Pair;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.UploadGuard;
import io.archipelago.engine.store.WholeBody;
import io.archipelago.engine.store.remote.StoredMetadata;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * One object upload of an {@link S3ObjectStore}, of a body behind its {@link UploadGuard} (which
 * counts, checks and digests it): a PutObject from memory for known lengths up to {@link
 * S3ObjectStore#RESENDABLE_SIZE}, a streamed one (on a connection of its own) up to the multipart
 * threshold; otherwise parts cut from the stream (a part is buffered while the previous one
 * uploads) and, if more than one part arrives, a multipart upload that is aborted on any failure
 * and, once complete, gets the MD5 recorded by a copy onto itself.
 */
final class S3Upload {

  private final S3ObjectStore store;
  private final String bucket;
  private final String key;
  private final String name;
  private final ObjectAttributes attributes;
  private final UploadGuard guard;

  S3Upload(
      S3ObjectStore store,
      String bucket,
      String key,
      String name,
      ObjectAttributes attributes,
      UploadGuard guard) {
    this.store = store;
    this.bucket = bucket;
    this.key = key;
    this.name = name;
    this.attributes = attributes;
    this.guard = guard;
  }

  CompletionStage<ObjectInfo> run() {
    OptionalLong expected = attributes.expectedLength();
    if (expected.isPresent() && expected.getAsLong() <= S3ObjectStore.RESENDABLE_SIZE) {
      // Small bodies are read whole first: checked before anything is sent, and sent again
      // when the connection is lost before the answer.
      return WholeBody.read(guard, store.materializer())
          .thenCompose(
              whole ->
                  putSingle(single(whole.data()), whole.data().size(), Optional.of(whole.md5())));
    }
    if (expected.isPresent() && expected.getAsLong() <= store.settings().multipartThreshold()) {
      return putSingle(
          AsyncRequestBody.fromPublisher(
              S3ObjectStore.publisher(guard.body(), store.materializer())),
          expected.getAsLong(),
          Optional.empty());
    }
    int partSize = (int) store.settings().partSize();
    return guard
        .body()
        .via(rechunk(partSize))
        .prefixAndTail(2)
        .runWith(Sink.head(), store.materializer())
        .thenCompose(
            parts -> {
              if (parts.first().size() < 2) {
                parts.second().runWith(Sink.ignore(), store.materializer());
                ByteString data =
                    parts.first().isEmpty() ? ByteString.emptyByteString() : parts.first().get(0);
                return guard
                    .verified()
                    .thenCompose(verified -> putSingle(single(data), data.size(), verified.md5()));
              }
              return multipart(Source.from(parts.first()).concat(parts.second()));
            });
  }

  /**
   * @param checked the MD5 of a body already read whole and checked (its request can be sent
   *     again); empty for a body that streams while it is sent
   */
  private CompletionStage<ObjectInfo> putSingle(
      AsyncRequestBody requestBody, long length, Optional<String> checked) {
    StoredMetadata.Encoded encoded =
        store.encode(
            attributes.metadata(),
            attributes.contentType(),
            attributes.timestamp(),
            Optional.empty());
    PutObjectRequest request =
        PutObjectRequest.builder()
            .bucket(bucket)
            .key(key)
            .contentLength(length)
            .contentType(store.wireContentType(attributes.contentType()))
            .metadata(encoded.userMeta())
            .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
            .contentDisposition(encoded.nativeHeaders().get("content-disposition"))
            .contentMD5(
                attributes.expectedEtag().map(Etags::bare).map(S3ObjectStore::base64).orElse(null))
            .build();
    // A body that streams goes out once, so never on a pooled connection the server may have
    // closed: on a new one (see S3ObjectStore#oneShotClient).
    CompletableFuture<PutObjectResponse> sent =
        checked.isPresent()
            ? store.s3Resendable(() -> store.client().putObject(request, requestBody))
            : store.s3(() -> store.oneShotClient().putObject(request, requestBody));
    // A body that broke its announced length or ETag never went out whole (the guard holds its
    // last chunk back), whatever the server answered: the write fails with the body's failure.
    return sent.exceptionallyCompose(
            e -> CompletableFuture.failedStage(store.failure("put", e, key)))
        .thenCompose(
            response ->
                guard
                    .verified()
                    .thenApply(
                        verified -> {
                          String computed = verified.md5().orElseThrow();
                          String etag = Etags.bare(response.eTag());
                          if (etag.matches("[0-9a-fA-F]{32}") && !etag.equalsIgnoreCase(computed)) {
                            throw new ObjectStoreException.BackendUnavailable(
                                store.id(),
                                "stored ETag "
                                    + etag
                                    + " differs from the MD5 of the bytes sent "
                                    + computed,
                                null,
                                false);
                          }
                          return stored(verified);
                        }));
  }

  private CompletionStage<ObjectInfo> multipart(Source<ByteString, NotUsed> parts) {
    StoredMetadata.Encoded encoded =
        store.encode(
            attributes.metadata(),
            attributes.contentType(),
            attributes.timestamp(),
            Optional.empty());
    CompletableFuture<CreateMultipartUploadResponse> created =
        store.s3(
            () ->
                store
                    .client()
                    .createMultipartUpload(
                        b ->
                            b.bucket(bucket)
                                .key(key)
                                .contentType(store.wireContentType(attributes.contentType()))
                                .metadata(encoded.userMeta())
                                .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
                                .contentDisposition(
                                    encoded.nativeHeaders().get("content-disposition"))));
    // The part upload in flight: a stream that fails does not wait for it, the abort must.
    AtomicReference<CompletableFuture<CompletedPart>> lastPart =
        new AtomicReference<>(CompletableFuture.completedFuture(null));
    CompletionStage<List<CompletedPart>> uploaded =
        parts
            .zipWithIndex()
            .mapAsync(
                1,
                part -> {
                  CompletableFuture<CompletedPart> sent =
                      created.thenCompose(
                          upload -> {
                            int number = (int) (part.second() + 1);
                            ByteString data = part.first();
                            return store
                                .s3Resendable(
                                    () ->
                                        store
                                            .client()
                                            .uploadPart(
                                                b ->
                                                    b.bucket(bucket)
                                                        .key(key)
                                                        .uploadId(upload.uploadId())
                                                        .partNumber(number)
                                                        .contentLength((long) data.size()),
                                                body(data)))
                                .thenApply(
                                    r ->
                                        CompletedPart.builder()
                                            .partNumber(number)
                                            .eTag(r.eTag())
                                            .build());
                          });
                  lastPart.set(sent);
                  return sent;
                })
            .runWith(Sink.seq(), store.materializer());
    return uploaded
        .thenCombine(guard.verified(), Pair::create)
        .thenCompose(
            done ->
                created.thenCompose(
                    upload ->
                        store
                            .s3(
                                () ->
                                    store
                                        .client()
                                        .completeMultipartUpload(
                                            b ->
                                                b.bucket(bucket)
                                                    .key(key)
                                                    .uploadId(upload.uploadId())
                                                    .multipartUpload(m -> m.parts(done.first()))))
                            .thenCompose(
                                r -> {
                                  ObjectInfo stored = stored(done.second());
                                  return store
                                      .copyInPlace(bucket, key, stored)
                                      .thenApply(copied -> stored);
                                })))
        .handle(
            (stored, e) ->
                e == null
                    ? CompletableFuture.completedFuture(stored)
                    : abort(created, lastPart.get())
                        .<ObjectInfo>thenCompose(
                            aborted ->
                                CompletableFuture.failedFuture(store.failure("put", e, key))))
        .thenCompose(result -> result);
  }

  /**
   * Aborts a failed multipart upload once its last part upload has ended, so that a failed put
   * leaves no upload behind when it answers (an abort that fails is left to the bucket's lifecycle
   * rules and does not change the put's answer).
   */
  private CompletableFuture<Void> abort(
      CompletableFuture<CreateMultipartUploadResponse> created,
      CompletableFuture<CompletedPart> lastPart) {
    return lastPart
        .handle((part, e) -> null)
        .thenCompose(ended -> created)
        .thenCompose(
            upload ->
                store.s3(
                    () ->
                        store
                            .client()
                            .abortMultipartUpload(
                                b -> b.bucket(bucket).key(key).uploadId(upload.uploadId()))))
        .handle((aborted, e) -> null);
  }

  private ObjectInfo stored(UploadGuard.Verified verified) {
    return new ObjectInfo(
        name,
        verified.size(),
        verified.md5().orElseThrow(),
        attributes.contentType(),
        attributes.timestamp(),
        attributes.metadata());
  }

  private static AsyncRequestBody single(ByteString data) {
    return data.isEmpty() ? AsyncRequestBody.empty() : body(data);
  }

  private static AsyncRequestBody body(ByteString data) {
    List<ByteBuffer> buffers = new ArrayList<>();
    data.getByteBuffers().forEach(buffers::add);
    return AsyncRequestBody.fromByteBuffersUnsafe(buffers.toArray(new ByteBuffer[0]));
  }

  /** Cuts a byte stream into chunks of exactly {@code size} bytes, the last one shorter. */
  static Flow<ByteString, ByteString, NotUsed> rechunk(int size) {
    return Flow.<ByteString>create()
        .map(Optional::of)
        .concat(Source.single(Optional.<ByteString>empty()))
        .statefulMapConcat(
            () -> {
              ByteString[] buffer = {ByteString.emptyByteString()};
              return chunk -> {
                List<ByteString> out = new ArrayList<>();
                if (chunk.isEmpty()) {
                  if (!buffer[0].isEmpty()) {
                    out.add(buffer[0].compact());
                  }
                  return out;
                }
                buffer[0] = buffer[0].concat(chunk.get());
                while (buffer[0].size() >= size) {
                  out.add(buffer[0].take(size).compact());
                  buffer[0] = buffer[0].drop(size);
                }
                return out;
              };
            });
  }
}
