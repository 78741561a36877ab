package io.archipelago.http.server;

import akka.Done;
import akka.NotUsed;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Connection;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.settings.ServerSettings;
import akka.stream.KillSwitches;
import akka.stream.SharedKillSwitch;
import akka.stream.TLSClosing;
import akka.stream.TLSProtocol;
import akka.stream.javadsl.BidiFlow;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.TLS;
import akka.stream.javadsl.TLSPlacebo;
import akka.stream.javadsl.Tcp;
import akka.util.ByteString;
import com.typesafe.config.Config;
import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.protocol.HeadLength;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server of a gateway node: Akka HTTP's server layer over Akka Streams TCP, with two
 * things the plain binding does not give.
 *
 * <p>HEAD answers carry {@code Content-Length}. Akka HTTP 10.5 never renders it for HEAD, but Swift
 * clients read an object's size from it ({@code swift stat}, upload skipping). A HEAD response
 * announces its length in a marker header whose name holds a per-process random token; the outbound
 * byte stage renames the marker to {@code Content-Length} in response header blocks.
 *
 * <p>Request heads pass a {@link RequestHeadGuard} before Akka's parser: a head must arrive within
 * {@code archipelago.http.limits.request-head-timeout}, bytes that hang Akka's header parser are
 * turned into ones it refuses, and what Akka would refuse or alter but Swift takes (raw bytes in
 * the request target, Host's case, a PUT without length) is encoded or kept aside ({@link
 * ClientHead}).
 *
 * <p>Graceful stop on CoordinatedShutdown: stop accepting connections (service-unbind), let
 * in-flight requests finish within the grace period (service-requests-done), then close what is
 * left (service-stop).
 */
public final class HttpServer {

  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  private static final String MARKER_PREFIX = "X-Head-Length-";
  private static final String TYPE_MARKER_PREFIX = "X-Raw-Content-Type-";
  private static final String KEEP_ALIVE_MARKER_PREFIX = "X-Keep-Alive-";

  /** Heads longer than this pass unchecked (Akka's own limits refuse them). */
  private static final int MAX_GUARDED_HEAD_BYTES = 1 << 20;

  private static final ByteString STATUS_LINE_START = ByteString.fromString("HTTP/1.");

  private final String markerName;
  private final ByteString markerBytes;
  private final ByteString contentLengthBytes = ByteString.fromString("\r\nContent-Length: ");
  private final String typeMarkerName;
  private final ByteString typeMarkerBytes;
  private final ByteString contentTypeBytes = ByteString.fromString("\r\nContent-Type: ");
  private final String keepAliveMarkerName;
  private final ByteString keepAliveMarkerBytes;
  private static final ByteString CONNECTION_BYTES = ByteString.fromString("\r\nConnection: ");
  private static final ByteString CONNECTION_CLOSE = ByteString.fromString("\r\nConnection: close");
  private static final ByteString CRLF = ByteString.fromString("\r\n");
  private static final ByteString HEADER_BLOCK_END = ByteString.fromString("\r\n\r\n");
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger openConnections = new AtomicInteger();

  /** Set when the node begins to stop: answers then close their connections. */
  private volatile boolean stopping;

  private final SharedKillSwitch connections = KillSwitches.shared("http-connections");

  /** A bound server. */
  public record Binding(InetSocketAddress localAddress, Tcp.ServerBinding tcp) {}

  private HttpServer() {
    byte[] token = new byte[12];
    new SecureRandom().nextBytes(token);
    this.markerName = MARKER_PREFIX + HexFormat.of().formatHex(token);
    this.markerBytes = ByteString.fromString("\r\n" + markerName + ": ");
    this.typeMarkerName = TYPE_MARKER_PREFIX + HexFormat.of().formatHex(token);
    this.typeMarkerBytes = ByteString.fromString("\r\n" + typeMarkerName + ": ");
    this.keepAliveMarkerName = KEEP_ALIVE_MARKER_PREFIX + HexFormat.of().formatHex(token);
    this.keepAliveMarkerBytes = ByteString.fromString("\r\n" + keepAliveMarkerName + ": ");
  }

