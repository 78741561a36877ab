package io.archipelago.engine.drain;

/** A drain entity refused a command; {@link #rejection()} says why. */
public final class DrainRejectedException extends RuntimeException {

  private final DrainEntity.Rejection rejection;

  public DrainRejectedException(DrainEntity.Rejection rejection, String detail) {
    super(detail, null, false, false);
    this.rejection = rejection;
  }

  public DrainEntity.Rejection rejection() {
    return rejection;
  }
}
