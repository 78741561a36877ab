package io.archipelago.engine.drain;

import io.archipelago.persistence.CborSerializable;
import java.time.Instant;

/**
 * One container of a drained backend: whether it still waits, moves (by which migration, to which
 * backend), moved, or failed (why, and how many times it was tried).
 *
 * @param objects objects when it was found on the backend
 * @param bytes bytes when it was found on the backend
 */
public record ContainerDrain(
    String account,
    String container,
    Phase phase,
    String target,
    String migrationId,
    long objects,
    long bytes,
    String error,
    int attempts,
    Instant updatedAt)
    implements CborSerializable {

  /** A container's way through the drain. */
  public enum Phase {
    PENDING,
    MOVING,
    MOVED,
    FAILED
  }

  public ContainerDrain {
    target = target == null ? "" : target;
    migrationId = migrationId == null ? "" : migrationId;
    error = error == null ? "" : error;
  }

  public static ContainerDrain pending(
      String account, String container, long objects, long bytes, Instant at) {
    return new ContainerDrain(account, container, Phase.PENDING, "", "", objects, bytes, "", 0, at);
  }

  /** {@code account/container}, the container entity's id. */
  public String entityId() {
    return account + "/" + container;
  }

  ContainerDrain moving(
      String newTarget, String newMigrationId, long nowObjects, long nowBytes, Instant at) {
    return new ContainerDrain(
        account,
        container,
        Phase.MOVING,
        newTarget,
        newMigrationId,
        nowObjects,
        nowBytes,
        "",
        attempts + 1,
        at);
  }

  ContainerDrain moved(Instant at) {
    return new ContainerDrain(
        account, container, Phase.MOVED, target, migrationId, objects, bytes, "", attempts, at);
  }

  ContainerDrain failed(String reason, Instant at) {
    return new ContainerDrain(
        account,
        container,
        Phase.FAILED,
        target,
        migrationId,
        objects,
        bytes,
        reason,
        phase == Phase.PENDING ? attempts + 1 : attempts,
        at);
  }

  ContainerDrain retried(Instant at) {
    return new ContainerDrain(
        account, container, Phase.PENDING, "", "", objects, bytes, error, attempts, at);
  }
}
