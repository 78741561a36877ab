package io.archipelago.http.protocol;

import akka.http.javadsl.model.HttpResponse;

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
}
