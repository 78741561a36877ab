package io.archipelago.engine.ops;

/**
 * A request the gateway refuses or cannot serve, with the reason the HTTP layer maps to a Swift
 * status code. Backend failures stay {@code ObjectStoreException}s.
 */
public final class GatewayException extends RuntimeException {

  public enum Reason {
    ACCOUNT_NOT_FOUND,
    CONTAINER_NOT_FOUND,
    OBJECT_NOT_FOUND,
    CONTAINER_NOT_EMPTY,
    POLICY_INVALID,
    POLICY_MISMATCH,
    NO_BACKEND_FOR_POLICY,
    BACKEND_UNKNOWN,
    BAD_REQUEST,
    PRECONDITION_FAILED,
    /**
     * The container's record (its event log) is damaged; see ContainerEntity's SkipDamagedEvent.
     */
    CONTAINER_DAMAGED,
    /** A migration cannot start or be cancelled now (one runs, or it is past its cut-over). */
    MIGRATION_CONFLICT,
    /** The container never migrated. */
    MIGRATION_NOT_FOUND,
    /** No such backend, or the backend was never drained. */
    DRAIN_NOT_FOUND,
    /** The drain's status does not allow the action (one runs already, it is not paused ...). */
    DRAIN_CONFLICT,
    /** The backend still holds containers (remove refused): drain it first. */
    BACKEND_IN_USE,
    /** A decision needs every gateway node's answer and some node did not answer (503). */
    CLUSTER_UNCONFIRMED
  }

  private final Reason reason;

  public GatewayException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
