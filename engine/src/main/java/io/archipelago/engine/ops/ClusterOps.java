package io.archipelago.engine.ops;

import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.Member;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetClusterShardingStats;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.typed.Cluster;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.container.ContainerEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What an operator sees of the cluster: members, and the shards and entities each one holds. */
public final class ClusterOps {

  /** One member and what it holds, per entity type: shard count and entity count. */
  public record MemberView(
      String address, String status, List<String> roles, boolean self,
      Map<String, Integer> shards, Map<String, Integer> entities) {}

  private final ActorSystem<?> system;
  private final Duration timeout;

  public ClusterOps(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  public CompletionStage<List<MemberView>> members() {
    CompletableFuture<ShardRegion.ClusterShardingStats> containers = stats(ContainerEntity.TYPE_KEY);
    CompletableFuture<ShardRegion.ClusterShardingStats> accounts = stats(AccountEntity.TYPE_KEY);
    return containers.thenCombine(accounts, (c, a) -> {
      Cluster cluster = Cluster.get(system);
      Address self = cluster.selfMember().address();
      List<MemberView> result = new ArrayList<>();
      for (Member m : cluster.state().getMembers()) {
        Map<String, Integer> shards = new TreeMap<>();
        Map<String, Integer> entities = new TreeMap<>();
        count(c, m.address(), ContainerEntity.TYPE_KEY.name(), shards, entities);
        count(a, m.address(), AccountEntity.TYPE_KEY.name(), shards, entities);
        result.add(new MemberView(
            m.address().toString(), m.status().toString(), List.copyOf(m.getRoles()),
            m.address().equals(self), shards, entities));
      }
      return result;
    });
  }

  private static void count(
      ShardRegion.ClusterShardingStats stats, Address address, String type,
      Map<String, Integer> shards, Map<String, Integer> entities) {
    ShardRegion.ShardRegionStats region = stats.getRegions().get(address);
    int shardCount = 0;
    int entityCount = 0;
    if (region != null) {
      for (Object n : region.getStats().values()) {
        shardCount++;
        entityCount += ((Number) n).intValue();
      }
    }
    shards.put(type, shardCount);
    entities.put(type, entityCount);
  }

  private CompletableFuture<ShardRegion.ClusterShardingStats> stats(EntityTypeKey<?> key) {
    return AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
            ClusterSharding.get(system).shardState(),
            replyTo -> new GetClusterShardingStats(key, timeout, replyTo),
            timeout.plusSeconds(1),
            system.scheduler())
        .toCompletableFuture();
  }
}
