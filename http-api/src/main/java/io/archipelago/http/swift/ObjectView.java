package io.archipelago.http.swift;

import akka.NotUsed;
import akka.http.javadsl.model.HttpHeader;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.protocol.SwiftDates;
import java.util.List;

/**
 * An object as a GET or HEAD shows it: a plain object, the concatenation a large object manifest
 * stands for, or a manifest itself ({@code ?multipart-manifest=get}).
 *
 * @param stored the stored object (for a large object, its manifest)
 * @param size the length of the body the view serves
 * @param etag the {@code ETag} value (quoted for SLO and DLO, as Swift sends them)
 * @param contentType the {@code Content-Type} value (never with {@code swift_bytes})
 * @param headers every other header of a successful answer (Etag, Last-Modified, metadata...)
 * @param body the bytes, by range
 */
public record ObjectView(
    ObjectInfo stored,
    Kind kind,
    long size,
    String etag,
    String contentType,
    List<HttpHeader> headers,
    Body body) {

  public enum Kind {
    OBJECT,
    STATIC_LARGE_OBJECT,
    DYNAMIC_LARGE_OBJECT,
    MANIFEST
  }

  /** The bytes of a view by range. */
  public interface Body {
    /** Bytes {@code first..last}, both inclusive, {@code first <= last < size}. */
    Source<ByteString, NotUsed> range(long first, long last);
  }

  public boolean isLargeObject() {
    return kind == Kind.STATIC_LARGE_OBJECT || kind == Kind.DYNAMIC_LARGE_OBJECT;
  }

  /** Seconds of {@code Last-Modified}, for conditional requests. */
  public long lastModifiedSeconds() {
    return SwiftDates.lastModifiedSeconds(stored.timestamp());
  }
}
