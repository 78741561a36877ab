package io.archipelago.engine.ops;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.japi.function.Function;
import akka.pattern.StatusReply;
import com.typesafe.config.Config;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerRejectedException;
import io.archipelago.engine.container.ContainerReply;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.engine.store.ObjectStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import scala.Function1;

/** What the operations share: sharding, the registry, policies and the ask timeout. */
public record EngineContext(
    ActorSystem<?> system,
    BackendRegistry registry,
    Map<String, PlacementPolicy> policies,
    String defaultPolicy,
    Duration askTimeout,
    Duration retryBudget,
    ReadFallback readFallback) {

  /**
   * Reads served from the replicated route view while a container's entity does not answer (see
   * {@link ContainerOps#read}).
   *
   * @param firstAskTimeout how long a read waits for the entity before it looks at the view
   * @param firstAskTimeoutWhileUnreachable the same while a cluster member is unreachable
   */
  public record ReadFallback(
      boolean enabled, Duration firstAskTimeout, Duration firstAskTimeoutWhileUnreachable) {
    public static ReadFallback fromConfig(Config config) {
      return new ReadFallback(
          config.getBoolean("archipelago.engine.read-fallback.enabled"),
          config.getDuration("archipelago.engine.read-fallback.first-ask-timeout"),
          config.getDuration(
              "archipelago.engine.read-fallback.first-ask-timeout-while-unreachable"));
    }
  }

  /** Sends an ask again when it times out (the entity may be moving), within the budget. */
  <T> CompletionStage<T> retrying(Supplier<CompletionStage<T>> ask) {
    return new Retry(system, retryBudget).onTimeout(ask);
  }

  /**
   * Asks a container entity, retrying on timeouts within the budget; a rejection fails the stage
   * with a {@link ContainerRejectedException} (see {@link EntityAsk#translated}).
   */
  <T> CompletionStage<T> askContainer(
      String account,
      String container,
      Function<ActorRef<ContainerReply<T>>, ContainerEntity.Command> message) {
    return retrying(() -> ContainerEntity.ask(container(account, container), message, askTimeout));
  }

  /** Asks an account entity, retrying on timeouts within the budget. */
  <T> CompletionStage<T> askAccount(
      String account, Function1<ActorRef<StatusReply<T>>, AccountEntity.Command> message) {
    return retrying(() -> account(account).askWithStatus(message, askTimeout));
  }

  EntityRef<ContainerEntity.Command> container(String account, String container) {
    return ClusterSharding.get(system)
        .entityRefFor(ContainerEntity.TYPE_KEY, ContainerEntity.entityId(account, container));
  }

  EntityRef<AccountEntity.Command> account(String account) {
    return ClusterSharding.get(system).entityRefFor(AccountEntity.TYPE_KEY, account);
  }

  /** The store of a backend for a client's request (which background work gives way to). */
  ObjectStore store(String backendId) {
    registry.clientActivity().touch(backendId);
    return registry
        .store(backendId)
        .orElseThrow(
            () ->
                new GatewayException(
                    GatewayException.Reason.BACKEND_UNKNOWN,
                    "backend " + backendId + " is not configured on this node"));
  }
}
