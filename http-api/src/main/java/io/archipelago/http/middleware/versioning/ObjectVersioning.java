package io.archipelago.http.middleware.versioning;

import akka.Done;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.Reach;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Swift's current object versioning API ({@code object_versioning}): {@code X-Versions-Enabled} on
 * a container, version ids, {@code ?version-id=} on object requests, delete markers.
 *
 * <p>Where Swift keeps every version in the versions container and a symlink in the container, the
 * gateway keeps the current version as a plain object of the container (its version id rides on its
 * content type as the gateway's {@code swift_version_id} parameter, absent for a {@code null}
 * version) and the older versions and delete markers in the versions container {@link
 * #versionsContainer}: Swift's reserved name {@code \0versions\0<container>} in the same account,
 * which no client can address (a NUL in a path is refused) and no account listing shows. It is
 * created with the container's policy, so it lives on a backend of that policy. A version is stored
 * there as {@code <name>\u0001<inverted version id>}, so a listing gives the names in order and
 * each name's versions newest first. A write that replaces a current version first copies it there
 * ({@link #archiveCurrent}, used by {@code ObjectWriter} for every write: client PUTs, copies, SLO
 * manifests). Not done: an X-Delete-At of a current version also ends its data (Swift keeps the
 * version), and symlinks to versions.
 */
public final class ObjectVersioning implements ObjectMiddleware {

  /** The container metadata key, True or False, shown to clients as Swift shows its sysmeta. */
  public static final String ENABLED = "x-versions-enabled";

  /** Container system metadata: present once versioning was enabled (the versions container). */
  static final String HAS_VERSIONS = "x-container-sysmeta-versions-container";

  public static final String DELETE_MARKER_CONTENT_TYPE = Versioning.DELETE_MARKER_CONTENT_TYPE;

  private static final String VERSIONS_PREFIX = "\u0000versions\u0000";
  private static final String SEPARATOR = "\u0001";
  private static final String VERSION_ID = "x-object-version-id";
  private static final String NULL = "null";

  final LiveObjects objects;
  final ContainerOps containers;
  private final HeadLength headLength;

  public ObjectVersioning(LiveObjects objects, ContainerOps containers, HeadLength headLength) {
    this.objects = objects;
    this.containers = containers;
    this.headLength = headLength;
  }

  /** The {@code /info} section. */
  public static void capabilities(ObjectNode info) {
    info.putObject("object_versioning");
  }

  // ---- names --------------------------------------------------------------------------------

  /**
   * The versions container of {@code container}: Swift's reserved name, which no client can address
   * (a NUL in a path is refused) and no account listing shows.
   */
  public static String versionsContainer(String container) {
    return VERSIONS_PREFIX + container;
  }

  /** The key of a version in the versions container. */
  static String versionKey(String name, SwiftTimestamp version) {
    return name + SEPARATOR + inverted(version);
  }

  static String inverted(SwiftTimestamp version) {
    return new SwiftTimestamp(SwiftTimestamp.MAX_TICKS - version.ticks()).internal();
  }

  /** A versions container key as name and version id; empty for a key of another form. */
  static Optional<Map.Entry<String, String>> splitKey(String key) {
    int at = key.lastIndexOf(SEPARATOR);
    if (at < 0) {
      return Optional.empty();
    }
    try {
      SwiftTimestamp inv = SwiftTimestamp.parse(key.substring(at + 1));
      return Optional.of(
          Map.entry(
              key.substring(0, at),
              new SwiftTimestamp(SwiftTimestamp.MAX_TICKS - inv.ticks()).internal()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether the container has (or had) versioning: then it has a versions container. */
  public static boolean hasVersions(ContainerState state) {
    return state.metadata().containsKey(HAS_VERSIONS);
  }

  public static boolean enabled(ContainerState state) {
    return SwiftHeaders.isTrue(state.metadata().getOrDefault(ENABLED, ""));
  }

  /** The version id a current object carries; empty for a null version. */
  public static Optional<String> versionId(String contentType) {
    return SwiftHeaders.versionId(contentType);
  }

  static SwiftTimestamp parseVersion(String version) {
    try {
      return SwiftTimestamp.parse(version);
    } catch (IllegalArgumentException e) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Invalid version parameter");
    }
  }

  // ---- container requests -------------------------------------------------------------------

  /**
   * The metadata change of a container PUT or POST with {@code X-Versions-Enabled}, applied to the
   * container's metadata {@code changes}.
   */
  public static void containerChanges(SwiftRequest request, Map<String, String> changes) {
    request
        .header(ENABLED)
        .ifPresent(
            v -> {
              changes.put(ENABLED, SwiftHeaders.isTrue(v) ? "True" : "False");
              if (SwiftHeaders.isTrue(v)) {
                changes.put(HAS_VERSIONS, "true");
              }
            });
  }

  /**
   * The container stage: enabling (creates the versions container), the {@code ?versions} listing,
   * the bytes of the versions in the container's bytes used, and DELETE (409 while versions are
   * left, else the versions container goes too).
   */
  public CompletionStage<HttpResponse> handleContainer(
      SwiftRequest request, Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
    String method = request.http().method().value();
    String account = request.account();
    String container = request.container();
    if ((method.equals("PUT") || method.equals("POST")) && request.header(ENABLED).isPresent()) {
      return enable(request, next);
    }
    if ((method.equals("PUT") || method.equals("POST")) && setsLegacyLocation(request)) {
      return current(account, container)
          .thenCompose(
              state -> {
                if (state.isPresent() && enabled(state.get())) {
                  throw SwiftException.plain(
                      SwiftError.BAD_REQUEST,
                      "Cannot set a versions or history location on a container "
                          + "that uses object versioning.");
                }
                return next.apply(request);
              });
    }
    if (method.equals("GET") && request.query().containsKey("versions")) {
      return new VersionsListing(this).list(request);
    }
    if (method.equals("DELETE")) {
      return delete(request, next);
    }
    if (method.equals("GET") || method.equals("HEAD")) {
      return next.apply(request).thenCompose(r -> withVersionsBytes(request, r));
    }
    return next.apply(request);
  }

  private static boolean setsLegacyLocation(SwiftRequest request) {
    return request.header(Versioning.VERSIONS_LOCATION).filter(v -> !v.isBlank()).isPresent()
        || request.header(Versioning.HISTORY_LOCATION).filter(v -> !v.isBlank()).isPresent();
  }

  private CompletionStage<Optional<ContainerState>> current(String account, String container) {
    return absentIfNotFound(containers.get(account, container));
  }

  /** The state a read of the request uses (the request's own, asked once). */
  private CompletionStage<Optional<ContainerState>> currentForRead(
      SwiftRequest request, String account, String container) {
    return absentIfNotFound(InfoCache.read(containers, request.http(), account, container));
  }

  private static CompletionStage<Optional<ContainerState>> absentIfNotFound(
      CompletionStage<ContainerState> state) {
    return state
        .thenApply(Optional::of)
        .exceptionally(
            failure -> {
              Throwable t = SwiftErrors.unwrap(failure);
              if (t instanceof GatewayException g
                  && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                return Optional.empty();
              }
              throw t instanceof RuntimeException r ? r : new CompletionException(t);
            });
  }

  private CompletionStage<HttpResponse> enable(
      SwiftRequest request, Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
    String account = request.account();
    String container = request.container();
    boolean on = SwiftHeaders.isTrue(request.header(ENABLED).orElse(""));
    return current(account, container)
        .thenCompose(
            state -> {
              Map<String, String> meta = state.map(ContainerState::metadata).orElse(Map.of());
              boolean legacy =
                  !meta.getOrDefault(Versioning.VERSIONS_LOCATION, "").isEmpty()
                      || !meta.getOrDefault(Versioning.HISTORY_LOCATION, "").isEmpty()
                      || setsLegacyLocation(request);
              if (legacy) {
                throw SwiftException.plain(
                    SwiftError.BAD_REQUEST,
                    "Cannot enable object versioning on a container that is already using the"
                        + " legacy versioned writes feature.");
              }
              if (!meta.getOrDefault("x-container-sync-to", "").isEmpty()) {
                throw SwiftException.plain(
                    SwiftError.BAD_REQUEST,
                    "Cannot enable object versioning on a container configured as source of"
                        + " container syncing.");
              }
              if (!on) {
                return next.apply(request);
              }
              Optional<String> policy =
                  state.isPresent()
                      ? Optional.of(state.get().policy())
                      : request
                          .header("x-storage-policy")
                          .map(String::trim)
                          .filter(p -> !p.isEmpty());
              return containers
                  .create(
                      account,
                      versionsContainer(container),
                      policy,
                      Map.of(),
                      SwiftTimestamp.now(),
                      request.context())
                  .thenCompose(created -> next.apply(request));
            });
  }

  private CompletionStage<HttpResponse> delete(
      SwiftRequest request, Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
    String account = request.account();
    String container = request.container();
    return current(account, container)
        .thenCompose(
            state -> {
              if (state.isEmpty() || !hasVersions(state.get())) {
                return next.apply(request);
              }
              return current(account, versionsContainer(container))
                  .thenCompose(
                      versions -> {
                        if (versions.isPresent() && versions.get().objectCount() > 0) {
                          throw new SwiftException(
                              SwiftError.CONFLICT,
                              "Delete all versions before deleting container.");
                        }
                        return next.apply(request)
                            .thenCompose(
                                response -> {
                                  if (!response.status().isSuccess() || versions.isEmpty()) {
                                    return CompletableFuture.completedFuture(response);
                                  }
                                  return containers
                                      .delete(
                                          account,
                                          versionsContainer(container),
                                          SwiftTimestamp.now(),
                                          request.context())
                                      .handle((done, failure) -> response);
                                });
                      });
            });
  }

  /** Swift counts the bytes of the versions in the container's X-Container-Bytes-Used. */
  private CompletionStage<HttpResponse> withVersionsBytes(
      SwiftRequest request, HttpResponse response) {
    if (!response.status().isSuccess()
        || response.getHeader("X-Versions-Enabled").isEmpty()
        || response.getHeader("X-Container-Bytes-Used").isEmpty()) {
      return CompletableFuture.completedFuture(response);
    }
    List<HttpHeader> headers = new ArrayList<>();
    response.getHeaders().forEach(headers::add);
    return withVersionsBytes(request.account(), request.container(), headers)
        .thenApply(response::withHeaders);
  }

  /** The container's headers with the bytes of its versions container added to its own. */
  CompletionStage<List<HttpHeader>> withVersionsBytes(
      String account, String container, List<HttpHeader> headers) {
    return current(account, versionsContainer(container))
        .thenApply(
            versions -> {
              if (versions.isEmpty()) {
                return headers;
              }
              long extra = versions.get().bytesUsed();
              return headers.stream()
                  .map(
                      h ->
                          h.lowercaseName().equals("x-container-bytes-used")
                              ? (HttpHeader)
                                  RawHeader.create(
                                      "X-Container-Bytes-Used",
                                      Long.toString(Long.parseLong(h.value()) + extra))
                              : h)
                  .toList();
            })
        .exceptionally(failure -> headers);
  }

  // ---- object requests ----------------------------------------------------------------------

  @Override
  public CompletionStage<HttpResponse> handle(SwiftRequest request, Reach reach, Next next) {
    String method = request.http().method().value();
    Optional<String> version = request.queryParam("version-id").filter(v -> !v.isEmpty());
    if (version.isPresent()) {
      return versioned(request, reach, next, version.get());
    }
    if (method.equals("POST") && expires(request)) {
      return next.handle(request, reach)
          .thenCompose(response -> keepingVersion(request, response, 202, false));
    }
    if (!List.of("PUT", "DELETE", "GET", "HEAD").contains(method)) {
      return next.handle(request, reach);
    }
    String account = request.account();
    String container = request.container();
    String name = request.object();
    // A missing container is not this stage's answer: the stages after it (a copy's source
    // authorization first) say what Swift says. Reads take the container's state as reads do (the
    // route view while its entity moves after a node crash), never waiting for the entity.
    boolean read = method.equals("GET") || method.equals("HEAD");
    // A PUT's stages share the entity's one answer (InfoCache.forWrite); a DELETE asks afresh.
    CompletionStage<Optional<ContainerState>> asked =
        read
            ? currentForRead(request, account, container)
            : method.equals("PUT")
                ? absentIfNotFound(
                    InfoCache.forWrite(containers, request.http(), account, container))
                : current(account, container);
    return asked.thenCompose(
        known -> {
          if (known.isEmpty() || !hasVersions(known.get())) {
            return next.handle(request, reach);
          }
          ContainerState state = known.get();
          boolean on = enabled(state);
          switch (method) {
            case "PUT":
              return next.handle(request, reach)
                  .thenCompose(
                      response ->
                          on && expires(request)
                              ? keepingVersion(request, response, 201, true)
                              : CompletableFuture.completedFuture(response))
                  .thenApply(
                      response ->
                          on && response.status().intValue() == 201
                              ? response
                                  .getHeader("X-Timestamp")
                                  .map(
                                      ts ->
                                          response.addHeader(
                                              RawHeader.create(
                                                  "X-Object-Version-Id",
                                                  SwiftTimestamp.parse(ts.value()).internal())))
                                  .orElse(response)
                              : response);
            case "DELETE":
              return deleteCurrent(request, reach, next, state);
            default:
              return objects
                  .head(account, container, name, request.context())
                  .thenCompose(
                      found ->
                          next.handle(request, reach)
                              .thenCompose(
                                  response ->
                                      linkedVersion(request, response)
                                          .orElseGet(
                                              () ->
                                                  CompletableFuture.completedFuture(
                                                      withCurrentVersion(
                                                          request,
                                                          response,
                                                          found.flatMap(
                                                              i -> versionId(i.contentType())))))));
          }
        });
  }

  private static boolean expires(SwiftRequest request) {
    return request.header("x-delete-at").isPresent()
        || request.header("x-delete-after").isPresent();
  }

  /**
   * After a write ({@code status}) that gave a current version an X-Delete-At: a copy of it without
   * the expiry goes to the versions container. Swift's current version is a link to its version and
   * only the link expires; here the current version is the object, so its version is kept beside
   * it, hidden from {@code ?versions} listings while the object is there (the same id).
   */
  private CompletionStage<HttpResponse> keepingVersion(
      SwiftRequest request, HttpResponse response, int status, boolean versionsKnown) {
    if (response.status().intValue() != status) {
      return CompletableFuture.completedFuture(response);
    }
    String account = request.account();
    String container = request.container();
    CompletionStage<Boolean> versioned =
        versionsKnown
            ? CompletableFuture.completedFuture(true)
            : current(account, container).thenApply(s -> s.isPresent() && hasVersions(s.get()));
    return versioned
        .thenCompose(
            has ->
                has
                    ? keepVersion(account, container, request.object(), request.context())
                    : CompletableFuture.completedFuture(Done.done()))
        .thenApply(done -> response);
  }

  /** Copies the current object, when it has a version id, to its key in the versions container. */
  private CompletionStage<Done> keepVersion(
      String account, String container, String name, RequestContext request) {
    return LiveObjects.absentIfNotFound(
            objects.ops().get(account, container, name, Optional.empty()).thenApply(Optional::of))
        .thenCompose(
            found -> {
              Optional<String> id = found.flatMap(c -> versionId(c.info().contentType()));
              if (id.isEmpty()) {
                found.ifPresent(c -> c.data().runWith(Sink.cancelled(), objects.materializer()));
                return CompletableFuture.completedFuture(Done.done());
              }
              ObjectContent c = found.get();
              return rawCopy(
                      c,
                      SwiftHeaders.withoutVersionId(c.info().contentType()),
                      account,
                      versionsContainer(container),
                      versionKey(name, SwiftTimestamp.parse(id.get())),
                      request)
                  .thenApply(i -> Done.done());
            });
  }

  /**
   * DELETE of the object: its current version goes to the versions container; with versioning on, a
   * delete marker is written there too (its id answers as X-Object-Version-Id).
   */
  private CompletionStage<HttpResponse> deleteCurrent(
      SwiftRequest request, Reach reach, Next next, ContainerState state) {
    String account = request.account();
    String container = request.container();
    String name = request.object();
    RequestContext ctx = request.context();
    CompletionStage<Done> archived =
        archiveCurrent(account, container, name, enabled(state), ctx).thenApply(i -> Done.done());
    if (!enabled(state)) {
      return archived.thenCompose(done -> next.handle(request, reach));
    }
    SwiftTimestamp markerTs = SwiftTimestamp.now();
    ObjectAttributes marker =
        new ObjectAttributes(
            DELETE_MARKER_CONTENT_TYPE, markerTs, Map.of(), Optional.empty(), OptionalLong.of(0));
    return archived
        .thenCompose(
            done ->
                objects
                    .ops()
                    .put(
                        account,
                        versionsContainer(container),
                        versionKey(name, markerTs),
                        marker,
                        Source.empty(),
                        ctx))
        .thenCompose(
            written ->
                next.handle(request, reach)
                    .exceptionally(
                        failure -> {
                          Throwable t = SwiftErrors.unwrap(failure);
                          if (t instanceof GatewayException g
                              && g.reason() == GatewayException.Reason.OBJECT_NOT_FOUND) {
                            return SwiftErrors.response(SwiftError.NOT_FOUND);
                          }
                          throw t instanceof RuntimeException r ? r : new CompletionException(t);
                        }))
        .thenApply(
            response ->
                response.addHeader(RawHeader.create("X-Object-Version-Id", markerTs.internal())));
  }

  /**
   * Copies the current version of the object, if any, into the versions container: always when
   * {@code nullToo} (versioning on), else only a version that has an id (its data would be lost, a
   * null version is simply replaced as Swift replaces it). Empty when nothing was copied.
   */
  public CompletionStage<Optional<ObjectInfo>> archiveCurrent(
      String account, String container, String name, boolean nullToo, RequestContext request) {
    return objects
        .get(account, container, name, Optional.empty(), request)
        .thenCompose(
            current -> {
              if (current.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<ObjectInfo>empty());
              }
              ObjectContent c = current.get();
              Optional<String> id = versionId(c.info().contentType());
              if (id.isEmpty() && !nullToo) {
                c.data().runWith(Sink.cancelled(), objects.materializer());
                return CompletableFuture.completedFuture(Optional.<ObjectInfo>empty());
              }
              SwiftTimestamp version = id.map(SwiftTimestamp::parse).orElse(c.info().timestamp());
              return rawCopy(
                      c,
                      SwiftHeaders.withoutVersionId(c.info().contentType()),
                      account,
                      versionsContainer(container),
                      versionKey(name, version),
                      request)
                  .thenApply(Optional::of);
            });
  }

  CompletionStage<ObjectInfo> rawCopy(
      ObjectContent source,
      String contentType,
      String account,
      String container,
      String name,
      RequestContext request) {
    ObjectInfo info = source.info();
    // a version never expires (Swift's versions carry no X-Delete-At; only links do)
    Map<String, String> metadata = new HashMap<>(info.metadata());
    metadata.remove("x-delete-at");
    ObjectAttributes attributes =
        new ObjectAttributes(
            contentType,
            SwiftTimestamp.now(),
            Map.copyOf(metadata),
            Optional.of(info.etag()),
            OptionalLong.of(info.size()));
    return objects.ops().put(account, container, name, attributes, source.data(), request);
  }

  // ---- ?version-id= -------------------------------------------------------------------------

  private CompletionStage<HttpResponse> versioned(
      SwiftRequest request, Reach reach, Next next, String version) {
    String method = request.http().method().value();
    if (method.equals("POST")) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST, "POST to a specific version is not allowed");
    }
    String account = request.account();
    String container = request.container();
    String name = request.object();
    RequestContext ctx = request.context();
    return containers
        .get(account, container)
        .thenCompose(
            state -> {
              if (!hasVersions(state) && !version.equals(NULL)) {
                throw SwiftException.plain(
                    SwiftError.BAD_REQUEST,
                    "version-aware operations require that the container is versioned");
              }
              Optional<String> id =
                  version.equals(NULL)
                      ? Optional.empty()
                      : Optional.of(parseVersion(version).internal());
              SwiftRequest plain = withoutVersionParam(request, request.path());
              // a version is an object of the versions container: only its owner reaches it
              CompletionStage<Void> allowed =
                  id.isEmpty()
                      ? CompletableFuture.completedFuture(null)
                      : reach.require(
                          method,
                          new RequestPath(
                              "v1",
                              account,
                              Optional.of(versionsContainer(container)),
                              Optional.of(name)));
              return allowed
                  .thenCompose(ok -> objects.head(account, container, name, ctx))
                  .thenCompose(
                      current -> {
                        Optional<String> currentId =
                            current.flatMap(i -> versionId(i.contentType()));
                        boolean isCurrent = current.isPresent() && currentId.equals(id);
                        boolean manifestDelete =
                            method.equals("DELETE")
                                && id.isPresent()
                                && request
                                    .queryParam("multipart-manifest")
                                    .filter(m -> m.equals("delete"))
                                    .isPresent();
                        if (manifestDelete) {
                          // slo deletes the version's segments and the version itself
                          RequestPath stored =
                              isCurrent
                                  ? request.path()
                                  : new RequestPath(
                                      "v1",
                                      account,
                                      Optional.of(versionsContainer(container)),
                                      Optional.of(
                                          versionKey(name, SwiftTimestamp.parse(id.get()))));
                          return next.handle(withoutVersionParam(request, stored), reach);
                        }
                        return switch (method) {
                          case "DELETE" ->
                              deleteVersion(request, reach, next, plain, id, isCurrent, currentId);
                          case "PUT" -> restore(request, id, currentId, isCurrent);
                          default -> read(request, reach, next, plain, id, isCurrent);
                        };
                      });
            });
  }

  private CompletionStage<HttpResponse> read(
      SwiftRequest request,
      Reach reach,
      Next next,
      SwiftRequest plain,
      Optional<String> id,
      boolean isCurrent) {
    String label = id.orElse(NULL);
    if (isCurrent) {
      return next.handle(plain, reach).thenApply(r -> withVersionHeader(r, label));
    }
    if (id.isEmpty()) {
      // the current version has an id (or there is none): no null version
      throw new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
    }
    String account = request.account();
    String container = request.container();
    String key = versionKey(request.object(), SwiftTimestamp.parse(id.get()));
    return LiveObjects.absentIfNotFound(
            objects.head(account, versionsContainer(container), key, request.context()))
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                throw new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
              }
              if (found.get().contentType().equals(DELETE_MARKER_CONTENT_TYPE)) {
                HttpResponse notFound =
                    HttpResponse.create()
                        .withStatus(StatusCodes.NOT_FOUND)
                        .withEntity(
                            HttpEntities.create(
                                ContentTypes.NO_CONTENT_TYPE, ByteString.emptyByteString()))
                        .addHeader(RawHeader.create("X-Object-Version-Id", label));
                return CompletableFuture.completedFuture(
                    headLength.rawContentType(notFound, DELETE_MARKER_CONTENT_TYPE));
              }
              RequestPath target =
                  new RequestPath(
                      "v1", account, Optional.of(versionsContainer(container)), Optional.of(key));
              return next.handle(withoutVersionParam(request, target), reach)
                  .thenApply(
                      r ->
                          request.http().method().value().equals("COPY")
                              ? copiedVersion(request, r)
                              : withVersionHeader(r, label));
            });
  }

  private CompletionStage<HttpResponse> deleteVersion(
      SwiftRequest request,
      Reach reach,
      Next next,
      SwiftRequest plain,
      Optional<String> id,
      boolean isCurrent,
      Optional<String> currentId) {
    if (id.isEmpty()) {
      // Swift deletes whatever is current (its link); a version with an id stays a version
      return archiveCurrent(
              request.account(), request.container(), request.object(), false, request.context())
          .thenCompose(archived -> next.handle(plain, reach));
    }
    String account = request.account();
    String container = request.container();
    String name = request.object();
    if (isCurrent) {
      String kept = versionKey(name, SwiftTimestamp.parse(id.get()));
      return objects
          .ops()
          .delete(account, container, name, SwiftTimestamp.now(), request.context())
          .thenCompose(
              deleted ->
                  LiveObjects.absentIfNotFound(
                      objects
                          .ops()
                          .delete(
                              account,
                              versionsContainer(container),
                              kept,
                              SwiftTimestamp.now(),
                              request.context())
                          .thenApply(Optional::of)))
          .thenApply(
              deleted ->
                  Responses.empty(
                      StatusCodes.NO_CONTENT,
                      Responses.headers()
                          .add("X-Object-Version-Id", id.get())
                          .add("X-Object-Current-Version-Id", NULL)
                          .list()));
    }
    String key = versionKey(name, SwiftTimestamp.parse(id.get()));
    return LiveObjects.absentIfNotFound(
            objects
                .ops()
                .delete(
                    account,
                    versionsContainer(container),
                    key,
                    SwiftTimestamp.now(),
                    request.context())
                .thenApply(Optional::of))
        .thenApply(
            deleted ->
                Responses.empty(
                    deleted.isPresent() ? StatusCodes.NO_CONTENT : StatusCodes.NOT_FOUND,
                    Responses.headers()
                        .add("X-Object-Version-Id", id.get())
                        .add("X-Object-Current-Version-Id", currentId.orElse(NULL))
                        .list()));
  }

  /** PUT ?version-id=: the version becomes the current one again (it leaves the archive). */
  private CompletionStage<HttpResponse> restore(
      SwiftRequest request, Optional<String> id, Optional<String> currentId, boolean isCurrent) {
    boolean hasBody =
        request.header("content-length").map(l -> !l.trim().equals("0")).orElse(false)
            || request.header("transfer-encoding").isPresent();
    request.http().discardEntityBytes(objects.materializer());
    if (hasBody) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST, "PUT version-id requests require a zero byte body");
    }
    if (id.isEmpty()) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Invalid version parameter");
    }
    String account = request.account();
    String container = request.container();
    String name = request.object();
    RequestContext ctx = request.context();
    String key = versionKey(name, SwiftTimestamp.parse(id.get()));
    if (isCurrent) {
      return CompletableFuture.completedFuture(
          Responses.empty(
              StatusCodes.CREATED,
              Responses.headers().add("X-Object-Version-Id", id.get()).list()));
    }
    return LiveObjects.absentIfNotFound(
            objects.head(account, versionsContainer(container), key, ctx))
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                throw SwiftException.plain(
                    SwiftError.NOT_FOUND, "The specified version does not exist");
              }
              return archiveCurrent(account, container, name, true, ctx);
            })
        .thenCompose(
            archived ->
                objects.get(account, versionsContainer(container), key, Optional.empty(), ctx))
        .thenCompose(
            version -> {
              if (version.isEmpty()) {
                throw SwiftException.plain(
                    SwiftError.NOT_FOUND, "The specified version does not exist");
              }
              ObjectContent v = version.get();
              return rawCopy(
                  v,
                  SwiftHeaders.withVersionId(v.info().contentType(), id.get()),
                  account,
                  container,
                  name,
                  ctx);
            })
        .thenCompose(
            written ->
                objects
                    .ops()
                    .delete(account, versionsContainer(container), key, SwiftTimestamp.now(), ctx)
                    .thenApply(
                        d ->
                            Responses.empty(
                                StatusCodes.CREATED,
                                Responses.headers()
                                    .add("Etag", written.etag())
                                    .add("Last-Modified", written.timestamp().toHttpDate())
                                    .add("X-Object-Version-Id", id.get())
                                    .list())));
  }

  /**
   * A GET or HEAD answered through a symlink (its {@code Content-Location} names the target): the
   * version id is the final target's, as Swift finds it where the last link led, and only when that
   * target is a versioned object of the same container (Swift: its versions container); else {@code
   * null}, the target's location kept. Empty when the answer came through no link.
   */
  private Optional<CompletionStage<HttpResponse>> linkedVersion(
      SwiftRequest request, HttpResponse response) {
    List<String> locations = new ArrayList<>();
    response
        .getHeaders()
        .forEach(
            h -> {
              if (h.is("content-location")) {
                locations.add(h.value());
              }
            });
    if (locations.size() != 1 || !locations.get(0).startsWith("/v1/")) {
      return Optional.empty();
    }
    String[] parts = locations.get(0).substring(4).split("/", 3);
    if (parts.length < 3
        || !PyText.unquote(parts[0]).equals(request.account())
        || !PyText.unquote(parts[1]).equals(request.container())) {
      return Optional.of(CompletableFuture.completedFuture(withVersionHeader(response, NULL)));
    }
    String target = PyText.unquote(parts[2]);
    return Optional.of(
        objects
            .head(request.account(), request.container(), target, request.context())
            .thenApply(
                found -> {
                  Optional<String> id = found.flatMap(i -> versionId(i.contentType()));
                  if (id.isEmpty() || !response.status().isSuccess()) {
                    return withVersionHeader(response, id.orElse(NULL));
                  }
                  List<HttpHeader> headers = new ArrayList<>();
                  response
                      .getHeaders()
                      .forEach(
                          h -> {
                            if (!h.is("content-location")) {
                              headers.add(h);
                            }
                          });
                  return withCurrentVersion(request, response.withHeaders(headers), id);
                }));
  }

  /**
   * A GET or HEAD of the current version: its id, and for one with an id, where it is as a version
   * ({@code Content-Location}, as Swift answers for the version its symlink points to).
   */
  private static HttpResponse withCurrentVersion(
      SwiftRequest request, HttpResponse response, Optional<String> id) {
    HttpResponse answered = withVersionHeader(response, id.orElse(NULL));
    if (id.isEmpty() || !response.status().isSuccess()) {
      return answered;
    }
    String path = "/v1/" + request.account() + "/" + request.container() + "/" + request.object();
    return answered.addHeader(
        RawHeader.create("Content-Location", quote(path) + "?version-id=" + id.get()));
  }

  /** Python's {@code urllib.parse.quote} of the UTF-8 bytes, '/' kept. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "_.-~/".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return out.toString();
  }

  /**
   * A COPY of a version made a new current version: its id is the new one's, and it was copied from
   * the object (the versions container is nobody's business).
   */
  private static HttpResponse copiedVersion(SwiftRequest request, HttpResponse response) {
    if (response.status().intValue() != 201) {
      return response;
    }
    List<HttpHeader> headers = new ArrayList<>();
    for (HttpHeader h : response.getHeaders()) {
      if (!h.is("x-copied-from")) {
        headers.add(h);
      }
    }
    headers.add(
        RawHeader.create("X-Copied-From", quote(request.container() + "/" + request.object())));
    response
        .getHeader("X-Timestamp")
        .ifPresent(
            ts ->
                headers.add(
                    RawHeader.create(
                        "X-Object-Version-Id", SwiftTimestamp.parse(ts.value()).internal())));
    return response.withHeaders(headers);
  }

  private static HttpResponse withVersionHeader(HttpResponse response, String id) {
    return response.addHeader(RawHeader.create("X-Object-Version-Id", id));
  }

  private static SwiftRequest withoutVersionParam(SwiftRequest request, RequestPath path) {
    Map<String, String> query = new HashMap<>(request.query());
    query.remove("version-id");
    return new SwiftRequest(
        request.http(),
        path,
        Map.copyOf(query),
        request.headers(),
        request.principal(),
        request.clientAddress(),
        request.node(),
        request.requestId());
  }
}
