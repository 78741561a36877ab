package io.archipelago.engine.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.pattern.StatusReply;
import akka.persistence.testkit.SnapshotMeta;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.AccountState;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.engine.container.ContainerReply;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.EntityState;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.drain.DrainEntity;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.ChainHash;
import io.archipelago.persistence.audit.ChainedSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hash chain as the entities write it (test kit journal, events and snapshots serialized), and
 * schema evolution: events written under an older schema, and before envelopes existed, still
 * replay.
 */
class AuditTrailTest {

  private static final AuditInfo AUDIT =
      new AuditInfo(
          "AUTH_test:alice",
          "AUTH_test",
          "192.0.2.10",
          "node-1:25520",
          "tx1",
          Instant.parse("2024-03-01T12:00:00Z"));

  private static ActorTestKit testKit;
  private static ObjectMapper mapper;

  @BeforeAll
  static void start() {
    testKit = EntityTestSystem.start("AuditTrailTest");
    mapper = AuditMapper.of(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void eventsLinkAcrossSnapshotsAndRestarts() {
    var kit =
        EventSourcedBehaviorTestKit
            .<ContainerEntity.Command, ContainerEntity.Event, EntityState>create(
                testKit.system(),
                ContainerEntity.create("AUTH_test/chained"),
                EventSourcedBehaviorTestKit.enabledSerializationSettings());
    kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
        r ->
            new ContainerEntity.Create(
                "standard", "fs-a", List.of(), Map.of("x-container-meta-a", "1"), ts(1), AUDIT, r));
    for (int i = 0; i < 12; i++) { // snapshots every 5 events in the test config
      write(kit, "o" + i, i + 2);
    }
    kit.restart();
    for (int i = 12; i < 15; i++) {
      write(kit, "o" + i, i + 2);
    }
    assertEquals(15, kit.restart().state().container().objectCount());

    String pid = "Container|AUTH_test/chained";
    List<Object> stored = kit.persistenceTestKit().persistedInStorage(pid);
    assertEquals(16, stored.size());
    byte[] prev = ChainHash.genesis();
    for (Object o : stored) {
      AuditEnvelope e = assertInstanceOf(AuditEnvelope.class, o);
      assertArrayEquals(prev, e.prevHash(), "link to the previous event");
      assertArrayEquals(e.expectedHash(pid), e.hash(), "hash over the stored payload");
      prev = e.hash();
    }
    List<Pair<SnapshotMeta, Object>> snapshots =
        kit.snapshotTestKit().get().persistedInStorage(pid);
    assertFalse(snapshots.isEmpty());
    for (Pair<SnapshotMeta, Object> s : snapshots) {
      ChainedSnapshot snapshot = assertInstanceOf(ChainedSnapshot.class, s.second());
      AuditEnvelope atSnapshot = (AuditEnvelope) stored.get((int) s.first().sequenceNr() - 1);
      assertArrayEquals(atSnapshot.hash(), snapshot.lastHash(), "snapshot carries the chain head");
    }
  }

  @Test
  void payloadsAreCanonicalWhateverTheMapOrder() {
    Map<String, String> a = new java.util.LinkedHashMap<>();
    a.put("b", "2");
    a.put("a", "1");
    Map<String, String> b = new java.util.LinkedHashMap<>();
    b.put("a", "1");
    b.put("b", "2");
    assertArrayEquals(
        EventSchemas.CONTAINER.encode(
            mapper, new ContainerEntity.ContainerMetadataUpdated(a, ts(5), AUDIT)),
        EventSchemas.CONTAINER.encode(
            mapper, new ContainerEntity.ContainerMetadataUpdated(b, ts(5), AUDIT)));
  }

  @Test
  void eventsOfAnOlderSchemaVersionAndOfBeforeEnvelopesStillReplay() throws Exception {
    String account = "AUTH_old";
    String pid = "Account|" + account;
    var kit =
        EventSourcedBehaviorTestKit
            .<AccountEntity.Command, AccountEntity.Event, AccountState>create(
                testKit.system(),
                AccountEntity.create(account, testKit.system()),
                EventSourcedBehaviorTestKit.disabledSerializationSettings());
    ContainerSummary legacy = new ContainerSummary("legacy", "standard", "fs-a", 0, 0, ts(10));
    ContainerSummary photos = new ContainerSummary("photos", "standard", "fs-a", 0, 0, ts(11));
    ContainerSummary refreshed = new ContainerSummary("photos", "standard", "fs-a", 7, 700, ts(12));

    // seq 1: written before audit envelopes existed (a plain Jackson event)
    Object plain = new AccountEntity.ContainerListed(legacy, AUDIT);
    // seq 2: a current envelope, first link of the chain
    AuditEnvelope listed =
        AuditEnvelope.chain(
            pid,
            ChainHash.genesis(),
            "ContainerListed",
            1,
            EventSchemas.ACCOUNT.encode(mapper, new AccountEntity.ContainerListed(photos, AUDIT)));
    // seq 3: ContainerStatsRefreshed as schema v1 wrote it: a summary and no audit field
    ObjectNode v1 = mapper.createObjectNode();
    v1.set("summary", mapper.valueToTree(refreshed));
    AuditEnvelope stats =
        AuditEnvelope.chain(
            pid, listed.hash(), "ContainerStatsRefreshed", 1, mapper.writeValueAsBytes(v1));
    kit.persistenceTestKit().persistForRecovery(pid, List.of(plain, listed, stats));

    AccountState recovered = kit.restart().state();
    assertEquals(List.of(legacy, refreshed), recovered.containerList());

    var upcast =
        (AccountEntity.ContainerStatsRefreshed)
            EventSchemas.ACCOUNT.decode(mapper, "ContainerStatsRefreshed", 1, stats.payload());
    assertEquals(refreshed, upcast.summary());
    assertEquals("system", upcast.audit().principal());
    assertNull(upcast.audit().at());

    // The chain goes on from the replayed head.
    kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.UnlistContainer("legacy", AUDIT, r));
    List<Object> stored = kit.persistenceTestKit().persistedInStorage(pid);
    AuditEnvelope next = assertInstanceOf(AuditEnvelope.class, stored.get(3));
    assertArrayEquals(stats.hash(), next.prevHash());
    assertEquals(
        2,
        EventSchemas.ACCOUNT.versionOf(
            new AccountEntity.ContainerStatsRefreshed(refreshed, AuditInfo.system("n", "r"))));
  }

