package io.archipelago.http.swift;

import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ObjectInfo;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A middleware that reads some stored objects as another object: a symlink as its target (Swift's
 * {@code symlink}, beneath {@code slo} and {@code dlo}, so that a link to a manifest reads as the
 * large object and a large object's segment may be a link). {@link ObjectReader} asks it before any
 * view is made; large objects ask it for each segment they read.
 */
public interface ObjectLinks {

  /** Objects are what they are: no links. */
  ObjectLinks NONE =
      new ObjectLinks() {
        @Override
        public Optional<CompletionStage<ObjectReader.Outcome>> follow(
            ObjectReader.ReadRequest read,
            ObjectInfo stored,
            Function<ObjectReader.ReadRequest, CompletionStage<ObjectReader.Outcome>> reader) {
          return Optional.empty();
        }

        @Override
        public CompletionStage<Optional<Located>> target(
            Located stored, String method, Reach reach, RequestContext context) {
          return CompletableFuture.completedFuture(Optional.of(stored));
        }
      };

  /** A stored object and where it is. */
  record Located(String account, String container, String name, ObjectInfo info) {}

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

  /**
   * The object a read of {@code stored} reaches, each step reached as the client's own {@code
   * method}: {@code stored} itself when it is no link; empty when the link leads nowhere. Fails
   * with the refusal of a step, or with a 409 for a chain too long or a static link's changed
   * target.
   */
  CompletionStage<Optional<Located>> target(
      Located stored, String method, Reach reach, RequestContext context);
}
