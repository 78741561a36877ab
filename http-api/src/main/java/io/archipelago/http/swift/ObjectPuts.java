package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentTypes;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.http.middleware.expiry.DeleteAtHeaders;
import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.RequestTimestamp;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What an object PUT (or the destination of a COPY, or an SLO manifest PUT) asks to store, read
 * from the request and checked as Swift's proxy checks object creation.
 */
public final class ObjectPuts {

  private final long maxObjectSize;
  private final List<Consumer<SwiftRequest>> middlewareChecks;

  /**
   * @param middlewareChecks checks of the middlewares on a PUT's headers (DLO's X-Object-Manifest),
   *     run where Swift's proxy meets them: after metadata, before content type
   */
  public ObjectPuts(long maxObjectSize, List<Consumer<SwiftRequest>> middlewareChecks) {
    this.maxObjectSize = maxObjectSize;
    this.middlewareChecks = List.copyOf(middlewareChecks);
  }

  /**
   * The write a PUT (or the destination of a COPY) asks for, checked as Swift's proxy checks object
   * creation: name length, size, metadata, If-None-Match, X-Delete-At/After, X-Object-Manifest and
   * the reserved X-Static-Large-Object.
   */
  public ObjectWriter.Write write(
      SwiftRequest request, String account, String container, String name) {
    Optional<String> ifNoneMatch = request.header("if-none-match");
    boolean ifNoneMatchAny = false;
    if (ifNoneMatch.isPresent()) {
      if (!Conditions.tags(ifNoneMatch.get()).orElseThrow().contains("*")) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "If-None-Match only supports *");
      }
      ifNoneMatchAny = true;
    }
    refuseReservedHeaders(request);
    var entity = request.http().entity();
    OptionalLong length = entity.getContentLengthOption();
    if (length.isPresent() && length.getAsLong() > maxObjectSize) {
      throw SwiftException.plain(SwiftError.REQUEST_ENTITY_TOO_LARGE, "Your request is too large.");
    }
    Constraints.checkObjectName(name);
    RequestTimestamp ts = RequestTimestamp.of(request);
    Map<String, String> metadata =
        new LinkedHashMap<>(SwiftHeaders.objectMetadata(request.headers()));
    DeleteAtHeaders.deleteAt(request, ts.timestamp())
        .ifPresent(at -> metadata.put("x-delete-at", at));
    Constraints.checkMetadata(request.headers(), "object");
    middlewareChecks.forEach(check -> check.accept(request));
    String contentType =
        declaredContentType(request)
            .filter(t -> !SwiftHeaders.isTrue(request.header("x-detect-content-type").orElse(null)))
            .orElseGet(() -> ContentTypeGuess.forName(name));
    Optional<String> expectedEtag =
        request.header("etag").map(e -> Conditions.unquote(e.trim()).toLowerCase(Locale.ROOT));
    return new ObjectWriter.Write(
        account,
        container,
        name,
        contentType,
        ts.timestamp(),
        metadata,
        expectedEtag,
        length,
        limited(entity.getDataBytes(), maxObjectSize),
        ifNoneMatchAny,
        ts.fromClient());
  }

  /**
   * Swift's {@code check_object_creation}: an object PUT states its length or sends chunks. Akka
   * reads a PUT with neither as an empty body; the server's request head guard marks it.
   */
  public static void requireLength(SwiftRequest request) {
    if (ClientHead.lengthMissing(request.http())) {
      throw SwiftException.plain(SwiftError.LENGTH_REQUIRED, "Missing Content-Length header.");
    }
  }

  /** X-Static-Large-Object is the SLO middleware's to set, never a client's (PUT and POST). */
  public static void refuseReservedHeaders(SwiftRequest request) {
    if (request.header(SwiftHeaders.STATIC_LARGE_OBJECT).isPresent()) {
      throw new SwiftException(
          SwiftError.BAD_REQUEST,
          "X-Static-Large-Object is a reserved header. To create a static large object add query param "
              + "multipart-manifest=put.");
    }
  }

  /**
   * The content type the client sent. Akka gives a body without Content-Type {@code
   * application/octet-stream}, so that type counts as not sent and the name decides.
   */
  public static Optional<String> declaredContentType(SwiftRequest request) {
    // A type Akka cannot parse stays a raw header; Swift keeps any string as sent.
    Optional<String> unparsed =
        request.header("content-type").map(String::trim).filter(t -> !t.isEmpty());
    if (unparsed.isPresent()) {
      return unparsed.map(SwiftHeaders::cleanContentType);
    }
    var declared = request.http().entity().getContentType();
    if (declared.equals(ContentTypes.NO_CONTENT_TYPE)
        || declared.equals(ContentTypes.APPLICATION_OCTET_STREAM)) {
      return Optional.empty();
    }
    return Optional.of(SwiftHeaders.cleanContentType(declared.toString()));
  }

  /**
   * The proxy's {@code check_content_type}: a client may not send {@code swift_*} content type
   * parameters (they are Swift's own, such as an SLO manifest's {@code swift_bytes}).
   */
  public static void checkContentType(SwiftRequest request) {
    var declared = request.http().entity().getContentType();
    Optional<String> type =
        request
            .header("content-type")
            .or(
                () ->
                    declared.equals(ContentTypes.NO_CONTENT_TYPE)
                        ? Optional.empty()
                        : Optional.of(declared.toString()));
    if (type.isPresent()) {
      String[] params = type.get().split(";");
      for (int i = 1; i < params.length; i++) {
        if (params[i].stripLeading().startsWith("swift_")) {
          throw new SwiftException(
              SwiftError.BAD_REQUEST,
              "Invalid Content-Type, swift_* is not a valid parameter name.");
        }
      }
    }
  }

  /** Fails the upload with 413 as soon as it passes the maximum object size. */
  private static Source<ByteString, ?> limited(Source<ByteString, ?> body, long max) {
    AtomicLong total = new AtomicLong();
    return body.map(
        chunk -> {
          if (total.addAndGet(chunk.size()) > max) {
            throw SwiftException.plain(
                SwiftError.REQUEST_ENTITY_TOO_LARGE, "Your request is too large.");
          }
          return chunk;
        });
  }
}
