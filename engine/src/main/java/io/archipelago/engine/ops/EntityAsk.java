package io.archipelago.engine.ops;

import io.archipelago.engine.container.ContainerRejectedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Turns container-entity rejections into typed {@link GatewayException}s. */
final class EntityAsk {

  private EntityAsk() {}

  static <T> CompletionStage<T> translated(CompletionStage<T> reply) {
    return reply.exceptionally(
        failure -> {
          Throwable cause = unwrap(failure);
          if (cause instanceof ContainerRejectedException rejected) {
            throw gatewayException(rejected);
          }
          throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
  }

  static GatewayException gatewayException(ContainerRejectedException rejected) {
    return switch (rejected.reason()) {
      case NOT_FOUND ->
          new GatewayException(GatewayException.Reason.CONTAINER_NOT_FOUND, "Container not found");
      case POLICY_MISMATCH ->
          new GatewayException(GatewayException.Reason.POLICY_MISMATCH, rejected.getMessage());
      case DAMAGED ->
          new GatewayException(GatewayException.Reason.CONTAINER_DAMAGED, rejected.getMessage());
      case NOT_DAMAGED ->
          new GatewayException(GatewayException.Reason.BAD_REQUEST, rejected.getMessage());
      case MIGRATION_CONFLICT ->
          new GatewayException(GatewayException.Reason.MIGRATION_CONFLICT, rejected.getMessage());
      case NO_MIGRATION ->
          new GatewayException(GatewayException.Reason.MIGRATION_NOT_FOUND, rejected.getMessage());
    };
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
