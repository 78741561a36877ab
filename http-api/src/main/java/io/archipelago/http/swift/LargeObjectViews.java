package io.archipelago.http.swift;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A middleware that shows some stored objects as what they stand for: an SLO or DLO manifest as the
 * concatenation of its segments (Swift's {@code slo} and {@code dlo} wrap the object GET). {@link
 * ObjectReader} asks each in pipeline order; the first that claims the object gives its view, and
 * conditions and ranges then apply to that view.
 */
@FunctionalInterface
public interface LargeObjectViews {

  /** The view of {@code stored}; empty when the object is not of this middleware's kind. */
  Optional<CompletionStage<ObjectView>> view(
      ObjectReader.ReadRequest read, ObjectReader.Stored stored);
}
