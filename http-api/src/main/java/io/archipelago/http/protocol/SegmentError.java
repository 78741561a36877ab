package io.archipelago.http.protocol;

/** A segment of a large object that no longer matches its manifest, or is gone: Swift's 409. */
public final class SegmentError extends RuntimeException {
  public SegmentError(String message) {
    super(message, null, false, false);
  }
}
