package io.archipelago.engine.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The group-commit buffer on its own: batches, deduplication by key, answers. */
class GroupCommitTest {

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("GroupCommitTest");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void theFirstAddStartsABatchAndDrainTakesEverythingOut() {
    GroupCommit<String, String> buffer = new GroupCommit<>();
    TestProbe<String> a = testKit.createTestProbe();
    TestProbe<String> b = testKit.createTestProbe();
    assertTrue(buffer.isEmpty());
    assertTrue(buffer.add("e1", a.ref()));
    assertFalse(buffer.add("e2", b.ref()));
    assertEquals(List.of("e1", "e2"), buffer.pendingEvents());

    GroupCommit.Batch<String, String> batch = buffer.drain();
    assertTrue(buffer.isEmpty());
    assertEquals(List.of("e1", "e2"), batch.events());
    batch.answer("stored");
    a.expectMessage("stored");
    b.expectMessage("stored");
    assertTrue(buffer.add("e3", a.ref()), "after a drain the next add starts a new batch");
  }

  @Test
  void aKeyAlreadyInTheBatchAddsOnlyItsReply() {
    GroupCommit<String, String> buffer = new GroupCommit<>();
    TestProbe<String> first = testKit.createTestProbe();
    TestProbe<String> retry = testKit.createTestProbe();
    assertTrue(buffer.add("w1/a", "write a", first.ref()));
    assertFalse(buffer.add("w1/a", "write a", retry.ref()));
    assertFalse(buffer.add("w2/b", "write b", first.ref()));

    GroupCommit.Batch<String, String> batch = buffer.drain();
    assertEquals(List.of("write a", "write b"), batch.events());
    assertEquals(3, batch.replies().size());
    batch.answer("ack");
    retry.expectMessage("ack");

    // Keys are per batch: once drained (and persisted) the entity's state deduplicates.
    assertTrue(buffer.add("w1/a", "write a", first.ref()));
    assertEquals(List.of("write a"), buffer.pendingEvents());
  }
}
