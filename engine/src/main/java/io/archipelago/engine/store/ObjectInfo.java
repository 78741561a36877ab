package io.archipelago.engine.store;

import java.util.Map;

/**
 * A stored object's facts.
 *
 * @param metadata headers stored with the object, names lower case (see {@link ObjectAttributes})
 */
public record ObjectInfo(
    String name,
    long size,
    String etag,
    String contentType,
    SwiftTimestamp timestamp,
    Map<String, String> metadata) {

  public ObjectInfo {
    metadata = Map.copyOf(metadata);
  }
}
