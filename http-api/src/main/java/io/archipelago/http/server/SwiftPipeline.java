package io.archipelago.http.server;

import akka.actor.typed.DispatcherSelector;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.stream.Materializer;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.http.access.AccessControl;
import io.archipelago.http.access.Identity;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.middleware.bulk.BulkDelete;
import io.archipelago.http.middleware.bulk.ExtractArchive;
import io.archipelago.http.middleware.copy.ServerSideCopy;
import io.archipelago.http.middleware.dlo.DynamicLargeObjects;
import io.archipelago.http.middleware.domainremap.DomainRemap;
import io.archipelago.http.middleware.etagquoter.EtagQuoter;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.middleware.quotas.ContainerQuotas;
import io.archipelago.http.middleware.ratelimit.RateLimit;
import io.archipelago.http.middleware.slo.StaticLargeObjects;
import io.archipelago.http.middleware.staticweb.StaticWeb;
import io.archipelago.http.middleware.symlink.Symlinks;
import io.archipelago.http.middleware.versioning.ObjectVersioning;
import io.archipelago.http.middleware.versioning.Versioning;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.InfoCache;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.s3.S3Server;
import io.archipelago.http.swift.AccountController;
import io.archipelago.http.swift.ContainerController;
import io.archipelago.http.swift.InfoController;
import io.archipelago.http.swift.ObjectController;
import io.archipelago.http.swift.ObjectPuts;
import io.archipelago.http.swift.ObjectReader;
import io.archipelago.http.swift.ObjectWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The Swift API's pipeline, built here and nowhere else, in the order of the pipeline of Swift's
 * {@code proxy-server.conf}:
 *
 * <pre>
 * catch_errors       GatewayRoutes: every failure becomes a Swift answer with the transaction id
 * gatekeeper         not offered
 * healthcheck        GatewayRoutes: /healthcheck
 * proxy-logging      GatewayRoutes: one access log line per request
 * cache              not offered
 * etag_quoter        EtagQuoter, the first object middleware: quotes the ETag of object answers
 *                    as the container's or account's flag says (flags set by their POSTs)
 * domain_remap       DomainRemap, called by GatewayRoutes before any path dispatch (after
 *                    /healthcheck): a Host under a storage domain names account and container
 * container_sync     ContainerController checks X-Container-Sync-To against the sync targets
 * bulk               BulkDelete and ExtractArchive, before authentication; each delete, container
 *                    and object request comes back through the gateway
 * tempurl            AccessControl (TempUrl)
 * ratelimit          RateLimit (archipelago.http.ratelimit, off unless configured): 498 Slow down
 * tempauth           AccessControl (tokens, ACLs, CORS)
 * staticweb          StaticWeb, between authorization and the controllers: anonymous (and
 *                    X-Web-Mode) reads of containers with web metadata; it also sees refusals
 * copy               ServerSideCopy, an object middleware
 * container-quotas   ContainerQuotas: checks quota metadata of container PUTs and POSTs (before
 *                    the container stage) and is an object middleware after copy
 * account-quotas     not offered
 * slo                StaticLargeObjects, an object middleware and a view of manifests on reads
 * dlo                DynamicLargeObjects, a view of manifests on reads and a check of PUTs
 * versioned_writes   Versioning (legacy), inside ObjectWriter: archives what a write or delete
 *                    replaces; ObjectVersioning (X-Versions-Enabled): a container stage, the
 *                    first object middleware (?version-id, delete markers) and, inside
 *                    ObjectWriter, the copy of the version a write replaces
 * symlink            Symlinks, an object middleware (PUT, POST) and a reader of links on reads
 * proxy-server       AccountController, ContainerController, ObjectController
 * </pre>
 *
 * Beneath all of them, {@link LiveObjects} reads objects as Swift's object server does: an object
 * past its X-Delete-At is absent, and is deleted (expiry).
 */
public final class SwiftPipeline {

  private final DomainRemap domainRemap;
  private final BulkDelete bulk;
  private final ExtractArchive extract;
  private final RateLimit rateLimit;
  private final AccessControl access;
  private final StaticWeb staticWeb;
  private final InfoController info;
  private final AccountController accounts;
  private final ContainerController containers;
  private final ObjectController objects;
  private final ObjectVersioning objectVersioning;
  private final String node;

