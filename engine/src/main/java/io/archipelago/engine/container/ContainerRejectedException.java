package io.archipelago.engine.container;

/**
 * A {@link ContainerReply.Rejected} on the asking side, as the failure of the ask's stage. Local
 * only: the reply crosses nodes, this exception never does.
 */
public final class ContainerRejectedException extends RuntimeException {

  private final ContainerRejection reason;

  public ContainerRejectedException(ContainerRejection reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public ContainerRejection reason() {
    return reason;
  }
}
