package io.archipelago.engine.container;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import scala.Option;

/**
 * A replicated view of every container's {@link ContainerRoute}, so that a node can serve reads of
 * a container whose entity is unreachable (its node crashed, its shard not yet restarted elsewhere:
 * 15-20 s) while writes wait for the entity.
 *
 * <p>Kept current by the entities: each publishes its route on recovery, after every create,
 * metadata change and delete, and its counts at most every {@link #COUNTS_INTERVAL_MILLIS} when
 * asked for its state. Writes are {@code WriteLocal}: they cost the entity nothing, and Akka's
 * delta propagation spreads them within about 200 ms. A route published by a node that crashes
 * within that moment is lost, and the view keeps the route before it (stated in the README).
 *
 * <p>Akka Distributed Data holds every entry on every node. The routes are split over {@link #KEYS}
 * LWW maps by entity id (as Akka's sharding splits its remembered entities) so that one change
 * gossips one small map, not all of them. Memory grows with the number of containers, about the
 * serialized size of a route each (150-300 bytes with a few ACL headers; see
 * ContainerRouteViewTest); deleted containers keep a small tombstone so that a stale route does not
 * come back.
 */
public final class ContainerRouteView implements Extension {

  /** Number of DData keys the routes are spread over. */
  static final int KEYS = 32;

  /** Counts-only changes are published at most this often per container. */
  static final long COUNTS_INTERVAL_MILLIS = 5_000;

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private final List<Key<LWWMap<String, ContainerRoute>>> keys;

  /**
   * The latest map of each key as this node's replicator last answered it, with what is derived
   * from it: built once per change of that key, so that readers that run on every tick (migration
   * workers, the sync lag sampler) do not walk every container of the cluster each time.
   */
  private final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(KEYS);

  /** How often the view reads the replicator's maps. */
  private final Duration pollInterval;

  /**
   * Routes this node published that the view has not read back from its replicator yet (it reads
   * every {@link #pollInterval}, 500 ms): a view read right after a local change sees it (a
   * migration started and listed at once). Dropped once a read of the replicator's map carries that
   * version or a newer one.
   */
  private final Map<String, ContainerRoute> publishedHere = new ConcurrentHashMap<>();

  private ContainerRouteView(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
    this.keys =
        IntStream.range(0, KEYS)
            .mapToObj(i -> LWWMapKey.<String, ContainerRoute>create("container-routes-" + i))
            .toList();
    this.pollInterval =
        system
            .settings()
            .config()
            .getDuration("akka.cluster.distributed-data.notify-subscribers-interval");
    system.systemActorOf(poller(), "container-route-view", Props.empty());
  }

  public static ContainerRouteView get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The route last seen of a container, by entity id ({@code account/container}). */
  public Optional<ContainerRoute> route(String entityId) {
    return Optional.ofNullable(newer(notified(entityId), publishedHere.get(entityId)));
  }

  /** The route of the replicator's map as last read, null when it has none. */
  private ContainerRoute notified(String entityId) {
    Slot slot = slots.get(slot(entityId));
    if (slot == null) {
      return null;
    }
    Option<ContainerRoute> found = slot.map().get(entityId);
    return found.isDefined() ? found.get() : null;
  }

  private static ContainerRoute newer(ContainerRoute a, ContainerRoute b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return b.version() > a.version() ? b : a;
  }

