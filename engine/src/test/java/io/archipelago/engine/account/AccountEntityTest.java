package io.archipelago.engine.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The account entity through {@link EventSourcedBehaviorTestKit}. Commands and events are records
 * and are verified with equality; {@link AccountState} is a mutable class without {@code equals},
 * so the kit skips it and the tests below compare its round trip field by field (directly, and
 * through snapshots in the serializing in-memory snapshot store).
 */
class AccountEntityTest {

  private static final String ACCOUNT = "AUTH_test";
  private static final AuditInfo AUDIT =
      new AuditInfo(
          "AUTH_test:alice",
          ACCOUNT,
          "192.0.2.10",
          "node-1:8080",
          "tx1",
          Instant.parse("2024-03-01T12:00:00.5Z"));

  private static ActorTestKit testKit;
  private static EventSourcedBehaviorTestKit<
          AccountEntity.Command, AccountEntity.Event, AccountState>
      kit;

  @BeforeAll
  static void startSystem() {
    testKit = EntityTestSystem.start("AccountEntityTest");
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AccountEntity.create(ACCOUNT, testKit.system()),
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void clearJournal() {
    kit.clear();
  }

  private static SwiftTimestamp ts(long seconds) {
    return new SwiftTimestamp(seconds * 100_000);
  }

  private static ContainerSummary summary(String name, String policy, long objects, long bytes) {
    return new ContainerSummary(name, policy, "fs-a", objects, bytes, ts(1700000000));
  }

  private static void list(ContainerSummary summary) {
    var result =
        kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.ListContainer(summary, AUDIT, r));
    assertEquals(StatusReply.ack(), result.reply());
  }

  private static void listAll(String... names) {
    for (String name : names) {
      list(summary(name, "standard", 1, 10));
    }
  }

  private static AccountSummary getSummary() {
    return kit.<StatusReply<AccountSummary>>runCommand(AccountEntity.GetSummary::new)
        .reply()
        .getValue();
  }

  // ---- namespace ------------------------------------------------------------------------

  @Test
  void listContainerPersistsAndAddsIt() {
    ContainerSummary photos = summary("photos", "standard", 0, 0);
    var result =
        kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.ListContainer(photos, AUDIT, r));

