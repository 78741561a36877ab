package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.ReplicaSync;
import io.archipelago.engine.sync.ContainerSync;
import io.archipelago.engine.sync.SyncLag;
import io.archipelago.engine.sync.SyncMetrics;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /metrics} in Prometheus' text exposition format (version 0.0.4): this node's sync
 * counters, and the lag of each replica of the containers whose tag slice this node syncs (so
 * that scraping every node gives each container once).
 */
public final class MetricsController {

  private static final ContentType TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ContainerSync sync;

  public MetricsController(ContainerSync sync) {
    this.sync = sync;
  }

  public CompletionStage<HttpResponse> metrics() {
    return sync.localStatuses().thenApply(statuses -> HttpResponse.create()
        .withEntity(HttpEntities.create(TEXT,
            akka.util.ByteString.fromString(render(statuses, sync.metrics(), sync.localSlices().size())))));
  }

  static String render(List<ContainerEntity.SyncStatus> statuses, SyncMetrics m, int slices) {
    StringBuilder sb = new StringBuilder();
    counter(sb, "archipelago_sync_copied_objects_total", "Objects copied to replicas by this node.", m.copiedObjects());
    counter(sb, "archipelago_sync_copied_bytes_total", "Bytes copied to replicas by this node.", m.copiedBytes());
    counter(sb, "archipelago_sync_deleted_objects_total", "Objects deleted on replicas by this node.", m.deletedObjects());
    counter(sb, "archipelago_sync_failures_total", "Copies or deletes given up on (left to the reconciler).", m.failures());
    counter(sb, "archipelago_sync_conflicts_total", "Conflicts resolved by newest X-Timestamp.", m.conflicts());
    counter(sb, "archipelago_sync_reconciles_total", "Reconciles of a replica finished on this node.", m.reconciles());
    counter(sb, "archipelago_sync_reconcile_repairs_total", "Objects copied or deleted by reconciles.", m.repairs());
    sb.append("# HELP archipelago_sync_slices Container tag slices this node syncs.\n");
    sb.append("# TYPE archipelago_sync_slices gauge\n");
    sb.append("archipelago_sync_slices ").append(slices).append('\n');

    List<ContainerEntity.SyncStatus> sorted = statuses.stream()
        .sorted(Comparator.comparing((ContainerEntity.SyncStatus s) -> s.state().account())
            .thenComparing(s -> s.state().container()))
        .toList();
    Instant now = Instant.now();
    sb.append("# HELP archipelago_sync_lag_events Changes of the container not yet on the replica.\n");
    sb.append("# TYPE archipelago_sync_lag_events gauge\n");
    for (ContainerEntity.SyncStatus s : sorted) {
      for (String replica : s.state().replicaBackends()) {
        sb.append("archipelago_sync_lag_events").append(labels(s.state(), replica)).append(' ')
            .append(s.pendingChanges().getOrDefault(replica, 0L)).append('\n');
      }
    }
    sb.append("# HELP archipelago_sync_lag_seconds Age of the oldest change not yet on the replica.\n");
    sb.append("# TYPE archipelago_sync_lag_seconds gauge\n");
    for (ContainerEntity.SyncStatus s : sorted) {
      for (String replica : s.state().replicaBackends()) {
        sb.append("archipelago_sync_lag_seconds").append(labels(s.state(), replica)).append(' ')
            .append(String.format(Locale.ROOT, "%.3f", SyncLag.seconds(s.state().sync().replica(replica), now)))
            .append('\n');
      }
    }
    sb.append("# HELP archipelago_sync_failed_objects Objects the replica missed, until a reconcile repairs them.\n");
    sb.append("# TYPE archipelago_sync_failed_objects gauge\n");
    for (ContainerEntity.SyncStatus s : sorted) {
      for (String replica : s.state().replicaBackends()) {
        ReplicaSync r = s.state().sync().replica(replica);
        sb.append("archipelago_sync_failed_objects").append(labels(s.state(), replica)).append(' ')
            .append(r.failedObjects()).append('\n');
      }
    }
    return sb.toString();
  }

  private static void counter(StringBuilder sb, String name, String help, long value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    sb.append(name).append(' ').append(value).append('\n');
  }

  private static String labels(ContainerState s, String replica) {
    return "{account=\"" + escape(s.account()) + "\",container=\"" + escape(s.container())
        + "\",primary=\"" + escape(s.primaryBackend()) + "\",replica=\"" + escape(replica) + "\"}";
  }

  /** Label values escape backslash, double quote and line feed. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
