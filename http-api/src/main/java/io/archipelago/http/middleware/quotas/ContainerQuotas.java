package io.archipelago.http.middleware.quotas;

import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.Reach;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Swift's {@code container_quotas}: a container's {@code X-Container-Meta-Quota-Bytes} and {@code
 * X-Container-Meta-Quota-Count} bound what object PUTs may add (413 "Upload exceeds quota."),
 * judged as Swift does by the container's counts before the upload plus its announced length (a
 * chunked upload counts 0 bytes). Quota values must be digits (400 otherwise); an empty value
 * removes one. Server-side copies are written by the copy stage in front of this one and are not
 * checked.
 */
public final class ContainerQuotas implements ObjectMiddleware {

  static final String QUOTA_BYTES = "x-container-meta-quota-bytes";
  static final String QUOTA_COUNT = "x-container-meta-quota-count";

  private final ContainerOps containers;

  public ContainerQuotas(ContainerOps containers) {
    this.containers = containers;
  }

  /** The {@code container_quotas} section of {@code /info}, as Swift registers it. */
  public static void capabilities(ObjectNode root) {
    root.putObject("container_quotas");
  }

  /** A container PUT or POST: its quota headers, if any, must be digits. */
  public static void checkContainer(SwiftRequest request) {
    String method = request.http().method().value();
    if (!method.equals("PUT") && !method.equals("POST")) {
      return;
    }
    if (request.header(QUOTA_BYTES).filter(v -> !isDigits(v)).isPresent()) {
      throw new SwiftException(SwiftError.BAD_REQUEST, "Invalid bytes quota.");
    }
    if (request.header(QUOTA_COUNT).filter(v -> !isDigits(v)).isPresent()) {
      throw new SwiftException(SwiftError.BAD_REQUEST, "Invalid count quota.");
    }
  }

  @Override
  public CompletionStage<HttpResponse> handle(SwiftRequest request, Reach reach, Next next) {
    if (!request.http().method().value().equals("PUT")) {
      return next.handle(request, reach);
    }
    return InfoCache.forWrite(containers, request.http(), request.account(), request.container())
        .thenCompose(state -> withVersionsBytes(request, state))
        .handle(
            (usage, failure) -> {
              // a missing container is answered further on, as in Swift
              if (failure == null && usage.exceeds(announcedLength(request))) {
                throw new SwiftException(
                    SwiftError.REQUEST_ENTITY_TOO_LARGE, "Upload exceeds quota.");
              }
              return null;
            })
        .thenCompose(checked -> next.handle(request, reach));
  }

  /** A container's state and its bytes used as its HEAD shows them. */
  private record Usage(ContainerState state, long bytesUsed) {
    boolean exceeds(long length) {
      Optional<Long> bytes = quota(state, QUOTA_BYTES);
      if (bytes.isPresent() && bytes.get() < bytesUsed + length) {
        return true;
      }
      Optional<Long> count = quota(state, QUOTA_COUNT);
      return count.isPresent() && count.get() < state.objectCount() + 1;
    }
  }

  /**
   * Swift judges by the container's info as its HEAD answers, where object versioning adds the
   * bytes of the versions container.
   */
  private CompletionStage<Usage> withVersionsBytes(SwiftRequest request, ContainerState state) {
    if (!state.metadata().containsKey(ObjectVersioning.ENABLED)) {
      return CompletableFuture.completedFuture(new Usage(state, state.bytesUsed()));
    }
    return InfoCache.forWrite(
            containers,
            request.http(),
            state.account(),
            ObjectVersioning.versionsContainer(state.container()))
        .handle(
            (versions, failure) ->
                new Usage(state, state.bytesUsed() + (failure == null ? versions.bytesUsed() : 0)));
  }

  private static Optional<Long> quota(ContainerState state, String name) {
    String value = state.metadata().get(name);
    if (value == null || !isDigits(value)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(value));
    } catch (NumberFormatException tooLarge) {
      // more digits than a long holds: no upload reaches it
      return Optional.empty();
    }
  }

  private static long announcedLength(SwiftRequest request) {
    OptionalLong length = request.http().entity().getContentLengthOption();
    return length.isPresent() ? length.getAsLong() : 0;
  }

  private static boolean isDigits(String value) {
    if (value.isEmpty()) {
      return true;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
