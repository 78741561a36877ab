package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replication part of the container entity: pending changes per replica, progress, failures
 * that only a reconcile clears, conflicts and failover writes; every message and the state go
 * through CBOR.
 */
class ContainerSyncStateTest {

  private static final AuditInfo AUDIT =
      new AuditInfo(
          "AUTH_test:alice",
          "AUTH_test",
          "192.0.2.10",
          "node-1:8080",
          "tx1",
          Instant.parse("2024-03-01T12:00:00Z"));
  private static final AuditInfo SYNC = AuditInfo.system("node-1:25520", "sync");

  private static ActorTestKit testKit;
  private static EventSourcedBehaviorTestKit<
          ContainerEntity.Command, ContainerEntity.Event, EntityState>
      kit;

  @BeforeAll
  static void startSystem() {
    testKit = EntityTestSystem.start("ContainerSyncStateTest");
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            ContainerEntity.create(ContainerEntity.entityId("AUTH_test", "multi")),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void clear() {
    kit.clear();
  }

  private static void create() {
    var r =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "replicated",
                    "fs-a",
                    List.of("fs-b"),
                    Map.of(),
                    SwiftTimestamp.parse("1700000000.00000"),
                    AUDIT,
                    replyTo));
    assertTrue(r.reply().isAccepted());
  }

  private static void write(String name, String ts) {
    var r =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordObjectWrite(
                    name,
                    "etag",
                    1,
                    "text/plain",
                    SwiftTimestamp.parse(ts),
                    false,
                    0,
                    AUDIT,
                    replyTo));
    assertTrue(r.reply().isAccepted() || r.events().isEmpty());
    // group commit: the buffered record is persisted by the self-sent flush
    kit.runCommand(ContainerEntity.FlushRecords.INSTANCE);
  }

  private static ContainerEntity.SyncStatus status() {
    var r =
        kit.<ContainerReply<ContainerEntity.SyncStatus>>runCommand(
            ContainerEntity.GetSyncStatus::new);
    return r.reply().orThrow();
  }

  private static void progress(
      List<ContainerEntity.ReplicaProgress> progress,
      List<ContainerEntity.ReplicaFailure> failures,
      List<ContainerEntity.SyncConflict> conflicts) {
    var r =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    progress, failures, conflicts, List.of(), SYNC, replyTo));
    assertTrue(r.reply().isAccepted());
  }

  @Test
  void aMetadataChangeIsPendingForTheReplicasLikeAWrite() {
    create();
    write("o", "1700000001.00000");
    progress(
        List.of(
            new ContainerEntity.ReplicaProgress("fs-b", status().state().sync().lastChangeSeqNr())),
        List.of(),
        List.of());
    assertEquals(0, status().pendingChanges().get("fs-b"));

    var r =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordObjectMetadata(
                    "o",
                    "text/plain",
                    Map.of("x-object-meta-a", "1"),
                    SwiftTimestamp.parse("1700000002.00000"),
                    AUDIT,
                    replyTo));
    assertTrue(r.reply().isAccepted() || r.events().isEmpty());
    kit.runCommand(ContainerEntity.FlushRecords.INSTANCE);
    ContainerEntity.SyncStatus s = status();
    assertEquals(1, s.pendingChanges().get("fs-b"));
    assertTrue(s.state().sync().replica("fs-b").pendingSince().isPresent());
  }

  @Test
  void changesArePendingUntilProgressCoversThem() {
    create();
    for (int i = 0; i < 4; i++) {
      write("o" + i, "170000000" + (i + 1) + ".00000");
    }
    ContainerEntity.SyncStatus s = status();
    long last = s.state().sync().lastChangeSeqNr();
    assertEquals(4, s.pendingChanges().get("fs-b"));
    assertTrue(s.state().sync().replica("fs-b").pendingSince().isPresent());

    progress(List.of(new ContainerEntity.ReplicaProgress("fs-b", last - 2)), List.of(), List.of());
    assertEquals(2, status().pendingChanges().get("fs-b"));
    progress(List.of(new ContainerEntity.ReplicaProgress("fs-b", last)), List.of(), List.of());
    s = status();
    assertEquals(0, s.pendingChanges().get("fs-b"));
    assertTrue(s.state().sync().replica("fs-b").pendingSince().isEmpty());

    // progress going backwards (a projection replaying) changes nothing
    var r =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    List.of(new ContainerEntity.ReplicaProgress("fs-b", 1)),
                    List.of(),
                    List.of(),
                    List.of(),
                    SYNC,
                    replyTo));
    assertTrue(r.events().isEmpty());

    // pending counts survive recovery
    write("o9", "1700000009.00000");
    kit.restart();
    assertEquals(1, status().pendingChanges().get("fs-b"));
  }

  @Test
  void progressPastTheLastChangeIsRecordedOnceAtTheLastChange() {
    create();
    write("a", "1700000001.00000");
    long last = status().state().sync().lastChangeSeqNr();
    // The sync projection reads every tagged event, its own progress events too, and reports
    // the last one it read: progress must stop there instead of feeding itself.
    var first =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    List.of(new ContainerEntity.ReplicaProgress("fs-b", last + 1)),
                    List.of(),
                    List.of(),
                    List.of(),
                    SYNC,
                    replyTo));
    var progressed =
        assertInstanceOf(
            ContainerEntity.ReplicaSyncProgressed.class, EntityTestSystem.event(first));
    assertEquals(last, progressed.syncedSeqNr());
    // The projection then reads that progress event (the one after the last change) and reports it.
    var echo =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    List.of(new ContainerEntity.ReplicaProgress("fs-b", last + 2)),
                    List.of(),
                    List.of(),
                    List.of(),
                    SYNC,
                    replyTo));
    assertTrue(echo.reply().isAccepted());
    assertTrue(echo.events().isEmpty(), "progress event reported back: " + echo.events());
    assertEquals(0, status().pendingChanges().get("fs-b"));
  }

  @Test
  void failuresHoldProgressUntilAReconcile() {
    create();
    write("a", "1700000001.00000");
    write("b", "1700000002.00000");
    long last = status().state().sync().lastChangeSeqNr();
    progress(
        List.of(),
        List.of(new ContainerEntity.ReplicaFailure("fs-b", 2, "backend fs-b is down")),
        List.of());
    ReplicaSync failed = status().state().sync().replica("fs-b");
    assertTrue(failed.needsReconcile());
    assertEquals("backend fs-b is down", failed.lastError().orElseThrow());

    progress(List.of(new ContainerEntity.ReplicaProgress("fs-b", last)), List.of(), List.of());
    assertEquals(2, status().pendingChanges().get("fs-b"), "no progress past a failure");

    var r =
        kit.<ContainerReply<Done>>runCommand(
            replyTo -> new ContainerEntity.RecordReconciled("fs-b", last, 2, 2, 0, SYNC, replyTo));
    assertInstanceOf(ContainerEntity.ReplicaReconciled.class, EntityTestSystem.event(r));
    ContainerEntity.SyncStatus s = status();
    ReplicaSync reconciled = s.state().sync().replica("fs-b");
    assertFalse(reconciled.needsReconcile());
    assertTrue(reconciled.lastError().isEmpty());
    assertTrue(reconciled.lastReconciledAt().isPresent());
    assertEquals(0, s.pendingChanges().get("fs-b"));
  }

  @Test
  void conflictsAndFailoverWritesAreRecorded() {
    create();
    SwiftTimestamp newer = SwiftTimestamp.parse("1700000005.00000");
    progress(
        List.of(),
        List.of(),
        List.of(
            new ContainerEntity.SyncConflict(
                "x", "fs-b", "fs-b", newer, SwiftTimestamp.parse("1700000004.00000"))));
    assertEquals(1, status().state().sync().replica("fs-b").conflicts());

    var f =
        kit.<ContainerReply<Done>>runCommand(
            replyTo -> new ContainerEntity.RecordFailoverWrite("y", "fs-b", newer, AUDIT, replyTo));
    assertInstanceOf(ContainerEntity.FailoverWriteRecorded.class, EntityTestSystem.event(f));
    assertEquals("fs-b", status().state().sync().failoverWrites().get("y").backend());
    var resolved =
        kit.<ContainerReply<Done>>runCommand(
            replyTo ->
                new ContainerEntity.RecordSyncProgress(
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(new ContainerEntity.FailoverResolved("y", newer)),
                    SYNC,
                    replyTo));
    assertInstanceOf(ContainerEntity.FailoverWriteResolved.class, EntityTestSystem.event(resolved));
    assertTrue(status().state().sync().failoverWrites().isEmpty());
  }
}
