package io.archipelago.engine.store;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a client says about an object it uploads.
 *
 * @param contentType the object's media type
 * @param timestamp the write's X-Timestamp
 * @param metadata headers stored with the object, names lower case ({@code x-object-meta-*}, {@code
 *     content-encoding}, {@code content-disposition}, ...)
 * @param expectedEtag the MD5 hex the client sent in {@code ETag}, if any
 * @param expectedLength the {@code Content-Length} the client announced, if any
 */
public record ObjectAttributes(
    String contentType,
    SwiftTimestamp timestamp,
    Map<String, String> metadata,
    Optional<String> expectedEtag,
    OptionalLong expectedLength) {

  public ObjectAttributes {
    metadata = Map.copyOf(metadata);
  }
}