  /**
   * Binds the handler; the handler gets a way to announce HEAD lengths through {@link HeadLength}.
   */
  public static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String host,
      int port,
      Function<HeadLength, Function<HttpRequest, CompletionStage<HttpResponse>>> handlerFactory,
      Duration shutdownGrace) {
    return bind(system, host, port, handlerFactory, shutdownGrace, Optional.empty());
  }

  /**
   * {@link #bind(ActorSystem, String, int, Function, Duration)}, speaking TLS when {@code tls} is
   * given: each connection gets an engine of the certificate current when it opens, and requests
   * reach the handler with the {@code https} scheme (storage URLs, redirects).
   */
  public static CompletionStage<Binding> bind(
      ActorSystem<?> system,
      String host,
      int port,
      Function<HeadLength, Function<HttpRequest, CompletionStage<HttpResponse>>> handlerFactory,
      Duration shutdownGrace,
      Optional<ServerTls> tls) {
    HttpServer server = new HttpServer();
    Function<HttpRequest, CompletionStage<HttpResponse>> handler =
        secured(
            tls.isPresent(),
            handlerFactory.apply(
                new HeadLength() {
                  @Override
                  public HttpResponse announce(HttpResponse response, long length) {
                    return server.headLength(response, length);
                  }

                  @Override
                  public HttpResponse rawContentType(HttpResponse response, String contentType) {
                    return server.rawContentType(response, contentType);
                  }

                  @Override
                  public Optional<String> contentType(HttpResponse response) {
                    return server.contentType(response);
                  }

                  @Override
                  public OptionalLong contentLength(HttpResponse response) {
                    return server.contentLength(response);
                  }
                }));
    tls.ifPresent(t -> t.watch(system));
    Config config = system.settings().config();
    Config limits = config.getConfig("archipelago.http.limits");
    ServerSettings defaults = ServerSettings.create(config);
    ServerSettings settings =
        defaults.withParserSettings(
            defaults
                .getParserSettings()
                // Swift's server-side copy method
                .withCustomMethods(
                    HttpMethods.custom(
                        "COPY", false, false, RequestEntityAcceptances.Tolerated, true)));
    Duration idleTimeout = config.getDuration("akka.http.server.idle-timeout");
    Duration headTimeout = limits.getDuration("request-head-timeout");
    int maxConnections = limits.getInt("max-connections");
    CompletionStage<Tcp.ServerBinding> bound =
        Tcp.get(system)
            .bind(host, port, 1024, List.of(), false, Optional.of(idleTimeout))
            .to(
                Sink.foreach(
                    connection ->
                        server.accept(
                            system,
                            connection,
                            settings,
                            headTimeout,
                            maxConnections,
                            handler,
                            tls)))
            .run(system);
    return bound.thenApply(
        tcp -> {
          server.registerShutdown(system, tcp, shutdownGrace);
          return new Binding(tcp.localAddress(), tcp);
        });
  }

  private HttpResponse headLength(HttpResponse response, long length) {
    // announced again (an S3 HEAD of a range): the last length counts
    return response
        .removeHeader(markerName)
        .addHeader(RawHeader.create(markerName, Long.toString(length)));
  }

  private HttpResponse rawContentType(HttpResponse response, String contentType) {
    // CR/LF cannot come from a parsed request header; refuse to render one all the same.
    return response.addHeader(
        RawHeader.create(typeMarkerName, contentType.replaceAll("[\r\n]", " ")));
  }

  private Optional<String> contentType(HttpResponse response) {
    Optional<String> raw = response.getHeader(typeMarkerName).map(HttpHeader::value);
    if (raw.isPresent()) {
      return raw;
    }
    ContentType type = response.entity().getContentType();
    return type.equals(ContentTypes.NO_CONTENT_TYPE)
        ? Optional.empty()
        : Optional.of(type.toString());
  }

  private OptionalLong contentLength(HttpResponse response) {
    Optional<String> announced = response.getHeader(markerName).map(HttpHeader::value);
    if (announced.isPresent()) {
      return OptionalLong.of(Long.parseLong(announced.get()));
    }
    return response.entity().getContentLengthOption();
  }

  /**
   * Serves a connection, or closes it at once when {@code maxConnections} are open already (the
   * client sees the connection close; those already served go on).
   */
  private void accept(
      ActorSystem<?> system,
      Tcp.IncomingConnection connection,
      ServerSettings settings,
      Duration headTimeout,
      int maxConnections,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler,
      Optional<ServerTls> tls) {
    if (openConnections.incrementAndGet() > maxConnections) {
      openConnections.decrementAndGet();
      log.warn(
          "refused a connection from {}: {} connections open (archipelago.http.limits"
              + ".max-connections)",
          connection.remoteAddress(),
          maxConnections);
      connection.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), system);
      return;
    }
    serve(system, connection, settings, headTimeout, handler, tls);
  }

  /** Requests that came over TLS carry the https scheme, as Akka's own TLS binding gives them. */
  private static Function<HttpRequest, CompletionStage<HttpResponse>> secured(
      boolean tls, Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    return tls
        ? request -> handler.apply(request.withUri(request.getUri().scheme("https")))
        : handler;
  }

  /**
   * TLS under the byte stages: the head guard and the marker renaming work on the plain bytes, so
   * TLS sits between them and TCP (Akka's TLS stage closes eagerly, as Akka's own HTTPS binding).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> tlsLayer(
      ServerTls tls) {
    BidiFlow<ByteString, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, ByteString, NotUsed>
        session =
            BidiFlow.fromFlows(
                Flow.<ByteString>create()
                    .map(bytes -> (TLSProtocol.SslTlsOutbound) new TLSProtocol.SendBytes(bytes)),
                Flow.<TLSProtocol.SslTlsInbound>create()
                    .filter(in -> in instanceof TLSProtocol.SessionBytes)
                    .map(in -> ((TLSProtocol.SessionBytes) in).bytes()));
    return session.atop(TLS.create(tls::newEngine, TLSClosing.eagerClose()));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void serve(
      ActorSystem<?> system,
      Tcp.IncomingConnection connection,
      ServerSettings settings,
      Duration headTimeout,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler,
      Optional<ServerTls> tls) {
    BidiFlow<
            HttpResponse,
            TLSProtocol.SslTlsOutbound,
            TLSProtocol.SslTlsInbound,
            HttpRequest,
            NotUsed>
        http = Http.get(system).serverLayer(settings, Optional.of(connection.remoteAddress()));
    BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed>
        plain = (BidiFlow) TLSPlacebo.getInstance();
    BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> headFix =
        BidiFlow.fromFlows(
            Flow.<ByteString>create().map(this::renameMarker),
            Flow.fromGraph(new RequestHeadGuard(headTimeout, MAX_GUARDED_HEAD_BYTES)));
    Flow<HttpRequest, HttpResponse, NotUsed> handling =
        Flow.<HttpRequest>create()
            .mapAsync(
                1,
                request -> {
                  inFlight.incrementAndGet();
                  CompletionStage<HttpResponse> response;
                  try {
                    response = handler.apply(request);
                  } catch (RuntimeException e) {
                    response = CompletableFuture.failedFuture(e);
                  }
                  // Swift (eventlet) answers a request's Connection: keep-alive with its own; Akka
                  // HTTP 1.1 sends none. The marker becomes that header unless Akka closes.
                  boolean keepAlive =
                      request
                          .getHeader("Connection")
                          .map(h -> h.value().toLowerCase(Locale.ROOT).contains("keep-alive"))
                          .orElse(false);
                  // the bytes after a PUT refused for its missing length are its unframed body
                  boolean unframedBody = ClientHead.lengthMissing(request);
                  return response
                      .thenApply(
                          r ->
                              stopping
                                      || (unframedBody
                                          && r.status().intValue()
                                              == StatusCodes.LENGTH_REQUIRED.intValue())
                                  ? r.addHeader(Connection.create("close"))
                                  : keepAlive
                                      ? r.addHeader(
                                          RawHeader.create(keepAliveMarkerName, "keep-alive"))
                                      : r)
                      .whenComplete((r, e) -> inFlight.decrementAndGet());
                });
    Flow<ByteString, ByteString, NotUsed> tcp =
        connection
            .flow()
            .via(connections.flow())
            .watchTermination(
                (notUsed, done) -> {
                  done.whenComplete((d, e) -> openConnections.decrementAndGet());
                  return NotUsed.getInstance();
                });
    BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> bytes =
        tls.isPresent() ? headFix.atop(tlsLayer(tls.get())) : headFix;
    http.atop(plain).atop(bytes).join(tcp).join(handling).run(system);
  }

  /** In a response header block, the markers become Content-Length and Content-Type. */
  private ByteString renameMarker(ByteString bytes) {
    if (bytes.size() < STATUS_LINE_START.size()
        || !bytes.slice(0, STATUS_LINE_START.size()).equals(STATUS_LINE_START)) {
      return bytes;
    }
    ByteString renamed =
        rename(rename(bytes, markerBytes, contentLengthBytes), typeMarkerBytes, contentTypeBytes);
    int keepAlive = renamed.indexOfSlice(keepAliveMarkerBytes, 0);
    if (keepAlive < 0) {
      return renamed;
    }
    int end = renamed.indexOfSlice(HEADER_BLOCK_END, 0);
    int close = renamed.indexOfSlice(CONNECTION_CLOSE, 0);
    if (close >= 0 && (end < 0 || close < end)) {
      // Akka closes this connection: the marker line goes
      int lineEnd = renamed.indexOfSlice(CRLF, keepAlive + 2);
      return renamed.slice(0, keepAlive).concat(renamed.slice(lineEnd, renamed.size()));
    }
    return rename(renamed, keepAliveMarkerBytes, CONNECTION_BYTES);
  }

  private static ByteString rename(ByteString bytes, ByteString marker, ByteString header) {
    int at = bytes.indexOfSlice(marker, 0);
    if (at < 0) {
      return bytes;
    }
    return bytes.slice(0, at).concat(header).concat(bytes.slice(at + marker.size(), bytes.size()));
  }

  private void registerShutdown(ActorSystem<?> system, Tcp.ServerBinding tcp, Duration grace) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration unreadyDelay =
        system.settings().config().getDuration("archipelago.http.unready-delay");
    // Readiness turns false as soon as shutdown starts; keep serving a moment so that load
    // balancers stop sending here before the port closes.
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "http-unready-delay",
        () -> {
          stopping = true;
          CompletableFuture<Done> waited = new CompletableFuture<>();
          system
              .scheduler()
              .scheduleOnce(
                  unreadyDelay,
                  () -> waited.complete(Done.getInstance()),
                  system.executionContext());
          return waited;
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "http-unbind",
        () -> tcp.unbind().thenApply(x -> Done.getInstance()));
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "http-requests-done",
        () -> awaitIdle(system, grace));
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceStop(),
        "http-close-connections",
        () -> {
          connections.shutdown();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  private CompletionStage<Done> awaitIdle(ActorSystem<?> system, Duration grace) {
    CompletableFuture<Done> idle = new CompletableFuture<>();
    long deadline = System.nanoTime() + grace.toNanos();
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          if (inFlight.get() == 0 || System.nanoTime() > deadline) {
            if (inFlight.get() > 0) {
              log.warn(
                  "{} requests still running after the {} grace period", inFlight.get(), grace);
            }
            idle.complete(Done.getInstance());
          } else {
            system
                .scheduler()
                .scheduleOnce(Duration.ofMillis(50), check[0], system.executionContext());
          }
        };
    check[0].run();
    return idle;
  }
}
