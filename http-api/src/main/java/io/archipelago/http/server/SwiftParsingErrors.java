package io.archipelago.http.server;

import akka.event.LoggingAdapter;
import akka.http.ParsingErrorHandler;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;

/**
 * Answers requests too malformed to reach the gateway (Akka HTTP's parser refused them) as a client
 * fault, the way Swift's eventlet server does: an unknown method is 405, an unreadable request line
 * or version 400, a Transfer-Encoding other than chunked 501. Akka's own handler answers those 501
 * and 505, server errors for what is the client's fault (a space in a raw path reads as a bad
 * version). Size limits keep their 4xx status. Configured as {@code
 * akka.http.server.parsing.error-handler}.
 */
public final class SwiftParsingErrors extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    log.debug("refused a malformed request ({}): {}", status.intValue(), error.formatPretty());
    int code = status.intValue();
    if (error.summary().contains("Transfer-Encoding")) {
      // Swift's check_object_creation: a transfer coding other than chunked is not implemented
      return SwiftErrors.plainResponse(SwiftError.NOT_IMPLEMENTED, summary(error));
    }
    if (code == 501) {
      return SwiftErrors.response(SwiftError.METHOD_NOT_ALLOWED);
    }
    if (code >= 500 || code == 400) {
      return SwiftErrors.plainResponse(SwiftError.BAD_REQUEST, summary(error));
    }
    return HttpResponse.create().withStatus(code).withEntity(summary(error));
  }

  /** The parser's summary without request bytes (those may hold anything). */
  private static String summary(ErrorInfo error) {
    String summary = error.summary();
    return summary.isEmpty() ? "Bad Request" : summary.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
