package io.archipelago.http.server;

import akka.actor.ActorSystem;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import io.archipelago.engine.backend.BackendRegistryEntity;
import io.archipelago.engine.backend.RegistryRecovery;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Readiness of a gateway node for Akka Management's {@code /ready}: the node is Up in the cluster,
 * it is not shutting down or leaving, this node's backend registry has read the cluster's ({@link
 * RegistryRecovery}: until then a backend added at run time is unknown here), and an entity answers
 * through sharding from the journal (the backend registry, which every request path needs anyway).
 */
public final class GatewayReadiness implements Supplier<CompletionStage<Boolean>> {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  private final ActorSystem classic;

  public GatewayReadiness(ActorSystem classic) {
    this.classic = classic;
  }

  @Override
  public CompletionStage<Boolean> get() {
    var system = Adapter.toTyped(classic);
    if (CoordinatedShutdown.get(system).getShutdownReason().isPresent()) {
      return CompletableFuture.completedFuture(false);
    }
    if (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
      return CompletableFuture.completedFuture(false);
    }
    if (!RegistryRecovery.get(system).isRecovered()) {
      return CompletableFuture.completedFuture(false);
    }
    return ClusterSharding.get(system)
        .entityRefFor(BackendRegistryEntity.TYPE_KEY, BackendRegistryEntity.ID)
        .askWithStatus(BackendRegistryEntity.Get::new, PROBE_TIMEOUT)
        .thenApply(state -> true)
        .exceptionally(failure -> false);
  }
}
