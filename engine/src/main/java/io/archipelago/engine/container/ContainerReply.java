package io.archipelago.engine.container;

import akka.Done;
import akka.serialization.jackson.AkkaSerializationDeserializer;
import akka.serialization.jackson.AkkaSerializationSerializer;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.archipelago.persistence.CborSerializable;

/**
 * A container entity's answer to a command: its result, or why the entity refused it. Replies cross
 * nodes, so the refusal is typed instead of text to be parsed back.
 *
 * @param <T> the command's result
 */
public sealed interface ContainerReply<T> extends CborSerializable {

  /**
   * The command's result. Its type depends on the command, so it is written with its own Akka
   * serializer (Jackson for our records, Akka's own for {@link Done}).
   */
  record Accepted<T>(
      @JsonSerialize(using = AkkaSerializationSerializer.class)
          @JsonDeserialize(using = AkkaSerializationDeserializer.class)
          T value)
      implements ContainerReply<T> {

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public Accepted {}

    @Override
    public T orThrow() {
      return value;
    }
  }

  /** The entity refused the command; {@code detail} is for people. */
  record Rejected<T>(ContainerRejection reason, String detail) implements ContainerReply<T> {

    @Override
    public T orThrow() {
      throw new ContainerRejectedException(reason, detail);
    }
  }

  static <T> ContainerReply<T> accepted(T value) {
    return new Accepted<>(value);
  }

  static ContainerReply<Done> done() {
    return new Accepted<>(Done.getInstance());
  }

  static <T> ContainerReply<T> rejected(ContainerRejection reason, String detail) {
    return new Rejected<>(reason, detail);
  }

  /** The result; a rejection throws {@link ContainerRejectedException}. */
  T orThrow();

  default boolean isAccepted() {
    return this instanceof Accepted<T>;
  }
}
