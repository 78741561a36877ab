package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Write records that arrive together are persisted together, each acknowledged after it. */
class ContainerGroupCommitTest {

  private static final AuditInfo AUDIT =
      new AuditInfo("test:tester", "AUTH_test", "127.0.0.1", "node", "tx1", Instant.EPOCH);

  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = EntityTestSystem.start("ContainerGroupCommitTest");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<ContainerEntity.Command> created(String id) {
    ActorRef<ContainerEntity.Command> entity = testKit.spawn(ContainerEntity.create(id));
    TestProbe<ContainerReply<ContainerEntity.CreateResult>> probe = testKit.createTestProbe();
    entity.tell(
        new ContainerEntity.Create(
            "standard",
            "fs",
            List.of(),
            Map.of(),
            SwiftTimestamp.parse("1700000000"),
            AUDIT,
            probe.ref()));
    // Generous: the first persist of a fresh test system can be slow on a busy machine.
    assertTrue(probe.receiveMessage(Duration.ofSeconds(15)).isAccepted());
    return entity;
  }

  @Test
  void manyConcurrentWritesAreAllRecordedAndAcknowledged() {
    ActorRef<ContainerEntity.Command> entity = created("AUTH_test/hot");
    TestProbe<ContainerReply<Done>> acks = testKit.createTestProbe();
    int writes = 500;
    for (int i = 0; i < writes; i++) {
      entity.tell(
          new ContainerEntity.RecordObjectWrite(
              "o" + i,
              "etag",
              10,
              "text/plain",
              SwiftTimestamp.parse("1700000001." + String.format("%05d", i)),
              false,
              0,
              AUDIT,
              acks.ref()));
    }
    for (int i = 0; i < writes; i++) {
      assertTrue(acks.receiveMessage(Duration.ofSeconds(10)).isAccepted());
    }
    TestProbe<ContainerReply<ContainerState>> state = testKit.createTestProbe();
    entity.tell(new ContainerEntity.Get(state.ref()));
    ContainerState s = state.receiveMessage().orThrow();
    assertEquals(writes, s.objectCount());
    assertEquals(writes * 10L, s.bytesUsed());
    long persisted =
        PersistenceTestKit.create(testKit.system())
            .persistedInStorage(ContainerEntity.persistenceIdOf("AUTH_test", "hot").id())
            .size();
    assertEquals(writes + 1, persisted, "one event per write plus the create");
  }

  @Test
  void aDeleteWaitsForBufferedWritesAndTheyLandFirst() {
    ActorRef<ContainerEntity.Command> entity = created("AUTH_test/ordered");
    TestProbe<ContainerReply<Done>> acks = testKit.createTestProbe();
    entity.tell(
        new ContainerEntity.RecordObjectWrite(
            "a",
            "etag",
            5,
            "text/plain",
            SwiftTimestamp.parse("1700000002"),
            false,
            0,
            AUDIT,
            acks.ref()));
    entity.tell(new ContainerEntity.Delete(SwiftTimestamp.parse("1700000003"), AUDIT, acks.ref()));
    assertTrue(acks.receiveMessage(Duration.ofSeconds(10)).isAccepted());
    assertTrue(acks.receiveMessage(Duration.ofSeconds(10)).isAccepted());
    List<Object> events =
        PersistenceTestKit.create(testKit.system())
            .persistedInStorage(ContainerEntity.persistenceIdOf("AUTH_test", "ordered").id())
            .stream()
            .map(EntityTestSystem::unwrap)
            .toList();
    assertTrue(events.get(1) instanceof ContainerEntity.ObjectWritten, events.toString());
    assertTrue(events.get(2) instanceof ContainerEntity.ContainerDeleted, events.toString());
  }

  @Test
  void theSameRecordSentTwiceCountsOnce() {
    ActorRef<ContainerEntity.Command> entity = created("AUTH_test/retried");
    TestProbe<ContainerReply<Done>> acks = testKit.createTestProbe();
    var write =
        new ContainerEntity.RecordObjectWrite(
            "x",
            "etag",
            7,
            "text/plain",
            SwiftTimestamp.parse("1700000004"),
            false,
            0,
            AUDIT,
            acks.ref());
    entity.tell(write);
    entity.tell(write);
    assertTrue(acks.receiveMessage(Duration.ofSeconds(10)).isAccepted());
    assertTrue(acks.receiveMessage(Duration.ofSeconds(10)).isAccepted());
    entity.tell(write);
    assertTrue(acks.receiveMessage().isAccepted());
    TestProbe<ContainerReply<ContainerState>> state = testKit.createTestProbe();
    entity.tell(new ContainerEntity.Get(state.ref()));
    assertEquals(1, state.receiveMessage().orThrow().objectCount());
  }
}