  /**
   * The migration throttle's windows came after migrations and drains were recorded: a throttle
   * written without them reads as always, and one with them survives the trip.
   */
  @Test
  void throttlesRecordedBeforeWindowsExistedReadAsAlways() throws Exception {
    Migration.Throttle windowed = new Migration.Throttle(10, 2, 3, List.of("22:00-06:00"));
    var started = new ContainerEntity.MigrationStarted("m1", "fs-b", windowed, AUDIT);
    int version = EventSchemas.CONTAINER.versionOf(started);
    byte[] current = EventSchemas.CONTAINER.encode(mapper, started);
    assertEquals(
        started, EventSchemas.CONTAINER.decode(mapper, "MigrationStarted", version, current));

    ObjectNode old = (ObjectNode) mapper.readTree(current);
    ((ObjectNode) old.get("throttle")).remove("windows");
    var read =
        (ContainerEntity.MigrationStarted)
            EventSchemas.CONTAINER.decode(
                mapper, "MigrationStarted", version, mapper.writeValueAsBytes(old));
    assertEquals(new Migration.Throttle(10, 2, 3, List.of()), read.throttle());

    var drain = new DrainEntity.DrainStarted("d1", 2, windowed, AUDIT);
    ObjectNode oldDrain = (ObjectNode) mapper.readTree(EventSchemas.DRAIN.encode(mapper, drain));
    ((ObjectNode) oldDrain.get("throttle")).remove("windows");
    var readDrain =
        (DrainEntity.DrainStarted)
            EventSchemas.DRAIN.decode(
                mapper,
                "DrainStarted",
                EventSchemas.DRAIN.versionOf(drain),
                mapper.writeValueAsBytes(oldDrain));
    assertTrue(readDrain.throttle().windows().isEmpty());
    assertEquals(3, readDrain.throttle().parallelism());

    // a state snapshot (the migration inside the container's state) as well
    Migration m =
        new Migration(
            "m1",
            "fs-a",
            "fs-b",
            MigrationPhase.COPYING,
            null,
            "",
            0,
            0,
            0,
            0,
            null,
            "",
            null,
            null,
            null,
            false,
            "");
    ObjectNode tree = mapper.valueToTree(m);
    ((ObjectNode) tree.get("throttle")).remove("windows");
    assertEquals(
        Migration.Throttle.UNLIMITED, mapper.treeToValue(tree, Migration.class).throttle());
  }

  @Test
  void historyAppliesEventsAsTheEntityDoes() {
    ContainerState s = ContainerState.empty("AUTH_test", "h");
    s =
        ContainerHistory.apply(
            s,
            new ContainerEntity.ContainerCreated(
                "AUTH_test",
                "h",
                "standard",
                "fs-a",
                List.of("fs-b"),
                Map.of("x-container-meta-a", "1"),
                ts(1),
                AUDIT),
            1);
    s =
        ContainerHistory.apply(
            s,
            new ContainerEntity.ObjectWritten("o", "e", 10, "text/plain", ts(2), false, 0, AUDIT),
            2);
    s =
        ContainerHistory.apply(
            s,
            new ContainerEntity.ContainerMetadataUpdated(
                Map.of("x-container-meta-a", ""), ts(3), AUDIT),
            3);
    assertTrue(s.isActive());
    assertEquals(List.of("fs-b"), s.replicaBackends());
    assertEquals(1, s.objectCount());
    assertTrue(s.metadata().isEmpty());
    assertEquals(2, s.sync().lastChangeSeqNr());
  }

