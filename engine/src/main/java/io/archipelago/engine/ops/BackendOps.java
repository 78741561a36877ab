package io.archipelago.engine.ops;

import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendRegistryEntity;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.engine.backend.BackendValidation;
import io.archipelago.engine.backend.RegistryState;
import io.archipelago.engine.backend.RegistrySync;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.Migration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import scala.Function1;

/** Operator changes to the cluster-wide backend registry (admin API). */
public final class BackendOps {

  private final EngineContext ctx;
  private final RegistrySync sync;
  private final BackendValidation validation;

  public BackendOps(EngineContext ctx, RegistrySync sync) {
    this.ctx = ctx;
    this.sync = sync;
    this.validation =
        new BackendValidation(ctx.system().settings().config(), ctx.policies().values());
  }

  /** Adds a backend after {@link BackendValidation} found nothing wrong with it (else 400). */
  public CompletionStage<RegistryState> add(BackendDescriptor backend, RequestContext request) {
    try {
      validation.check(backend);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(
          new GatewayException(GatewayException.Reason.BAD_REQUEST, e.getMessage()));
    }
    return changed(
        ask(replyTo -> new BackendRegistryEntity.Add(backend, request.audit(), replyTo)));
  }

  public CompletionStage<RegistryState> changeState(
      String id, BackendState state, RequestContext request) {
    return changed(
        ask(replyTo -> new BackendRegistryEntity.ChangeState(id, state, request.audit(), replyTo)));
  }

  /**
   * Removes a backend, refused (409) while the route view, read from every node, shows a container
   * with its primary or a replica there, or a migration from or to it: drain it first. Refused
   * (503) when some node does not answer that read: its routes could hold such a container.
   */
  public CompletionStage<RegistryState> remove(String id, RequestContext request) {
    return ContainerRouteView.get(ctx.system())
        .routesFromEveryNode(ctx.askTimeout())
        .handle(
            (routes, failure) -> {
              if (failure != null) {
                throw new GatewayException(
                    GatewayException.Reason.CLUSTER_UNCONFIRMED,
                    "Backend "
                        + id
                        + " not removed: "
                        + EntityAsk.unwrap(failure).getMessage()
                        + "; retry when every node is up");
              }
              return routes;
            })
        .thenCompose(
            routes -> {
              List<String> holding = holding(routes, id);
              if (!holding.isEmpty()) {
                return CompletableFuture.failedFuture(
                    new GatewayException(
                        GatewayException.Reason.BACKEND_IN_USE,
                        "Backend "
                            + id
                            + " still holds "
                            + holding.size()
                            + " container(s), e.g. "
                            + String.join(", ", holding.subList(0, Math.min(3, holding.size())))
                            + "; drain it first (POST /admin/backends/"
                            + id
                            + "/drain)"));
              }
              return changed(
                  ask(replyTo -> new BackendRegistryEntity.Remove(id, request.audit(), replyTo)));
            });
  }

  /** The containers (entity ids, sorted) with a copy on the backend or migrating from or to it. */
  private static List<String> holding(Map<String, ContainerRoute> routes, String id) {
    List<String> holding = new ArrayList<>();
    routes.forEach(
        (entityId, route) -> {
          Migration.MigrationRoute m = route.migration();
          boolean migrating =
              m != null
                  && m.toMigration().routesBoth()
                  && (m.source().equals(id) || m.target().equals(id));
          if (!route.deleted()
              && (route.primaryBackend().equals(id)
                  || route.replicaBackends().contains(id)
                  || migrating)) {
            holding.add(entityId);
          }
        });
    Collections.sort(holding);
    return holding;
  }

  private CompletionStage<RegistryState> ask(
      Function1<ActorRef<StatusReply<RegistryState>>, BackendRegistryEntity.Command> message) {
    return ctx.retrying(
            () ->
                ClusterSharding.get(ctx.system())
                    .entityRefFor(BackendRegistryEntity.TYPE_KEY, BackendRegistryEntity.ID)
                    .askWithStatus(message, ctx.askTimeout()))
        .exceptionally(
            failure -> {
              Throwable cause = EntityAsk.unwrap(failure);
              if (cause instanceof StatusReply.ErrorMessage e) {
                throw new GatewayException(GatewayException.Reason.BAD_REQUEST, e.getMessage());
              }
              throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
            });
  }

  private CompletionStage<RegistryState> changed(CompletionStage<RegistryState> change) {
    return change.thenApply(
        state -> {
          ctx.registry().update(state.backends().values());
          sync.refresh();
          return state;
        });
  }
}
