package io.archipelago.engine.store.s3;

import akka.Done;
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
import io.archipelago.engine.store.remote.StoredMetadata;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * One object upload of an {@link S3ObjectStore}: a PutObject from memory for known lengths up
 * to {@link S3ObjectStore#RESENDABLE_SIZE}, a streamed one up to the multipart threshold;
 * otherwise parts cut from the stream (a part is buffered while the
 * previous one uploads) and, if more than one part arrives, a multipart upload that is aborted
 * on any failure and, once complete, gets the MD5 recorded by a copy onto itself.
 */
final class S3Upload {

  private final S3ObjectStore store;
  private final String bucket;
  private final String key;
  private final String name;
  private final ObjectAttributes attributes;
  private final Source<ByteString, ?> counted;
  private final MessageDigest md5 = Etags.newMd5();
  private final AtomicLong received = new AtomicLong();
  private final AtomicReference<Throwable> bodyFailure = new AtomicReference<>();

  S3Upload(S3ObjectStore store, String bucket, String key, String name, ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    this.store = store;
    this.bucket = bucket;
    this.key = key;
    this.name = name;
    this.attributes = attributes;
    OptionalLong expected = attributes.expectedLength();
    this.counted = body
        .map(chunk -> {
          long total = received.addAndGet(chunk.size());
          if (expected.isPresent() && total > expected.getAsLong()) {
            throw new ObjectStoreException.LengthMismatch(expected.getAsLong(), total);
          }
          for (ByteBuffer b : chunk.getByteBuffers()) {
            md5.update(b);
          }
          return chunk;
        })
        .mapError(Throwable.class, e -> {
          bodyFailure.compareAndSet(null, e);
          return e;
        });
  }

  CompletionStage<ObjectInfo> run() {
    OptionalLong expected = attributes.expectedLength();
    if (expected.isPresent() && expected.getAsLong() <= S3ObjectStore.RESENDABLE_SIZE) {
      // Small bodies are read whole first: checked before anything is sent, and sent again
      // when the connection is lost before the answer.
      return counted.runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), store.materializer())
          .handle((data, e) -> {
            checkBody(e);
            return data;
          })
          .thenCompose(data -> {
            String computed = checkLengthAndEtag();
            return putSingle(data.isEmpty() ? AsyncRequestBody.empty() : body(data), data.size(), Optional.of(computed));
          });
    }
    if (expected.isPresent() && expected.getAsLong() <= store.settings().multipartThreshold()) {
      return putSingle(AsyncRequestBody.fromPublisher(S3ObjectStore.publisher(counted, store.materializer())),
          expected.getAsLong(), Optional.empty());
    }
    int partSize = (int) store.settings().partSize();
    return counted.via(rechunk(partSize))
        .prefixAndTail(2)
        .runWith(Sink.head(), store.materializer())
        .handle((parts, e) -> {
          checkBody(e);
          return parts;
        })
        .thenCompose(parts -> {
          if (parts.first().size() < 2) {
            parts.second().runWith(Sink.ignore(), store.materializer());
            ByteString data = parts.first().isEmpty() ? ByteString.emptyByteString() : parts.first().get(0);
            String computed = checkLengthAndEtag();
            return putSingle(data.isEmpty() ? AsyncRequestBody.empty() : body(data), data.size(), Optional.of(computed));
          }
          return multipart(Source.from(parts.first()).concat(parts.second()));
        });
  }

  /**
   * @param checked the MD5 of a body already read whole and checked (its request can be sent
   *     again); empty for a body that streams while it is sent
   */
  private CompletionStage<ObjectInfo> putSingle(AsyncRequestBody requestBody, long length, Optional<String> checked) {
    StoredMetadata.Encoded encoded = store.encode(attributes.metadata(), attributes.contentType(), attributes.timestamp(), Optional.empty());
    PutObjectRequest request = PutObjectRequest.builder()
        .bucket(bucket).key(key)
        .contentLength(length)
        .contentType(store.wireContentType(attributes.contentType()))
        .metadata(encoded.userMeta())
        .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
        .contentDisposition(encoded.nativeHeaders().get("content-disposition"))
        .contentMD5(attributes.expectedEtag().map(S3ObjectStore::base64).orElse(null))
        .build();
    CompletableFuture<PutObjectResponse> sent = checked.isPresent()
        ? store.s3Resendable(() -> store.client().putObject(request, requestBody))
        : store.s3(() -> store.client().putObject(request, requestBody));
    return sent
        .handle((response, e) -> {
          checkBody(e);
          if (e != null) {
            // A server that refuses Content-MD5 may close the connection instead of answering
            // BadDigest: when the whole body went out and its MD5 is not the announced one, that
            // is what happened, whatever the failure looks like.
            OptionalLong expected = attributes.expectedLength();
            if (attributes.expectedEtag().isPresent() && expected.isPresent()
                && received.get() == expected.getAsLong()) {
              String computed = HexFormat.of().formatHex(md5.digest());
              if (!attributes.expectedEtag().get().equalsIgnoreCase(computed)) {
                throw new ObjectStoreException.EtagMismatch(attributes.expectedEtag().get(), computed);
              }
            }
            throw store.failure("put", e);
          }
          String computed = checked.isPresent() ? checked.get() : checkLengthAndEtag();
          String etag = Etags.bare(response.eTag());
          if (etag.matches("[0-9a-fA-F]{32}") && !etag.equalsIgnoreCase(computed)) {
            throw new ObjectStoreException.BackendUnavailable(store.id(),
                "stored ETag " + etag + " differs from the MD5 of the bytes sent " + computed, null);
          }
          return stored(computed);
        });
  }

  private CompletionStage<ObjectInfo> multipart(Source<ByteString, NotUsed> parts) {
    StoredMetadata.Encoded encoded = store.encode(attributes.metadata(), attributes.contentType(), attributes.timestamp(), Optional.empty());
    CompletableFuture<CreateMultipartUploadResponse> created = store.s3(() -> store.client().createMultipartUpload(b -> b
        .bucket(bucket).key(key)
        .contentType(store.wireContentType(attributes.contentType()))
        .metadata(encoded.userMeta())
        .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
        .contentDisposition(encoded.nativeHeaders().get("content-disposition"))));
    CompletionStage<List<CompletedPart>> uploaded = parts
        .zipWithIndex()
        .mapAsync(1, part -> created.thenCompose(upload -> {
          int number = (int) (part.second() + 1);
          ByteString data = part.first();
          return store.s3Resendable(() -> store.client().uploadPart(b -> b.bucket(bucket).key(key)
                  .uploadId(upload.uploadId()).partNumber(number).contentLength((long) data.size()), body(data)))
              .thenApply(r -> CompletedPart.builder().partNumber(number).eTag(r.eTag()).build());
        }))
        .runWith(Sink.seq(), store.materializer());
    return uploaded
        .handle((completed, e) -> {
          checkBody(e);
          if (e != null) {
            throw store.failure("put", e);
          }
          String computed = checkLengthAndEtag();
          return Pair.create(completed, computed);
        })
        .thenCompose(done -> created.thenCompose(upload -> store.s3(() -> store.client().completeMultipartUpload(b -> b
                .bucket(bucket).key(key).uploadId(upload.uploadId())
                .multipartUpload(m -> m.parts(done.first()))))
            .thenCompose(r -> {
              ObjectInfo stored = stored(done.second());
              return store.copyInPlace(bucket, key, stored).thenApply(copied -> stored);
            })))
        .whenComplete((info, e) -> {
          if (e != null) {
            created.thenAccept(upload -> store.client().abortMultipartUpload(b -> b
                .bucket(bucket).key(key).uploadId(upload.uploadId())));
          }
        })
        .exceptionallyCompose(e -> CompletableFuture.failedStage(
            bodyFailure.get() != null ? bodyFailure.get() : store.failure("put", e)));
  }

  /** Fails with the client's own failure when its body stream failed. */
  private Done checkBody(Throwable e) {
    Throwable failure = bodyFailure.get();
    if (failure != null) {
      throw new CompletionException(failure);
    }
    if (e != null && S3ObjectStore.unwrap(e) instanceof ObjectStoreException o) {
      throw o;
    }
    return Done.getInstance();
  }

  /** The MD5 of what was received, after checking it against what the client announced. */
  private String checkLengthAndEtag() {
    OptionalLong expected = attributes.expectedLength();
    if (expected.isPresent() && expected.getAsLong() != received.get()) {
      throw new ObjectStoreException.LengthMismatch(expected.getAsLong(), received.get());
    }
    String computed = HexFormat.of().formatHex(md5.digest());
    Optional<String> etag = attributes.expectedEtag();
    if (etag.isPresent() && !etag.get().equalsIgnoreCase(computed)) {
      throw new ObjectStoreException.EtagMismatch(etag.get(), computed);
    }
    return computed;
  }

  private ObjectInfo stored(String etag) {
    return new ObjectInfo(name, received.get(), etag, attributes.contentType(), attributes.timestamp(),
        attributes.metadata());
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
        .statefulMapConcat(() -> {
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
