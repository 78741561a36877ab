package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A live migration as events of the container entity (serialization of every command, event and
 * state verified): its phases in order, the routing each phase implies, a cancel allowed only
 * before the cut-over, progress that keeps the state small (errors capped), and recovery of the
 * phase and checkpoint from the journal.
 */
class ContainerMigrationTest {

  private static final AuditInfo ADMIN =
      new AuditInfo("admin:admin", "", "192.0.2.1", "node-1", "tx1", Instant.now());

  private static ActorTestKit testKit;
  private static EventSourcedBehaviorTestKit<
          ContainerEntity.Command, ContainerEntity.Event, EntityState>
      kit;

  @BeforeAll
  static void startSystem() {
    testKit = EntityTestSystem.start("ContainerMigrationTest");
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            ContainerEntity.create(ContainerEntity.entityId("AUTH_test", "moving")),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void created() {
    kit.clear();
    var result =
        kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
            r ->
                new ContainerEntity.Create(
                    "standard",
                    "fs-a",
                    List.of(),
                    Map.of(),
                    SwiftTimestamp.parse("1700000000.00000"),
                    ADMIN,
                    r));
    assertTrue(result.reply().isAccepted());
  }

  private static Migration start(String target) {
    var result =
        kit.<ContainerReply<Migration>>runCommand(
            r ->
                new ContainerEntity.StartMigration(
                    "m1",
                    target,
                    new Migration.Throttle(1000, 10, 2, List.of("22:00-06:00")),
                    ADMIN,
                    r));
    return result.reply().orThrow();
  }

  private static ContainerReply<Migration> command(
      Function<ActorRef<ContainerReply<Migration>>, ContainerEntity.Command> c) {
    return kit.<ContainerReply<Migration>>runCommand(c).reply();
  }

  @Test
  void aMigrationGoesThroughItsPhasesAndTheTargetBecomesThePrimary() {
    Migration m = start("fs-b");
    assertEquals(MigrationPhase.STARTED, m.phase());
    assertEquals("fs-a", m.source());
    assertEquals("admin:admin", m.startedBy());
    ContainerState s = kit.getState().container();
    assertEquals("fs-b", s.writeBackend());
    assertEquals("fs-a", s.routingMigration().orElseThrow().fallbackBackend());

    m =
        command(
                r ->
                    new ContainerEntity.RecordMigrationProgress(
                        "m1", "obj-9", 10, 1000, List.of(), ADMIN, r))
            .orThrow();
    assertEquals(MigrationPhase.COPYING, m.phase());
    assertEquals("obj-9", m.marker());
    assertEquals(10, m.objectsCopied());

    // A cut-over before the verification is ignored; a failed report is not recorded.
    assertEquals(
        MigrationPhase.COPYING,
        command(r -> new ContainerEntity.AdvanceMigration("m1", MigrationPhase.CUT_OVER, ADMIN, r))
            .orThrow()
            .phase());
    Migration.Verification failed =
        new Migration.Verification(10, 1, 0, 0, 0, 1, List.of("obj-3"), Instant.now());
    assertEquals(
        MigrationPhase.COPYING,
        command(r -> new ContainerEntity.RecordMigrationVerified("m1", failed, ADMIN, r))
            .orThrow()
            .phase());

    Migration.Verification passed =
        new Migration.Verification(10, 0, 0, 4, 0, 1, List.of(), Instant.now());
    assertEquals(
        MigrationPhase.VERIFIED,
        command(r -> new ContainerEntity.RecordMigrationVerified("m1", passed, ADMIN, r))
            .orThrow()
            .phase());
    assertEquals("fs-a", kit.getState().container().primaryBackend());

    command(r -> new ContainerEntity.AdvanceMigration("m1", MigrationPhase.CUT_OVER, ADMIN, r));
    s = kit.getState().container();
    assertEquals(MigrationPhase.CUT_OVER, s.migration().phase());
    assertEquals("fs-b", s.primaryBackend());
    assertEquals("fs-a", s.routingMigration().orElseThrow().fallbackBackend());
    var refused = command(r -> new ContainerEntity.CancelMigration(ADMIN, r));
    assertEquals(
        ContainerRejection.MIGRATION_CONFLICT,
        assertInstanceOf(ContainerReply.Rejected.class, refused).reason());

    var result =
        kit.<ContainerReply<Migration>>runCommand(
            r ->
                new ContainerEntity.AdvanceMigration(
                    "m1", MigrationPhase.SOURCE_CLEANED, ADMIN, r));
    // The journal holds each event in its audit envelope (the hash chain).
    List<?> stored = result.events();
    List<String> types = new ArrayList<>();
    for (Object e : stored) {
      types.add(((AuditEnvelope) e).type());
    }
    assertEquals(List.of("MigrationSourceCleaned", "MigrationCompleted"), types);
    s = kit.getState().container();
    assertEquals(MigrationPhase.COMPLETED, s.migration().phase());
    assertTrue(s.routingMigration().isEmpty());
    assertEquals("fs-b", s.writeBackend());

    kit.restart();
    assertEquals("fs-b", kit.getState().container().primaryBackend());
    assertEquals(MigrationPhase.COMPLETED, kit.getState().container().migration().phase());
    assertEquals(passed, kit.getState().container().migration().verification());
  }

