package io.archipelago.engine.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.serialization.SerializationExtension;
import io.archipelago.engine.EntityTestSystem;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.audit.AuditInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container entity publishes its route (backends, ACLs, headers, deleted flag) into the
 * replicated view that reads fall back on while the entity is unreachable (see ContainerOps.read
 * and CrashReadsIT), and a route survives Akka serialization as Distributed Data gossips it.
 */
class ContainerRouteViewTest {

  private static final String ACCOUNT = "AUTH_test";
  private static final AuditInfo AUDIT =
      new AuditInfo(
          "AUTH_test:alice",
          ACCOUNT,
          "192.0.2.10",
          "node-1:8080",
          "tx0123456789abcdef",
          Instant.parse("2024-03-01T12:00:00Z"));

  private static ActorTestKit testKit;

  @BeforeAll
  static void startSystem() {
    testKit = EntityTestSystem.start("ContainerRouteViewTest");
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @Test
  void theEntityPublishesItsRouteOnCreateMetadataChangeAndDelete() {
    String id = ContainerEntity.entityId(ACCOUNT, "routed");
    var kit =
        EventSourcedBehaviorTestKit
            .<ContainerEntity.Command, ContainerEntity.Event, EntityState>create(
                testKit.system(), ContainerEntity.create(id));
    ContainerRouteView view = ContainerRouteView.get(testKit.system());

    kit.<ContainerReply<ContainerEntity.CreateResult>>runCommand(
        replyTo ->
            new ContainerEntity.Create(
                "standard",
                "fs-a",
                List.of("fs-b"),
                Map.of("x-container-read", ".r:*"),
                SwiftTimestamp.parse("1700000000.00001"),
                AUDIT,
                replyTo));
    ContainerRoute created = awaitRoute(view, id, r -> true);
    assertFalse(created.deleted());
    assertEquals("fs-a", created.primaryBackend());
    assertEquals(List.of("fs-b"), created.replicaBackends());
    assertEquals(".r:*", created.metadata().get("x-container-read"));
    assertEquals(".r:*", created.toState(ACCOUNT, "routed").metadata().get("x-container-read"));

    kit.<ContainerReply<ContainerState>>runCommand(
        replyTo ->
            new ContainerEntity.UpdateMetadata(
                Map.of("x-container-read", "AUTH_test:bob"),
                SwiftTimestamp.parse("1700000001.00001"),
                AUDIT,
                replyTo));
    ContainerRoute changed =
        awaitRoute(view, id, r -> "AUTH_test:bob".equals(r.metadata().get("x-container-read")));
    assertTrue(changed.version() > created.version());

    kit.<ContainerReply<Done>>runCommand(
        replyTo ->
            new ContainerEntity.Delete(SwiftTimestamp.parse("1700000002.00001"), AUDIT, replyTo));
    ContainerRoute deleted = awaitRoute(view, id, ContainerRoute::deleted);
    assertEquals(Map.of(), deleted.metadata());
  }

  @Test
  void anOlderVersionDoesNotReplaceANewerRoute() {
    ContainerRouteView view = ContainerRouteView.get(testKit.system());
    String id = ContainerEntity.entityId(ACCOUNT, "versions");
    view.publish(id, route(false, 7));
    awaitRoute(view, id, r -> r.version() == 7);
    view.publish(id, route(true, 3));
    view.publish(id, route(false, 9));
    assertFalse(awaitRoute(view, id, r -> r.version() == 9).deleted());
  }

  @Test
  void aRoutePublishedHereIsReadAtOnceBeforeTheReplicatorNotifiesIt() {
    ContainerRouteView view = ContainerRouteView.get(testKit.system());
    String id = ContainerEntity.entityId(ACCOUNT, "read-your-write");
    view.publish(id, route(false, 5));
    // No wait: the replicator notifies its subscribers every 500 ms.
    assertEquals(5, view.route(id).orElseThrow().version());
    assertEquals(5, view.routes().get(id).version());
    view.publish(id, route(true, 6));
    assertTrue(view.route(id).orElseThrow().deleted());
    assertTrue(awaitRoute(view, id, r -> r.version() == 6).deleted());
  }

  @Test
  void migrationsAndReplicatedContainersFollowTheNewestRouteAtOnceAndAfterTheRead() {
    ContainerRouteView view = ContainerRouteView.get(testKit.system());
    String migrating = ContainerEntity.entityId(ACCOUNT, "migrating");
    String replicated = ContainerEntity.entityId(ACCOUNT, "replicated");
    Migration.MigrationRoute migration =
        new Migration.MigrationRoute(
            "m-1",
            "fs-a",
            "fs-b",
            MigrationPhase.COPYING,
            false,
            Instant.parse("2024-03-01T12:00:00Z"),
            null);
    view.publish(migrating, route(false, 1, List.of(), migration));
    view.publish(replicated, route(false, 1, List.of("fs-b"), null));
    // Read at once (published here), then from the replicator's map after its read.
    assertEquals(migration, view.migrations().get(migrating));
    assertTrue(view.replicated().containsKey(replicated));
    assertFalse(view.replicated().containsKey(migrating));
    // After a few reads (500 ms apart) the routes published here are dropped: what remains comes
    // from the maps derived per change.
    pause(Duration.ofMillis(1600));
    assertEquals(migration, view.migrations().get(migrating));
    assertTrue(view.replicated().containsKey(replicated));

    // A newer route without the migration, or deleted, leaves the derived maps at once too.
    view.publish(migrating, route(false, 2, List.of(), null));
    view.publish(replicated, route(true, 2, List.of("fs-b"), null));
    assertFalse(view.migrations().containsKey(migrating));
    assertFalse(view.replicated().containsKey(replicated));
    pause(Duration.ofMillis(1600));
    assertFalse(view.migrations().containsKey(migrating));
    assertFalse(view.replicated().containsKey(replicated));
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aRouteSurvivesSerializationAndItsSizeIsSmall() {
    var serialization = SerializationExtension.get(testKit.system().classicSystem());
    ContainerRoute route =
        new ContainerRoute(
            false,
            "standard",
            "local-standard",
            List.of("site-b"),
            Map.of(
                "x-container-read",
                ".r:*,.rlistings",
                "x-container-write",
                "AUTH_test:bob",
                "x-container-meta-color",
                "blue"),
            SwiftTimestamp.parse("1700000000.00001"),
            SwiftTimestamp.parse("1700000001.00001"),
            1234,
            567890,
            42);
    byte[] bytes = serialization.serialize(route).get();
    assertEquals(route, serialization.deserialize(bytes, ContainerRoute.class).get());
    SelfUniqueAddress self = DistributedData.get(testKit.system()).selfUniqueAddress();
    // Distinct containers and headers, as a key of the view holds them (Akka compresses the map).
    LWWMap<String, ContainerRoute> map = LWWMap.create();
    for (int i = 0; i < 200; i++) {
      map =
          map.put(
              self,
              "AUTH_test/container-" + i,
              new ContainerRoute(
                  false,
                  "standard",
                  "local-standard",
                  List.of("site-b"),
                  Map.of(
                      "x-container-read",
                      ".r:*,AUTH_test:reader" + i,
                      "x-container-meta-color",
                      "blue-" + i),
                  route.createdAt(),
                  route.modifiedAt(),
                  i,
                  i * 1000L,
                  i));
    }
    int perEntry = serialization.serialize(map).get().length / 200;
    System.out.printf(
        "container route: %d bytes alone, %d bytes per entry in a DData map of 200%n",
        bytes.length, perEntry);
    assertTrue(bytes.length < 512, "bytes of a route: " + bytes.length);
    assertTrue(perEntry < 512, "bytes per entry: " + perEntry);
  }

  private static ContainerRoute route(boolean deleted, long version) {
    return route(deleted, version, List.of(), null);
  }

  private static ContainerRoute route(
      boolean deleted, long version, List<String> replicas, Migration.MigrationRoute migration) {
    return new ContainerRoute(
        deleted,
        "standard",
        "fs-a",
        replicas,
        Map.of(),
        SwiftTimestamp.parse("1700000000.00001"),
        SwiftTimestamp.parse("1700000000.00001"),
        0,
        0,
        version,
        migration);
  }

  private static ContainerRoute awaitRoute(
      ContainerRouteView view, String id, Predicate<ContainerRoute> expected) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    Optional<ContainerRoute> route = view.route(id);
    while (System.nanoTime() < deadline && !(route.isPresent() && expected.test(route.get()))) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      route = view.route(id);
    }
    assertTrue(route.isPresent() && expected.test(route.get()), "route of " + id + ": " + route);
    return route.get();
  }
}
