package io.archipelago.persistence.audit;

import akka.actor.ReflectiveDynamicAccess;
import akka.actor.typed.ActorSystem;
import akka.serialization.jackson.JacksonObjectMapperFactory;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import akka.serialization.jackson.JacksonObjectMapperProvider$;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.Config;
import java.util.Optional;
import scala.Option;

/**
 * The Jackson CBOR mapper that serializes audited events: Akka's Jackson set-up (modules, features)
 * under the binding {@value #BINDING}, which sorts map keys and properties so that the payload of
 * an event does not depend on map iteration order.
 */
public final class AuditMapper {

  public static final String BINDING = "archipelago-audit";

  private AuditMapper() {}

  /** The system's shared mapper. */
  public static ObjectMapper of(ActorSystem<?> system) {
    return JacksonObjectMapperProvider.get(system)
        .getOrCreate(BINDING, Optional.of(new CBORFactory()));
  }

  /** The same mapper without an actor system (command line tools), from a resolved config. */
  public static ObjectMapper create(Config config) {
    return JacksonObjectMapperProvider$.MODULE$.createObjectMapper(
        BINDING,
        Option.apply(new CBORFactory()),
        new JacksonObjectMapperFactory(),
        JacksonObjectMapperProvider$.MODULE$.configForBinding(BINDING, config),
        new ReflectiveDynamicAccess(AuditMapper.class.getClassLoader()),
        Option.empty());
  }
}
