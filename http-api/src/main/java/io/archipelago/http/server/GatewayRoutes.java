package io.archipelago.http.server;

import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.backend.RegistryRecovery;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.http.admin.AdminController;
import io.archipelago.http.admin.AdminOrigin;
import io.archipelago.http.admin.MetricsController;
import io.archipelago.http.admin.RequestHistory;
import io.archipelago.http.admin.RequestMetrics;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.console.ConsoleRoutes;
import io.archipelago.http.middleware.domainremap.DomainRemap;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP surface, dispatched on path as Swift's proxy does: {@code /auth/v1.0}, {@code
 * /info}, {@code /healthcheck}, {@code /metrics}, the console's files ({@code /console/}, public),
 * {@code /admin/...} (state changes only from the gateway's own origin) and {@code
 * /v1/<account>[/<container>[/<object>]]}. In order, every request gets a transaction id; {@code
 * /v1/} requests then go through the {@link SwiftPipeline} (bulk delete, which sends each delete
 * back through here; access control; the object middlewares; one controller); the admin API needs a
 * reseller admin's token. Every failure becomes a Swift error answer carrying the transaction id.
 */
public final class GatewayRoutes {

  private static final Logger accessLog = LoggerFactory.getLogger("archipelago.access");

  private final AuthController auth;
  private final SwiftPipeline swift;
  private final AdminController admin;
  private final MetricsController metrics;
  private final RequestMetrics requests = new RequestMetrics();
  private final RequestHistory requestHistory;
  private final ConsoleRoutes console = new ConsoleRoutes();
  private final String node;
  private final HeadLength headLength;
  private final boolean shuntInboundTimestamp;
  private final TrustedProxies proxies;
  private final RegistryRecovery registry;

  public GatewayRoutes(
      ArchipelagoEngine engine, AuthController auth, long maxObjectSize, HeadLength headLength) {
    this.auth = auth;
    this.headLength = headLength;
    this.swift = new SwiftPipeline(engine, auth, maxObjectSize, headLength);
    this.admin = new AdminController(engine);
    this.metrics =
        new MetricsController(
            engine.sync(),
            engine.system().settings().config().getString("archipelago.http.metrics-token"),
            requests,
            engine.integrity().ledger());
    this.requestHistory = RequestHistory.start(engine.system(), requests);
    this.node = engine.nodeAddress();
    this.shuntInboundTimestamp =
        engine
            .system()
            .settings()
            .config()
            .getBoolean("archipelago.http.shunt-inbound-x-timestamp");
    this.proxies = TrustedProxies.fromConfig(engine.system().settings().config());
    this.registry = RegistryRecovery.get(engine.system());
  }

