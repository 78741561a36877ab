package io.archipelago.engine.container;

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

  /** The latest map of each key as this node's replicator last notified it. */
  private final AtomicReferenceArray<LWWMap<String, ContainerRoute>> maps =
      new AtomicReferenceArray<>(KEYS);

  /**
   * Routes this node published that its replicator has not notified yet (it notifies subscribers
   * every 500 ms): a view read right after a local change sees it (a migration started and listed
   * at once). Dropped once a notification carries that version or a newer one.
   */
  private final Map<String, ContainerRoute> publishedHere = new ConcurrentHashMap<>();

  private ContainerRouteView(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
    this.keys =
        IntStream.range(0, KEYS)
            .mapToObj(i -> LWWMapKey.<String, ContainerRoute>create("container-routes-" + i))
            .toList();
    system.systemActorOf(subscriber(), "container-route-view", Props.empty());
  }

  public static ContainerRouteView get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The route last seen of a container, by entity id ({@code account/container}). */
  public Optional<ContainerRoute> route(String entityId) {
    LWWMap<String, ContainerRoute> map = maps.get(slot(entityId));
    ContainerRoute notified = null;
    if (map != null) {
      Option<ContainerRoute> found = map.get(entityId);
      notified = found.isDefined() ? found.get() : null;
    }
    return Optional.ofNullable(newer(notified, publishedHere.get(entityId)));
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
      LWWMap<String, ContainerRoute> map = maps.get(i);
      if (map != null) {
        all.putAll(map.getEntries());
      }
    }
    publishedHere.forEach((id, route) -> all.merge(id, route, ContainerRouteView::newer));
    return all;
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
    routes()
        .forEach(
            (id, route) -> {
              if (route.migration() != null && !route.deleted()) {
                result.put(id, route.migration());
              }
            });
    return result;
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

  private Behavior<Replicator.SubscribeResponse<LWWMap<String, ContainerRoute>>> subscriber() {
    return Behaviors.setup(
        ctx -> {
          keys.forEach(
              key ->
                  DistributedData.get(system)
                      .replicator()
                      .tell(new Replicator.Subscribe<>(key, ctx.getSelf())));
          return Behaviors.receiveMessage(
              message -> {
                if (message instanceof Replicator.Changed<LWWMap<String, ContainerRoute>> changed) {
                  LWWMap<String, ContainerRoute> map = changed.dataValue();
                  maps.set(keys.indexOf(changed.key()), map);
                  forgetNotified(map);
                }
                return Behaviors.same();
              });
        });
  }

  private static final class Id extends ExtensionId<ContainerRouteView> {
    static final Id INSTANCE = new Id();

    @Override
    public ContainerRouteView createExtension(ActorSystem<?> system) {
      return new ContainerRouteView(system);
    }
  }
}
