package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.ObjectOps;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.copy.ServerSideCopy;
import io.archipelago.http.middleware.dlo.DynamicLargeObjects;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.middleware.slo.StaticLargeObjects;
import io.archipelago.http.middleware.versioning.Versioning;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /v1/<account>/<container>/<object>}: PUT, COPY, GET, HEAD, POST, DELETE. Checks the
 * request as Swift's proxy does and hands it to the concern that serves it: reads
 * ({@link ObjectReader}), writes ({@link ObjectWriter}), copies ({@link ServerSideCopy}), static
 * large object manifests ({@link StaticLargeObjects}).
 */
public final class ObjectController {

  private final LiveObjects objects;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final StaticLargeObjects slo;
  private final ServerSideCopy copy;
  private final long maxObjectSize;
  private final HeadLength headLength;
  private final Materializer materializer;
  private final Reach.Authorizer authorizer;

  /**
   * @param authorizer decides what a request may reach besides its path (copy sources and
   *     destinations, large object segments), as the same client's own requests are decided
   */
  public ObjectController(
      ObjectOps ops, ContainerOps containers, long maxObjectSize, HeadLength headLength,
      Materializer materializer, Reach.Authorizer authorizer) {
    this.objects = new LiveObjects(ops, materializer);
    Versioning versioning = new Versioning(objects, containers);
    this.writer = new ObjectWriter(objects, containers, versioning);
    this.slo = new StaticLargeObjects(objects, writer);
    this.reader = new ObjectReader(objects, slo, new DynamicLargeObjects(objects, containers));
    this.copy = new ServerSideCopy(reader, writer, slo, maxObjectSize);
    this.maxObjectSize = maxObjectSize;
    this.headLength = headLength;
    this.materializer = materializer;
    this.authorizer = authorizer;
  }

