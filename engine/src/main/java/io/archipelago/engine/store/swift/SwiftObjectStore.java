package io.archipelago.engine.store.swift;

import static java.nio.charset.StandardCharsets.UTF_8;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.Query;
import akka.http.javadsl.model.RequestEntity;
import akka.http.javadsl.model.Uri;
import akka.http.javadsl.model.headers.RawHeader;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
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
import io.archipelago.engine.store.remote.RemoteObjectStore;
import io.archipelago.engine.store.remote.StoredMetadata;
import io.archipelago.engine.store.remote.StreamSlice;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * An {@link ObjectStore} on an OpenStack Swift cluster, spoken to with Akka HTTP's client through a
 * connection pool of this backend's own.
 *
 * <ul>
 *   <li>Auth: TempAuth v1 or Keystone v3 ({@link SwiftAuth}); the token is cached, renewed before
 *       it expires and after a 401, and a request that got 401 is sent once more, except an object
 *       PUT whose body has already streamed (it is preceded by a HEAD of the same object, which
 *       renews a stale token first).
 *   <li>PUTs learn the size of the object they replace (for the container's counters): small bodies
 *       (up to {@link WholeBody#MAX_SIZE}) are read whole and sent with {@code If-None-Match: *},
 *       so a new name costs one request and an existing one a 412, a HEAD and a PUT; larger bodies
 *       stream after a HEAD.
 *   <li>Names: gateway containers map to backend containers as {@link SwiftContainerNames}
 *       describes; object names pass unchanged.
 *   <li>Bodies stream in both directions: a PUT above that size sends the client's bytes as they
 *       arrive (with Content-Length when the client gave it, chunked otherwise); the ETag is the
 *       one Swift's object servers computed, unless {@code gateway-md5} asks the gateway to compute
 *       its own and compare (a core's worth of CPU per ~600 MiB/s); a GET hands the backend's
 *       response entity to the caller unread.
 *   <li>Metadata: see {@link StoredMetadata}; the gateway's X-Timestamp is kept as {@code
 *       X-Object-Meta-Archipelago-Timestamp}.
 *   <li>Errors: connection failures, time-outs and 5xx are {@link
 *       ObjectStoreException.BackendUnavailable}; 404 is "not found"; 409 on a container delete is
 *       {@link ObjectStoreException.ContainerNotEmpty}; 422 is {@link
 *       ObjectStoreException.EtagMismatch}.
 *   <li>Backend containers are created on demand: the first PUT into a container this node has not
 *       seen checks it and creates it when missing. A PUT that still finds it missing (it was
 *       deleted behind the gateway's back) creates it again and fails with 503, so that the client
 *       retries.
 * </ul>
 */
public final class SwiftObjectStore implements RemoteObjectStore {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SWIFT_LISTING_LIMIT = 10_000;
  private static final int KNOWN_CONTAINERS_MAX = 100_000;
  private static final String FACT_TIMESTAMP = "timestamp";
  private static final String FACT_CONTENT_TYPE = "content-type";
  private static final String META_HEADER = "x-object-meta-";

  private final String backendId;
  private final SwiftSettings settings;
  private final SwiftHttp http;
  private final SwiftAuth auth;
  private final SwiftContainerNames names;
  private final long configuredCapacity;
  private final Materializer materializer;
  private final Set<String> knownContainers = ConcurrentHashMap.newKeySet();

  /**
   * Checks a backend's settings as the constructor reads them; IllegalArgumentException names the
   * problem.
   */
  public static void checkSettings(DriverSettings raw) {
    SwiftSettings settings = SwiftSettings.of(raw);
    DriverSettings.httpUrl(raw, "auth-url", settings.authUrl());
    settings.storageUrl().ifPresent(url -> DriverSettings.httpUrl(raw, "storage-url", url));
  }

  public SwiftObjectStore(
      String backendId, DriverSettings raw, long configuredCapacity, ActorSystem<?> system) {
    this.backendId = backendId;
    this.settings = SwiftSettings.of(raw);
    this.http = new SwiftHttp(system, settings, raw);
    this.auth = new SwiftAuth(backendId, settings, http);
    this.names = new SwiftContainerNames(settings.containerPrefix(), settings.separator());
    this.configuredCapacity = configuredCapacity;
    this.materializer = http.materializer();
  }

  @Override
  public String backendId() {
    return backendId;
  }

  /** The backend container that holds a gateway container's objects. */
  public String backendContainerName(BackendContainer container) {
    return names.backendName(container);
  }

  /** Logins made so far (token renewals show up here). */
  public int logins() {
    return auth.logins();
  }

  // ---- containers ----

  @Override
  public CompletionStage<Done> createContainer(BackendContainer container) {
    return createBackendContainer(names.backendName(container));
  }

  private CompletionStage<Done> createBackendContainer(String name) {
    return call(
            "create container",
            s -> HttpRequest.create().withMethod(HttpMethods.PUT).withUri(containerUri(s, name)))
        .thenApply(
            r -> {
              http.discard(r);
              if (!success(r)) {
                throw statusFailure("create container", r);
              }
              remember(name);
              return Done.getInstance();
            });
  }

  @Override
  public CompletionStage<Done> deleteContainer(BackendContainer container) {
    String name = names.backendName(container);
    knownContainers.remove(name);
    return call(
            "delete container",
            s -> HttpRequest.create().withMethod(HttpMethods.DELETE).withUri(containerUri(s, name)))
        .thenApply(
            r -> {
              http.discard(r);
              int status = r.status().intValue();
              if (status == 409) {
                throw new ObjectStoreException.ContainerNotEmpty(container);
              }
              if (!success(r) && status != 404) {
                throw statusFailure("delete container", r);
              }
              return Done.getInstance();
            });
  }

  private CompletionStage<Done> ensureContainer(String name) {
    if (knownContainers.contains(name)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return call(
            "check container",
            s -> HttpRequest.create().withMethod(HttpMethods.HEAD).withUri(containerUri(s, name)))
        .thenCompose(
            r -> {
              http.discard(r);
              if (success(r)) {
                remember(name);
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              if (r.status().intValue() == 404) {
                return createBackendContainer(name);
              }
              throw statusFailure("check container", r);
            });
  }

  private void remember(String name) {
    if (knownContainers.size() >= KNOWN_CONTAINERS_MAX) {
      knownContainers.clear();
    }
    knownContainers.add(name);
  }

  // ---- objects ----

  @Override
  public CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    OptionalLong expected = attributes.expectedLength();
    boolean whole = expected.isPresent() && expected.getAsLong() <= WholeBody.MAX_SIZE;
    UploadGuard.Digest digest =
        whole || settings.gatewayMd5()
            ? UploadGuard.Digest.COMPUTED
            : UploadGuard.Digest.LEFT_TO_BACKEND;
    return UploadGuard.upload(
        body,
        attributes,
        digest,
        materializer,
        guard -> {
          requireName(name);
          String bc = names.backendName(container);
          if (whole) {
            return ensureContainer(bc)
                .thenCompose(done -> WholeBody.read(guard, materializer))
                .thenCompose(read -> putWhole(bc, name, attributes, read));
          }
          return ensureContainer(bc)
              .thenCompose(done -> headObject(bc, name))
              .thenCompose(
                  previous ->
                      upload(bc, name, attributes, guard)
                          .thenApply(stored -> new PutResult(stored, previous)));
        });
  }

  /**
   * A small object, read whole: one conditional PUT ({@code If-None-Match: *}) when the name is
   * new, which is what tells the replaced object's size for the container's counters without a HEAD
   * first; when Swift answers 412 (the name exists), a HEAD and an unconditional PUT.
   */
  private CompletionStage<PutResult> putWhole(
      String bc, String name, ObjectAttributes attributes, WholeBody whole) {
    return sendWhole(bc, name, attributes, whole, true)
        .thenCompose(
            stored ->
                stored.isPresent()
                    ? CompletableFuture.completedFuture(
                        new PutResult(stored.get(), Optional.empty()))
                    : headObject(bc, name)
                        .thenCompose(
                            previous ->
                                sendWhole(bc, name, attributes, whole, false)
                                    .thenApply(
                                        replacing ->
                                            new PutResult(replacing.orElseThrow(), previous))));
  }

  /** Empty when {@code onlyIfAbsent} and the object exists. */
  private CompletionStage<Optional<ObjectInfo>> sendWhole(
      String bc, String name, ObjectAttributes attributes, WholeBody whole, boolean onlyIfAbsent) {
    ContentType contentType = contentType(toBackendType(attributes.contentType()));
    List<HttpHeader> headers = putHeaders(attributes, contentType);
    headers.add(RawHeader.create("ETag", whole.md5()));
    if (onlyIfAbsent) {
      headers.add(RawHeader.create("If-None-Match", "*"));
    }
    // A strict entity: the pool may send it again on a fresh connection, and so may a 401.
    return call(
            "put",
            s ->
                HttpRequest.create()
                    .withMethod(HttpMethods.PUT)
                    .withUri(objectUri(s, bc, name))
                    .addHeaders(headers)
                    .withEntity(HttpEntities.create(contentType, whole.data())))
        .thenApply(
            r -> {
              http.discard(r);
              int status = r.status().intValue();
              if (status == 412 && onlyIfAbsent) {
                return Optional.empty();
              }
              if (status == 422) {
                throw new ObjectStoreException.EtagMismatch(
                    whole.md5(), "(refused by the backend)");
              }
              if (status == 404) {
                throw containerRecreated(bc);
              }
              if (!success(r)) {
                throw statusFailure("put", r);
              }
              String etag = SwiftAuth.header(r, "etag").map(Etags::bare).orElse(whole.md5());
              if (!etag.equalsIgnoreCase(whole.md5())) {
                throw new ObjectStoreException.BackendUnavailable(
                    backendId,
                    "stored ETag "
                        + etag
                        + " differs from the MD5 of the bytes sent "
                        + whole.md5(),
                    null,
                    false);
              }
              return Optional.of(
                  new ObjectInfo(
                      name,
                      whole.data().size(),
                      whole.md5(),
                      attributes.contentType(),
                      attributes.timestamp(),
                      attributes.metadata()));
            });
  }

  /**
   * An object PUT's headers: its metadata, and the timestamp and content type Swift would alter.
   */
  private static List<HttpHeader> putHeaders(ObjectAttributes attributes, ContentType contentType) {
    Map<String, String> facts = new HashMap<>();
    facts.put(FACT_TIMESTAMP, attributes.timestamp().internal());
    if (!contentType.toString().equals(attributes.contentType())) {
      facts.put(FACT_CONTENT_TYPE, attributes.contentType());
    }
    return metadataHeaders(attributes.metadata(), facts);
  }

  /**
   * A PUT answered 404: the backend container was deleted behind the gateway's back. It is created
   * again, and the client is told to retry.
   */
  private ObjectStoreException containerRecreated(String bc) {
    knownContainers.remove(bc);
    createBackendContainer(bc);
    return new ObjectStoreException.BackendUnavailable(
        backendId,
        "its container " + bc + " was missing and is being created again; retry",
        null,
        false);
  }

  private CompletionStage<ObjectInfo> upload(
      String bc, String name, ObjectAttributes attributes, UploadGuard guard) {
    CompletableFuture<HttpResponse> response = new CompletableFuture<>();
    OptionalLong expected = attributes.expectedLength();
    Source<ByteString, ?> sent =
        guard
            .body()
            .watchTermination(
                (mat, done) -> {
                  // The backend answers once it has the last byte; from then on the request
                  // time-out applies.
                  done.thenRun(
                      () ->
                          response.orTimeout(
                              settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
                  return mat;
                });
    ContentType contentType = contentType(toBackendType(attributes.contentType()));
    List<HttpHeader> headers = putHeaders(attributes, contentType);
    // Swift compares the bare lower-case hex only
    attributes
        .expectedEtag()
        .ifPresent(
            etag ->
                headers.add(RawHeader.create("ETag", Etags.bare(etag).toLowerCase(Locale.ROOT))));

    // Known lengths here are above WholeBody.MAX_SIZE (smaller bodies go through putWhole).
    CompletionStage<HttpResponse> answered =
        auth.session()
            .thenCompose(
                s -> {
                  RequestEntity entity =
                      expected.isPresent()
                          ? HttpEntities.create(contentType, expected.getAsLong(), sent)
                          : HttpEntities.createChunked(contentType, sent);
                  http.sendUntimed(
                          authorized(
                              HttpRequest.create()
                                  .withMethod(HttpMethods.PUT)
                                  .withUri(objectUri(s, bc, name))
                                  .addHeaders(headers)
                                  .withEntity(entity),
                              s))
                      .whenComplete((r, e) -> http.complete(response, r, e));
                  return response.whenComplete(
                      (r, e) -> {
                        if (r != null && r.status().intValue() == 401) {
                          auth.invalidate(s);
                        }
                      });
                });
    return answered
        .handle(
            (r, failure) -> {
              Optional<Throwable> bodyError = guard.bodyFailure();
              if (bodyError.isPresent()) {
                if (r != null) {
                  http.discard(r);
                }
                throw new CompletionException(bodyError.get());
              }
              if (failure != null) {
                if (expected.isPresent()
                    && guard.received() < expected.getAsLong()
                    && !(unwrap(failure) instanceof ObjectStoreException)) {
                  throw new CompletionException(
                      new ObjectStoreException.BackendUnavailable(
                          backendId,
                          "upload failed after "
                              + guard.received()
                              + " of "
                              + expected.getAsLong()
                              + " bytes",
                          unwrap(failure)));
                }
                throw new CompletionException(transportFailure("put", failure));
              }
              http.discard(r);
              int status = r.status().intValue();
              if (status == 422) {
                throw new ObjectStoreException.EtagMismatch(
                    attributes.expectedEtag().orElse("?"), "(refused by the backend)");
              }
              if (status == 404) {
                throw containerRecreated(bc);
              }
              if (status == 401) {
                throw new ObjectStoreException.BackendUnavailable(
                    backendId, "the token was refused during the upload; retry", null, false);
              }
              if (status == 499 || status == 408) {
                throw new ObjectStoreException.LengthMismatch(
                    expected.orElse(guard.received()), guard.received());
              }
              if (!success(r)) {
                throw statusFailure("put", r);
              }
              Optional<String> etag = SwiftAuth.header(r, "etag").map(Etags::bare);
              return guard
                  .verified()
                  .thenApply(verified -> stored(name, attributes, verified, etag));
            })
        .thenCompose(stored -> stored);
  }

  /**
   * The object a streamed PUT stored. Its ETag is the one Swift's object servers computed from the
   * bytes they stored (and compared with the client's ETag, sent along, when there was one),
   * checked against the gateway's own MD5 when it computed one.
   */
  private ObjectInfo stored(
      String name,
      ObjectAttributes attributes,
      UploadGuard.Verified verified,
      Optional<String> answered) {
    String etag;
    if (verified.md5().isPresent()) {
      String computed = verified.md5().get();
      etag = answered.orElse(computed);
      if (!etag.equalsIgnoreCase(computed)) {
        throw new ObjectStoreException.BackendUnavailable(
            backendId,
            "stored ETag " + etag + " differs from the MD5 of the bytes sent " + computed,
            null,
            false);
      }
    } else {
      etag =
          answered
              .filter(e -> e.matches("[0-9a-fA-F]{32}"))
              .orElseThrow(
                  () ->
                      new ObjectStoreException.BackendUnavailable(
                          backendId,
                          "the PUT answer carries no MD5 ETag; set gateway-md5 = on for this backend",
                          null,
                          false));
    }
    return new ObjectInfo(
        name,
        verified.size(),
        etag.toLowerCase(Locale.ROOT),
        attributes.contentType(),
        attributes.timestamp(),
        attributes.metadata());
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
    return named(name, () -> headObject(names.backendName(container), name));
  }

  /** Runs {@code call} for a valid object name; an invalid one fails the stage. */
  private static <T> CompletionStage<T> named(String name, Supplier<CompletionStage<T>> call) {
    try {
      requireName(name);
      return call.get();
    } catch (ObjectStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<Optional<ObjectInfo>> headObject(String bc, String name) {
    return call(
            "head",
            s -> HttpRequest.create().withMethod(HttpMethods.HEAD).withUri(objectUri(s, bc, name)))
        .thenApply(
            r -> {
              http.discard(r);
              if (r.status().intValue() == 404) {
                return Optional.empty();
              }
              if (!success(r)) {
                throw statusFailure("head", r);
              }
              return Optional.of(info(name, r, sizeOf(r)));
            });
  }

  @Override
  public CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range) {
    return named(name, () -> getObject(names.backendName(container), name, range));
  }

  private CompletionStage<Optional<ObjectContent>> getObject(
      String bc, String name, Optional<ByteRange> range) {
    return call(
            "get",
            s -> {
              HttpRequest request = HttpRequest.create().withUri(objectUri(s, bc, name));
              return range
                  .map(r -> request.addHeader(RawHeader.create("Range", r.toHeader())))
                  .orElse(request);
            })
        .thenCompose(
            r -> {
              int status = r.status().intValue();
              if (status == 404) {
                http.discard(r);
                return CompletableFuture.completedFuture(Optional.<ObjectContent>empty());
              }
              if (status == 416) {
                http.discard(r);
                return headObject(bc, name)
                    .thenApply(
                        found ->
                            found.map(
                                info ->
                                    new ObjectContent(
                                        info, Optional.empty(), true, Source.empty())));
              }
              if (status == 206) {
                Optional<long[]> contentRange =
                    SwiftAuth.header(r, "content-range").flatMap(ByteRange::parseContentRange);
                if (contentRange.isPresent()) {
                  long[] cr = contentRange.get();
                  ObjectInfo info = info(name, r, cr[2]);
                  return CompletableFuture.completedFuture(
                      Optional.of(
                          new ObjectContent(
                              info,
                              Optional.of(new ByteRange.Resolved(cr[0], cr[1])),
                              false,
                              r.entity().getDataBytes())));
                }
              }
              if (status != 200) {
                http.discard(r);
                throw statusFailure("get", r);
              }
              ObjectInfo info = info(name, r, sizeOf(r));
              if (range.isEmpty()) {
                Source<ByteString, ?> data = r.entity().getDataBytes();
                if (info.size() == 0) {
                  http.discard(r); // nothing to read: free the connection now
                  data = Source.empty();
                }
                return CompletableFuture.completedFuture(
                    Optional.of(new ObjectContent(info, Optional.empty(), false, data)));
              }
              // The backend ignored the range (it does for some forms): apply it here.
              Optional<ByteRange.Resolved> resolved = range.get().resolve(info.size());
              if (resolved.isEmpty()) {
                http.discard(r);
                return CompletableFuture.completedFuture(
                    Optional.of(new ObjectContent(info, Optional.empty(), true, Source.empty())));
              }
              return CompletableFuture.completedFuture(
                  Optional.of(
                      new ObjectContent(
                          info,
                          resolved,
                          false,
                          r.entity()
                              .getDataBytes()
                              .via(
                                  StreamSlice.of(
                                      resolved.get().first(), resolved.get().length())))));
            });
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    return named(
        name,
        () -> postObject(names.backendName(container), name, contentType, metadata, timestamp));
  }

  private CompletionStage<Optional<ObjectInfo>> postObject(
      String bc,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    // The previous content type must survive when it was kept as a fact and none is given.
    return headObject(bc, name)
        .thenCompose(
            previous -> {
              if (previous.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<ObjectInfo>empty());
              }
              String type = contentType.orElse(previous.get().contentType());
              ContentType modelled = contentType(toBackendType(type));
              Map<String, String> facts = new HashMap<>();
              facts.put(FACT_TIMESTAMP, timestamp.internal());
              if (!modelled.toString().equals(type)) {
                facts.put(FACT_CONTENT_TYPE, type);
              }
              List<HttpHeader> headers = metadataHeaders(metadata, facts);
              return call(
                      "post",
                      s ->
                          HttpRequest.create()
                              .withMethod(HttpMethods.POST)
                              .withUri(objectUri(s, bc, name))
                              .addHeaders(headers)
                              .withEntity(
                                  HttpEntities.create(modelled, ByteString.emptyByteString())))
                  .thenCompose(
                      r -> {
                        http.discard(r);
                        if (r.status().intValue() == 404) {
                          return CompletableFuture.completedFuture(Optional.<ObjectInfo>empty());
                        }
                        if (!success(r)) {
                          throw statusFailure("post", r);
                        }
                        return headObject(bc, name);
                      });
            });
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
    return named(name, () -> deleteObject(names.backendName(container), name));
  }

  private CompletionStage<Optional<ObjectInfo>> deleteObject(String bc, String name) {
    return headObject(bc, name)
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(found);
              }
              return call(
                      "delete",
                      s ->
                          HttpRequest.create()
                              .withMethod(HttpMethods.DELETE)
                              .withUri(objectUri(s, bc, name)))
                  .thenApply(
                      r -> {
                        http.discard(r);
                        if (r.status().intValue() == 404) {
                          return Optional.<ObjectInfo>empty();
                        }
                        if (!success(r)) {
                          throw statusFailure("delete", r);
                        }
                        return found;
                      });
            });
  }

  @Override
  public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
    String bc = names.backendName(container);
    return listFrom(bc, query, query.marker(), new ArrayList<>()).thenApply(ListingPage::new);
  }

  private CompletionStage<List<ListingEntry>> listFrom(
      String bc, ListingQuery query, Optional<String> marker, List<ListingEntry> rows) {
    int want = Math.min(SWIFT_LISTING_LIMIT, query.limit() - rows.size());
    if (want <= 0) {
      return CompletableFuture.completedFuture(rows);
    }
    List<Pair<String, String>> params = new ArrayList<>();
    params.add(Pair.create("format", "json"));
    params.add(Pair.create("limit", Integer.toString(want)));
    query.prefix().filter(p -> !p.isEmpty()).ifPresent(p -> params.add(Pair.create("prefix", p)));
    query
        .delimiter()
        .filter(d -> !d.isEmpty())
        .ifPresent(d -> params.add(Pair.create("delimiter", d)));
    marker.filter(m -> !m.isEmpty()).ifPresent(m -> params.add(Pair.create("marker", m)));
    query
        .endMarker()
        .filter(m -> !m.isEmpty())
        .ifPresent(m -> params.add(Pair.create("end_marker", m)));
    if (query.reverse()) {
      params.add(Pair.create("reverse", "true"));
    }
    @SuppressWarnings("unchecked")
    Query q = Query.create(params.toArray(new Pair[0]));
    return call("list", s -> HttpRequest.create().withUri(containerUri(s, bc).query(q)))
        .thenCompose(
            r -> {
              int status = r.status().intValue();
              if (status == 404 || status == 204) {
                http.discard(r);
                return CompletableFuture.completedFuture(rows);
              }
              if (!success(r)) {
                http.discard(r);
                throw statusFailure("list", r);
              }
              return http.body(r, settings.requestTimeout())
                  .thenCompose(
                      bytes -> {
                        List<ListingEntry> page = parseListing(bytes);
                        rows.addAll(page);
                        if (page.size() < want || rows.size() >= query.limit()) {
                          return CompletableFuture.completedFuture(rows);
                        }
                        return listFrom(
                            bc, query, Optional.of(page.get(page.size() - 1).sortKey()), rows);
                      });
            });
  }

  private List<ListingEntry> parseListing(ByteString bytes) {
    JsonNode array;
    try {
      array = JSON.readTree(bytes.toArray());
    } catch (IOException e) {
      throw new ObjectStoreException.BackendUnavailable(backendId, "unreadable listing", e, false);
    }
    List<ListingEntry> rows = new ArrayList<>();
    for (JsonNode row : array) {
      if (row.has("subdir")) {
        rows.add(new ListingEntry.SubdirRow(row.get("subdir").asText()));
        continue;
      }
      String contentType =
          fromBackendType(row.path("content_type").asText("application/octet-stream"));
      rows.add(
          new ListingEntry.ObjectRow(
              row.path("name").asText(),
              row.path("bytes").asLong(),
              row.path("hash").asText(),
              contentType,
              listingTimestamp(row.path("last_modified").asText(""))));
    }
    return rows;
  }

  private static SwiftTimestamp listingTimestamp(String lastModified) {
    if (lastModified.isEmpty()) {
      return new SwiftTimestamp(0);
    }
    return SwiftTimestamp.ofInstant(LocalDateTime.parse(lastModified).toInstant(ZoneOffset.UTC));
  }

  /**
   * The configured capacity, else the account's quota ({@code X-Account-Meta-Quota-Bytes}); the
   * bytes used are what the backend account reports (shared with whatever else uses it). Without a
   * configured or reported total the backend reports no free space, so set {@code capacity}.
   */
  @Override
  public CompletionStage<Capacity> capacity() {
    return call(
            "capacity",
            s ->
                HttpRequest.create()
                    .withMethod(HttpMethods.HEAD)
                    .withUri(Uri.create(s.storageUrl())))
        .thenApply(
            r -> {
              http.discard(r);
              if (!success(r)) {
                throw statusFailure("capacity", r);
              }
              long used =
                  SwiftAuth.header(r, "x-account-bytes-used").map(Long::parseLong).orElse(0L);
              long total =
                  configuredCapacity > 0
                      ? configuredCapacity
                      : SwiftAuth.header(r, "x-account-meta-quota-bytes")
                          .map(Long::parseLong)
                          .orElse(used);
              return new Capacity(total, used);
            });
  }

  @Override
  public CompletionStage<Done> probe() {
    return call(
            "probe",
            s ->
                HttpRequest.create()
                    .withMethod(HttpMethods.HEAD)
                    .withUri(Uri.create(s.storageUrl())))
        .thenApply(
            r -> {
              http.discard(r);
              if (!success(r)) {
                throw statusFailure("probe", r);
              }
              return Done.getInstance();
            });
  }

  // ---- requests ----

  /**
   * Sends a request built for the current token; after a 401 logs in again and sends it once more.
   * The second 401 is returned to the caller. Transport failures become BackendUnavailable.
   */
  private CompletionStage<HttpResponse> call(
      String operation, Function<SwiftAuth.Session, HttpRequest> build) {
    return auth.session()
        .thenCompose(
            session ->
                http.send(authorized(build.apply(session), session), settings.requestTimeout())
                    .thenCompose(
                        r -> {
                          if (r.status().intValue() != 401) {
                            return CompletableFuture.completedFuture(r);
                          }
                          http.discard(r);
                          auth.invalidate(session);
                          return auth.session()
                              .thenCompose(
                                  renewed ->
                                      http.send(
                                          authorized(build.apply(renewed), renewed),
                                          settings.requestTimeout()));
                        }))
        .exceptionallyCompose(
            failure -> CompletableFuture.failedStage(transportFailure(operation, failure)));
  }

  private static HttpRequest authorized(HttpRequest request, SwiftAuth.Session session) {
    return request.addHeader(RawHeader.create("X-Auth-Token", session.token()));
  }

  private Throwable transportFailure(String operation, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof ObjectStoreException) {
      return cause;
    }
    if (cause instanceof TimeoutException) {
      return new ObjectStoreException.BackendUnavailable(
          backendId,
          operation + ": no answer within " + settings.requestTimeout().toSeconds() + " s",
          cause);
    }
    return new ObjectStoreException.BackendUnavailable(backendId, operation + " failed", cause);
  }

  private ObjectStoreException statusFailure(String operation, HttpResponse r) {
    int status = r.status().intValue();
    if (status == 400 || status == 411 || status == 413 || status == 412) {
      return new ObjectStoreException.InvalidRequest(
          "the backend refused the " + operation + " (" + status + " " + r.status().reason() + ")");
    }
    if (status == 401 || status == 403) {
      return ObjectStoreException.BackendUnavailable.answered(
          backendId,
          operation + ": the backend refused the gateway's credentials (" + status + ")",
          status,
          null);
    }
    return ObjectStoreException.BackendUnavailable.answered(
        backendId, operation + " answered " + status + " " + r.status().reason(), status, null);
  }

  private static boolean success(HttpResponse r) {
    return r.status().intValue() / 100 == 2;
  }

  /**
   * URIs are built segment by segment from the parsed storage URL, never by parsing a string
   * holding a name: Akka's parser would collapse an object named {@code ..} or {@code .} with its
   * neighbours (a PUT of object ".." would become a PUT of the container).
   */
  private static Uri containerUri(SwiftAuth.Session s, String container) {
    return Uri.create(s.storageUrl()).addPathSegment(container);
  }

  private static Uri objectUri(SwiftAuth.Session s, String container, String name) {
    return containerUri(s, container).addPathSegment(name);
  }

  // ---- metadata ----

  private static List<HttpHeader> metadataHeaders(
      Map<String, String> metadata, Map<String, String> facts) {
    StoredMetadata.Encoded encoded = StoredMetadata.encode(metadata, facts);
    List<HttpHeader> headers = new ArrayList<>();
    encoded
        .userMeta()
        .forEach(
            (suffix, value) ->
                headers.add(RawHeader.create("X-Object-Meta-" + suffix, wire(value))));
    encoded
        .nativeHeaders()
        .forEach((name, value) -> headers.add(RawHeader.create(name, wire(value))));
    return headers;
  }

  private ObjectInfo info(String name, HttpResponse r, long size) {
    Map<String, String> user = new HashMap<>();
    Map<String, String> nativeHeaders = new HashMap<>();
    String xTimestamp = null;
    String etag = "";
    for (HttpHeader h : r.getHeaders()) {
      String n = h.lowercaseName();
      if (n.startsWith(META_HEADER)) {
        user.put(n.substring(META_HEADER.length()), unwire(h.value()));
      } else if (StoredMetadata.NATIVE_HEADERS.contains(n)) {
        nativeHeaders.put(n, unwire(h.value()));
      } else if (n.equals("x-timestamp")) {
        xTimestamp = h.value();
      } else if (n.equals("etag")) {
        etag = Etags.bare(h.value());
      }
    }
    StoredMetadata.Decoded decoded = StoredMetadata.decode(user, nativeHeaders);
    String contentType =
        decoded
            .facts()
            .getOrDefault(
                FACT_CONTENT_TYPE, fromBackendType(r.entity().getContentType().toString()));
    String ts = decoded.facts().getOrDefault(FACT_TIMESTAMP, xTimestamp);
    SwiftTimestamp timestamp = ts == null ? new SwiftTimestamp(0) : SwiftTimestamp.fromStored(ts);
    return new ObjectInfo(name, size, etag, contentType, timestamp, decoded.metadata());
  }

  private long sizeOf(HttpResponse r) {
    OptionalLong length = r.entity().getContentLengthOption();
    if (length.isPresent()) {
      return length.getAsLong();
    }
    return SwiftAuth.header(r, "content-length").map(Long::parseLong).orElse(0L);
  }

  /** Header values go out as their UTF-8 bytes (what Swift stores and returns). */
  private static String wire(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0x7e) {
        return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      }
    }
    return value;
  }

  /** A header value read as single bytes holding UTF-8 is decoded as UTF-8. */
  private static String unwire(String value) {
    boolean high = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xff) {
        return value;
      }
      high |= c > 0x7f;
    }
    if (!high) {
      return value;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)))
          .toString();
    } catch (CharacterCodingException e) {
      return value;
    }
  }

  private static final Pattern SWIFT_PARAM =
      Pattern.compile("(;\\s*)(swift_)", Pattern.CASE_INSENSITIVE);
  private static final Pattern RENAMED_PARAM =
      Pattern.compile("(;\\s*)archipelago_(swift_)", Pattern.CASE_INSENSITIVE);

  /**
   * Swift refuses a client's Content-Type with {@code swift_*} parameters (400), yet the gateway
   * keeps some ({@code swift_bytes} of an SLO manifest, {@code swift_versions_deleted} of a delete
   * marker): the backend stores them renamed {@code archipelago_swift_*}, which its listings show
   * too, and reads rename them back.
   */
  static String toBackendType(String type) {
    return SWIFT_PARAM.matcher(type).replaceAll("$1archipelago_$2");
  }

  static String fromBackendType(String type) {
    String kept = type;
    if (type.startsWith(UNPARSED_TYPE)) {
      int at = type.indexOf(UNPARSED_PARAM + "=");
      if (at >= 0) {
        kept = URLDecoder.decode(type.substring(at + UNPARSED_PARAM.length() + 1), UTF_8);
      }
    }
    return RENAMED_PARAM.matcher(kept).replaceAll(";$2");
  }

  /**
   * The type of a content type that Akka HTTP's client cannot send (Swift keeps any text, e.g.
   * {@code abc} without a slash): the backend stores this type with the client's value in {@link
   * #UNPARSED_PARAM}, percent-encoded, so that listings, which come from the backend, show the
   * value the client sent.
   */
  static final String UNPARSED_TYPE = "application/x-archipelago-unparsed";

  static final String UNPARSED_PARAM = "archipelago_type";

  static ContentType contentType(String value) {
    try {
      return ContentTypes.parse(value);
    } catch (RuntimeException e) {
      return ContentTypes.parse(
          UNPARSED_TYPE
              + "; "
              + UNPARSED_PARAM
              + "="
              + URLEncoder.encode(value, UTF_8).replace("+", "%20").replace("*", "%2A"));
    }
  }

  /**
   * Refuses names this client cannot send: the empty name, and "." and ".." (Akka HTTP's client
   * resolves dot segments of the request URI, so they would address the container or account).
   */
  private static void requireName(String name) {
    if (name.isEmpty()) {
      throw new ObjectStoreException.InvalidRequest("empty object name");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new ObjectStoreException.InvalidRequest(
          "object names '.' and '..' cannot be stored on a Swift backend");
    }
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
