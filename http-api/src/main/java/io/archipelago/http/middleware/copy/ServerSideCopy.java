package io.archipelago.http.middleware.copy;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.javadsl.Sink;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.dlo.DynamicLargeObjects;
import io.archipelago.http.middleware.slo.SloManifest;
import io.archipelago.http.middleware.slo.StaticLargeObjects;
import io.archipelago.http.middleware.symlink.Symlinks;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.ObjectPuts;
import io.archipelago.http.swift.ObjectReader;
import io.archipelago.http.swift.ObjectWriter;
import io.archipelago.http.swift.Reach;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Server-side copy (Swift's {@code copy} middleware): {@code COPY} with {@code Destination} (and
 * {@code Destination-Account}) is a PUT of the destination with {@code X-Copy-From} (and {@code
 * X-Copy-From-Account}). The source is read as a client GET would read it, with the request's
 * conditions and Range (a ranged copy is partial); a large object is copied as its concatenation,
 * or as a manifest with {@code ?multipart-manifest=get}. The destination gets the source's metadata
 * overlaid with the request's, or only the request's with {@code X-Fresh-Metadata: true}. The bytes
 * stream from the source's backend through the gateway to the destination's, whichever backends
 * they are, and the write goes through the same path as a client PUT (versioning, timestamps,
 * recording in the container).
 *
 * <p>Rights are checked as the copy middleware's sub-requests have them checked, in its order: the
 * client must be allowed to GET the source (its container's X-Container-Read, or owning the
 * account), which is then read (404 if it is missing), and only then to PUT the destination
 * (X-Container-Write of the destination container, or owning that account).
 */
public final class ServerSideCopy implements ObjectMiddleware {

  /** Source headers that are not copied over as metadata. */
  private static final List<String> NOT_COPIED =
      List.of(
          SloManifest.HEADER, DynamicLargeObjects.MANIFEST_HEADER,
          SloManifest.SYSMETA_ETAG, SloManifest.SYSMETA_SIZE);

  /** Where a copy reads from and writes to. */
  public record Endpoints(
      String sourceAccount,
      String sourceContainer,
      String sourceObject,
      String account,
      String container,
      String object) {}

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final StaticLargeObjects slo;
  private final ObjectPuts puts;
  private final long maxFileSize;

  public ServerSideCopy(
      ObjectReader reader,
      ObjectWriter writer,
      StaticLargeObjects slo,
      ObjectPuts puts,
      long maxFileSize) {
    this.reader = reader;
    this.writer = writer;
    this.slo = slo;
    this.puts = puts;
    this.maxFileSize = maxFileSize;
  }

