package io.archipelago.engine;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.EventSchema;
import java.time.Duration;
import java.util.List;

/**
 * The actor system of the entity tests: the in-memory journal and snapshot store of the persistence
 * test kit, {@code application-test.conf}, and a one-node cluster with the account entity sharded,
 * because a container entity's stats timer tells its account through ClusterSharding.
 */
public final class EntityTestSystem {

  private EntityTestSystem() {}

  /**
   * {@link EventSourcedBehaviorTestKit#config()} turns serialization off in the in-memory stores;
   * we turn it back on, so that recovery in the tests reads events and snapshots that went through
   * CBOR, as they do in production.
   */
  public static Config config() {
    return ConfigFactory.parseString(
            "akka.persistence.testkit.events.serialize = on\n"
                + "akka.persistence.testkit.snapshots.serialize = on")
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(ConfigFactory.load("application-test"));
  }

  /**
   * The single event a command persisted, unwrapped: the journal (which the test kit reads back)
   * holds hash-chained {@link AuditEnvelope}s, not the domain events.
   */
  public static Object event(EventSourcedBehaviorTestKit.CommandResult<?, ?, ?> result) {
    List<?> events = result.events();
    if (events.size() != 1) {
      throw new AssertionError("expected one event, got " + events);
    }
    return unwrap(events.get(0));
  }

  /** A stored event as the entity sees it on replay. */
  public static Object unwrap(Object stored) {
    if (!(stored instanceof AuditEnvelope e)) {
      return stored;
    }
    for (EventSchema<?> schema :
        List.of(EventSchemas.CONTAINER, EventSchemas.ACCOUNT, EventSchemas.REGISTRY)) {
      if (schema.knows(e.type())) {
        return schema.decode(MAPPER, e.type(), e.version(), e.payload());
      }
    }
    throw new AssertionError("unknown event type " + e.type());
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      AuditMapper.create(config().resolve());

  /** Starts the system, joins it to itself and starts account sharding. */
  public static ActorTestKit start(String name) {
    ActorTestKit testKit = ActorTestKit.create(name, config());
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          if (cluster.selfMember().status() != MemberStatus.up()) {
            throw new AssertionError("cluster member not up yet: " + cluster.selfMember());
          }
          return null;
        });
    AccountEntity.init(testKit.system());
    return testKit;
  }
}