  public CompletionStage<HttpResponse> handle(SwiftRequest request) {
    String method = request.http().method().value();
    Reach reach = Reach.of(request, authorizer);
    return switch (method) {
      case "PUT" -> put(request, reach);
      case "COPY" -> copy(request, reach);
      case "GET" -> get(request, false, reach);
      case "HEAD" -> get(request, true, reach);
      case "POST" -> post(request);
      case "DELETE" -> delete(request, reach);
      default -> CompletableFuture.completedFuture(SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED));
    };
  }

  // ---- PUT and COPY -------------------------------------------------------------------------

  private CompletionStage<HttpResponse> put(SwiftRequest request, Reach reach) {
    boolean manifestPut = request.queryParam("multipart-manifest").map(m -> m.equals("put")).orElse(false);
    if (request.header("x-copy-from").isPresent()) {
      if (manifestPut) {
        throw new SwiftException(SwiftError.METHOD_NOT_ALLOWED, "Multipart Manifest PUTs cannot be COPY requests");
      }
      ObjectWriter.Write sink = write(request, request.account(), request.container(), request.object());
      checkContentType(request);
      return copy.copy(request, ServerSideCopy.fromPut(request), sink, declaredContentType(request), reach);
    }
    ObjectWriter.Write w = write(request, request.account(), request.container(), request.object());
    if (!manifestPut) {
      checkContentType(request);
    }
    if (manifestPut) {
      return slo.put(w.withContent(w.contentType(), w.metadata(), Optional.empty(), w.expectedLength(), w.body()),
          request.header("etag"), request.header("accept"), request.context(), reach);
    }
    return writer.write(w, request.context()).thenApply(ObjectController::created);
  }

  private CompletionStage<HttpResponse> copy(SwiftRequest request, Reach reach) {
    ServerSideCopy.Endpoints endpoints = ServerSideCopy.fromCopy(request);
    ObjectWriter.Write sink = write(request, endpoints.account(), endpoints.container(), endpoints.object());
    return copy.copy(request, endpoints, sink, declaredContentType(request), reach);
  }

  private static HttpResponse created(ObjectInfo info) {
    return Responses.empty(StatusCodes.CREATED, Responses.headers()
        .add("Etag", info.etag())
        .add("Last-Modified", info.timestamp().toHttpDate())
        .add("X-Timestamp", info.timestamp().internal())
        .list());
  }

  /**
   * The write a PUT (or the destination of a COPY) asks for, checked as Swift's proxy checks
   * object creation: name length, size, metadata, If-None-Match, X-Delete-At/After,
   * X-Object-Manifest and the reserved X-Static-Large-Object.
   */
  private ObjectWriter.Write write(SwiftRequest request, String account, String container, String name) {
    Optional<String> ifNoneMatch = request.header("if-none-match");
    boolean ifNoneMatchAny = false;
    if (ifNoneMatch.isPresent()) {
      if (!Conditions.tags(ifNoneMatch.get()).orElseThrow().contains("*")) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "If-None-Match only supports *");
      }
      ifNoneMatchAny = true;
    }
    if (request.header("x-static-large-object").isPresent()) {
      throw new SwiftException(SwiftError.BAD_REQUEST,
          "X-Static-Large-Object is a reserved header. To create a static large object add query param "
              + "multipart-manifest=put.");
    }
    var entity = request.http().entity();
    OptionalLong length = entity.getContentLengthOption();
    if (length.isPresent() && length.getAsLong() > maxObjectSize) {
      throw SwiftException.plain(SwiftError.REQUEST_ENTITY_TOO_LARGE, "Your request is too large.");
    }
    Constraints.checkObjectName(name);
    Timestamped ts = timestamp(request);
    Map<String, String> metadata = new LinkedHashMap<>(SwiftHeaders.objectMetadata(request.headers()));
    deleteAt(request, ts.timestamp()).ifPresent(at -> metadata.put("x-delete-at", at));
    Constraints.checkMetadata(request.headers(), "object");
    DynamicLargeObjects.checkManifestHeader(request.header(DynamicLargeObjects.MANIFEST_HEADER));
    String contentType = declaredContentType(request)
        .filter(t -> !SwiftHeaders.isTrue(request.header("x-detect-content-type").orElse(null)))
        .orElseGet(() -> ContentTypeGuess.forName(name));
    Optional<String> expectedEtag =
        request.header("etag").map(e -> Conditions.unquote(e.trim()).toLowerCase(Locale.ROOT));
    return new ObjectWriter.Write(account, container, name, contentType, ts.timestamp(), metadata, expectedEtag,
        length, limited(entity.getDataBytes(), maxObjectSize), ifNoneMatchAny, ts.fromClient());
  }

  /**
   * The content type the client sent. Akka gives a body without Content-Type
   * {@code application/octet-stream}, so that type counts as not sent and the name decides.
   */
  private static Optional<String> declaredContentType(SwiftRequest request) {
    // A type Akka cannot parse stays a raw header; Swift keeps any string as sent.
    Optional<String> unparsed = request.header("content-type").map(String::trim).filter(t -> !t.isEmpty());
    if (unparsed.isPresent()) {
      return unparsed.map(SwiftHeaders::cleanContentType);
    }
    var declared = request.http().entity().getContentType();
    if (declared.equals(ContentTypes.NO_CONTENT_TYPE) || declared.equals(ContentTypes.APPLICATION_OCTET_STREAM)) {
      return Optional.empty();
    }
    return Optional.of(SwiftHeaders.cleanContentType(declared.toString()));
  }

  /**
   * The proxy's {@code check_content_type}: a client may not send {@code swift_*} content type
   * parameters (they are Swift's own, such as an SLO manifest's {@code swift_bytes}).
   */
  private static void checkContentType(SwiftRequest request) {
    var declared = request.http().entity().getContentType();
    Optional<String> type = request.header("content-type")
        .or(() -> declared.equals(ContentTypes.NO_CONTENT_TYPE) ? Optional.empty() : Optional.of(declared.toString()));
    if (type.isPresent()) {
      String[] params = type.get().split(";");
      for (int i = 1; i < params.length; i++) {
        if (params[i].stripLeading().startsWith("swift_")) {
          throw new SwiftException(SwiftError.BAD_REQUEST, "Invalid Content-Type, swift_* is not a valid parameter name.");
        }
      }
    }
  }

  /** Fails the upload with 413 as soon as it passes the maximum object size. */
  private static Source<ByteString, ?> limited(Source<ByteString, ?> body, long max) {
    AtomicLong total = new AtomicLong();
    return body.map(chunk -> {
      if (total.addAndGet(chunk.size()) > max) {
        throw SwiftException.plain(SwiftError.REQUEST_ENTITY_TOO_LARGE, "Your request is too large.");
      }
      return chunk;
    });
  }

  /** The request's X-Timestamp, or now. */
  record Timestamped(SwiftTimestamp timestamp, boolean fromClient) {}

  /**
   * Swift's {@code ensure_x_timestamp}: a client's X-Timestamp (every object verb reads it here,
   * before anything reaches a backend or the journal) is checked as Swift's {@code Timestamp}
   * checks it, and refused with Swift's own answer.
   */
  static Timestamped timestamp(SwiftRequest request) {
    Optional<String> given = request.header("x-timestamp");
    if (given.isEmpty()) {
      return new Timestamped(SwiftTimestamp.now(), false);
    }
    try {
      return new Timestamped(SwiftTimestamp.parse(given.get()), true);
    } catch (IllegalArgumentException e) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST,
          "X-Timestamp should be a UNIX timestamp float value; was " + PyText.repr(given.get()));
    }
  }

  /**
   * {@code check_delete_headers}: X-Delete-After becomes X-Delete-At (request time plus the
   * seconds); both must be integers in the future. Answers the normalized X-Delete-At.
   */
  static Optional<String> deleteAt(SwiftRequest request, SwiftTimestamp now) {
    double seconds = now.ticks() / 100_000.0;
    Optional<String> at = request.header("x-delete-at");
    Optional<String> after = request.header("x-delete-after");
    if (after.isPresent()) {
      long delta;
      try {
        delta = pythonInt(after.get());
      } catch (NumberFormatException e) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "Non-integer X-Delete-After");
      }
      String actual = normalizeDeleteAt(seconds + delta);
      if (Long.parseLong(actual) <= seconds) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "X-Delete-After in past");
      }
      at = Optional.of(actual);
    }
    if (at.isEmpty()) {
      return Optional.empty();
    }
    long value;
    try {
      value = Long.parseLong(normalizeDeleteAt(pythonInt(at.get())));
    } catch (NumberFormatException e) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Non-integer X-Delete-At");
    }
    if (value <= seconds) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "X-Delete-At in past");
    }
    return Optional.of(normalizeDeleteAt(value));
  }

  /**
   * Python's {@code int()} of a header, which has no size limit: values beyond a long are clamped
   * (the delete time is clamped to 0..9999999999 afterwards anyway).
   */
  private static long pythonInt(String text) {
    java.math.BigInteger value = new java.math.BigInteger(text.strip());
    return value.max(java.math.BigInteger.valueOf(Long.MIN_VALUE)).min(java.math.BigInteger.valueOf(Long.MAX_VALUE))
        .longValue();
  }

  /** Swift's {@code normalize_delete_at_timestamp}: ten digits, clamped to 0..9999999999. */
  private static String normalizeDeleteAt(double timestamp) {
    long clamped = (long) Math.min(Math.max(0, timestamp), 9999999999L);
    return String.format(Locale.ROOT, "%010d", clamped);
  }

  // ---- GET and HEAD -------------------------------------------------------------------------

  private CompletionStage<HttpResponse> get(SwiftRequest request, boolean head, Reach reach) {
    boolean manifestGet = request.queryParam("multipart-manifest").map(m -> m.equals("get")).orElse(false);
    boolean formatRaw = manifestGet && request.queryParam("format").map(f -> f.equals("raw")).orElse(false);
    ObjectReader.ReadRequest read = new ObjectReader.ReadRequest(request.account(), request.container(),
        request.object(), request.headers(), head, manifestGet, formatRaw, !head, request.context(), reach);
    return reader.read(read).thenApply(outcome -> {
      if (outcome instanceof ObjectReader.Answered answered) {
        return answered.response();
      }
      ObjectReader.Served served = (ObjectReader.Served) outcome;
      // The object's own type goes out exactly as stored; a multi-range answer's is ours.
      boolean storedType = served.contentType().equals(ObjectReader.contentType(served.view().contentType()));
      ContentType entityType = storedType ? ContentTypes.NO_CONTENT_TYPE : served.contentType();
      HttpResponse response;
      if (head) {
        response = headLength.announce(HttpResponse.create()
            .withStatus(served.status())
            .withEntity(HttpEntities.create(entityType, ByteString.emptyByteString()))
            .addHeaders(served.headers()), served.contentLength());
      } else {
        response = HttpResponse.create()
            .withStatus(served.status())
            .withEntity(body(served, entityType))
            .addHeaders(served.headers());
      }
      return storedType ? headLength.rawContentType(response, SwiftHeaders.wire(served.view().contentType())) : response;
    });
  }

  /** The response entity; an empty body is a strict one (Default needs a length > 0). */
  private ResponseEntity body(ObjectReader.Served served, ContentType type) {
    if (served.contentLength() == 0) {
      served.data().runWith(Sink.cancelled(), materializer);
      return HttpEntities.create(type, ByteString.emptyByteString());
    }
    return HttpEntities.create(type, served.contentLength(), served.data());
  }

  // ---- POST ---------------------------------------------------------------------------------

  /**
   * Replaces the object's metadata (what is not sent is removed, as in Swift), keeping what
   * makes it an SLO manifest. 404 for a missing or expired object, 409 for a client timestamp
   * not newer than the object's.
   */
  private CompletionStage<HttpResponse> post(SwiftRequest request) {
    if (request.header("x-static-large-object").isPresent()) {
      throw new SwiftException(SwiftError.BAD_REQUEST,
          "X-Static-Large-Object is a reserved header. To create a static large object add query param "
              + "multipart-manifest=put.");
    }
    Constraints.checkMetadata(request.headers(), "object");
    Timestamped ts = timestamp(request);
    Map<String, String> metadata = new LinkedHashMap<>(SwiftHeaders.objectMetadata(request.headers()));
    deleteAt(request, ts.timestamp()).ifPresent(at -> metadata.put("x-delete-at", at));
    Optional<String> contentType = request.header("content-type").map(String::trim).filter(c -> !c.isEmpty())
        .or(() -> declaredContentType(request));
    return objects.head(request.account(), request.container(), request.object(), request.context())
        .thenCompose(found -> {
          ObjectInfo current = found.orElseThrow(() -> new io.archipelago.engine.ops.GatewayException(
              io.archipelago.engine.ops.GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found"));
          if (ts.fromClient() && !ts.timestamp().isNewerThan(current.timestamp())) {
            throw new SwiftException(SwiftError.CONFLICT);
          }
          current.metadata().forEach((k, v) -> {
            if (k.equals(StaticLargeObjects.HEADER) || k.startsWith(SwiftHeaders.OBJECT_SYSMETA_PREFIX)) {
              metadata.put(k, v);
            }
          });
          Optional<String> newType = contentType.map(t -> {
            String clean = SwiftHeaders.cleanContentType(t);
            return clean + SwiftHeaders.swiftParams(current.contentType());
          });
          return objects.ops().replaceMetadata(request.account(), request.container(), request.object(), newType,
              metadata, ts.timestamp());
        })
        .thenApply(info -> Responses.text(StatusCodes.ACCEPTED,
            "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>", List.of()));
  }

  // ---- DELETE -------------------------------------------------------------------------------

  /** The object server reads X-If-Delete-At as a Swift timestamp first: 400 when it is none. */
  private static void checkIfDeleteAt(String value) {
    String seconds = value.trim();
    int offset = seconds.indexOf('_');
    boolean valid;
    try {
      double parsed = Double.parseDouble(offset < 0 ? seconds : seconds.substring(0, offset));
      valid = parsed >= 0 && parsed < 1e10 && !seconds.endsWith("d") && !seconds.endsWith("f")
          && (offset < 0 || seconds.substring(offset + 1).matches("[0-9a-fA-F]+"));
    } catch (NumberFormatException e) {
      valid = false;
    }
    if (!valid) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Bad X-If-Delete-At header value");
    }
  }

  private CompletionStage<HttpResponse> delete(SwiftRequest request, Reach reach) {
    request.header("x-if-delete-at").ifPresent(ObjectController::checkIfDeleteAt);
    Timestamped ts = timestamp(request);
    if (request.queryParam("multipart-manifest").map(m -> m.equals("delete")).orElse(false)) {
      return slo.delete(request.account(), request.container(), request.object(), request.header("accept"),
          request.context(), reach);
    }
    return writer.delete(request.account(), request.container(), request.object(), ts.timestamp(),
            ts.fromClient(), request.context())
        .thenApply(deleted -> {
          if (!deleted) {
            throw new io.archipelago.engine.ops.GatewayException(
                io.archipelago.engine.ops.GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
          }
          return Responses.empty(StatusCodes.NO_CONTENT, List.of());
        });
  }
}
