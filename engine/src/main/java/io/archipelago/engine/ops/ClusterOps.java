package io.archipelago.engine.ops;

import akka.actor.ActorRef;
import akka.actor.ActorSelection;
import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.Member;
import akka.cluster.sharding.ClusterSharding;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Leave;
import akka.pattern.Patterns;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.container.ContainerEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What an operator sees of the cluster: members from this node's cluster state, and the shards and
 * entities each one holds, asked of each member's shard region separately with a short timeout so
 * that one unreachable or slow member costs only its own figures.
 */
public final class ClusterOps {

  /**
   * One member and what it holds, per entity type: shard count and entity count. An entity type
   * whose region did not answer in time (always for an unreachable member) is missing.
   */
  public record MemberView(
      String address,
      String status,
      List<String> roles,
      boolean self,
      boolean reachable,
      Map<String, Integer> shards,
      Map<String, Integer> entities) {}

  private static final List<EntityTypeKey<?>> TYPES =
      List.of(ContainerEntity.TYPE_KEY, AccountEntity.TYPE_KEY);

  private final ActorSystem<?> system;
  private final Duration statsTimeout;

  /** {@code statsTimeout}: how long each member's shard region may take to answer. */
  public ClusterOps(ActorSystem<?> system, Duration statsTimeout) {
    this.system = system;
    this.statsTimeout = statsTimeout;
  }

  public CompletionStage<List<MemberView>> members() {
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfMember().address();
    Set<Member> unreachable = cluster.state().getUnreachable();
    List<CompletableFuture<MemberView>> views = new ArrayList<>();
    for (Member m : cluster.state().getMembers()) {
      boolean reachable = !unreachable.contains(m);
      Map<EntityTypeKey<?>, CompletableFuture<Optional<ShardRegion.ShardRegionStats>>> asked =
          new LinkedHashMap<>();
      for (EntityTypeKey<?> type : TYPES) {
        asked.put(
            type,
            reachable
                ? regionStats(m.address(), type)
                : CompletableFuture.completedFuture(Optional.empty()));
      }
      views.add(
          CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new))
              .thenApply(
                  done -> {
                    Map<String, Integer> shards = new TreeMap<>();
                    Map<String, Integer> entities = new TreeMap<>();
                    asked.forEach(
                        (type, stats) ->
                            stats
                                .join()
                                .ifPresent(
                                    s -> {
                                      shards.put(type.name(), s.getStats().size());
                                      entities.put(
                                          type.name(),
                                          s.getStats().values().stream()
                                              .mapToInt(n -> ((Number) n).intValue())
                                              .sum());
                                    }));
                    return new MemberView(
                        m.address().toString(),
                        m.status().toString(),
                        List.copyOf(m.getRoles()),
                        m.address().equals(self),
                        reachable,
                        shards,
                        entities);
                  }));
    }
    return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
        .thenApply(done -> views.stream().map(CompletableFuture::join).toList());
  }

  /**
   * Makes the member at {@code address} (as {@link MemberView#address()} spells it) leave the
   * cluster gracefully; false when no member has that address.
   */
  public boolean leave(String address) {
    Cluster cluster = Cluster.get(system);
    for (Member m : cluster.state().getMembers()) {
      if (m.address().toString().equals(address)) {
        cluster.manager().tell(Leave.create(m.address()));
        return true;
      }
    }
    return false;
  }

  /**
   * The member's shard region of {@code type}, asked directly; empty when it does not answer in
   * time.
   */
  private CompletableFuture<Optional<ShardRegion.ShardRegionStats>> regionStats(
      Address member, EntityTypeKey<?> type) {
    akka.actor.ActorSystem classic = Adapter.toClassic(system);
    ActorRef localRegion = ClusterSharding.get(classic).shardRegion(type.name());
    ActorSelection region = classic.actorSelection(localRegion.path().toStringWithAddress(member));
    return Patterns.ask(region, ShardRegion.getRegionStatsInstance(), statsTimeout)
        .toCompletableFuture()
        .handle(
            (reply, failure) ->
                reply instanceof ShardRegion.ShardRegionStats stats
                    ? Optional.of(stats)
                    : Optional.<ShardRegion.ShardRegionStats>empty());
  }
}