  public SwiftPipeline(
      ArchipelagoEngine engine, AuthController auth, long maxObjectSize, HeadLength headLength) {
    Materializer materializer = Materializer.matFromSystem(engine.system());
    this.node = engine.nodeAddress();
    this.bulk = new BulkDelete(materializer);
    this.extract =
        new ExtractArchive(
            materializer,
            engine.system().dispatchers().lookup(DispatcherSelector.blocking()),
            maxObjectSize);
    ResellerPrefixes resellerPrefixes =
        ResellerPrefixes.fromConfig(engine.system().settings().config());
    this.domainRemap =
        DomainRemap.fromConfig(engine.system().settings().config(), resellerPrefixes);
    this.rateLimit =
        new RateLimit(
            engine.system().settings().config().getConfig("archipelago.http.ratelimit"),
            engine.containers(),
            System::currentTimeMillis);
    this.access =
        new AccessControl(
            auth, engine.containers(), engine.accounts(), resellerPrefixes, Clock.systemUTC());
    LiveObjects live = new LiveObjects(engine.objects(), materializer);
    Versioning versioning = new Versioning(live, engine.containers());
    this.objectVersioning = new ObjectVersioning(live, engine.containers(), headLength);
    ObjectWriter writer = new ObjectWriter(live, engine.containers(), versioning, objectVersioning);
    ObjectPuts puts = new ObjectPuts(maxObjectSize, List.of(DynamicLargeObjects::checkPut));
    Symlinks symlinks =
        new Symlinks(
            live,
            writer,
            puts,
            engine.system().settings().config().getInt("archipelago.http.symlink.symloop-max"));
    StaticLargeObjects slo = new StaticLargeObjects(live, writer, puts, symlinks);
    DynamicLargeObjects dlo = new DynamicLargeObjects(live, engine.containers());
    ObjectReader reader = new ObjectReader(live, List.of(symlinks, slo, dlo), List.of(symlinks));
    ServerSideCopy copy = new ServerSideCopy(reader, writer, slo, puts, maxObjectSize);
    EtagQuoter etagQuoter =
        new EtagQuoter(
            engine.containers(),
            engine.accounts(),
            engine.system().settings().config().getConfig("archipelago.http.etag-quoter"));
    this.accounts = new AccountController(engine.accounts(), etagQuoter);
    this.containers = new ContainerController(engine.containers(), engine.sync().targets());
    this.objects =
        new ObjectController(
            live,
            reader,
            writer,
            puts,
            headLength,
            access::denial,
            List.of(
                etagQuoter,
                objectVersioning,
                copy,
                new ContainerQuotas(engine.containers()),
                slo,
                symlinks));
    this.staticWeb =
        new StaticWeb(
            engine.containers(),
            access::denial,
            headLength,
            materializer,
            engine
                .system()
                .settings()
                .config()
                .getInt("archipelago.http.staticweb.listing-page-size"));
    this.info =
        new InfoController(engine.policies(), engine.defaultPolicy(), maxObjectSize)
            .with(
                root -> {
                  StaticLargeObjects.capabilities(root);
                  Versioning.capabilities(root);
                  ObjectVersioning.capabilities(root);
                  AccessControl.capabilities(root);
                  BulkDelete.capabilities(root);
                  ExtractArchive.capabilities(root);
                  ContainerQuotas.capabilities(root);
                  etagQuoter.capabilities(root);
                  StaticWeb.capabilities(root);
                  domainRemap.capabilities(root);
                  symlinks.capabilities(root);
                  S3Server.capabilities(root, engine.system().settings().config());
                });
  }

  /** Swift's domain_remap: the path a request's Host names, if it is under a storage domain. */
  public Optional<DomainRemap.Remapped> remap(HttpRequest request, String rawPath) {
    return domainRemap.remap(request, rawPath);
  }

  /** {@code GET /info}, with the sections of the middlewares. */
  public InfoController info() {
    return info;
  }

  /**
   * A {@code /v1/...} request: bulk delete, or access control (which needs no token for public data
   * and temporary URLs) and then a controller.
   *
   * @param asCaller sends a request as the caller (bulk delete and extract-archive)
   */
  public CompletionStage<HttpResponse> handle(
      HttpRequest received,
      RequestPath path,
      Map<String, String> query,
      Map<String, String> headers,
      String client,
      String transId,
      ExtractArchive.CallerRequests asCaller) {
    HttpRequest request = InfoCache.attach(received);
    if (BulkDelete.applies(request, query)) {
      // Before authentication, as in Swift's pipeline: each delete is authorized on its own.
      return bulk.handle(
          request, path, headers, raw -> asCaller.send(HttpRequest.DELETE(raw), raw));
    }
    if (ExtractArchive.applies(request, query)) {
      // Before authentication too: each container and object request is authorized on its own.
      return extract.handle(request, path, query, headers, asCaller);
    }
    SwiftRequest swift =
        new SwiftRequest(
            request, path, query, headers, Identity.anonymous().principal(), client, node, transId);
    Supplier<CompletionStage<HttpResponse>> authorize =
        () ->
            access.handle(
                swift,
                authorized -> staticWeb.handle(authorized, this::route),
                (refused, refusal) -> staticWeb.refused(refused, refusal, this::route));
    // Swift's place for ratelimit: after tempurl, before tempauth
    return rateLimit.enabled()
        ? rateLimit.handle(request.method(), path, authorize)
        : authorize.get();
  }

  /** The controller of an authorized request, by path depth. */
  private CompletionStage<HttpResponse> route(SwiftRequest swift) {
    return switch (swift.path().level()) {
      case ACCOUNT -> accounts.handle(swift);
      case CONTAINER -> {
        try {
          ContainerQuotas.checkContainer(swift);
        } catch (SwiftException invalid) {
          yield CompletableFuture.failedFuture(invalid);
        }
        yield objectVersioning.handleContainer(swift, containers::handle);
      }
      case OBJECT -> objects.handle(swift);
    };
  }
}
