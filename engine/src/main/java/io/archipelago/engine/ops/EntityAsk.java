package io.archipelago.engine.ops;

import akka.pattern.StatusReply;
import io.archipelago.engine.container.ContainerRejection;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Turns container-entity error replies back into typed {@link GatewayException}s. */
final class EntityAsk {

  private EntityAsk() {}

  static <T> CompletionStage<T> translated(CompletionStage<T> reply) {
    return reply.exceptionally(
        failure -> {
          Throwable cause = unwrap(failure);
          if (cause instanceof StatusReply.ErrorMessage error) {
            var rejection = ContainerRejection.fromMessage(error.getMessage());
            if (rejection.isPresent()) {
              throw switch (rejection.get()) {
                case NOT_FOUND -> new GatewayException(
                    GatewayException.Reason.CONTAINER_NOT_FOUND, "Container not found");
                case POLICY_MISMATCH -> new GatewayException(
                    GatewayException.Reason.POLICY_MISMATCH, detail(error.getMessage()));
                case DAMAGED -> new GatewayException(
                    GatewayException.Reason.CONTAINER_DAMAGED, detail(error.getMessage()));
                case NOT_DAMAGED -> new GatewayException(
                    GatewayException.Reason.BAD_REQUEST, detail(error.getMessage()));
              };
            }
          }
          throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
  }

  private static String detail(String rejection) {
    return rejection.substring(rejection.indexOf(':') + 2);
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
