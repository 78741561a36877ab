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

  /**
   * The backend cannot be reached or answered with a server error (503).
   *
   * <p>Only an {@link #outage()} (no connection, no answer in time, 502/503/504) says the backend
   * is unhealthy and counts against its circuit breaker; a backend's error answer to one request (a
   * 500 for one name, a refused signature, an unreadable listing) fails that request only.
   */
  public static final class BackendUnavailable extends ObjectStoreException {
    private final String clientMessage;
    private final boolean outage;

    /**
     * An outage: the backend could not be reached or did not answer.
     *
     * @param detail what happened in the gateway's words, which clients read too: never an
     *     exception's text (a driver's or a library's internals)
     * @param cause the failure behind it, whose text only the message (logs, the admin API) carries
     */
    public BackendUnavailable(String backendId, String detail, Throwable cause) {
      this(backendId, detail, cause, true);
    }

    /**
     * @param outage whether the failure says the backend is unavailable (see {@link #outage()})
     */
    public BackendUnavailable(String backendId, String detail, Throwable cause, boolean outage) {
      super(
          "backend "
              + backendId
              + " is unavailable: "
              + detail
              + (cause == null ? "" : " (" + cause + ")"),
          cause);
      this.clientMessage = "backend " + backendId + " is unavailable: " + detail;
      this.outage = outage;
    }

    /**
     * A backend's failure to answer at all, or an answer that says it is overloaded or down (502,
     * 503, 504): the backend's health, not this request's.
     */
    public static BackendUnavailable answered(
        String backendId, String detail, int status, Throwable cause) {
      return new BackendUnavailable(backendId, detail, cause, isOutageStatus(status));
    }

    /** 502, 503 and 504 say the backend (or what fronts it) cannot serve; other codes do not. */
    public static boolean isOutageStatus(int status) {
      return status == 502 || status == 503 || status == 504;
    }

    /** Whether this failure says the backend is unhealthy (it counts against the breaker). */
    public boolean outage() {
      return outage;
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
