package io.archipelago.engine.backend;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Whether this node's {@link BackendRegistry} has read the cluster-wide registry once. Before that
 * it knows only the configured backends, not those added, drained or removed at run time, so the
 * node must not serve clients yet (it would answer 404 "Unknown backend" for a backend that
 * exists). One per actor system, so that readiness checks created by Akka Management find it.
 */
public final class RegistryRecovery implements Extension {

  /** What a node answers while it waits, for operators and load balancers. */
  public static final String NOT_RECOVERED =
      "backend registry not recovered yet: this node does not serve requests until it has read"
          + " the cluster's backends";

  private static final Id ID = new Id();

  private final CompletableFuture<Done> recovered = new CompletableFuture<>();

  private RegistryRecovery() {}

  public static RegistryRecovery get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Completes once, when the registry has been read and applied. */
  public CompletionStage<Done> recovered() {
    return recovered;
  }

  public boolean isRecovered() {
    return recovered.isDone();
  }

  void markRecovered() {
    recovered.complete(Done.getInstance());
  }

  private static final class Id extends ExtensionId<RegistryRecovery> {
    @Override
    public RegistryRecovery createExtension(ActorSystem<?> system) {
      return new RegistryRecovery();
    }
  }
}
