package io.archipelago.engine.store;

/** Failures of a backend operation that the gateway maps to Swift status codes. */
public abstract sealed class ObjectStoreException extends RuntimeException {

  protected ObjectStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The container still holds objects (409). */
  public static final class ContainerNotEmpty extends ObjectStoreException {
    public ContainerNotEmpty(BackendContainer container) {
      super("container " + container + " is not empty", null);
    }
  }

  /** The body's MD5 differs from the ETag the client sent (422). */
  public static final class EtagMismatch extends ObjectStoreException {
    public EtagMismatch(String expected, String actual) {
      super("ETag mismatch: expected " + expected + ", computed " + actual, null);
    }
  }

  /** The body was shorter or longer than announced (499 / 400: the client broke off or lied). */
  public static final class LengthMismatch extends ObjectStoreException {
    public LengthMismatch(long expected, long actual) {
      super("body length " + actual + " differs from Content-Length " + expected, null);
    }
  }

  /**
   * The write's X-Timestamp is not newer than the stored object's: the newer object stays and
   * nothing is written (Swift's object server answers 409, its proxy 202 Accepted).
   */
  public static final class NewerExists extends ObjectStoreException {
    public NewerExists(String name, SwiftTimestamp write, SwiftTimestamp stored) {
      super(
          "object " + name + " has timestamp " + stored + ", not older than the write's " + write,
          null);
    }
  }

  /** The backend cannot be reached or answered with a server error (503). */
  public static final class BackendUnavailable extends ObjectStoreException {
    private final String clientMessage;

    /**
     * @param detail what happened in the gateway's words, which clients read too: never an
     *     exception's text (a driver's or a library's internals)
     * @param cause the failure behind it, whose text only the message (logs, the admin API) carries
     */
    public BackendUnavailable(String backendId, String detail, Throwable cause) {
      super(
          "backend "
              + backendId
              + " is unavailable: "
              + detail
              + (cause == null ? "" : " (" + cause + ")"),
          cause);
      this.clientMessage = "backend " + backendId + " is unavailable: " + detail;
    }

    /** What a client may read: the backend and the detail, without the cause's text. */
    public String clientMessage() {
      return clientMessage;
    }
  }

  /** The backend refused the request for a reason that is the client's (400). */
  public static final class InvalidRequest extends ObjectStoreException {
    public InvalidRequest(String detail) {
      super(detail, null);
    }
  }
}
