package io.archipelago.http.admin;

import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every route of the admin API ({@code /admin/...}, reseller admins only), as method and path below
 * {@code /admin/} ({@code *} is one path segment). {@link AdminController} serves nothing that is
 * not here, and the authorization matrix test needs a row for each: a route added here without one
 * fails it.
 */
public enum AdminRoute {
  AUDIT_LOG(HttpMethods.GET, "audit"),
  CONTAINER_HISTORY(HttpMethods.GET, "containers/*/*/history"),
  CLUSTER_MEMBERS(HttpMethods.GET, "cluster"),
  BACKENDS_LIST(HttpMethods.GET, "backends"),
  BACKEND_ADD(HttpMethods.POST, "backends"),
  BACKEND_REMOVE(HttpMethods.DELETE, "backends/*"),
  BACKEND_STATE(HttpMethods.POST, "backends/*/state"),
  CONTAINER_STATUS(HttpMethods.GET, "containers/*/*"),
  CONTAINER_RECONCILE(HttpMethods.POST, "containers/*/*/reconcile"),
  CONTAINER_SKIP_EVENT(HttpMethods.POST, "containers/*/*/skip-event"),
  CONTAINER_METRICS(HttpMethods.GET, "metrics"),
  CLUSTER_LEAVE(HttpMethods.POST, "cluster/leave"),
  CONTAINER_SEARCH(HttpMethods.GET, "containers"),
  BACKEND_HEALTH(HttpMethods.GET, "backend-health"),
  SYNC_STATUS(HttpMethods.GET, "sync"),
  MIGRATIONS_LIST(HttpMethods.GET, "migrations"),
  MIGRATION_START(HttpMethods.POST, "containers/*/*/migrate"),
  MIGRATION_STATUS(HttpMethods.GET, "containers/*/*/migration"),
  MIGRATION_CANCEL(HttpMethods.DELETE, "containers/*/*/migration"),
  DRAINS_LIST(HttpMethods.GET, "drains"),
  DRAIN_START(HttpMethods.POST, "backends/*/drain"),
  DRAIN_STATUS(HttpMethods.GET, "backends/*/drain"),
  DRAIN_CANCEL(HttpMethods.DELETE, "backends/*/drain"),
  DRAIN_PAUSE(HttpMethods.POST, "backends/*/drain/pause"),
  DRAIN_RESUME(HttpMethods.POST, "backends/*/drain/resume"),
  DRAIN_RETRY(HttpMethods.POST, "backends/*/drain/retry"),
  PLACEMENT_DRY_RUN(HttpMethods.GET, "placement"),
  REBALANCE_PLAN(HttpMethods.GET, "rebalance/plan"),
  REBALANCE_ACCEPT(HttpMethods.POST, "rebalance/plan/*/accept"),
  REBALANCE_REJECT(HttpMethods.POST, "rebalance/plan/*/reject"),
  SYNC_HISTORY(HttpMethods.GET, "sync/history"),
  INTEGRITY_REPORT(HttpMethods.GET, "integrity"),
  SYNC_FAILURES_RETRY_ALL(HttpMethods.POST, "sync/failures/retry-all"),
  MIGRATION_FAILURES(HttpMethods.GET, "migrations/failures"),
  MIGRATION_FAILURE_RETRY(HttpMethods.POST, "migrations/failures/retry"),
  MIGRATION_FAILURES_RETRY_ALL(HttpMethods.POST, "migrations/failures/retry-all"),
  REQUEST_HISTORY(HttpMethods.GET, "metrics/history");

  private final HttpMethod method;
  private final String pattern;

  AdminRoute(HttpMethod method, String pattern) {
    this.method = method;
    this.pattern = pattern;
  }

  public HttpMethod method() {
    return method;
  }

  /** The path below {@code /admin/}, {@code *} standing for one segment. */
  public String pattern() {
    return pattern;
  }

  /** The route of a request: its method and its path below {@code /admin/} split on '/'. */
  public static Optional<AdminRoute> match(HttpMethod method, String[] parts) {
    return Arrays.stream(values())
        .filter(r -> r.method.equals(method) && r.matches(parts))
        .findFirst();
  }

  private boolean matches(String[] parts) {
    String[] expected = pattern.split("/");
    if (expected.length != parts.length) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      if (!expected[i].equals("*") && !expected[i].equals(parts[i])) {
        return false;
      }
    }
    return true;
  }
}