  /**
   * The request handler bound to the server. A plain function rather than the routing DSL: dispatch
   * is by Swift's path rules, and responses (HEAD's Content-Length among them) reach the wire
   * exactly as built.
   */
  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    RemoteAddress ip =
        request
            .getAttribute(AttributeKeys.remoteAddress)
            .orElse(RemoteAddress.create(InetSocketAddress.createUnresolved("unknown", 0)));
    return handle(request, ip);
  }

  private CompletionStage<HttpResponse> handle(HttpRequest received, RemoteAddress ip) {
    String peer = ip.getAddress().map(a -> a.getHostAddress()).orElse("unknown");
    String client = proxies.clientAddress(peer, received);
    HttpRequest request = proxies.forwarded(peer, received);
    long started = System.nanoTime();
    String transId = newTransactionId();
    String rawUri = SwiftRequest.rawUri(request);
    int q = rawUri.indexOf('?');
    String rawPath = q < 0 ? rawUri : rawUri.substring(0, q);
    String rawQuery = q < 0 ? "" : rawUri.substring(q + 1);
    CompletionStage<HttpResponse> response;
    try {
      response = dispatch(request, rawPath, rawQuery, client, transId);
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return response
        .exceptionally(failure -> SwiftErrors.toResponse(failure, transId))
        .thenApply(
            r -> {
              long took = System.nanoTime() - started;
              requests.record(request.method().value(), r.status().intValue(), rawPath, took);
              accessLog.info(
                  "{} {} {} {} {}ms {}",
                  client,
                  request.method().value(),
                  rawPath,
                  r.status().intValue(),
                  took / 1_000_000,
                  transId);
              HttpResponse answered =
                  r.addHeader(RawHeader.create("X-Trans-Id", transId))
                      .addHeader(RawHeader.create("X-Openstack-Request-Id", transId));
              // Swift sends Content-Length: 0 with a 204 and with a HEAD's error answer (its body
              // dropped); Akka renders no length for either
              boolean headError =
                  request.method().equals(HttpMethods.HEAD) && r.status().intValue() >= 400;
              return r.status().intValue() == 204 || headError
                  ? headLength.announce(answered, 0)
                  : answered;
            });
  }

  private CompletionStage<HttpResponse> dispatch(
      HttpRequest request, String rawPath, String rawQuery, String client, String transId) {
    if (rawPath.equals("/healthcheck")) {
      return CompletableFuture.completedFuture(
          registry.isRecovered()
              ? HttpResponse.create().withEntity("OK")
              : HttpResponse.create()
                  .withStatus(StatusCodes.SERVICE_UNAVAILABLE)
                  .withEntity(RegistryRecovery.NOT_RECOVERED));
    }
    Optional<DomainRemap.Remapped> remapped = swift.remap(request, rawPath);
    if (remapped.isPresent()) {
      return route(request, remapped.get().rewrittenPath(), rawQuery, client, transId)
          .thenApply(remapped.get()::restore);
    }
    return route(request, rawPath, rawQuery, client, transId);
  }

  /**
   * Until this node has read the cluster's backend registry, a backend added at run time is unknown
   * here: client and admin requests get a 503 to retry rather than a wrong 404.
   */
  private void awaitedRegistry() {
    if (!registry.isRecovered()) {
      throw SwiftException.plain(
          SwiftError.SERVICE_UNAVAILABLE,
          RegistryRecovery.NOT_RECOVERED,
          Map.of("Retry-After", "1"));
    }
  }

  private CompletionStage<HttpResponse> route(
      HttpRequest request, String rawPath, String rawQuery, String client, String transId) {
    Map<String, String> headers = SwiftRequest.headersOf(request);
    if (rawPath.equals("/info")) {
      return CompletableFuture.completedFuture(swift.info().info());
    }
    if (rawPath.equals("/metrics")) {
      return metrics.metrics(headers);
    }
    if (ConsoleRoutes.handles(rawPath)) {
      return CompletableFuture.completedFuture(console.handle(request, rawPath));
    }
    if (rawPath.equals("/auth/v1.0") || rawPath.equals("/auth/v1.0/") || rawPath.equals("/v1.0")) {
      return CompletableFuture.completedFuture(
          auth.authenticate(request, headers, SwiftRequest.hostUrl(request)));
    }
    if (rawPath.startsWith("/v1/") || rawPath.startsWith("/admin/")) {
      awaitedRegistry();
    }
    if (rawPath.startsWith("/v1/")) {
      if (shuntInboundTimestamp) {
        headers.remove("x-timestamp");
      }
      return swift.handle(
          request,
          RequestPath.parse(rawPath),
          RequestPath.parseQuery(rawQuery),
          headers,
          client,
          transId,
          (sub, subPath) -> subRequest(request, sub, subPath, client, transId));
    }
    Principal principal =
        auth.principal(headers).orElseThrow(() -> new SwiftException(SwiftError.UNAUTHORIZED));
    if (rawPath.equals("/v1")) {
      // Swift's proxy finds no controller for a version alone
      throw new SwiftException(SwiftError.PRECONDITION_FAILED, "Bad URL");
    }
    if (rawPath.startsWith("/admin/")) {
      if (!principal.isResellerAdmin()) {
        throw new SwiftException(SwiftError.FORBIDDEN);
      }
      AdminOrigin.check(request);
      if (rawPath.equals("/admin/metrics") && request.method().equals(HttpMethods.GET)) {
        return metrics.containerMetrics();
      }
      if (rawPath.equals("/admin/metrics/history") && request.method().equals(HttpMethods.GET)) {
        return CompletableFuture.completedFuture(metrics.requestHistory(requestHistory));
      }
      return admin.handle(
          request,
          rawPath.substring("/admin/".length()),
          new RequestContext(principal.user(), principal.account(), client, node, transId));
    }
    throw new SwiftException(SwiftError.NOT_FOUND);
  }

  /**
   * A request on behalf of a bulk request (delete, extract-archive): the caller's tokens (service
   * token too) and referrer, the same id.
   */
  private CompletionStage<HttpResponse> subRequest(
      HttpRequest original, HttpRequest request, String rawPath, String client, String transId) {
    HttpRequest sub = request;
    for (String name : List.of("X-Auth-Token", "X-Storage-Token", "X-Service-Token", "Referer")) {
      Optional<HttpHeader> h = original.getHeader(name);
      if (h.isPresent()) {
        sub = sub.addHeader(RawHeader.create(name, h.get().value()));
      }
    }
    try {
      return dispatch(sub, rawPath, "", client, transId)
          .exceptionally(failure -> SwiftErrors.toResponse(failure, transId));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(SwiftErrors.toResponse(e, transId));
    }
  }

  /** Swift's shape: {@code tx} + 21 hex characters + {@code -} + the hex epoch second. */
  /**
   * Swift's shape: "tx", 21 random hex digits, "-", the time in hex (10 digits). Not a secret: a
   * thread-local generator (SecureRandom and String.format showed in request profiles).
   */
  static String newTransactionId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String hex =
        HexFormat.of().toHexDigits(random.nextLong())
            + HexFormat.of().toHexDigits(random.nextLong()).substring(0, 5);
    String time = Long.toHexString(System.currentTimeMillis() / 1000);
    return "tx" + hex + "-" + "0000000000".substring(Math.min(10, time.length())) + time;
  }
}