  /** {@code COPY}, and {@code PUT} with {@code X-Copy-From}; every other request passes on. */
  @Override
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request, Reach reach, ObjectMiddleware.Next next) {
    String method = request.http().method().value();
    if (method.equals("COPY")) {
      Endpoints endpoints = fromCopy(request);
      ObjectWriter.Write sink =
          puts.write(request, endpoints.account(), endpoints.container(), endpoints.object());
      return copy(request, endpoints, sink, ObjectPuts.declaredContentType(request), reach);
    }
    if (method.equals("PUT") && request.header("x-copy-from").isPresent()) {
      if (request.queryParam("multipart-manifest").map(m -> m.equals("put")).orElse(false)) {
        throw new SwiftException(
            SwiftError.METHOD_NOT_ALLOWED, "Multipart Manifest PUTs cannot be COPY requests");
      }
      ObjectWriter.Write sink =
          puts.write(request, request.account(), request.container(), request.object());
      ObjectPuts.checkContentType(request);
      return copy(request, fromPut(request), sink, ObjectPuts.declaredContentType(request), reach);
    }
    return next.handle(request, reach);
  }

  /** {@code COPY}: where to, from {@code Destination} and {@code Destination-Account}. */
  public static Endpoints fromCopy(SwiftRequest request) {
    String destination =
        request
            .header("destination")
            .filter(d -> !d.isEmpty())
            .orElseThrow(
                () ->
                    new SwiftException(
                        SwiftError.PRECONDITION_FAILED, "Destination header required"));
    String account = request.account();
    Optional<String> destinationAccount = request.header("destination-account");
    if (destinationAccount.isPresent()) {
      account = Constraints.checkNameFormat(decode(destinationAccount.get()), "Account");
    }
    String[] path =
        path(destination, "Destination header must be of the form <container name>/<object name>");
    return new Endpoints(
        request.account(), request.container(), request.object(), account, path[0], path[1]);
  }

  /** {@code PUT} with {@code X-Copy-From}: where from. */
  public static Endpoints fromPut(SwiftRequest request) {
    String[] path =
        path(
            request.header("x-copy-from").orElseThrow(),
            "X-Copy-From header must be of the form <container name>/<object name>");
    String sourceAccount =
        request
            .header("x-copy-from-account")
            .map(a -> Constraints.checkNameFormat(decode(a), "Account"))
            .orElse(request.account());
    return new Endpoints(
        sourceAccount, path[0], path[1], request.account(), request.container(), request.object());
  }

  /**
   * {@code check_path_header}: {@code [/]container/object}, both parts non-empty; 412 otherwise.
   */
  private static String[] path(String header, String error) {
    String value = decode(header);
    String path = value.startsWith("/") ? value.substring(1) : value;
    int slash = path.indexOf('/');
    if (slash <= 0 || slash == path.length() - 1) {
      throw new SwiftException(SwiftError.PRECONDITION_FAILED, error);
    }
    return new String[] {path.substring(0, slash), path.substring(slash + 1)};
  }

  private static String decode(String value) {
    return RequestPath.decode(value, false);
  }

  /**
   * Copies. {@code sink} is the destination write as the request describes it (content type given
   * or not, metadata, X-Delete-At, timestamp); its body is replaced by the source's.
   */
  public CompletionStage<HttpResponse> copy(
      SwiftRequest request,
      Endpoints e,
      ObjectWriter.Write sink,
      Optional<String> requestContentType,
      Reach reach) {
    if (request.http().entity().getContentLengthOption().orElse(0) > 0) {
      sink.body().runWith(Sink.cancelled(), writer.objects().materializer());
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Copy requests require a zero byte body");
    }
    sink.body().runWith(Sink.ignore(), writer.objects().materializer());
    boolean manifestGet =
        request.queryParam("multipart-manifest").map(m -> m.equals("get")).orElse(false);
    ObjectReader.ReadRequest read =
        new ObjectReader.ReadRequest(
            e.sourceAccount(),
            e.sourceContainer(),
            e.sourceObject(),
            request.headers(),
            false,
            manifestGet,
            manifestGet,
            false,
            request.context(),
            reach,
            request.queryParam("symlink").map(s -> s.equals("get")).orElse(false));
    return reach
        .require("GET", Reach.object(e.sourceAccount(), e.sourceContainer(), e.sourceObject()))
        .thenCompose(readable -> reader.read(read))
        .thenCompose(
            outcome -> {
              if (outcome instanceof ObjectReader.Answered answered) {
                return CompletableFuture.completedFuture(answered.response());
              }
              ObjectReader.Served source = (ObjectReader.Served) outcome;
              if (source.contentLength() > maxFileSize) {
                source.data().runWith(Sink.cancelled(), writer.objects().materializer());
                throw new SwiftException(SwiftError.REQUEST_ENTITY_TOO_LARGE);
              }
              return reach
                  .denial("PUT", Reach.object(e.account(), e.container(), e.object()))
                  .thenCompose(
                      refused -> {
                        if (refused.isPresent()) {
                          source.data().runWith(Sink.cancelled(), writer.objects().materializer());
                          throw refused.get();
                        }
                        return write(
                            request, e, sink, requestContentType, manifestGet, source, reach);
                      });
            });
  }

  /** The PUT of the destination, with the source's bytes and metadata. */
  private CompletionStage<HttpResponse> write(
      SwiftRequest request,
      Endpoints e,
      ObjectWriter.Write sink,
      Optional<String> requestContentType,
      boolean manifestGet,
      ObjectReader.Served source,
      Reach reach) {
    ObjectInfo stored = source.view().stored();
    boolean sourceSlo = SloManifest.isSlo(stored);
    boolean sourceDlo = DynamicLargeObjects.manifest(stored).isPresent();
    Map<String, String> metadata = new LinkedHashMap<>();
    if (SwiftHeaders.isTrue(request.header("x-fresh-metadata").orElse("false"))) {
      stored
          .metadata()
          .forEach(
              (k, v) -> {
                if (k.startsWith(SwiftHeaders.OBJECT_SYSMETA_PREFIX) && !NOT_COPIED.contains(k)) {
                  metadata.put(k, v);
                }
              });
    } else {
      stored
          .metadata()
          .forEach(
              (k, v) -> {
                if (!NOT_COPIED.contains(k)) {
                  metadata.put(k, v);
                }
              });
    }
    metadata.putAll(sink.metadata());
    if (manifestGet && sourceDlo) {
      metadata.put(
          DynamicLargeObjects.MANIFEST_HEADER,
          stored.metadata().get(DynamicLargeObjects.MANIFEST_HEADER));
    }
    String contentType =
        Symlinks.copiedContentType(
            stored,
            metadata,
            requestContentType.orElse(source.view().contentType()),
            request.header("x-symlink-target-account"));
    boolean verifiable =
        source.status().intValue() == 200 && !sourceSlo && (!sourceDlo || manifestGet);
    ObjectWriter.Write write =
        sink.withContent(
            contentType,
            metadata,
            verifiable ? Optional.of(Conditions.unquote(source.view().etag())) : Optional.empty(),
            OptionalLong.of(source.contentLength()),
            source.data());
    List<HttpHeader> copied = copiedHeaders(e, source, metadata);
    if (manifestGet && sourceSlo) {
      return slo.put(write, Optional.empty(), request.header("accept"), request.context(), reach)
          .thenApply(
              response ->
                  response.status().intValue() == 201 ? response.addHeaders(copied) : response);
    }
    return writer
        .write(write, request.context())
        .thenApply(
            info ->
                Responses.empty(
                    StatusCodes.CREATED,
                    Responses.headers()
                        .add("Etag", info.etag())
                        .add("Last-Modified", info.timestamp().toHttpDate())
                        .add("X-Timestamp", info.timestamp().internal())
                        .addAll(copied)
                        .list()));
  }

  /** X-Copied-From*, and the destination's metadata, as Swift answers a copy. */
  private static List<HttpHeader> copiedHeaders(
      Endpoints e, ObjectReader.Served source, Map<String, String> metadata) {
    Responses.HeaderList headers =
        Responses.headers()
            .add("X-Copied-From-Account", PyText.quote(e.sourceAccount()))
            .add("X-Copied-From", PyText.quote(e.sourceContainer() + "/" + e.sourceObject()))
            .add("X-Copied-From-Last-Modified", source.view().stored().timestamp().toHttpDate());
    Map<String, String> shown = new LinkedHashMap<>();
    metadata.forEach(
        (k, v) -> {
          if (k.startsWith("x-object-meta-") || k.equals("x-delete-at")) {
            shown.put(k, v);
          }
        });
    headers.addAll(SwiftHeaders.render(shown));
    return new ArrayList<>(headers.list());
  }
}