    assertEquals(new AccountEntity.ContainerListed(photos, AUDIT), EntityTestSystem.event(result));
    assertEquals(StatusReply.ack(), result.reply());
    assertEquals(List.of(photos), result.state().containerList());
  }

  @Test
  void listingAgainReplacesTheSummary() {
    list(summary("photos", "standard", 0, 0));
    ContainerSummary updated = summary("photos", "standard", 3, 30);

    var result =
        kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.ListContainer(updated, AUDIT, r));

    assertEquals(new AccountEntity.ContainerListed(updated, AUDIT), EntityTestSystem.event(result));
    assertEquals(List.of(updated), result.state().containerList());
  }

  @Test
  void unlistContainerRemovesIt() {
    listAll("a", "b");

    var result =
        kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.UnlistContainer("a", AUDIT, r));

    assertEquals(new AccountEntity.ContainerUnlisted("a", AUDIT), EntityTestSystem.event(result));
    assertEquals(StatusReply.ack(), result.reply());
    assertEquals(List.of("b"), names(result.state().containerList()));
  }

  @Test
  void unlistingAnUnknownContainerIsAnAcknowledgedNoOp() {
    listAll("a");

    var result =
        kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.UnlistContainer("zzz", AUDIT, r));

    assertTrue(result.hasNoEvents());
    assertEquals(StatusReply.ack(), result.reply());
    assertEquals(List.of("a"), names(result.state().containerList()));
  }

  @Test
  void refreshStatsOfAnUnlistedContainerIsIgnored() {
    var result =
        kit.runCommand(new AccountEntity.RefreshStats(summary("ghost", "standard", 5, 50)));

    assertTrue(result.hasNoEvents());
    assertTrue(result.state().containerList().isEmpty());
  }

  @Test
  void refreshStatsWithUnchangedFiguresPersistsNothing() {
    ContainerSummary photos = summary("photos", "standard", 2, 20);
    list(photos);

    var result = kit.runCommand(new AccountEntity.RefreshStats(photos));

    assertTrue(result.hasNoEvents());
  }

  @Test
  void refreshStatsWithNewFiguresUpdatesTheContainer() {
    list(summary("photos", "standard", 2, 20));
    ContainerSummary refreshed =
        new ContainerSummary("photos", "standard", "fs-a", 3, 35, ts(1700000100));

    kit.runCommand(new AccountEntity.RefreshStats(refreshed));
    // Stats refreshes are group committed: the entity persists them when it handles its own
    // flush message, which is queued before this query, so the query sees the stored event.
    var after = kit.<StatusReply<AccountSummary>>runCommand(AccountEntity.GetSummary::new);

    List<Object> stored =
        kit.persistenceTestKit()
            .persistedInStorage(
                akka.persistence.typed.PersistenceId.of(AccountEntity.TYPE_KEY.name(), ACCOUNT)
                    .id());
    var event =
        (AccountEntity.ContainerStatsRefreshed)
            EntityTestSystem.unwrap(stored.get(stored.size() - 1));
    assertEquals(refreshed, event.summary());
    assertEquals("system", event.audit().principal());
    assertEquals(List.of(refreshed), after.state().containerList());
  }

  @Test
  void refreshStatsAfterUnlistIsIgnored() {
    list(summary("photos", "standard", 2, 20));
    kit.<StatusReply<Done>>runCommand(r -> new AccountEntity.UnlistContainer("photos", AUDIT, r));

    // A flush that was under way when the container was deleted must not list it again.
    var result =
        kit.runCommand(new AccountEntity.RefreshStats(summary("photos", "standard", 3, 30)));

    assertTrue(result.hasNoEvents());
    assertTrue(result.state().containerList().isEmpty());
  }

  // ---- summary --------------------------------------------------------------------------

  @Test
  void summaryTotalsAllContainersAndPolicies() {
    list(summary("a", "standard", 2, 200));
    list(summary("b", "standard", 3, 50));
    list(summary("c", "archive", 7, 1_000));
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-owner", "ops"), ts(1700000001), AUDIT, r));

    var result = kit.<StatusReply<AccountSummary>>runCommand(AccountEntity.GetSummary::new);

    assertTrue(result.hasNoEvents());
    AccountSummary s = result.reply().getValue();
    assertEquals(ACCOUNT, s.account());
    assertEquals(3, s.containerCount());
    assertEquals(12, s.objectCount());
    assertEquals(1_250, s.bytesUsed());
    assertEquals(Map.of("standard", 250L, "archive", 1_000L), s.bytesPerPolicy());
    assertEquals(Map.of("standard", 5L, "archive", 7L), s.objectsPerPolicy());
    assertEquals(Map.of("standard", 2L, "archive", 1L), s.containersPerPolicy());
    assertEquals(Map.of("x-account-meta-owner", "ops"), s.metadata());
    assertEquals(s, testKit.serializationTestKit().verifySerialization(s, true));
  }

  @Test
  void summaryOfAnEmptyAccountIsZero() {
    AccountSummary s = getSummary();

    assertEquals(0, s.containerCount());
    assertEquals(0, s.objectCount());
    assertEquals(0, s.bytesUsed());
    assertEquals(Map.of(), s.bytesPerPolicy());
  }

  @Test
  void theFirstEventDatesTheAccount() {
    list(new ContainerSummary("first", "standard", "fs-a", 0, 0, ts(1700000010)));
    list(new ContainerSummary("second", "standard", "fs-a", 0, 0, ts(1700000020)));
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-a", "1"), ts(1700000030), AUDIT, r));

    assertEquals(ts(1700000010), getSummary().createdAt());
    assertEquals(ts(1700000010), kit.restart().state().createdAt());
  }

  @Test
  void aMetadataUpdateCanDateTheAccount() {
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-a", "1"), ts(1700000030), AUDIT, r));
    list(new ContainerSummary("later", "standard", "fs-a", 0, 0, ts(1700000040)));

    assertEquals(ts(1700000030), getSummary().createdAt());
  }

  @Test
  void anAccountWithoutEventsReadsAsCreatedNow() {
    SwiftTimestamp before = SwiftTimestamp.now();

    SwiftTimestamp createdAt = getSummary().createdAt();

    assertTrue(createdAt.isNewerThan(before), createdAt + " after " + before);
    assertNull(kit.getState().createdAt());
  }

  @Test
  void updateMetadataMergesAndRemovesEmptyValues() {
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-a", "1", "x-account-meta-b", "2"),
                ts(1700000001),
                AUDIT,
                r));

    Map<String, String> changes = new HashMap<>();
    changes.put("x-account-meta-a", "");
    changes.put("x-account-meta-c", "3");
    var result =
        kit.<StatusReply<AccountSummary>>runCommand(
            r -> new AccountEntity.UpdateMetadata(changes, ts(1700000002), AUDIT, r));

    assertEquals(
        new AccountEntity.AccountMetadataUpdated(changes, ts(1700000002), AUDIT),
        EntityTestSystem.event(result));
    Map<String, String> expected = Map.of("x-account-meta-b", "2", "x-account-meta-c", "3");
    assertEquals(expected, result.reply().getValue().metadata());
    assertEquals(expected, result.state().metadata());
  }

  // ---- listing --------------------------------------------------------------------------

  private static final String[] NAMES = {"d", "a/2", "b", "c/x/y", "a", "b-c", "a/1"};

  private static List<String> listing(
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    var result =
        kit.<StatusReply<ContainerPage>>runCommand(
            r ->
                new AccountEntity.ListContainers(
                    Optional.ofNullable(prefix),
                    Optional.ofNullable(delimiter),
                    Optional.ofNullable(marker),
                    Optional.ofNullable(endMarker),
                    limit,
                    reverse,
                    r));
    assertTrue(result.hasNoEvents());
    ContainerPage page = result.reply().getValue();
    List<String> rows = new ArrayList<>();
    for (ContainerPage.Row row : page.rows()) {
      if (row.container() != null) {
        assertNull(row.subdir());
        rows.add(row.container().name());
      } else {
        rows.add("subdir:" + row.subdir());
      }
    }
    return rows;
  }

  @Test
  void listContainersInNameOrder() {
    listAll(NAMES);

    assertEquals(
        List.of("a", "a/1", "a/2", "b", "b-c", "c/x/y", "d"),
        listing(null, null, null, null, 100, false));
    assertEquals(
        List.of("d", "c/x/y", "b-c", "b", "a/2", "a/1", "a"),
        listing(null, null, null, null, 100, true));
  }

  @Test
  void listContainersWithPrefixMarkersAndLimit() {
    listAll(NAMES);

    assertEquals(List.of("a/1", "a/2"), listing("a/", null, null, null, 100, false));
    assertEquals(List.of("a/2", "b", "b-c"), listing(null, null, "a/1", "c", 100, false));
    assertEquals(List.of("a", "a/1"), listing(null, null, null, null, 2, false));
    assertEquals(List.of("b-c", "c/x/y"), listing(null, null, "b", null, 2, false));
    assertEquals(List.of("b", "b-c"), listing("b", null, null, null, 100, false));
    // Reverse: the marker bounds from above, the end marker from below.
    assertEquals(List.of("a/2"), listing(null, null, "b", "a/1", 100, true));
    assertEquals(List.of("b-c", "b"), listing("b", null, null, null, 100, true));
    assertEquals(List.of(), listing(null, null, "d", null, 100, false));
    assertEquals(List.of(), listing(null, null, null, null, 0, false));
  }

  @Test
  void listContainersRollsUpByDelimiter() {
    listAll(NAMES);

    assertEquals(
        List.of("a", "subdir:a/", "b", "b-c", "subdir:c/", "d"),
        listing(null, "/", null, null, 100, false));
    assertEquals(
        List.of("d", "subdir:c/", "b-c", "b", "subdir:a/", "a"),
        listing(null, "/", null, null, 100, true));
    assertEquals(List.of("subdir:c/x/"), listing("c/", "/", null, null, 100, false));
    assertEquals(List.of("a", "subdir:a/"), listing(null, "/", null, null, 2, false));
  }

  /**
   * Paging with a delimiter: the client passes the last row of a page, here the subdir {@code a/},
   * as the next marker. Swift does not repeat a subdir equal to the marker.
   */
  @Test
  void theNextPageAfterASubdirDoesNotRepeatIt() {
    listAll(NAMES);

    assertEquals(List.of("b", "b-c"), listing(null, "/", "a/", null, 2, false));
  }

  @Test
  void listingCarriesTheAccountSummaryAndContainerRows() {
    ContainerSummary photos = summary("photos", "archive", 4, 400);
    list(photos);

    var page =
        kit.<StatusReply<ContainerPage>>runCommand(
                r ->
                    new AccountEntity.ListContainers(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        10,
                        false,
                        r))
            .reply()
            .getValue();

    assertEquals(List.of(new ContainerPage.Row(photos, null)), page.rows());
    assertEquals(getSummary().containerCount(), page.summary().containerCount());
    assertEquals(400, page.summary().bytesUsed());
    assertEquals(page, testKit.serializationTestKit().verifySerialization(page, true));
  }

  /** Akka's default remote frame size: a reply above it never reaches another node. */
  private static final int REMOTE_FRAME_BYTES = 256 * 1024;

  private static ContainerPage page(String marker, String delimiter, int limit, boolean reverse) {
    return kit.<StatusReply<ContainerPage>>runCommand(
            r ->
                new AccountEntity.ListContainers(
                    Optional.empty(),
                    Optional.ofNullable(delimiter),
                    Optional.ofNullable(marker),
                    Optional.empty(),
                    limit,
                    reverse,
                    r))
        .reply()
        .getValue();
  }

  private static int serializedBytes(Object message) {
    var serialization =
        akka.serialization.SerializationExtension.get(
            akka.actor.typed.javadsl.Adapter.toClassic(testKit.system()));
    return serialization.serialize(message).get().length;
  }

  /**
   * Container names of Swift's maximum, 256 bytes of UTF-8 (two-byte characters): 1,000 of them are
   * about 450 KB of rows, far above the 256 KiB a remote message may carry. A page asked with
   * Swift's limit of 10,000 stops at the entity's page size, says so, and its serialized size is
   * within the bound the entity estimates; asking on from each page's last row gives the whole
   * listing, in order, forwards and in reverse, with and without a delimiter.
   */
  @Test
  void aListingPageStaysUnderTheRemoteFrameSizeAndPagingGivesEverything() {
    String policy = "p".repeat(32);
    String backend = "b".repeat(64);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String name = String.format("%04d/", i) + "\u00e9".repeat((256 - 5) / 2);
      names.add(name);
      list(
          new ContainerSummary(
              name, policy, backend, Long.MAX_VALUE, Long.MAX_VALUE, ts(1700000000)));
    }

    ContainerPage first = page(null, null, 10_000, false);
    assertTrue(first.partial());
    assertTrue(
        first.rows().size() > 100 && first.rows().size() < 1000, "rows: " + first.rows().size());
    long bound = first.rows().stream().mapToLong(ContainerPage.Row::sizeBound).sum();
    assertTrue(bound <= 128 * 1024 + 1024, "bound " + bound);
    int bytes = serializedBytes(first);
    assertTrue(bytes <= bound, bytes + " serialized > " + bound + " estimated");
    assertTrue(bytes < REMOTE_FRAME_BYTES / 2 + 8 * 1024, "serialized " + bytes);
    // a single row is within its own bound too
    ContainerPage one = page(null, null, 1, false);
    assertTrue(serializedBytes(one.rows().get(0)) <= one.rows().get(0).sizeBound());
    assertFalse(one.partial());

    List<String> reversed = new ArrayList<>(names);
    java.util.Collections.reverse(reversed);
    assertEquals(names, pageThrough(null, false));
    assertEquals(reversed, pageThrough(null, true));
    assertEquals(names.stream().map(n -> n.substring(0, 5)).toList(), pageThrough("/", false));
    // what the entity answered before pages: all of it in one reply, which no frame carries
    List<ContainerPage.Row> all = new ArrayList<>();
    for (String marker = null; all.size() < names.size(); marker = all.get(all.size() - 1).key()) {
      all.addAll(page(marker, null, 10_000, false).rows());
    }
    int whole = serializedBytes(new ContainerPage(first.summary(), all, false));
    assertTrue(whole > REMOTE_FRAME_BYTES, "whole listing " + whole);
  }

  private static List<String> pageThrough(String delimiter, boolean reverse) {
    List<String> all = new ArrayList<>();
    String marker = null;
    while (true) {
      ContainerPage p = page(marker, delimiter, 10_000 - all.size(), reverse);
      p.rows().forEach(r -> all.add(r.key()));
      if (!p.partial()) {
        return all;
      }
      marker = p.rows().get(p.rows().size() - 1).key();
    }
  }

  // ---- state, snapshots, recovery -------------------------------------------------------

  private static List<String> names(List<ContainerSummary> containers) {
    return containers.stream().map(ContainerSummary::name).toList();
  }

  private static void assertSameState(AccountState expected, AccountState actual) {
    assertEquals(expected.containerList(), actual.containerList());
    assertEquals(expected.metadata(), actual.metadata());
    assertEquals(expected.createdAt(), actual.createdAt());
    assertEquals(expected.summarize(ACCOUNT), actual.summarize(ACCOUNT));
  }

  @Test
  void stateSurvivesSerialization() {
    AccountState state =
        new AccountState(
            List.of(
                summary("\uD83D\uDE00-emoji", "standard", 1, 1),
                summary("\uE000-private-use", "archive", 2, 2),
                summary("plain", "standard", 3, 3)),
            Map.of("x-account-meta-a", "1"),
            ts(1690000000));

    AccountState copy = testKit.serializationTestKit().verifySerialization(state, false);

    assertNotSame(state, copy);
    assertSameState(state, copy);
    // The copy orders by UTF-8 bytes too: U+E000 (EE 80 80) before U+1F600 (F0 9F 98 80).
    assertEquals(
        List.of("plain", "\uE000-private-use", "\uD83D\uDE00-emoji"), names(copy.containerList()));
    assertTrue(copy.isListed("plain"));
    assertFalse(copy.isListed("other"));
  }

  /** Fewer events than account-snapshot-every (5 in application-test.conf): replay only. */
  @Test
  void restartReplaysEventsToTheSameState() {
    list(summary("b", "standard", 1, 10));
    list(summary("a", "archive", 2, 20));
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-a", "1"), ts(1700000001), AUDIT, r));
    AccountState before = kit.getState();
    assertTrue(kit.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId()).isEmpty());

    AccountState recovered = kit.restart().state();

    assertNotSame(before, recovered);
    assertSameState(before, recovered);
  }

  @Test
  void restartRecoversFromSnapshotAndLaterEvents() {
    for (int i = 0; i < 12; i++) {
      list(summary("c" + i, i % 2 == 0 ? "standard" : "archive", i, 100L * i));
    }
    AccountState before = kit.getState();
    assertFalse(kit.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId()).isEmpty());

    assertSameState(before, kit.restart().state());
  }

  /** With the events removed (sequence numbers kept) only the snapshot can restore the state. */
  @Test
  void theSnapshotAloneRecoversTheState() {
    for (int i = 0; i < 9; i++) {
      list(summary("c" + i, "standard", i, 10L * i));
    }
    kit.<StatusReply<AccountSummary>>runCommand(
        r ->
            new AccountEntity.UpdateMetadata(
                Map.of("x-account-meta-a", "1"), ts(1700000001), AUDIT, r));
    // 10 events: the second snapshot holds everything.
    AccountState before = kit.getState();
    kit.persistenceTestKit().clearByIdPreservingSeqNumbers(persistenceId());

    AccountState recovered = kit.restart().state();

    assertSameState(before, recovered);
    assertEquals(9, recovered.containerList().size());
  }

  private static String persistenceId() {
    return "Account|" + ACCOUNT;
  }
}