  /**
   * Every route this node holds, by entity id ({@code account/container}), deleted ones included:
   * what the operators' container search reads, without asking any entity.
   */
  public Map<String, ContainerRoute> routes() {
    Map<String, ContainerRoute> all = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      Slot slot = slots.get(i);
      if (slot != null) {
        all.putAll(slot.map().getEntries());
      }
    }
    publishedHere.forEach((id, route) -> all.merge(id, route, ContainerRouteView::newer));
    return all;
  }

  /**
   * The routes of containers that are not deleted and have replicas, by entity id: what the sync's
   * lag sampler asks about. Derived per change, as {@link #migrations()}.
   */
  public Map<String, ContainerRoute> replicated() {
    Map<String, ContainerRoute> result = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      Slot slot = slots.get(i);
      if (slot != null) {
        result.putAll(slot.replicated());
      }
    }
    mergePublishedHere(result, ContainerRouteView::isReplicated, route -> route);
    return result;
  }

  /**
   * Every route, read from every node of the cluster rather than from this node's copy: what a
   * decision that must not miss a container just created elsewhere reads (a backend's removal),
   * since a route published with {@code WriteLocal} reaches this node only by gossip. Fails with
   * {@link RoutesUnconfirmed} when a node does not answer within {@code timeout} (unreachable): the
   * caller refuses rather than decide on a view that may lack that node's routes. A route published
   * by a node that crashed before gossiping it stays missed (see the class comment).
   */
  public CompletionStage<Map<String, ContainerRoute>> routesFromEveryNode(Duration timeout) {
    List<CompletableFuture<LWWMap<String, ContainerRoute>>> reads = new ArrayList<>(KEYS);
    for (Key<LWWMap<String, ContainerRoute>> key : keys) {
      reads.add(readFromAll(key, timeout).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<String, ContainerRoute> all = new HashMap<>();
              reads.forEach(read -> all.putAll(read.join().getEntries()));
              return all;
            });
  }

  private CompletionStage<LWWMap<String, ContainerRoute>> readFromAll(
      Key<LWWMap<String, ContainerRoute>> key, Duration timeout) {
    return AskPattern
        .<Replicator.Command, Replicator.GetResponse<LWWMap<String, ContainerRoute>>>ask(
            DistributedData.get(system).replicator(),
            replyTo -> new Replicator.Get<>(key, new Replicator.ReadAll(timeout), replyTo),
            timeout.plusSeconds(1),
            system.scheduler())
        .thenApply(
            response -> {
              if (response instanceof Replicator.GetSuccess<LWWMap<String, ContainerRoute>> ok) {
                return ok.dataValue();
              }
              if (response instanceof Replicator.NotFound<?>) {
                return LWWMap.<String, ContainerRoute>create();
              }
              throw new RoutesUnconfirmed(
                  "not every gateway node answered for the container routes within "
                      + timeout.toSeconds()
                      + " s (a node unreachable?)");
            });
  }

  /** A read from every node did not complete: some node's routes may be missing. */
  public static final class RoutesUnconfirmed extends RuntimeException {
    RoutesUnconfirmed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Every container whose route carries a migration (running or ended), by entity id: the migration
   * workers find their work here, and the admin API lists migrations from it.
   */
  public Map<String, Migration.MigrationRoute> migrations() {
    Map<String, Migration.MigrationRoute> result = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      Slot slot = slots.get(i);
      if (slot != null) {
        result.putAll(slot.migrations());
      }
    }
    mergePublishedHere(result, ContainerRouteView::isMigrating, ContainerRoute::migration);
    return result;
  }

  /**
   * Applies the routes published here that are newer than the replicator's: a derived map built
   * from the replicator's maps gains or loses their containers.
   */
  private <V> void mergePublishedHere(
      Map<String, V> derived,
      java.util.function.Predicate<ContainerRoute> included,
      java.util.function.Function<ContainerRoute, V> value) {
    publishedHere.forEach(
        (id, route) -> {
          if (newer(notified(id), route) == route) {
            if (included.test(route)) {
              derived.put(id, value.apply(route));
            } else {
              derived.remove(id);
            }
          }
        });
  }

  private static boolean isMigrating(ContainerRoute route) {
    return route.migration() != null && !route.deleted();
  }

  private static boolean isReplicated(ContainerRoute route) {
    return !route.deleted() && !route.replicaBackends().isEmpty();
  }

  /** Publishes a route; an older version than the one in the view changes nothing. */
  public void publish(String entityId, ContainerRoute route) {
    publishedHere.merge(entityId, route, ContainerRouteView::newer);
    DistributedData.get(system)
        .replicator()
        .tell(
            new Replicator.Update<>(
                keys.get(slot(entityId)),
                LWWMap.create(),
                Replicator.writeLocal(),
                system.ignoreRef(),
                map -> {
                  Option<ContainerRoute> current = map.get(entityId);
                  if (current.isDefined() && current.get().version() >= route.version()) {
                    return map;
                  }
                  return map.put(self, entityId, route, (now, value) -> value.version());
                }));
  }

  private void forgetNotified(LWWMap<String, ContainerRoute> map) {
    publishedHere.forEach(
        (id, route) -> {
          Option<ContainerRoute> notified = map.get(id);
          if (notified.isDefined() && notified.get().version() >= route.version()) {
            publishedHere.remove(id, route);
          }
        });
  }

  private static int slot(String entityId) {
    return Math.floorMod(entityId.hashCode(), KEYS);
  }

  /** One key's map as last read, and what the view derives from it. */
  private record Slot(
      LWWMap<String, ContainerRoute> map,
      Map<String, Migration.MigrationRoute> migrations,
      Map<String, ContainerRoute> replicated) {

    static Slot of(LWWMap<String, ContainerRoute> map) {
      Map<String, Migration.MigrationRoute> migrations = new HashMap<>();
      Map<String, ContainerRoute> replicated = new HashMap<>();
      map.getEntries()
          .forEach(
              (id, route) -> {
                if (isMigrating(route)) {
                  migrations.put(id, route.migration());
                }
                if (isReplicated(route)) {
                  replicated.put(id, route);
                }
              });
      return new Slot(map, Map.copyOf(migrations), Map.copyOf(replicated));
    }
  }

  private sealed interface PollerMessage {}

  private enum Poll implements PollerMessage {
    INSTANCE
  }

  private record Read(Replicator.GetResponse<LWWMap<String, ContainerRoute>> response)
      implements PollerMessage {}

  /**
   * Reads every key's map from the local replicator each poll interval and re-derives the keys
   * whose map changed. Reading rather than subscribing: the replicator computes a digest (the whole
   * map serialized and hashed) of a subscribed key on the first change after each notification,
   * which with 100,000 containers took a fifth of the node's CPU while containers were created; a
   * read costs nothing while nothing changed.
   */
  private Behavior<PollerMessage> poller() {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ZERO, pollInterval);
                  // One adapter: Akka keeps one per message class; the key tells the slot.
                  ActorRef<Replicator.GetResponse<LWWMap<String, ContainerRoute>>> reader =
                      ctx.messageAdapter(Replicator.GetResponse.class, Read::new);
                  ActorRef<Replicator.Command> replicator =
                      DistributedData.get(system).replicator();
                  return Behaviors.receive(PollerMessage.class)
                      .onMessageEquals(
                          Poll.INSTANCE,
                          () -> {
                            for (int i = 0; i < KEYS; i++) {
                              replicator.tell(
                                  new Replicator.Get<>(
                                      keys.get(i), Replicator.readLocal(), reader));
                            }
                            return Behaviors.same();
                          })
                      .onMessage(
                          Read.class,
                          read -> {
                            if (read.response()
                                instanceof
                                Replicator.GetSuccess<LWWMap<String, ContainerRoute>> ok) {
                              LWWMap<String, ContainerRoute> map = ok.dataValue();
                              int index = keys.indexOf(ok.key());
                              Slot current = slots.get(index);
                              if (current == null || current.map() != map) {
                                slots.set(index, Slot.of(map));
                                forgetNotified(map);
                              }
                            }
                            return Behaviors.same();
                          })
                      .build();
                }));
  }

  private static final class Id extends ExtensionId<ContainerRouteView> {
    static final Id INSTANCE = new Id();

    @Override
    public ContainerRouteView createExtension(ActorSystem<?> system) {
      return new ContainerRouteView(system);
    }
  }
}
