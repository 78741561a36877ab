package io.archipelago.http.swift;

import akka.http.javadsl.model.HttpResponse;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.concurrent.CompletionStage;

/**
 * A Swift middleware in front of the object controller (copy, slo): it answers the object requests
 * it owns and hands the others on, as a stage of Swift's WSGI pipeline does. The order of the
 * stages is set in one place, {@code server.SwiftPipeline}.
 */
@FunctionalInterface
public interface ObjectMiddleware {

  CompletionStage<HttpResponse> handle(SwiftRequest request, Reach reach, Next next);

  /** The rest of the pipeline: the next stage, or the object controller. */
  @FunctionalInterface
  interface Next {
    CompletionStage<HttpResponse> handle(SwiftRequest request, Reach reach);
  }
}
