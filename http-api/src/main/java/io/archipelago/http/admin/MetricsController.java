package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.util.ByteString;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.container.ReplicaSync;
import io.archipelago.engine.integrity.IntegrityLedger;
import io.archipelago.engine.sync.ContainerSync;
import io.archipelago.engine.sync.SyncLag;
import io.archipelago.engine.sync.SyncMetrics;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Prometheus' text exposition format (version 0.0.4), two views of this node's sync: its counters
 * and the lag of the replicas of the containers whose tag slice it syncs (so that scraping every
 * node gives each container once).
 *
 * <p>{@code GET /metrics} is for scrapers, which rarely hold a TempAuth token: it names no account
 * or container (those are tenants' data), only backends, summing the lag of all containers per
 * primary and replica backend. An operator may require a bearer token for it ({@code
 * archipelago.http.metrics-token}). {@code GET /admin/metrics} (reseller admins) has the same
 * series per container.
 */
public final class MetricsController {

  private static final ContentType TEXT =
      ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ContainerSync sync;
  private final Optional<byte[]> token;
  private final RequestMetrics requests;
  private final IntegrityLedger integrity;

  /**
   * @param token the bearer token /metrics requires; empty: none
   * @param requests the node's request counters, rendered first
   * @param integrity the node's integrity counters, rendered after them
   */
  public MetricsController(
      ContainerSync sync, String token, RequestMetrics requests, IntegrityLedger integrity) {
    this.sync = sync;
    this.requests = requests;
    this.integrity = integrity;
    this.token =
        token.isBlank() ? Optional.empty() : Optional.of(token.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code GET /metrics}: per backend pair, after the bearer token if one is configured. */
  public CompletionStage<HttpResponse> metrics(Map<String, String> headers) {
    if (token.isPresent() && !bearerMatches(headers.get("authorization"))) {
      return CompletableFuture.completedFuture(
          SwiftErrors.response(SwiftError.UNAUTHORIZED)
              .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"metrics\"")));
    }
    return sync.localStatuses()
        .thenApply(
            statuses ->
                text(
                    requestLines()
                        + render(statuses, sync.metrics(), sync.localSlices().size(), false)));
  }

  /** {@code GET /admin/metrics}: per container; the caller has checked for a reseller admin. */
  public CompletionStage<HttpResponse> containerMetrics() {
    return sync.localStatuses()
        .thenApply(
            statuses ->
                text(
                    requestLines()
                        + render(statuses, sync.metrics(), sync.localSlices().size(), true)));
  }

  /** {@code GET /admin/metrics/history}: the node's request rates and latencies over time. */
  public HttpResponse requestHistory(RequestHistory history) {
    return HttpResponse.create()
        .withEntity(
            HttpEntities.create(ContentTypes.APPLICATION_JSON, history.json().toPrettyString()));
  }

  private String requestLines() {
    StringBuilder sb = new StringBuilder();
    requests.render(sb);
    IntegrityController.renderMetrics(sb, integrity);
    return sb.toString();
  }

  private boolean bearerMatches(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(
        token.get(), authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse text(String body) {
    return HttpResponse.create().withEntity(HttpEntities.create(TEXT, ByteString.fromString(body)));
  }

  static String render(
      List<ContainerEntity.SyncStatus> statuses, SyncMetrics m, int slices, boolean perContainer) {
    StringBuilder sb = new StringBuilder();
    counter(
        sb,
        "archipelago_sync_copied_objects_total",
        "Objects copied to replicas by this node.",
        m.copiedObjects());
    counter(
        sb,
        "archipelago_sync_copied_bytes_total",
        "Bytes copied to replicas by this node.",
        m.copiedBytes());
    counter(
        sb,
        "archipelago_sync_deleted_objects_total",
        "Objects deleted on replicas by this node.",
        m.deletedObjects());
    counter(
        sb,
        "archipelago_sync_failures_total",
        "Copies or deletes given up on (left to the reconciler).",
        m.failures());
    counter(
        sb,
        "archipelago_sync_conflicts_total",
        "Conflicts resolved by newest X-Timestamp.",
        m.conflicts());
    counter(
        sb,
        "archipelago_sync_reconciles_total",
        "Reconciles of a replica finished on this node.",
        m.reconciles());
    counter(
        sb,
        "archipelago_sync_reconcile_repairs_total",
        "Objects copied or deleted by reconciles.",
        m.repairs());
    sb.append("# HELP archipelago_sync_slices Container tag slices this node syncs.\n");
    sb.append("# TYPE archipelago_sync_slices gauge\n");
    sb.append("archipelago_sync_slices ").append(slices).append('\n');
    Instant now = Instant.now();
    List<Replica> replicas = new ArrayList<>();
    for (ContainerEntity.SyncStatus s : statuses) {
      for (String replica : s.state().replicaBackends()) {
        ReplicaSync r = s.state().sync().replica(replica);
        replicas.add(
            new Replica(
                s.state(),
                replica,
                s.pendingChanges().getOrDefault(replica, 0L),
                SyncLag.seconds(r, now),
                r.failedObjects()));
      }
    }
    if (perContainer) {
      replicas.sort(
          Comparator.comparing((Replica r) -> r.state().account())
              .thenComparing(r -> r.state().container())
              .thenComparing(Replica::replica));
      gauge(
          sb,
          "archipelago_sync_lag_events",
          "Changes of the container not yet on the replica.",
          replicas,
          r -> containerLabels(r),
          r -> Long.toString(r.lagEvents()));
      gauge(
          sb,
          "archipelago_sync_lag_seconds",
          "Age of the oldest change not yet on the replica.",
          replicas,
          r -> containerLabels(r),
          r -> seconds(r.lagSeconds()));
      gauge(
          sb,
          "archipelago_sync_failed_objects",
          "Objects the replica missed, until a reconcile repairs them.",
          replicas,
          r -> containerLabels(r),
          r -> Long.toString(r.failedObjects()));
      return sb.toString();
    }
    Map<String, List<Replica>> byPair = new TreeMap<>();
    for (Replica r : replicas) {
      byPair.computeIfAbsent(pairLabels(r), k -> new ArrayList<>()).add(r);
    }
    List<Map.Entry<String, List<Replica>>> pairs = List.copyOf(byPair.entrySet());
    gauge(
        sb,
        "archipelago_sync_containers",
        "Replicated containers this node syncs, per primary and replica backend.",
        pairs,
        Map.Entry::getKey,
        e -> Integer.toString(e.getValue().size()));
    gauge(
        sb,
        "archipelago_sync_lag_events",
        "Changes not yet on the replica, summed over the containers.",
        pairs,
        Map.Entry::getKey,
        e -> Long.toString(e.getValue().stream().mapToLong(Replica::lagEvents).sum()));
    gauge(
        sb,
        "archipelago_sync_lag_seconds",
        "Age of the oldest change not yet on the replica, over the containers.",
        pairs,
        Map.Entry::getKey,
        e -> seconds(e.getValue().stream().mapToDouble(Replica::lagSeconds).max().orElse(0)));
    gauge(
        sb,
        "archipelago_sync_failed_objects",
        "Objects the replica missed, until a reconcile repairs them, summed.",
        pairs,
        Map.Entry::getKey,
        e -> Long.toString(e.getValue().stream().mapToLong(Replica::failedObjects).sum()));
    return sb.toString();
  }

  /** One replica of one container, as the series see it. */
  private record Replica(
      ContainerState state,
      String replica,
      long lagEvents,
      double lagSeconds,
      long failedObjects) {}

  private static <T> void gauge(
      StringBuilder sb,
      String name,
      String help,
      List<T> rows,
      Function<T, String> labels,
      Function<T, String> value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    for (T row : rows) {
      sb.append(name).append(labels.apply(row)).append(' ').append(value.apply(row)).append('\n');
    }
  }

  private static String seconds(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static void counter(StringBuilder sb, String name, String help, long value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    sb.append(name).append(' ').append(value).append('\n');
  }

  private static String containerLabels(Replica r) {
    return "{account=\""
        + escape(r.state().account())
        + "\",container=\""
        + escape(r.state().container())
        + "\",primary=\""
        + escape(r.state().primaryBackend())
        + "\",replica=\""
        + escape(r.replica())
        + "\"}";
  }

  private static String pairLabels(Replica r) {
    return "{primary=\""
        + escape(r.state().primaryBackend())
        + "\",replica=\""
        + escape(r.replica())
        + "\"}";
  }

  /** Label values escape backslash, double quote and line feed. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