  @Test
  void startsAreRefusedWhileOneRunsOrForThePrimaryItself() {
    var same =
        command(
            r ->
                new ContainerEntity.StartMigration(
                    "m0", "fs-a", Migration.Throttle.UNLIMITED, ADMIN, r));
    assertEquals(
        ContainerRejection.MIGRATION_CONFLICT,
        assertInstanceOf(ContainerReply.Rejected.class, same).reason());
    var none = command(ContainerEntity.GetMigration::new);
    assertEquals(
        ContainerRejection.NO_MIGRATION,
        assertInstanceOf(ContainerReply.Rejected.class, none).reason());
    start("fs-b");
    var again =
        command(
            r ->
                new ContainerEntity.StartMigration(
                    "m2", "fs-c", Migration.Throttle.UNLIMITED, ADMIN, r));
    assertEquals(
        ContainerRejection.MIGRATION_CONFLICT,
        assertInstanceOf(ContainerReply.Rejected.class, again).reason());
  }

  @Test
  void aCancelRoutesBackToTheSourceAndIsSettledLater() {
    start("fs-b");
    Migration cancelled = command(r -> new ContainerEntity.CancelMigration(ADMIN, r)).orThrow();
    assertEquals(MigrationPhase.CANCELLED, cancelled.phase());
    ContainerState s = kit.getState().container();
    assertEquals("fs-a", s.primaryBackend());
    assertEquals("fs-a", s.writeBackend());
    assertEquals("fs-b", s.routingMigration().orElseThrow().fallbackBackend());
    // Progress of a run that did not see the cancel yet changes nothing.
    assertEquals(
        MigrationPhase.CANCELLED,
        command(
                r ->
                    new ContainerEntity.RecordMigrationProgress(
                        "m1", "x", 1, 1, List.of(), ADMIN, r))
            .orThrow()
            .phase());
    Migration settled =
        command(r -> new ContainerEntity.AdvanceMigration("m1", MigrationPhase.CANCELLED, ADMIN, r))
            .orThrow();
    assertTrue(settled.settled());
    assertTrue(kit.getState().container().routingMigration().isEmpty());
    // A new migration may start after a cancel.
    assertEquals(MigrationPhase.STARTED, start("fs-c").phase());
  }

  @Test
  void errorsAreCappedSoTheStateStaysSmall() {
    start("fs-b");
    for (int round = 0; round < 3; round++) {
      List<Migration.MigrationError> errors = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        errors.add(new Migration.MigrationError("o" + round + i, "boom", Instant.now()));
      }
      command(r -> new ContainerEntity.RecordMigrationProgress("m1", "", 0, 0, errors, ADMIN, r));
    }
    Migration m = kit.getState().container().migration();
    assertEquals(Migration.MAX_ERRORS, m.errors().size());
    assertEquals("o27", m.errors().get(Migration.MAX_ERRORS - 1).object());
    assertEquals("", m.marker());
  }

  @Test
  void aDeletedContainerEndsItsMigration() {
    start("fs-b");
    kit.<ContainerReply<Done>>runCommand(
        r -> new ContainerEntity.Delete(SwiftTimestamp.parse("1700000001.00000"), ADMIN, r));
    Migration m = kit.getState().container().migration();
    assertEquals(MigrationPhase.CANCELLED, m.phase());
    assertTrue(m.settled());
    assertFalse(m.routesBoth());
    assertNull(ContainerState.empty("a", "c").migration());
  }
}
