package io.archipelago.engine.store.s3;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.AsPublisher;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.UploadGuard;
import io.archipelago.engine.store.WholeBody;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.store.remote.GuardedObjectStore;
import io.archipelago.engine.store.remote.RemoteObjectStore;
import io.archipelago.engine.store.remote.StoredMetadata;
import io.archipelago.engine.store.remote.StreamSlice;
import io.archipelago.engine.store.remote.TrustStores;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.xml.stream.XMLStreamException;
import org.reactivestreams.Publisher;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.ResponsePublisher;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} on an S3 service (AWS, or any S3-compatible server), through the AWS SDK
 * v2 asynchronous client on Netty.
 *
 * <ul>
 *   <li>Layout: containers are key prefixes of one bucket or buckets of their own ({@link
 *       S3Layout}).
 *   <li>Bodies stream: a PUT of an object of known length up to {@code multipart-threshold} is one
 *       PutObject whose body is the client's stream (a Reactive Streams publisher); a larger or
 *       unknown-length object is a multipart upload whose parts are cut from the stream as it
 *       arrives (at most about three parts in memory), and a GET hands the SDK's response publisher
 *       to the caller as an Akka source.
 *   <li>ETags: the client always sees the MD5 of the object. A single PutObject's S3 ETag is that
 *       MD5; for a multipart object the driver computes the MD5 while streaming and records it as
 *       {@code x-amz-meta-archipelago-md5} (S3 fixes metadata when an upload starts, so the
 *       completed object is copied onto itself with the MD5 added).
 *   <li>Metadata: {@code X-Object-Meta-<k>} is {@code x-amz-meta-<k>}, content type, encoding and
 *       disposition are S3's own; see {@link StoredMetadata} for the rest. Values that are not
 *       printable ASCII are stored RFC 2047-encoded ({@code =?UTF-8?B?...?=}). More than {@value
 *       #MAX_SEPARATE_ENTRIES} entries are kept as one JSON entry; metadata above S3's 2 KB is
 *       refused (400) before anything is stored, never dropped.
 *   <li>Listings: ListObjectsV2 with prefix, delimiter and start-after; end_marker, reverse and the
 *       Swift details of delimiter rows are done here. S3 listings carry no content type, so each
 *       listed object is HEADed (with {@code listing-concurrency} in flight).
 *   <li>Errors: connection failures, time-outs, 5xx and refused credentials are {@link
 *       ObjectStoreException.BackendUnavailable} (only the first two and 502/503/504 count against
 *       the backend's health); NoSuchKey is "not found"; BadDigest is {@link
 *       ObjectStoreException.EtagMismatch}; BucketNotEmpty is {@link
 *       ObjectStoreException.ContainerNotEmpty}. The SDK never retries (a streamed body cannot be
 *       sent twice); {@link GuardedObjectStore} retries reads.
 *   <li>Connections: requests share a pool of keep-alive connections, and one whose connection the
 *       server had closed is sent again when its body is held in memory ({@link #s3Resendable}); a
 *       body that streams goes out on a new connection of its own ({@link #oneShot}), never on a
 *       pooled one.
 * </ul>
 */
public final class S3ObjectStore implements RemoteObjectStore {

  static final String FACT_MD5 = "md5";
  static final String FACT_TIMESTAMP = "timestamp";
  static final String FACT_CONTENT_TYPE = "content-type";

  /**
   * S3's limit on an object's user metadata: the UTF-8 bytes of its {@code x-amz-meta-*} names and
   * values. Metadata above it is refused before anything is stored (AWS would refuse it too).
   */
  static final int MAX_USER_METADATA_BYTES = 2048;

  /**
   * Above this many entries an object's user metadata is kept as one JSON entry ({@value #PACKED}):
   * some S3 servers keep each entry with a fixed cost (S3Proxy's filesystem provider: one extended
   * attribute each, in an inode's 4 KB of attribute space) and silently drop what does not fit.
   */
  static final int MAX_SEPARATE_ENTRIES = 16;

  static final String PACKED = StoredMetadata.RESERVED + "packed";

  /** An MD5 in hex, as long as the one a multipart object's metadata gets once it is complete. */
  private static final String MD5_SIZED = "0".repeat(32);

  private static final JsonMapper PACKED_JSON =
      JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  /** S3's largest single copy. */
  private static final long MAX_COPY = 5L * 1024 * 1024 * 1024;

  private static final int S3_LIST_MAX = 1000;

  /** The longest file name of common filesystems, in bytes. */
  private static final int MAX_FILE_NAME_BYTES = 255;

  /**
   * Known-length objects up to this size are read whole before they are sent (see {@link
   * #s3Resendable}).
   */
  static final long RESENDABLE_SIZE = WholeBody.MAX_SIZE;

  private final String backendId;
  private final S3Settings settings;
  private final S3Layout layout;
  private final S3AsyncClient s3;

  /**
   * Sends each request on a new connection, closed after it: for bodies that stream and so cannot
   * be sent again. A pooled keep-alive connection may be one the server has closed, or closes as
   * the request goes out (S3Proxy's Jetty closes one after refusing a request whose body it did not
   * read, and after 30 s idle, without saying so in its answer); a request on it is lost.
   */
  private final S3AsyncClient oneShot;

  /** How long a pooled connection may stay idle before the client closes it. */
  static final Duration POOLED_IDLE = Duration.ofSeconds(20);

  private final Materializer materializer;
  private final long configuredCapacity;
  private final Map<String, CompletableFuture<Done>> buckets = new ConcurrentHashMap<>();
  private final AtomicLong usedSinceStart = new AtomicLong();
  private volatile CompletableFuture<Long> scannedBytes;

  /** Where a request lost with its connection is sent again (see {@link #s3Resendable}). */
  private final Executor resendExecutor;

  /**
   * Checks a backend's settings as the constructor reads them; IllegalArgumentException names the
   * problem.
   */
  public static void checkSettings(DriverSettings raw) {
    S3Settings.of(raw)
        .endpoint()
        .ifPresent(url -> DriverSettings.httpUrl(raw, "endpoint", url.toString()));
  }

  public S3ObjectStore(
      String backendId, DriverSettings raw, long configuredCapacity, ActorSystem<?> system) {
    this.backendId = backendId;
    this.settings = S3Settings.of(raw);
    this.layout = new S3Layout(settings);
    this.configuredCapacity = configuredCapacity;
    this.materializer = Materializer.matFromSystem(system);
    this.resendExecutor = system.executionContext();
    this.s3 = newClient(settings, raw, false);
    this.oneShot = newClient(settings, raw, true);
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              s3.close();
              oneShot.close();
            });
  }

  /**
   * An SDK client of the backend.
   *
   * @param oneShot every request on a connection of its own: {@code Connection: close}, which the
   *     server answers by closing it and the SDK then closes too; for a server that does not answer
   *     so, a time to live (1 ms) shorter than a streamed request takes has the SDK close it when
   *     the request ends
   */
  private static S3AsyncClient newClient(S3Settings settings, DriverSettings raw, boolean oneShot) {
    NettyNioAsyncHttpClient.Builder http =
        NettyNioAsyncHttpClient.builder()
            .maxConcurrency(settings.maxConnections())
            .connectionTimeout(settings.connectTimeout())
            .readTimeout(settings.requestTimeout())
            .writeTimeout(settings.requestTimeout())
            .connectionAcquisitionTimeout(settings.requestTimeout());
    if (oneShot) {
      http.connectionTimeToLive(Duration.ofMillis(1));
    } else {
      // closed by us before the server's idle timeout (30 s on S3Proxy's Jetty) closes it, so that
      // a request seldom takes a pooled connection the server is closing (the SDK's default: 60 s)
      http.connectionMaxIdleTime(POOLED_IDLE);
    }
    TrustStores.trustManagers(raw).ifPresent(trust -> http.tlsTrustManagersProvider(() -> trust));
    var builder =
        S3AsyncClient.builder()
            .httpClientBuilder(http)
            .region(Region.of(settings.region()))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
            .forcePathStyle(settings.pathStyle())
            // checksums only where S3 requires them: S3-compatible servers vary in what they accept
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(
                o -> {
                  o.retryStrategy(AwsRetryStrategy.doNotRetry());
                  if (oneShot) {
                    o.putHeader("Connection", "close");
                  }
                });
    settings.endpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  @Override
  public String backendId() {
    return backendId;
  }

  /** The bucket and key of an object, as this store lays them out. */
  public Pair<String, String> location(BackendContainer container, String name) {
    return Pair.create(layout.bucket(container), layout.key(container, name));
  }

  // ---- containers ----

  @Override
  public CompletionStage<Done> createContainer(BackendContainer container) {
    return ensureBucket(layout.bucket(container));
  }

  private CompletionStage<Done> ensureBucket(String bucket) {
    CompletableFuture<Done> known = buckets.get(bucket);
    if (known != null && !known.isCompletedExceptionally()) {
      return known;
    }
    CompletableFuture<Done> creating =
        s3Resendable(() -> s3.headBucket(b -> b.bucket(bucket)))
            .thenApply(r -> Done.getInstance())
            .exceptionallyCompose(
                e -> {
                  if (status(e) == 404) {
                    return s3Resendable(() -> s3.createBucket(b -> b.bucket(bucket)))
                        .thenApply(r -> Done.getInstance())
                        .exceptionally(
                            ce -> {
                              if (errorCode(ce).equals("BucketAlreadyOwnedByYou")) {
                                return Done.getInstance();
                              }
                              throw failure("create bucket", ce);
                            });
                  }
                  return CompletableFuture.failedStage(failure("check bucket", e));
                })
            .toCompletableFuture();
    buckets.put(bucket, creating);
    return creating;
  }

  @Override
  public CompletionStage<Done> deleteContainer(BackendContainer container) {
    String bucket = layout.bucket(container);
    if (settings.mode() == S3Settings.Mode.PREFIX) {
      return s3(() ->
              s3.listObjectsV2(
                  b ->
                      b.bucket(bucket)
                          .prefix(layout.keyPrefix(container))
                          .maxKeys(1)
                          .encodingType(EncodingType.URL)))
          .handle(
              (r, e) -> {
                if (e != null) {
                  if (status(e) == 404) {
                    return Done.getInstance();
                  }
                  throw failure("delete container", e);
                }
                if (!r.contents().isEmpty()) {
                  throw new ObjectStoreException.ContainerNotEmpty(container);
                }
                return Done.getInstance();
              });
    }
    buckets.remove(bucket);
    return s3(() -> s3.deleteBucket(b -> b.bucket(bucket)))
        .handle(
            (r, e) -> {
              if (e != null) {
                if (errorCode(e).equals("BucketNotEmpty") || status(e) == 409) {
                  throw new ObjectStoreException.ContainerNotEmpty(container);
                }
                if (status(e) != 404) {
                  throw failure("delete container", e);
                }
              }
              return Done.getInstance();
            });
  }

  // ---- objects ----

  @Override
  public CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    return UploadGuard.upload(
        body,
        attributes,
        UploadGuard.Digest.COMPUTED,
        materializer,
        guard -> {
          requireName(name);
          // refused before anything is stored; sized as the multipart object's final metadata
          encode(
              attributes.metadata(),
              attributes.contentType(),
              attributes.timestamp(),
              Optional.of(MD5_SIZED));
          String bucket = layout.bucket(container);
          String key = layout.key(container, name);
          return ensureBucket(bucket)
              .thenCompose(done -> headObject(bucket, key, name))
              .thenCompose(
                  previous ->
                      new S3Upload(this, bucket, key, name, attributes, guard)
                          .run()
                          .thenApply(
                              stored -> {
                                usedSinceStart.addAndGet(
                                    stored.size() - previous.map(ObjectInfo::size).orElse(0L));
                                return new PutResult(stored, previous);
                              }));
        });
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
    requireName(name);
    return headObject(layout.bucket(container), layout.key(container, name), name);
  }

  CompletionStage<Optional<ObjectInfo>> headObject(String bucket, String key, String name) {
    return s3Resendable(() -> s3.headObject(b -> b.bucket(bucket).key(key)))
        .handle(
            (r, e) -> {
              if (e != null) {
                if (status(e) == 404 || refusedName(e, key).isPresent()) {
                  return Optional.<ObjectInfo>empty(); // a name it cannot store is not there
                }
                throw failure("head", e);
              }
              return Optional.of(info(name, r));
            });
  }

  @Override
  public CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range) {
    requireName(name);
    String bucket = layout.bucket(container);
    String key = layout.key(container, name);
    CompletableFuture<ResponsePublisher<GetObjectResponse>> response =
        s3(
            () ->
                s3.getObject(
                    b ->
                        b.bucket(bucket)
                            .key(key)
                            .range(range.map(ByteRange::toHeader).orElse(null)),
                    AsyncResponseTransformer.toPublisher()));
    return response
        .handle(
            (r, e) -> {
              if (e != null) {
                int status = status(e);
                if (status == 404 || refusedName(e, key).isPresent()) {
                  return CompletableFuture.completedFuture(Optional.<ObjectContent>empty());
                }
                if (status == 416) {
                  return headObject(bucket, key, name)
                      .thenApply(
                          found ->
                              found.map(
                                  info ->
                                      new ObjectContent(
                                          info, Optional.empty(), true, Source.empty())));
                }
                throw failure("get", e);
              }
              GetObjectResponse meta = r.response();
              Source<ByteString, ?> data = Source.fromPublisher(r).map(ByteString::fromByteBuffer);
              Optional<long[]> contentRange =
                  Optional.ofNullable(meta.contentRange()).flatMap(ByteRange::parseContentRange);
              long size = contentRange.map(cr -> cr[2]).orElse(meta.contentLength());
              ObjectInfo info =
                  info(
                      name,
                      size,
                      meta.eTag(),
                      meta.contentType(),
                      meta.contentEncoding(),
                      meta.contentDisposition(),
                      meta.metadata(),
                      meta.lastModified());
              if (range.isPresent() && contentRange.isPresent()) {
                long[] cr = contentRange.get();
                return CompletableFuture.completedFuture(
                    Optional.of(
                        new ObjectContent(
                            info, Optional.of(new ByteRange.Resolved(cr[0], cr[1])), false, data)));
              }
              if (range.isPresent()) {
                // The server ignored the range: apply it here.
                Optional<ByteRange.Resolved> resolved = range.get().resolve(size);
                if (resolved.isEmpty()) {
                  data.runWith(Sink.cancelled(), materializer);
                  return CompletableFuture.completedFuture(
                      Optional.of(
                          new ObjectContent(
                              info, Optional.empty(), true, Source.<ByteString>empty())));
                }
                return CompletableFuture.completedFuture(
                    Optional.of(
                        new ObjectContent(
                            info,
                            resolved,
                            false,
                            data.via(
                                StreamSlice.of(resolved.get().first(), resolved.get().length())))));
              }
              if (info.size() == 0) {
                data.runWith(
                    Sink.ignore(), materializer); // nothing to read: free the connection now
                data = Source.empty();
              }
              return CompletableFuture.completedFuture(
                  Optional.of(new ObjectContent(info, Optional.empty(), false, data)));
            })
        .thenCompose(stage -> stage);
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    requireName(name);
    String bucket = layout.bucket(container);
    String key = layout.key(container, name);
    return headObject(bucket, key, name)
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(found);
              }
              ObjectInfo previous = found.get();
              ObjectInfo updated =
                  new ObjectInfo(
                      name,
                      previous.size(),
                      previous.etag(),
                      contentType.orElse(previous.contentType()),
                      timestamp,
                      metadata);
              return copyInPlace(bucket, key, updated).thenApply(done -> Optional.of(updated));
            });
  }

  /** Rewrites an object's metadata by copying it onto itself (multipart copy above 5 GiB). */
  CompletionStage<Done> copyInPlace(String bucket, String key, ObjectInfo info) {
    StoredMetadata.Encoded encoded =
        encode(info.metadata(), info.contentType(), info.timestamp(), Optional.of(info.etag()));
    String contentType = wireContentType(info.contentType());
    if (info.size() <= MAX_COPY) {
      CopyObjectRequest.Builder copy =
          CopyObjectRequest.builder()
              .sourceBucket(bucket)
              .sourceKey(key)
              .destinationBucket(bucket)
              .destinationKey(key)
              .metadataDirective(MetadataDirective.REPLACE)
              .contentType(contentType)
              .metadata(encoded.userMeta())
              .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
              .contentDisposition(encoded.nativeHeaders().get("content-disposition"));
      return s3Resendable(() -> s3.copyObject(copy.build()))
          .handle(
              (r, e) -> {
                if (e != null) {
                  throw failure("copy", e);
                }
                return Done.getInstance();
              });
    }
    return s3(() ->
            s3.createMultipartUpload(
                b ->
                    b.bucket(bucket)
                        .key(key)
                        .contentType(contentType)
                        .metadata(encoded.userMeta())
                        .contentEncoding(encoded.nativeHeaders().get("content-encoding"))
                        .contentDisposition(encoded.nativeHeaders().get("content-disposition"))))
        .thenCompose(
            upload -> {
              List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();
              long partSize = 1L << 30;
              int number = 1;
              for (long first = 0; first < info.size(); first += partSize, number++) {
                String range =
                    "bytes=" + first + "-" + (Math.min(first + partSize, info.size()) - 1);
                int partNumber = number;
                parts.add(
                    s3(() ->
                            s3.uploadPartCopy(
                                b ->
                                    b.sourceBucket(bucket)
                                        .sourceKey(key)
                                        .destinationBucket(bucket)
                                        .destinationKey(key)
                                        .uploadId(upload.uploadId())
                                        .partNumber(partNumber)
                                        .copySourceRange(range)))
                        .thenApply(
                            r ->
                                CompletedPart.builder()
                                    .partNumber(partNumber)
                                    .eTag(r.copyPartResult().eTag())
                                    .build()));
              }
              return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                  .thenCompose(
                      all ->
                          s3(
                              () ->
                                  s3.completeMultipartUpload(
                                      b ->
                                          b.bucket(bucket)
                                              .key(key)
                                              .uploadId(upload.uploadId())
                                              .multipartUpload(
                                                  m ->
                                                      m.parts(
                                                          parts.stream()
                                                              .map(CompletableFuture::join)
                                                              .toList())))))
                  .handle(
                      (r, e) -> {
                        if (e != null) {
                          s3.abortMultipartUpload(
                              b -> b.bucket(bucket).key(key).uploadId(upload.uploadId()));
                          throw failure("copy", e);
                        }
                        return Done.getInstance();
                      });
            })
        .exceptionallyCompose(e -> CompletableFuture.failedStage(failure("copy", e)));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
    requireName(name);
    String bucket = layout.bucket(container);
    String key = layout.key(container, name);
    return headObject(bucket, key, name)
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(found);
              }
              return s3Resendable(() -> s3.deleteObject(b -> b.bucket(bucket).key(key)))
                  .handle(
                      (r, e) -> {
                        if (e != null && status(e) != 404) {
                          throw failure("delete", e);
                        }
                        usedSinceStart.addAndGet(-found.get().size());
                        return found;
                      });
            });
  }

  // ---- listings ----

  @Override
  public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
    if (query.limit() <= 0) {
      return CompletableFuture.completedFuture(new ListingPage(List.of()));
    }
    String bucket = layout.bucket(container);
    String base = layout.keyPrefix(container);
    Optional<String> marker = query.marker().filter(m -> !m.isEmpty());
    Optional<String> endMarker = query.endMarker().filter(m -> !m.isEmpty());
    // S3 lists forward only. Reversed, Swift's marker is the upper bound and its end marker the
    // lower one: list that range forward and keep the last `limit` rows.
    Optional<String> lower = query.reverse() ? endMarker : marker;
    Optional<String> upper = query.reverse() ? marker : endMarker;
    Deque<String> keys = new ArrayDeque<>();
    Map<String, Boolean> isSubdir = new HashMap<>();
    ListObjectsV2Request.Builder request =
        ListObjectsV2Request.builder()
            .bucket(bucket)
            .prefix(base + query.prefix().orElse(""))
            // keys in the answer percent-encoded (the SDK decodes them): XML 1.0 cannot carry
            // control characters, which object names may hold
            .encodingType(EncodingType.URL);
    query.delimiter().filter(d -> !d.isEmpty()).ifPresent(request::delimiter);
    lower.ifPresent(m -> request.startAfter(base + m));
    return listPages(request, base, lower, upper, query, keys, isSubdir)
        .thenCompose(
            done -> {
              List<String> names = new ArrayList<>(keys);
              if (query.reverse()) {
                Collections.reverse(names);
              }
              return Source.from(names)
                  .mapAsync(
                      settings.listingConcurrency(),
                      n ->
                          isSubdir.get(n)
                              ? CompletableFuture.completedFuture(
                                  Optional.<ListingEntry>of(new ListingEntry.SubdirRow(n)))
                              : headObject(bucket, base + n, n)
                                  .thenApply(
                                      found ->
                                          found.map(
                                              info ->
                                                  (ListingEntry)
                                                      new ListingEntry.ObjectRow(
                                                          n,
                                                          info.size(),
                                                          info.etag(),
                                                          info.contentType(),
                                                          info.timestamp()))))
                  .filter(Optional::isPresent)
                  .map(Optional::get)
                  .runWith(Sink.seq(), materializer);
            })
        .thenApply(ListingPage::new);
  }

  private CompletionStage<Done> listPages(
      ListObjectsV2Request.Builder request,
      String base,
      Optional<String> lower,
      Optional<String> upper,
      ListingQuery query,
      Deque<String> keys,
      Map<String, Boolean> isSubdir) {
    request.maxKeys(
        query.reverse() ? S3_LIST_MAX : Math.min(S3_LIST_MAX, query.limit() - keys.size() + 1));
    return s3Resendable(() -> s3.listObjectsV2(request.build()))
        .handle(
            (ListObjectsV2Response r, Throwable e) -> {
              if (e != null) {
                if (status(e) == 404) {
                  return false;
                }
                throw failure("list", e);
              }
              List<Pair<String, Boolean>> rows = new ArrayList<>();
              for (S3Object o : r.contents()) {
                if (settings.skipDirectoryMarkers() && o.key().endsWith("/")) {
                  continue;
                }
                rows.add(Pair.create(o.key().substring(base.length()), false));
              }
              for (CommonPrefix p : r.commonPrefixes()) {
                rows.add(Pair.create(p.prefix().substring(base.length()), true));
              }
              rows.sort((a, b) -> NameOrder.compare(a.first(), b.first()));
              for (Pair<String, Boolean> row : rows) {
                String n = row.first();
                if (upper.isPresent() && NameOrder.compare(n, upper.get()) >= 0) {
                  return false;
                }
                if (lower.isPresent() && (NameOrder.compare(n, lower.get()) <= 0)) {
                  continue; // the subdir given as marker, or a row at or below the lower bound
                }
                if (isSubdir.containsKey(n)) {
                  continue;
                }
                keys.addLast(n);
                isSubdir.put(n, row.second());
                if (keys.size() > query.limit()) {
                  if (!query.reverse()) {
                    keys.removeLast();
                    isSubdir.remove(n);
                    return false;
                  }
                  isSubdir.remove(keys.removeFirst());
                }
                if (!query.reverse() && keys.size() == query.limit()) {
                  return false;
                }
              }
              if (Boolean.TRUE.equals(r.isTruncated()) && r.nextContinuationToken() != null) {
                request.startAfter(null).continuationToken(r.nextContinuationToken());
                return true;
              }
              return false;
            })
        .thenCompose(
            more ->
                more
                    ? listPages(request, base, lower, upper, query, keys, isSubdir)
                    : CompletableFuture.completedFuture(Done.getInstance()));
  }

  // ---- capacity and health ----

  /**
   * The configured capacity (S3 reports none; without it the backend reports no free space) and the
   * bytes of this store's objects: counted once by a listing, then kept up to date by this node's
   * writes and deletes.
   */
  @Override
  public CompletionStage<Capacity> capacity() {
    CompletableFuture<Long> scan = scannedBytes;
    if (scan == null || scan.isCompletedExceptionally()) {
      scan = scanUsedBytes().toCompletableFuture();
      scannedBytes = scan;
    }
    return scan.thenApply(
        scanned -> {
          long used = Math.max(0, scanned + usedSinceStart.get());
          return new Capacity(configuredCapacity > 0 ? configuredCapacity : used, used);
        });
  }

  private CompletionStage<Long> scanUsedBytes() {
    usedSinceStart.set(0);
    if (settings.mode() == S3Settings.Mode.PREFIX) {
      return sumKeys(settings.bucket(), settings.keyPrefix(), null, 0L);
    }
    return s3(() -> s3.listBuckets())
        .thenCompose(
            r -> {
              CompletionStage<Long> total = CompletableFuture.completedFuture(0L);
              for (var b : r.buckets()) {
                if (b.name().startsWith(settings.bucketPrefix())) {
                  total = total.thenCompose(sum -> sumKeys(b.name(), "", null, sum));
                }
              }
              return total;
            });
  }

  private CompletionStage<Long> sumKeys(String bucket, String prefix, String token, long sum) {
    return s3(() ->
            s3.listObjectsV2(
                b ->
                    b.bucket(bucket)
                        .prefix(prefix)
                        .continuationToken(token)
                        .encodingType(EncodingType.URL)))
        .handle(
            (r, e) -> {
              if (e != null) {
                if (status(e) == 404) {
                  return CompletableFuture.completedFuture(sum);
                }
                throw failure("capacity", e);
              }
              long total = sum + r.contents().stream().mapToLong(S3Object::size).sum();
              return Boolean.TRUE.equals(r.isTruncated())
                  ? sumKeys(bucket, prefix, r.nextContinuationToken(), total)
                  : CompletableFuture.completedFuture(total);
            })
        .thenCompose(stage -> stage);
  }

  @Override
  public CompletionStage<Done> probe() {
    CompletableFuture<?> call =
        settings.mode() == S3Settings.Mode.PREFIX
            ? s3(() -> s3.headBucket(b -> b.bucket(settings.bucket())))
            : s3(() -> s3.listBuckets());
    return call.handle(
        (r, e) -> {
          if (e != null && status(e) != 404) {
            throw failure("probe", e);
          }
          return Done.getInstance();
        });
  }

  // ---- shared with S3Upload ----

  S3AsyncClient client() {
    return s3;
  }

  /** The client for a body that streams (see {@link #oneShot}). */
  S3AsyncClient oneShotClient() {
    return oneShot;
  }

  S3Settings settings() {
    return settings;
  }

  Materializer materializer() {
    return materializer;
  }

  String id() {
    return backendId;
  }

  /**
   * The content type to send to S3 for an object's content type (see {@code plain-content-type}).
   */
  String wireContentType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String wire =
        settings.plainContentType() && semicolon >= 0
            ? contentType.substring(0, semicolon).trim()
            : contentType;
    // a header value outside printable ASCII is signed as UTF-8 by the SDK but read as Latin-1 by
    // servers (S3Proxy answers SignatureDoesNotMatch); the full type is then kept as a fact
    return wire(wire).equals(wire) ? wire : "application/octet-stream";
  }

  /**
   * The S3 form of an object's metadata plus the gateway's facts: one {@code x-amz-meta-*} entry
   * each, or all in one {@value #PACKED} entry when there are more than {@value
   * #MAX_SEPARATE_ENTRIES}.
   *
   * @throws ObjectStoreException.InvalidRequest when that is more than S3 keeps with an object
   */
  StoredMetadata.Encoded encode(
      Map<String, String> metadata,
      String contentType,
      SwiftTimestamp timestamp,
      Optional<String> md5) {
    Map<String, String> facts = new HashMap<>();
    facts.put(FACT_TIMESTAMP, timestamp.internal());
    md5.ifPresent(m -> facts.put(FACT_MD5, m));
    if (!wireContentType(contentType).equals(contentType)) {
      facts.put(FACT_CONTENT_TYPE, contentType);
    }
    StoredMetadata.Encoded encoded = StoredMetadata.encode(metadata, facts);
    Map<String, String> separate = new HashMap<>();
    encoded.userMeta().forEach((k, v) -> separate.put(k, wire(v)));
    Map<String, String> user =
        separate.size() > MAX_SEPARATE_ENTRIES
            ? Map.of(PACKED, packed(encoded.userMeta()))
            : separate;
    int bytes = 0;
    for (Map.Entry<String, String> e : user.entrySet()) {
      bytes += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    if (bytes > MAX_USER_METADATA_BYTES) {
      throw new ObjectStoreException.InvalidRequest(
          "the object's metadata takes "
              + bytes
              + " bytes on its S3 backend, which keeps at most "
              + MAX_USER_METADATA_BYTES
              + " (names and values of X-Object-Meta-* and the other kept headers)");
    }
    Map<String, String> nativeHeaders = new HashMap<>();
    encoded.nativeHeaders().forEach((k, v) -> nativeHeaders.put(k, wire(v)));
    return new StoredMetadata.Encoded(user, nativeHeaders);
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Entries as one JSON object in printable ASCII (what an S3 metadata value may hold). */
  private static String packed(Map<String, String> entries) {
    try {
      return PACKED_JSON.writeValueAsString(entries);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings is always JSON", e);
    }
  }

  /** The entries of user metadata as {@link #encode} stored them. */
  private static Map<String, String> unpacked(Map<String, String> userMeta) {
    String packed = userMeta.get(PACKED);
    if (packed != null) {
      try {
        return PACKED_JSON.readValue(packed, STRING_MAP);
      } catch (JsonProcessingException e) {
        // not written by this driver: shown as the entry it is
      }
    }
    Map<String, String> user = new HashMap<>();
    userMeta.forEach((k, v) -> user.put(k, unwire(v)));
    return user;
  }

  private ObjectInfo info(String name, HeadObjectResponse r) {
    return info(
        name,
        r.contentLength(),
        r.eTag(),
        r.contentType(),
        r.contentEncoding(),
        r.contentDisposition(),
        r.metadata(),
        r.lastModified());
  }

  private static ObjectInfo info(
      String name,
      Long size,
      String eTag,
      String contentType,
      String contentEncoding,
      String contentDisposition,
      Map<String, String> userMeta,
      Instant lastModified) {
    Map<String, String> user = unpacked(userMeta);
    Map<String, String> nativeHeaders = new HashMap<>();
    if (contentEncoding != null) {
      nativeHeaders.put("content-encoding", unwire(contentEncoding));
    }
    if (contentDisposition != null) {
      nativeHeaders.put("content-disposition", unwire(contentDisposition));
    }
    StoredMetadata.Decoded decoded = StoredMetadata.decode(user, nativeHeaders);
    String etag = decoded.facts().getOrDefault(FACT_MD5, Etags.bare(eTag));
    SwiftTimestamp timestamp =
        Optional.ofNullable(decoded.facts().get(FACT_TIMESTAMP))
            .map(SwiftTimestamp::fromStored)
            .orElseGet(
                () ->
                    lastModified == null
                        ? new SwiftTimestamp(0)
                        : SwiftTimestamp.ofInstant(lastModified));
    String type =
        decoded
            .facts()
            .getOrDefault(
                FACT_CONTENT_TYPE, contentType == null ? "application/octet-stream" : contentType);
    return new ObjectInfo(name, size == null ? 0 : size, etag, type, timestamp, decoded.metadata());
  }

  private static final String RFC2047 = "=?UTF-8?B?";

  /** Printable ASCII as is, anything else RFC 2047-encoded. */
  static String wire(String value) {
    boolean plain = !value.startsWith(RFC2047);
    for (int i = 0; plain && i < value.length(); i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c <= 0x7e;
    }
    return plain
        ? value
        : RFC2047
            + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
            + "?=";
  }

  static String unwire(String value) {
    if (value.startsWith(RFC2047) && value.endsWith("?=")) {
      try {
        return new String(
            Base64.getDecoder().decode(value.substring(RFC2047.length(), value.length() - 2)),
            StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return value;
      }
    }
    return value;
  }

  /**
   * A call whose request can be sent again unchanged (no body, or one held in memory), sent once
   * more when its connection failed before any answer came. A pooled keep-alive connection can be
   * closed by the server just as a request goes out on it (S3Proxy does so after refusing a body it
   * did not read); that must not fail the client's request.
   */
  <T> CompletableFuture<T> s3Resendable(Supplier<CompletableFuture<T>> call) {
    // Async: sent again from the SDK's own completion thread, a request can wait for a pooled
    // connection until the acquisition time-out.
    // Not the common pool either: it has one thread on two cores, which anything may hold.
    return s3(call)
        .exceptionallyComposeAsync(
            e -> connectionLost(e) ? s3(call) : CompletableFuture.failedFuture(e), resendExecutor);
  }

  /** A failure to reach the server or to get its answer, other than a time-out. */
  static boolean connectionLost(Throwable thrown) {
    Throwable cause = unwrap(thrown);
    if (!(cause instanceof SdkClientException)) {
      return false;
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return false; // sending again would double a wait that is already long
      }
      if (t instanceof ConnectException) {
        return false; // no connection was made: the server is down, not a pooled connection lost
      }
    }
    return true;
  }

  /** Runs an SDK call; a call that throws instead of failing its future fails the future. */
  <T> CompletableFuture<T> s3(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The exception an operation fails with. */
  ObjectStoreException failure(String operation, Throwable thrown) {
    Throwable cause = unwrap(thrown);
    if (cause instanceof ObjectStoreException o) {
      return o;
    }
    if (cause instanceof S3Exception e) {
      int status = e.statusCode();
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
        return new ObjectStoreException.EtagMismatch(
            "(sent as Content-MD5)", "(refused by the backend)");
      }
      if (status == 400 || status == 411 || status == 413) {
        return new ObjectStoreException.InvalidRequest(
            "the backend refused the " + operation + ": " + code);
      }
      if (status == 401 || status == 403) {
        return ObjectStoreException.BackendUnavailable.answered(
            backendId,
            operation
                + ": the backend refused the gateway's credentials ("
                + status
                + " "
                + code
                + ")",
            status,
            e);
      }
      return ObjectStoreException.BackendUnavailable.answered(
          backendId, operation + " answered " + status + " " + code, status, e);
    }
    if (unreadableAnswer(cause)) {
      // the server answered, with something the SDK could not read: this request's problem
      return new ObjectStoreException.BackendUnavailable(
          backendId, operation + ": unreadable answer", cause, false);
    }
    return new ObjectStoreException.BackendUnavailable(backendId, operation + " failed", cause);
  }

  /**
   * Why the server's 500 for a key is the key's fault: S3 servers that keep objects as files
   * (S3Proxy's filesystem provider) cannot store a key with a {@code .} or {@code ..} path segment
   * or one longer than a file name may be (255 bytes), and answer 500 for it.
   */
  static Optional<String> refusedName(Throwable thrown, String key) {
    if (status(thrown) != 500) {
      return Optional.empty();
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return Optional.of("a path segment " + segment);
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_FILE_NAME_BYTES) {
        return Optional.of(
            "a path segment longer than " + MAX_FILE_NAME_BYTES + " bytes between slashes");
      }
    }
    return Optional.empty();
  }

  /** The operation's failure, for the object key it was about (see {@link #refusedName}). */
  ObjectStoreException failure(String operation, Throwable thrown, String key) {
    Optional<String> refused = refusedName(thrown, key);
    if (refused.isPresent()) {
      return new ObjectStoreException.InvalidRequest(
          "the backend " + backendId + " cannot store this object name: it has " + refused.get());
    }
    return failure(operation, thrown);
  }

  /** The SDK could not parse the server's answer (it came, so the server is up). */
  static boolean unreadableAnswer(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof XMLStreamException
          || (t.getMessage() != null && t.getMessage().startsWith("Could not parse"))) {
        return true;
      }
    }
    return false;
  }

  static int status(Throwable thrown) {
    Throwable cause = unwrap(thrown);
    if (cause instanceof S3Exception e) {
      return e.statusCode();
    }
    if (cause instanceof SdkException && cause.getCause() instanceof S3Exception e) {
      return e.statusCode();
    }
    return 0;
  }

  static String errorCode(Throwable thrown) {
    Throwable cause = unwrap(thrown);
    if (cause instanceof S3Exception e
        && e.awsErrorDetails() != null
        && e.awsErrorDetails().errorCode() != null) {
      return e.awsErrorDetails().errorCode();
    }
    return "";
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  static String base64(String md5Hex) {
    return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5Hex));
  }

  /**
   * Fails (by throwing, which {@link GuardedObjectStore} and {@link #s3} turn into a failed stage)
   * for the empty name.
   */
  private static void requireName(String name) {
    if (name.isEmpty()) {
      throw new ObjectStoreException.InvalidRequest("empty object name");
    }
  }

  static Publisher<ByteBuffer> publisher(Source<ByteString, ?> source, Materializer mat) {
    return source
        .map(ByteString::asByteBuffer)
        .runWith(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), mat);
  }
}
