package io.archipelago.http.swift;

import io.archipelago.engine.store.ObjectInfo;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A middleware that reads some stored objects as another object: a symlink as its target (Swift's
 * {@code symlink}, beneath {@code slo} and {@code dlo}, so that a link to a manifest reads as the
 * large object). {@link ObjectReader} asks it before any view is made.
 */
@FunctionalInterface
public interface ObjectLinks {

  /**
   * What reading {@code stored} answers when it stands for another object; empty when it does not,
   * or when the read asks for the object itself.
   *
   * @param reader reads the object the link leads to (which is then not followed again)
   */
  Optional<CompletionStage<ObjectReader.Outcome>> follow(
      ObjectReader.ReadRequest read,
      ObjectInfo stored,
      Function<ObjectReader.ReadRequest, CompletionStage<ObjectReader.Outcome>> reader);
}
