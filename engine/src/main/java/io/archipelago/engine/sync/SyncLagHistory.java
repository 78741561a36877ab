package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.container.ReplicaSync;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A short in-memory history of the replicas' sync lag on this node, for the console's chart: every
 * {@code archipelago.sync.lag-history.interval} it asks the entities of the replicated containers
 * (from the route view, at most {@code max-containers}) for their sync status and keeps the worst
 * lag, the changes pending and how many replicas lag, the last {@code samples} of them. Nothing is
 * persisted: a restarted node starts a new history.
 */
public final class SyncLagHistory {

  /**
   * One sample.
   *
   * @param maxLagSeconds the largest lag of any replica
   * @param pendingChanges changes not yet copied, over all replicas
   * @param unanswered containers whose entity did not answer in time (left out)
   */
  public record Sample(
      Instant at,
      double maxLagSeconds,
      long pendingChanges,
      int replicas,
      int laggingReplicas,
      int unanswered) {}

  private final ContainerSync sync;
  private final ContainerRouteView routes;
  private final int capacity;
  private final int maxContainers;
  private final Duration interval;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final AtomicBoolean sampling = new AtomicBoolean();

  private SyncLagHistory(ActorSystem<?> system, ContainerSync sync) {
    Config c = system.settings().config().getConfig("archipelago.sync.lag-history");
    this.sync = sync;
    this.routes = ContainerRouteView.get(system);
    this.capacity = Math.max(1, c.getInt("samples"));
    this.maxContainers = Math.max(1, c.getInt("max-containers"));
    this.interval = c.getDuration("interval");
  }

  /** Starts sampling on this node. */
  public static SyncLagHistory start(ActorSystem<?> system, ContainerSync sync) {
    SyncLagHistory history = new SyncLagHistory(system, sync);
    system
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ZERO, history.interval, history::sample, system.executionContext());
    return history;
  }

  public Duration interval() {
    return interval;
  }

  /** The samples, oldest first. */
  public synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  private synchronized void add(Sample sample) {
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    samples.addLast(sample);
  }

  private void sample() {
    if (!sampling.compareAndSet(false, true)) {
      return; // the previous round still waits for its answers
    }
    List<CompletableFuture<Optional<ContainerEntity.SyncStatus>>> asked = new ArrayList<>();
    for (Map.Entry<String, ContainerRoute> e : routes.replicated().entrySet()) {
      if (asked.size() == maxContainers) {
        break;
      }
      int slash = e.getKey().indexOf('/');
      asked.add(
          sync.status(e.getKey().substring(0, slash), e.getKey().substring(slash + 1))
              .toCompletableFuture()
              .thenApply(Optional::of)
              .exceptionally(failure -> Optional.empty()));
    }
    CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, failure) -> {
              try {
                Instant now = Instant.now();
                double max = 0;
                long pending = 0;
                int replicas = 0;
                int lagging = 0;
                int unanswered = 0;
                for (CompletableFuture<Optional<ContainerEntity.SyncStatus>> f : asked) {
                  Optional<ContainerEntity.SyncStatus> status = f.getNow(Optional.empty());
                  if (status.isEmpty()) {
                    unanswered++;
                    continue;
                  }
                  for (String replica : status.get().state().replicaBackends()) {
                    ReplicaSync r = status.get().state().sync().replica(replica);
                    double lag = SyncLag.seconds(r, now);
                    long events = status.get().pendingChanges().getOrDefault(replica, 0L);
                    replicas++;
                    max = Math.max(max, lag);
                    pending += events;
                    if (lag > 0 || events > 0) {
                      lagging++;
                    }
                  }
                }
                add(new Sample(now, max, pending, replicas, lagging, unanswered));
              } finally {
                sampling.set(false);
              }
            });
  }
}
