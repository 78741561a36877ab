package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.typed.PersistenceId;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.account.AccountSummary;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container entity through {@link EventSourcedBehaviorTestKit}, with serialization of every
 * command, event and state verified (records, so with equality).
 *
 * <p>The system is a one-node cluster with the account entity sharded (see {@link
 * EntityTestSystem}): a recorded write starts the one-second stats timer, whose {@link
 * ContainerEntity.FlushStats} tells the account through ClusterSharding. Under a local provider
 * that tell would throw and restart the entity behind the tests' back; here it is real, and {@link
 * #flushedStatsReachTheAccount()} checks it.
 */
class ContainerEntityTest {

  private static final String ACCOUNT = "AUTH_test";
  private static final String CONTAINER = "photos";
  private static final AuditInfo AUDIT =
      new AuditInfo(
          "AUTH_test:alice",
          ACCOUNT,
          "192.0.2.10",
          "node-1:8080",
          "tx0123456789abcdef",
          Instant.parse("2024-03-01T12:00:00.123456789Z"));

  private static ActorTestKit testKit;
  private static EventSourcedBehaviorTestKit<
          ContainerEntity.Command, ContainerEntity.Event, EntityState>
      kit;

  @BeforeAll
  static void startSystem() {
    testKit = EntityTestSystem.start("ContainerEntityTest");
    kit = newKit(ContainerEntity.entityId(ACCOUNT, CONTAINER));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void clearJournal() {
    kit.clear();
  }

  private static EventSourcedBehaviorTestKit<
          ContainerEntity.Command, ContainerEntity.Event, EntityState>
      newKit(String entityId) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        ContainerEntity.create(entityId),
        EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  private static SwiftTimestamp ts(String text) {
    return SwiftTimestamp.parse(text);
  }

  private static ContainerEntity.CreateResult create(
      EventSourcedBehaviorTestKit<ContainerEntity.Command, ContainerEntity.Event, EntityState> k,
      String policy,
      Map<String, String> metadata,
      SwiftTimestamp at) {
    var result =
        k.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    policy, "fs-a", List.of("fs-b"), metadata, at, AUDIT, replyTo));
    assertTrue(result.reply().isAccepted(), () -> "create failed: " + result.reply());
    return result.reply().orThrow();
  }

  private static ContainerEntity.CreateResult create(
      String policy, Map<String, String> metadata, SwiftTimestamp at) {
    return create(kit, policy, metadata, at);
  }

  private static ContainerEntity.RecordObjectWrite write(
      String name,
      long size,
      SwiftTimestamp at,
      boolean replaced,
      long replacedSize,
      ActorRef<ContainerReply<Done>> replyTo) {
    return new ContainerEntity.RecordObjectWrite(
        name,
        "d41d8cd98f00b204e9800998ecf8427e",
        size,
        "image/jpeg",
        at,
        replaced,
        replacedSize,
        AUDIT,
        replyTo);
  }

  private static void assertRejected(ContainerReply<?> reply, ContainerRejection expected) {
    assertInstanceOf(
        ContainerReply.Rejected.class, reply, () -> "expected a rejection, got " + reply);
    assertEquals(expected, ((ContainerReply.Rejected<?>) reply).reason());
    assertFalse(((ContainerReply.Rejected<?>) reply).detail().isEmpty());
  }

  // ---- create ---------------------------------------------------------------------------

  @Test
  void createOfANewContainerPersistsContainerCreated() {
    Map<String, String> metadata =
        Map.of("x-container-meta-color", "blue", "x-container-meta-gone", "");
    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "standard",
                    "fs-a",
                    List.of("fs-b"),
                    metadata,
                    ts("1700000000.00001"),
                    AUDIT,
                    replyTo));

    assertEquals(
        new ContainerEntity.ContainerCreated(
            ACCOUNT,
            CONTAINER,
            "standard",
            "fs-a",
            List.of("fs-b"),
            metadata,
            ts("1700000000.00001"),
            AUDIT),
        EntityTestSystem.event(result));
    assertTrue(result.reply().isAccepted());
    ContainerEntity.CreateResult created = result.reply().orThrow();
    assertTrue(created.created());
    ContainerState state = result.state().container();
    assertEquals(state, created.state());
    assertEquals(Lifecycle.ACTIVE, state.lifecycle());
    assertEquals(ACCOUNT, state.account());
    assertEquals(CONTAINER, state.container());
    assertEquals("standard", state.policy());
    assertEquals("fs-a", state.primaryBackend());
    assertEquals(List.of("fs-b"), state.replicaBackends());
    // An empty value means "no such header", even at creation.
    assertEquals(Map.of("x-container-meta-color", "blue"), state.metadata());
    assertEquals(ts("1700000000.00001"), state.createdAt());
    assertEquals(ts("1700000000.00001"), state.modifiedAt());
    assertEquals(0, state.objectCount());
    assertEquals(0, state.bytesUsed());
  }

  @Test
  void createOfAnExistingContainerWithMetadataUpdatesIt() {
    create(
        "standard",
        Map.of("x-container-meta-color", "blue", "x-container-meta-size", "s"),
        ts("1700000000.00001"));

    Map<String, String> changes =
        Map.of("x-container-meta-size", "xl", "x-container-meta-color", "");
    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "standard",
                    "fs-other",
                    List.of(),
                    changes,
                    ts("1700000001.00000"),
                    AUDIT,
                    replyTo));

    assertEquals(
        new ContainerEntity.ContainerMetadataUpdated(changes, ts("1700000001.00000"), AUDIT),
        EntityTestSystem.event(result));
    ContainerEntity.CreateResult reply = result.reply().orThrow();
    assertFalse(reply.created());
    assertEquals(result.state().container(), reply.state());
    assertEquals(Map.of("x-container-meta-size", "xl"), reply.state().metadata());
    // Placement and creation time belong to the first create.
    assertEquals("fs-a", reply.state().primaryBackend());
    assertEquals(List.of("fs-b"), reply.state().replicaBackends());
    assertEquals(ts("1700000000.00001"), reply.state().createdAt());
    assertEquals(ts("1700000001.00000"), reply.state().modifiedAt());
  }

  @Test
  void createOfAnExistingContainerWithoutMetadataMovesOnlyItsPutTimestamp() {
    // Swift's PUT of an existing container updates its put_timestamp (its Last-Modified)
    ContainerState before =
        create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000")).state();

    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "standard",
                    "fs-a",
                    List.of("fs-b"),
                    Map.of(),
                    ts("1700000005"),
                    AUDIT,
                    replyTo));

    assertFalse(result.reply().orThrow().created());
    assertEquals(ts("1700000005"), result.state().container().modifiedAt());
    assertEquals(before.createdAt(), result.state().container().createdAt());
    assertEquals(before.metadata(), result.state().container().metadata());
  }

  @Test
  void createOfAnExistingContainerWithAnOlderTimestampPersistsNothing() {
    create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000"));
    ContainerState before =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
                replyTo ->
                    new ContainerEntity.Create(
                        "standard",
                        "fs-a",
                        List.of("fs-b"),
                        Map.of(),
                        ts("1700000005"),
                        AUDIT,
                        replyTo))
            .state()
            .container();

    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "standard",
                    "fs-a",
                    List.of("fs-b"),
                    Map.of(),
                    ts("1700000003"),
                    AUDIT,
                    replyTo));

    assertTrue(result.hasNoEvents());
    assertEquals(new ContainerEntity.CreateResult(before, false), result.reply().orThrow());
    assertEquals(before, result.state().container());
  }

  @Test
  void createWithAnotherPolicyIsRejected() {
    ContainerState before = create("standard", Map.of(), ts("1700000000")).state();

    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            replyTo ->
                new ContainerEntity.Create(
                    "archive",
                    "fs-c",
                    List.of(),
                    Map.of("x-container-meta-a", "1"),
                    ts("1700000001"),
                    AUDIT,
                    replyTo));

    assertRejected(result.reply(), ContainerRejection.POLICY_MISMATCH);
    assertTrue(((ContainerReply.Rejected<?>) result.reply()).detail().contains("standard"));
    assertTrue(result.hasNoEvents());
    assertEquals(before, result.state().container());
  }

  // ---- get ------------------------------------------------------------------------------

  @Test
  void getBeforeCreateIsNotFound() {
    var result = kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new);

    assertRejected(result.reply(), ContainerRejection.NOT_FOUND);
    assertTrue(result.hasNoEvents());
    assertEquals(Lifecycle.EMPTY, result.state().container().lifecycle());
  }

  @Test
  void getRepliesTheActiveState() {
    ContainerState created =
        create("standard", Map.of("x-container-read", ".r:*"), ts("1700000000")).state();

    var result = kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new);

    assertTrue(result.hasNoEvents());
    assertEquals(created, result.reply().orThrow());
  }

  @Test
  void getAfterDeleteIsNotFound() {
    create("standard", Map.of(), ts("1700000000"));
    var deleted =
        kit.<ContainerReply<Done>>runCommand(
            replyTo -> new ContainerEntity.Delete(ts("1700000001"), AUDIT, replyTo));
    assertEquals(ContainerReply.done(), deleted.reply());

    var result = kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new);

    assertRejected(result.reply(), ContainerRejection.NOT_FOUND);
  }

  // ---- metadata -------------------------------------------------------------------------

  @Test
  void updateMetadataMergesAndRemovesEmptyValues() {
    create(
        "standard", Map.of("x-container-meta-a", "1", "x-container-meta-b", "2"), ts("1700000000"));

    Map<String, String> changes = new HashMap<>();
    changes.put("x-container-meta-b", "");
    changes.put("x-container-meta-c", "3");
    changes.put("x-container-meta-a", "one");
    changes.put("x-container-meta-never-set", "");
    var result =
        kit.<ContainerReply<ContainerState>>runCommand(
            replyTo ->
                new ContainerEntity.UpdateMetadata(changes, ts("1700000002.5"), AUDIT, replyTo));

    assertEquals(
        new ContainerEntity.ContainerMetadataUpdated(changes, ts("1700000002.5"), AUDIT),
        EntityTestSystem.event(result));
    ContainerState state = result.reply().orThrow();
    assertEquals(result.state().container(), state);
    assertEquals(Map.of("x-container-meta-a", "one", "x-container-meta-c", "3"), state.metadata());
    assertEquals(ts("1700000000"), state.createdAt());
    assertEquals(ts("1700000002.5"), state.modifiedAt());
  }

  // ---- object records -------------------------------------------------------------------

  @Test
  void recordedWritesCountObjectsAndBytes() {
    create("standard", Map.of(), ts("1700000000"));

    var first =
        kit.<ContainerReply<Done>>runCommand(
            r -> write("a.jpg", 100, ts("1700000010"), false, 0, r));
    assertEquals(ContainerReply.done(), first.reply());
    assertEquals(
        new ContainerEntity.ObjectWritten(
            "a.jpg",
            "d41d8cd98f00b204e9800998ecf8427e",
            100,
            "image/jpeg",
            ts("1700000010"),
            false,
            0,
            AUDIT),
        EntityTestSystem.event(first));
    assertEquals(1, first.state().container().objectCount());
    assertEquals(100, first.state().container().bytesUsed());

    var second =
        kit.<ContainerReply<Done>>runCommand(
            r -> write("b.jpg", 50, ts("1700000020"), false, 0, r));
    assertEquals(2, second.state().container().objectCount());
    assertEquals(150, second.state().container().bytesUsed());
    assertEquals(ts("1700000020"), second.state().container().lastWriteAt());
  }

  @Test
  void anOverwriteKeepsTheCountAndAdjustsTheBytes() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a.jpg", 100, ts("1700000010"), false, 0, r));
    kit.<ContainerReply<Done>>runCommand(r -> write("b.jpg", 50, ts("1700000011"), false, 0, r));

    var smaller =
        kit.<ContainerReply<Done>>runCommand(
            r -> write("a.jpg", 30, ts("1700000012"), true, 100, r));
    assertEquals(ContainerReply.done(), smaller.reply());
    assertEquals(2, smaller.state().container().objectCount());
    assertEquals(80, smaller.state().container().bytesUsed());

    var larger =
        kit.<ContainerReply<Done>>runCommand(
            r -> write("b.jpg", 1_000, ts("1700000013"), true, 50, r));
    assertEquals(2, larger.state().container().objectCount());
    assertEquals(1_030, larger.state().container().bytesUsed());
  }

  @Test
  void aLateWriteDoesNotMoveLastWriteBack() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 1, ts("1700000050"), false, 0, r));

    var late =
        kit.<ContainerReply<Done>>runCommand(r -> write("b", 1, ts("1700000040"), false, 0, r));

    assertEquals(ts("1700000050"), late.state().container().lastWriteAt());
    assertEquals(2, late.state().container().objectCount());
  }

  @Test
  void recordedDeletesUncountObjectsAndBytes() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 100, ts("1700000010"), false, 0, r));
    kit.<ContainerReply<Done>>runCommand(r -> write("b", 40, ts("1700000011"), false, 0, r));

    var result =
        kit.<ContainerReply<Done>>runCommand(
            r -> new ContainerEntity.RecordObjectDelete("a", 100, ts("1700000012"), AUDIT, r));

    assertEquals(ContainerReply.done(), result.reply());
    assertEquals(
        new ContainerEntity.ObjectDeleted("a", 100, ts("1700000012"), AUDIT),
        EntityTestSystem.event(result));
    assertEquals(1, result.state().container().objectCount());
    assertEquals(40, result.state().container().bytesUsed());
    assertEquals(ts("1700000012"), result.state().container().lastWriteAt());
  }

  @Test
  void countsNeverGoNegative() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 10, ts("1700000010"), false, 0, r));

    // A delete recorded twice (a retried request) must not drive the counters below zero.
    kit.<ContainerReply<Done>>runCommand(
        r -> new ContainerEntity.RecordObjectDelete("a", 10, ts("1700000011"), AUDIT, r));
    var again =
        kit.<ContainerReply<Done>>runCommand(
            r -> new ContainerEntity.RecordObjectDelete("a", 10, ts("1700000012"), AUDIT, r));

    assertEquals(0, again.state().container().objectCount());
    assertEquals(0, again.state().container().bytesUsed());
  }

  @Test
  void aRecordedMetadataChangeIsAnEventThatLeavesTheCountsAlone() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 100, ts("1700000010"), false, 0, r));
    long changeBefore = kit.getState().container().sync().lastChangeSeqNr();

    var result =
        kit.<ContainerReply<Done>>runCommand(
            r ->
                new ContainerEntity.RecordObjectMetadata(
                    "a",
                    "text/csv",
                    Map.of("x-object-meta-color", "blue"),
                    ts("1700000020"),
                    AUDIT,
                    r));

    assertEquals(ContainerReply.done(), result.reply());
    assertEquals(
        new ContainerEntity.ObjectMetadataReplaced(
            "a", "text/csv", Map.of("x-object-meta-color", "blue"), ts("1700000020"), AUDIT),
        EntityTestSystem.event(result));
    ContainerState after = result.state().container();
    assertEquals(1, after.objectCount());
    assertEquals(100, after.bytesUsed());
    assertEquals(ts("1700000010"), after.lastWriteAt());
    // A change the replicas must follow, like a write.
    assertTrue(after.sync().lastChangeSeqNr() > changeBefore);
    assertEquals(
        after.sync().lastChangeSeqNr(), kit.restart().state().container().sync().lastChangeSeqNr());
  }

  @Test
  void theSameMetadataChangeSentTwiceIsRecordedOnce() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 1, ts("1700000010"), false, 0, r));
    var first =
        kit.<ContainerReply<Done>>runCommand(
            r ->
                new ContainerEntity.RecordObjectMetadata(
                    "a", "text/plain", Map.of(), ts("1700000011"), AUDIT, r));
    var again =
        kit.<ContainerReply<Done>>runCommand(
            r ->
                new ContainerEntity.RecordObjectMetadata(
                    "a", "text/plain", Map.of(), ts("1700000011"), AUDIT, r));
    assertEquals(1, first.events().size());
    assertEquals(ContainerReply.done(), again.reply());
    assertTrue(again.hasNoEvents(), () -> "unexpected events " + again.events());
  }

  @Test
  void aMetadataChangeOfAMissingContainerIsRejected() {
    var result =
        kit.<ContainerReply<Done>>runCommand(
            r ->
                new ContainerEntity.RecordObjectMetadata(
                    "a", "text/plain", Map.of(), ts("1700000011"), AUDIT, r));
    assertRejected(result.reply(), ContainerRejection.NOT_FOUND);
    assertTrue(result.hasNoEvents());
  }

  // ---- delete and lifecycle -------------------------------------------------------------

  @Test
  void deleteThenCreateStartsAgainFromZero() {
    create("standard", Map.of("x-container-meta-old", "1"), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 100, ts("1700000010"), false, 0, r));

    var deleted =
        kit.<ContainerReply<Done>>runCommand(
            replyTo -> new ContainerEntity.Delete(ts("1700000020"), AUDIT, replyTo));
    assertEquals(
        new ContainerEntity.ContainerDeleted(ts("1700000020"), AUDIT),
        EntityTestSystem.event(deleted));
    assertEquals(Lifecycle.DELETED, deleted.state().container().lifecycle());
    assertEquals(0, deleted.state().container().objectCount());
    assertEquals(0, deleted.state().container().bytesUsed());
    assertEquals(Map.of(), deleted.state().container().metadata());

    // A deleted container may come back, even under another policy.
    ContainerEntity.CreateResult again =
        create("archive", Map.of("x-container-meta-new", "2"), ts("1700000030"));
    assertTrue(again.created());
    ContainerState state = again.state();
    assertEquals(Lifecycle.ACTIVE, state.lifecycle());
    assertEquals("archive", state.policy());
    assertEquals(Map.of("x-container-meta-new", "2"), state.metadata());
    assertEquals(0, state.objectCount());
    assertEquals(0, state.bytesUsed());
    assertEquals(ts("1700000030"), state.createdAt());
    assertEquals(ts("1700000030"), state.modifiedAt());
  }

  @Test
  void commandsOnANeverCreatedContainerAreRejected() {
    assertAllRejectedAsNotFound();
    assertEquals(ContainerState.empty(ACCOUNT, CONTAINER), kit.getState().container());
  }

  @Test
  void commandsOnADeletedContainerAreRejected() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(
        replyTo -> new ContainerEntity.Delete(ts("1700000001"), AUDIT, replyTo));
    ContainerState deleted = kit.getState().container();

    assertAllRejectedAsNotFound();
    assertEquals(deleted, kit.getState().container());
  }

  private void assertAllRejectedAsNotFound() {
    var update =
        kit.<ContainerReply<ContainerState>>runCommand(
            r ->
                new ContainerEntity.UpdateMetadata(
                    Map.of("x-container-meta-a", "1"), ts("1700000002"), AUDIT, r));
    var delete =
        kit.<ContainerReply<Done>>runCommand(
            r -> new ContainerEntity.Delete(ts("1700000003"), AUDIT, r));
    var write =
        kit.<ContainerReply<Done>>runCommand(r -> write("a", 1, ts("1700000004"), false, 0, r));
    var remove =
        kit.<ContainerReply<Done>>runCommand(
            r -> new ContainerEntity.RecordObjectDelete("a", 1, ts("1700000005"), AUDIT, r));
    for (var result : List.of(update, delete, write, remove)) {
      assertRejected(result.reply(), ContainerRejection.NOT_FOUND);
      assertTrue(result.hasNoEvents(), () -> "unexpected events " + result.events());
    }
  }

  // ---- recovery -------------------------------------------------------------------------

  /**
   * Fewer events than snapshot-every (5 in application-test.conf): recovery replays events only.
   */
  @Test
  void restartReplaysEventsToTheSameState() {
    create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 100, ts("1700000010"), false, 0, r));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 60, ts("1700000011"), true, 100, r));
    kit.<ContainerReply<ContainerState>>runCommand(
        r ->
            new ContainerEntity.UpdateMetadata(
                Map.of("x-container-meta-b", "2"), ts("1700000012"), AUDIT, r));
    ContainerState before = kit.getState().container();
    assertTrue(snapshotsOf(CONTAINER).isEmpty(), "no snapshot expected yet");

    ContainerState recovered = kit.restart().state().container();

    assertEquals(before, recovered);
    assertEquals(1, recovered.objectCount());
    assertEquals(60, recovered.bytesUsed());
  }

  @Test
  void restartRecoversFromSnapshotAndLaterEvents() {
    create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000"));
    for (int i = 1; i <= 11; i++) {
      long size = 10L * i;
      SwiftTimestamp at = ts(String.valueOf(1700000000L + i));
      String name = "obj-" + i;
      kit.<ContainerReply<Done>>runCommand(r -> write(name, size, at, false, 0, r));
    }
    ContainerState before = kit.getState().container();
    assertEquals(11, before.objectCount());
    assertEquals(660, before.bytesUsed());
    assertFalse(
        snapshotsOf(CONTAINER).isEmpty(), "12 events with snapshot-every = 5 leave snapshots");

    assertEquals(before, kit.restart().state().container());
  }

  /**
   * With every event removed from the journal (sequence numbers kept), a restart can only recover
   * from the snapshot: this proves the snapshot itself holds the whole state.
   */
  @Test
  void theSnapshotAloneRecoversTheState() {
    create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000"));
    for (int i = 1; i <= 8; i++) {
      SwiftTimestamp at = ts(String.valueOf(1700000000L + i));
      String name = "obj-" + i;
      kit.<ContainerReply<Done>>runCommand(r -> write(name, 7, at, false, 0, r));
    }
    kit.<ContainerReply<ContainerState>>runCommand(
        r ->
            new ContainerEntity.UpdateMetadata(
                Map.of("x-container-meta-a", ""), ts("1700000100"), AUDIT, r));
    // 10 events: the second snapshot was taken after the last one.
    ContainerState before = kit.getState().container();
    String persistenceId = ContainerEntity.persistenceIdOf(ACCOUNT, CONTAINER).id();
    kit.persistenceTestKit().clearByIdPreservingSeqNumbers(persistenceId);
    assertTrue(kit.persistenceTestKit().persistedInStorage(persistenceId).isEmpty());

    ContainerState recovered = kit.restart().state().container();

    assertEquals(before, recovered);
    assertEquals(8, recovered.objectCount());
    assertEquals(56, recovered.bytesUsed());
    assertEquals(Map.of(), recovered.metadata());
  }

  private static List<?> snapshotsOf(String container) {
    return kit.snapshotTestKit()
        .orElseThrow()
        .persistedInStorage(ContainerEntity.persistenceIdOf(ACCOUNT, container).id());
  }

  // ---- damaged records -----------------------------------------------------------------

  /**
   * A stored event that cannot be read (here of a type this version does not know) neither fails
   * the recovery nor is silently dropped: every request is refused at once as DAMAGED until an
   * operator skips that very event, which is an event itself, so the skip survives restarts.
   */
  @Test
  void anUnreadableEventIsRefusedAsDamagedUntilSkipped() {
    create("standard", Map.of(), ts("1700000000"));
    kit.<ContainerReply<Done>>runCommand(r -> write("a", 5, ts("1700000001"), false, 0, r));
    String pid = ContainerEntity.persistenceIdOf(ACCOUNT, CONTAINER).id();
    List<Object> stored = kit.persistenceTestKit().persistedInStorage(pid);
    io.archipelago.persistence.audit.AuditEnvelope last =
        (io.archipelago.persistence.audit.AuditEnvelope) stored.get(stored.size() - 1);
    long bad = stored.size() + 1;
    kit.persistenceTestKit()
        .persistForRecovery(
            pid,
            List.of(
                io.archipelago.persistence.audit.AuditEnvelope.chain(
                    pid, last.hash(), "ObjectTeleported", 1, new byte[] {(byte) 0xa0})));

    kit.restart();
    assertRejected(
        kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new).reply(),
        ContainerRejection.DAMAGED);
    assertRejected(
        kit.<ContainerReply<Done>>runCommand(r -> write("b", 5, ts("1700000002"), false, 0, r))
            .reply(),
        ContainerRejection.DAMAGED);
    assertRejected(
        kit.<ContainerReply<Done>>runCommand(
                r -> new ContainerEntity.SkipDamagedEvent(bad - 1, AUDIT, r))
            .reply(),
        ContainerRejection.NOT_DAMAGED);

    var skipped =
        kit.<ContainerReply<Done>>runCommand(
            r -> new ContainerEntity.SkipDamagedEvent(bad, AUDIT, r));
    assertTrue(skipped.reply().isAccepted(), skipped.reply().toString());
    assertEquals(
        new ContainerEntity.DamagedEventSkipped(bad, "ObjectTeleported", AUDIT),
        EntityTestSystem.event(skipped));
    assertEquals(
        1,
        kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new)
            .reply()
            .orThrow()
            .objectCount());

    kit.restart();
    assertEquals(
        1,
        kit.<ContainerReply<ContainerState>>runCommand(ContainerEntity.Get::new)
            .reply()
            .orThrow()
            .objectCount());
    assertTrue(
        kit.<ContainerReply<Done>>runCommand(r -> write("b", 5, ts("1700000002"), false, 0, r))
            .reply()
            .isAccepted());
  }

  // ---- replies, ids ---------------------------------------------------------------------

  @Test
  void repliesSurviveSerialization() {
    ContainerEntity.CreateResult created =
        create("standard", Map.of("x-container-meta-ü", "ÿ 😀"), ts("1700000000.5"));
    var serialization = testKit.serializationTestKit();
    assertEquals(created, serialization.verifySerialization(created, true));
    assertEquals(created.state(), serialization.verifySerialization(created.state(), true));
  }

  @Test
  void persistenceIdIsAccountAndContainerOrADigestForLongNames() {
    assertEquals(
        PersistenceId.of("Container", "AUTH_test/photos"),
        ContainerEntity.persistenceIdOf(ACCOUNT, CONTAINER));

    String longName = "c".repeat(256);
    PersistenceId id = ContainerEntity.persistenceIdOf(ACCOUNT, longName);
    // SHA-256 of the name, hex: 64 characters.
    assertTrue(id.id().matches("Container\\|AUTH_test/#[0-9a-f]{64}"), id.id());
    assertTrue(id.id().length() <= 255);
    assertEquals(id, ContainerEntity.persistenceIdOf(ACCOUNT, longName));
    assertFalse(id.equals(ContainerEntity.persistenceIdOf(ACCOUNT, longName + "d")));
  }

  @Test
  void entityIdMustNameAccountAndContainer() {
    assertThrows(IllegalArgumentException.class, () -> ContainerEntity.create("no-slash"));
    assertThrows(IllegalArgumentException.class, () -> ContainerEntity.create("/container"));
    assertEquals("a/b", ContainerEntity.entityId("a", "b"));
  }

  @Test
  void typedRepliesSurviveSerialization() {
    var serialization = testKit.serializationTestKit();
    ContainerState state =
        create("standard", Map.of("x-container-meta-a", "1"), ts("1700000000")).state();
    for (ContainerReply<?> reply :
        List.of(
            ContainerReply.done(),
            ContainerReply.accepted(state),
            ContainerReply.accepted(new ContainerEntity.CreateResult(state, true)),
            ContainerReply.accepted(new ContainerEntity.SyncStatus(state, Map.of("fs-b", 3L))),
            ContainerReply.rejected(ContainerRejection.NOT_FOUND, "container photos not found"),
            ContainerReply.rejected(
                ContainerRejection.POLICY_MISMATCH, "exists with storage policy gold"),
            ContainerReply.rejected(ContainerRejection.DAMAGED, "event 7 cannot be read"),
            ContainerReply.rejected(
                ContainerRejection.NOT_DAMAGED, "event 6 is not a damaged event"))) {
      assertEquals(reply, serialization.verifySerialization(reply, true));
    }
  }

  @Test
  void aRejectionFailsTheAskWithItsReason() {
    ContainerReply<Done> rejected =
        ContainerReply.rejected(ContainerRejection.POLICY_MISMATCH, "gold");
    ContainerRejectedException e =
        assertThrows(ContainerRejectedException.class, rejected::orThrow);
    assertEquals(ContainerRejection.POLICY_MISMATCH, e.reason());
    assertEquals("gold", e.getMessage());
    assertEquals(Done.getInstance(), ContainerReply.done().orThrow());
  }

  // ---- stats flush ----------------------------------------------------------------------

  @Test
  void flushedStatsReachTheAccount() throws Exception {
    String account = "AUTH_flush";
    var container = newKit(ContainerEntity.entityId(account, "logs"));
    container.clear();
    ContainerState created = create(container, "standard", Map.of(), ts("1700000000")).state();
    EntityRef<AccountEntity.Command> accountRef =
        ClusterSharding.get(testKit.system()).entityRefFor(AccountEntity.TYPE_KEY, account);
    accountRef
        .<Done>askWithStatus(
            replyTo ->
                new AccountEntity.ListContainer(ContainerSummary.of(created), AUDIT, replyTo),
            Duration.ofSeconds(5))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    container.<ContainerReply<Done>>runCommand(r -> write("x", 300, ts("1700000001"), false, 0, r));
    container.<ContainerReply<Done>>runCommand(r -> write("y", 200, ts("1700000002"), false, 0, r));

    // The timer fires one second after the first write and pushes both.
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            Duration.ofMillis(200),
            () -> {
              AccountSummary summary =
                  accountRef
                      .askWithStatus(AccountEntity.GetSummary::new, Duration.ofSeconds(3))
                      .toCompletableFuture()
                      .get(5, TimeUnit.SECONDS);
              assertEquals(1, summary.containerCount());
              assertEquals(2, summary.objectCount());
              assertEquals(500, summary.bytesUsed());
              return null;
            });
  }
}