  /**
   * A replicated container's whole life, sync events included (progress, a failure, a conflict, a
   * reconcile, a failover write and its resolution): the history replayed from the stored envelopes
   * ends in exactly the entity's state, and each replayed prefix stays readable.
   */
  @Test
  void historyReplaysEveryKindOfContainerEventToTheEntitysState() {
    String pid = "Container|AUTH_test/synced";
    var kit =
        EventSourcedBehaviorTestKit
            .<ContainerEntity.Command, ContainerEntity.Event, EntityState>create(
                testKit.system(),
                ContainerEntity.create("AUTH_test/synced"),
                EventSourcedBehaviorTestKit.enabledSerializationSettings());
    AuditInfo sync = AuditInfo.system("node-1:25520", "sync");
    kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
        r ->
            new ContainerEntity.Create(
                "replicated",
                "fs-a",
                List.of("fs-b"),
                Map.of("x-container-meta-a", "1"),
                ts(1),
                AUDIT,
                r));
    for (int i = 0; i < 3; i++) {
      write(kit, "o" + i, i + 2);
    }
    kit.runCommand(ContainerEntity.FlushRecords.INSTANCE);
    kit.<ContainerReply<Done>>runCommand(
        r ->
            new ContainerEntity.RecordSyncProgress(
                List.of(new ContainerEntity.ReplicaProgress("fs-b", 3)),
                List.of(new ContainerEntity.ReplicaFailure("fs-b", 1, "fs-b: 503")),
                List.of(new ContainerEntity.SyncConflict("o1", "fs-b", "fs-a", ts(3), ts(2))),
                List.of(),
                sync,
                r));
    kit.<ContainerReply<Done>>runCommand(
        r -> new ContainerEntity.RecordFailoverWrite("f", "fs-b", ts(9), AUDIT, r));
    kit.<ContainerReply<Done>>runCommand(
        r -> new ContainerEntity.RecordObjectDelete("o0", 10, ts(10), AUDIT, r));
    kit.<ContainerReply<Done>>runCommand(
        r ->
            new ContainerEntity.RecordObjectMetadata(
                "o2", "text/csv", Map.of("x-object-meta-b", "2"), ts(10), AUDIT, r));
    kit.runCommand(ContainerEntity.FlushRecords.INSTANCE);
    kit.<ContainerReply<Done>>runCommand(
        r -> new ContainerEntity.RecordReconciled("fs-b", 4, 1, 1, 0, sync, r));
    kit.<ContainerReply<Done>>runCommand(
        r ->
            new ContainerEntity.RecordSyncProgress(
                List.of(),
                List.of(),
                List.of(),
                List.of(new ContainerEntity.FailoverResolved("f", ts(9))),
                sync,
                r));
    kit.<ContainerReply<ContainerState>>runCommand(
        r ->
            new ContainerEntity.UpdateMetadata(
                Map.of("x-container-meta-a", "2"), ts(11), AUDIT, r));
    ContainerState live =
        kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new).reply().orThrow();

    List<Object> stored = kit.persistenceTestKit().persistedInStorage(pid);
    Set<String> types = new TreeSet<>();
    ContainerState replayed = ContainerState.empty("AUTH_test", "synced");
    long seq = 0;
    for (Object o : stored) {
      AuditEnvelope e = assertInstanceOf(AuditEnvelope.class, o);
      types.add(e.type());
      replayed =
          ContainerHistory.apply(
              replayed,
              EventSchemas.CONTAINER.decode(mapper, e.type(), e.version(), e.payload()),
              ++seq);
    }
    assertEquals(
        Set.of(
            "ContainerCreated",
            "ObjectWritten",
            "ObjectDeleted",
            "ContainerMetadataUpdated",
            "ReplicaSyncProgressed",
            "ReplicaSyncFailed",
            "SyncConflictResolved",
            "FailoverWriteRecorded",
            "FailoverWriteResolved",
            "ReplicaReconciled",
            "ObjectMetadataReplaced"),
        types);
    assertEquals(live, replayed);
  }

  private static void write(
      EventSourcedBehaviorTestKit<ContainerEntity.Command, ContainerEntity.Event, EntityState> kit,
      String name,
      long second) {
    kit.<ContainerReply<Done>>runCommand(
        r ->
            new ContainerEntity.RecordObjectWrite(
                name, "etag", 10, "text/plain", ts(second), false, 0, AUDIT, r));
  }

  private static SwiftTimestamp ts(long seconds) {
    return new SwiftTimestamp(1_700_000_000L * 100_000 + seconds * 100_000);
  }
}
