package io.archipelago.http.protocol;

import akka.http.javadsl.model.HttpResponse;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Lets a HEAD response announce the length of the object it describes, and any response carry a
 * {@code Content-Type} exactly as a client stored it (Swift keeps any string; Akka HTTP only
 * renders the types it can parse, and renders those normalized). The server that binds the handler
 * implements it.
 */
public interface HeadLength {
  public HttpResponse announce(HttpResponse response, long length);

  /** The response, whose entity must have no content type, with this raw Content-Type. */
  public HttpResponse rawContentType(HttpResponse response, String contentType);

  /**
   * The Content-Type the response will go out with (as sent: a raw one in its wire form), for
   * stages that look at a response of the stages behind them.
   */
  public Optional<String> contentType(HttpResponse response);

  /**
   * The Content-Length the response will go out with: a HEAD's announced one, else its entity's.
   */
  public OptionalLong contentLength(HttpResponse response);
}
