package io.archipelago.engine.integrity;

/**
 * The bytes read of an object do not match its stored ETag or size: the stream ends with this
 * instead of completing, so that no reader takes corrupt bytes for the object.
 */
public final class CorruptObjectException extends RuntimeException {

  public CorruptObjectException(String message) {
    super(message, null, false, false);
  }
}
