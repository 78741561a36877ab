package io.archipelago.http.protocol;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.scaladsl.model.EntityStreamException;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.pattern.AskTimeoutException;
import akka.stream.StreamTcpException;
import akka.stream.SubscriptionWithCancelException;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.store.ObjectStoreException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become Swift answers. */
public final class SwiftErrors {

  private static final Logger log = LoggerFactory.getLogger(SwiftErrors.class);

  private SwiftErrors() {}

  public static HttpResponse response(SwiftError error) {
    return response(error, error.body());
  }

  public static HttpResponse response(SwiftError error, String body) {
    return HttpResponse.create()
        .withStatus(error.status())
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, body));
  }

  /** An error answer with a {@code text/plain} body. */
  public static HttpResponse plainResponse(SwiftError error, String body) {
    return HttpResponse.create()
        .withStatus(error.status())
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body));
  }

  /** Maps any failure of a request to its Swift status and body. */
  public static HttpResponse toResponse(Throwable failure, String requestId) {
    Throwable t = unwrap(failure);
    if (t instanceof SwiftException s) {
      HttpResponse r =
          s.plainText() ? plainResponse(s.error(), s.body()) : response(s.error(), s.body());
      for (var h : s.headers().entrySet()) {
        r = r.addHeader(RawHeader.create(h.getKey(), h.getValue()));
      }
      return r;
    }
    if (t instanceof SegmentError) {
      log.info("[{}] large object segment unusable: {}", requestId, t.getMessage());
      return response(SwiftError.CONFLICT);
    }
    if (t instanceof GatewayException g) {
      return switch (g.reason()) {
        case ACCOUNT_NOT_FOUND, CONTAINER_NOT_FOUND, OBJECT_NOT_FOUND ->
            response(SwiftError.NOT_FOUND);
        case MIGRATION_NOT_FOUND, DRAIN_NOT_FOUND -> response(SwiftError.NOT_FOUND, g.getMessage());
        case CONTAINER_NOT_EMPTY,
            POLICY_MISMATCH,
            MIGRATION_CONFLICT,
            DRAIN_CONFLICT,
            BACKEND_IN_USE ->
            response(SwiftError.CONFLICT, g.getMessage());
        case POLICY_INVALID, BAD_REQUEST -> response(SwiftError.BAD_REQUEST, g.getMessage());
        case PRECONDITION_FAILED -> response(SwiftError.PRECONDITION_FAILED, g.getMessage());
        case NO_BACKEND_FOR_POLICY, BACKEND_UNKNOWN, CLUSTER_UNCONFIRMED ->
            unavailable(g.getMessage());
        // No Retry-After: asking again does not help until an operator repairs the record.
        case CONTAINER_DAMAGED -> plainResponse(SwiftError.SERVICE_UNAVAILABLE, g.getMessage());
      };
    }
    if (t instanceof ObjectStoreException e) {
      if (e instanceof ObjectStoreException.ContainerNotEmpty) {
        return response(SwiftError.CONFLICT);
      }
      if (e instanceof ObjectStoreException.EtagMismatch) {
        return response(SwiftError.UNPROCESSABLE_ENTITY);
      }
      if (e instanceof ObjectStoreException.LengthMismatch) {
        return response(SwiftError.CLIENT_DISCONNECT);
      }
      if (e instanceof ObjectStoreException.NewerExists) {
        // Swift's proxy answers a PUT that lost to a newer object with 202
        return response(SwiftError.ACCEPTED);
      }
      if (e instanceof ObjectStoreException.InvalidRequest) {
        return response(SwiftError.BAD_REQUEST, e.getMessage());
      }
      log.warn("[{}] backend unavailable: {}", requestId, e.getMessage());
      return unavailable(
          e instanceof ObjectStoreException.BackendUnavailable b
              ? b.clientMessage()
              : e.getMessage());
    }
    if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
      log.warn("[{}] timed out: {}", requestId, t.getMessage());
      return unavailable("The gateway timed out waiting for the container; try again.");
    }
    if (t instanceof EntityStreamSizeException) {
      return response(SwiftError.REQUEST_ENTITY_TOO_LARGE);
    }
    if (t instanceof EntityStreamException e && !truncated(e)) {
      // the body's framing is broken (a bad chunk-size line): the client's fault, not a loss
      log.info("[{}] malformed request body: {}", requestId, e.info().formatPretty());
      return e.info().formatPretty().contains("exceeds the configured limit")
          ? response(SwiftError.REQUEST_ENTITY_TOO_LARGE)
          : plainResponse(
              SwiftError.BAD_REQUEST, "Malformed request body: " + e.info().formatPretty());
    }
    if (t instanceof EntityStreamException
        || t instanceof StreamTcpException
        || t instanceof SubscriptionWithCancelException.NonFailureCancellation) {
      log.info("[{}] client broke off: {}", requestId, t.toString());
      return response(SwiftError.CLIENT_DISCONNECT);
    }
    log.error("[{}] unexpected failure", requestId, t);
    return response(SwiftError.INTERNAL_ERROR);
  }

  /** Akka's word for a body that ended (connection closed) before its announced end. */
  private static boolean truncated(EntityStreamException e) {
    return e.info().formatPretty().startsWith("Entity stream truncation");
  }

  private static HttpResponse unavailable(String detail) {
    return response(SwiftError.SERVICE_UNAVAILABLE, detail)
        .addHeader(RawHeader.create("Retry-After", "5"));
  }

  public static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
