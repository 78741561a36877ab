package io.archipelago.http.middleware.symlink;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.middleware.slo.SloManifest;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.LargeObjectViews;
import io.archipelago.http.swift.ObjectLinks;
import io.archipelago.http.swift.ObjectLinks.Located;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.ObjectPuts;
import io.archipelago.http.swift.ObjectReader;
import io.archipelago.http.swift.ObjectView;
import io.archipelago.http.swift.ObjectWriter;
import io.archipelago.http.swift.Reach;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Symlinks (Swift's {@code symlink} middleware, beneath {@code slo}, {@code dlo} and {@code
 * versioned_writes}).
 *
 * <p>A zero-byte PUT with {@code X-Symlink-Target: <container>/<object>} (and {@code
 * X-Symlink-Target-Account}) stores a link ({@link SymlinkTarget}); with {@code
 * X-Symlink-Target-Etag} a static link, whose target must exist then with that ETag (its size is
 * kept as {@code X-Symlink-Target-Bytes}). GET and HEAD of a link read its target, following links
 * up to {@code symloop_max} (409 beyond), answer with {@code Content-Location} naming the target,
 * and answer 409 when a static link's target no longer has its ETag; {@code ?symlink=get} reads the
 * link itself, with its {@code X-Symlink-*} headers. A POST applies to the link and answers 307 to
 * the target. COPY copies the target, or the link with {@code ?symlink=get}.
 *
 * <p>The target may live in any container, on any backend, in any account the gateway knows: it is
 * read through the gateway's own reads, and every read of it is authorized as the client's own
 * request for it ({@link Reach}), so that a link never reaches what its reader may not read.
 */
public final class Symlinks implements ObjectMiddleware, LargeObjectViews, ObjectLinks {

  /** Swift's default {@code symloop_max}. */
  public static final int DEFAULT_SYMLOOP_MAX = 2;

  private static final String TARGET_HEADER = "x-symlink-target";
  private static final String ACCOUNT_HEADER = "x-symlink-target-account";
  private static final String ETAG_HEADER = "x-symlink-target-etag";

  private static final String BAD_TARGET =
      "X-Symlink-Target header must be of the form <container name>/<object name>";

  private final LiveObjects objects;
  private final ObjectWriter writer;
  private final ObjectPuts puts;
  private final int symloopMax;

  /**
   * @param symloopMax how many links a read follows; below 1, Swift's default
   */
  public Symlinks(LiveObjects objects, ObjectWriter writer, ObjectPuts puts, int symloopMax) {
    this.objects = objects;
    this.writer = writer;
    this.puts = puts;
    this.symloopMax = symloopMax < 1 ? DEFAULT_SYMLOOP_MAX : symloopMax;
  }

  /** The {@code /info} section of this middleware. */
  public void capabilities(ObjectNode info) {
    ObjectNode symlink = info.putObject("symlink");
    symlink.put("symloop_max", symloopMax);
    symlink.put("static_links", true);
  }

  // ---- PUT and POST -------------------------------------------------------------------------

  /** PUT with {@code X-Symlink-Target}, and POST; every other request passes on. */
  @Override
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request, Reach reach, ObjectMiddleware.Next next) {
    String method = request.http().method().value();
    if (method.equals("PUT") && request.header(TARGET_HEADER).isPresent()) {
      return put(request, reach);
    }
    if (method.equals("POST")) {
      return post(request, reach, next);
    }
    return next.handle(request, reach);
  }

  private CompletionStage<HttpResponse> put(SwiftRequest request, Reach reach) {
    var entity = request.http().entity();
    OptionalLong length = entity.getContentLengthOption();
    CompletionStage<Boolean> hasBody =
        length.isPresent()
            ? CompletableFuture.completedFuture(length.getAsLong() != 0)
            : entity
                .getDataBytes()
                .filter(b -> !b.isEmpty())
                .runWith(Sink.headOption(), objects.materializer())
                .thenApply(Optional::isPresent);
    return hasBody
        .thenCompose(
            body -> {
              if (body) {
                if (length.isPresent()) {
                  entity.discardBytes(objects.materializer());
                }
                throw SwiftException.plain(
                    SwiftError.BAD_REQUEST, "Symlink requests require a zero byte body");
              }
              SymlinkTarget link = requestedLink(request);
              Optional<String> etag = requestedEtag(request);
              ObjectWriter.Write w =
                  puts.write(request, request.account(), request.container(), request.object());
              ObjectPuts.checkContentType(request);
              // An empty body sent with application/octet-stream has it as its type (ObjectPuts
              // takes that type for Akka's default of a body sent without one).
              Optional<String> declaredType =
                  ObjectPuts.declaredContentType(request)
                      .or(
                          () ->
                              entity.isKnownEmpty()
                                      && entity
                                          .getContentType()
                                          .equals(ContentTypes.APPLICATION_OCTET_STREAM)
                                  ? Optional.of(entity.getContentType().toString())
                                  : Optional.empty())
                      .filter(
                          t ->
                              !SwiftHeaders.isTrue(
                                  request.header("x-detect-content-type").orElse(null)));
              CompletionStage<Write> write =
                  etag.isEmpty()
                      ? CompletableFuture.completedFuture(
                          new Write(link, declaredType.orElse("application/symlink"), ""))
                      : checkTarget(request, reach, link, etag.get())
                          .thenApply(
                              target ->
                                  new Write(
                                      new SymlinkTarget(
                                          link.target(),
                                          link.account(),
                                          etag,
                                          Optional.of(
                                              SloManifest.storedSize(target)
                                                  .orElse(target.size()))),
                                      declaredType.orElse(
                                          SwiftHeaders.cleanContentType(target.contentType())),
                                      SloManifest.isSlo(target)
                                          ? SloManifest.storedEtag(target)
                                              .map(e -> ";swift_slo_etag=" + e)
                                              .orElse("")
                                          : ""));
              return write.thenCompose(
                  l -> {
                    Map<String, String> metadata = new LinkedHashMap<>(w.metadata());
                    metadata.putAll(l.link().sysmeta());
                    return writer.write(
                        w.withContent(
                            l.contentType() + l.link().contentTypeParams() + l.listingExtra(),
                            metadata,
                            w.expectedEtag(),
                            OptionalLong.of(0),
                            Source.<ByteString>empty()),
                        request.context());
                  });
            })
        .thenApply(
            info ->
                Responses.empty(
                    StatusCodes.CREATED,
                    Responses.headers()
                        .add("Etag", info.etag())
                        .add("Last-Modified", info.timestamp().toHttpDate())
                        .add("X-Timestamp", info.timestamp().internal())
                        .list()));
  }

  /** A link as it is stored: where to, its content type, and what else its listing row shows. */
  private record Write(SymlinkTarget link, String contentType, String listingExtra) {}

  /**
   * The target a PUT names, checked as Swift's {@code _validate_and_prep_request_headers}: {@code
   * container/object} (412 otherwise), a well-formed account, and never the link itself (400).
   */
  private static SymlinkTarget requestedLink(SwiftRequest request) {
    String value = RequestPath.decode(request.header(TARGET_HEADER).orElseThrow(), false);
    int slash = value.indexOf('/');
    if (value.startsWith("/") || slash <= 0 || slash == value.length() - 1) {
      throw SwiftException.plain(SwiftError.PRECONDITION_FAILED, BAD_TARGET);
    }
    String container = value.substring(0, slash);
    String object = value.substring(slash + 1);
    Optional<String> account =
        request
            .header(ACCOUNT_HEADER)
            .map(a -> Constraints.checkNameFormat(RequestPath.decode(a, false), "Account"));
    if (account.orElse(request.account()).equals(request.account())
        && container.equals(request.container())
        && object.equals(request.object())) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Symlink cannot target itself");
    }
    return new SymlinkTarget(
        PyText.quote(container + "/" + object),
        account.map(PyText::quote),
        Optional.empty(),
        Optional.empty());
  }

  /** {@code X-Symlink-Target-Etag} without quotes; 400 with {@code ;}, {@code "} or {@code \}. */
  private static Optional<String> requestedEtag(SwiftRequest request) {
    Optional<String> etag =
        request
            .header(ETAG_HEADER)
            .map(
                e ->
                    e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
                        ? e.substring(1, e.length() - 1)
                        : e)
            .filter(e -> !e.isEmpty());
    if (etag.isPresent()
        && (etag.get().contains(";") || etag.get().contains("\"") || etag.get().contains("\\"))) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Bad X-Symlink-Target-Etag format");
    }
    return etag;
  }

  /**
   * A static link's target, as the client's HEAD of it finds it: static links on the way are
   * followed (their ETags must be {@code etag}), a dynamic link is the target itself. 409 when it
   * is missing or has another ETag; the refusal of the client's HEAD when it may not read it.
   */
  private CompletionStage<ObjectInfo> checkTarget(
      SwiftRequest request, Reach reach, SymlinkTarget link, String etag) {
    return new Traversal(etag, reach, "HEAD", request.context())
        .staticTarget(request.account(), link);
  }

  /**
   * A POST applies to the object; when it is a link, the answer is 307 to its target (Swift cannot
   * redirect the POST, and tells the client where to send it).
   */
  private CompletionStage<HttpResponse> post(
      SwiftRequest request, Reach reach, ObjectMiddleware.Next next) {
    if (request.header(TARGET_HEADER).isPresent()) {
      throw SwiftException.plain(
          SwiftError.BAD_REQUEST, "A PUT request is required to set a symlink target");
    }
    return next.handle(request, reach)
        .thenCompose(
            response -> {
              if (!response.status().isSuccess()) {
                return CompletableFuture.completedFuture(response);
              }
              return objects
                  .head(request.account(), request.container(), request.object(), request.context())
                  .thenApply(
                      found -> {
                        Optional<SymlinkTarget> link = found.flatMap(SymlinkTarget::of);
                        if (link.isEmpty()) {
                          return response;
                        }
                        response.discardEntityBytes(objects.materializer());
                        Responses.HeaderList headers =
                            Responses.headers().add("Location", link.get().path(request.account()));
                        link.get().etag().ifPresent(e -> headers.add("X-Symlink-Target-Etag", e));
                        return HttpResponse.create()
                            .withStatus(StatusCodes.TEMPORARY_REDIRECT)
                            .withEntity(
                                HttpEntities.create(
                                    ContentTypes.TEXT_HTML_UTF8,
                                    "The requested POST was applied to a symlink. POST directly to"
                                        + " the target to apply requested metadata."))
                            .addHeaders(headers.list());
                      });
            });
  }

  // ---- GET and HEAD -------------------------------------------------------------------------

  /** {@code ?symlink=get}: the link itself, with its {@code X-Symlink-*} headers. */
  @Override
  public Optional<CompletionStage<ObjectView>> view(
      ObjectReader.ReadRequest read, ObjectReader.Stored stored) {
    ObjectInfo info = stored.info();
    Optional<SymlinkTarget> link = SymlinkTarget.of(info);
    if (link.isEmpty()) {
      return Optional.empty();
    }
    Responses.HeaderList headers =
        Responses.headers()
            .addAll(ObjectReader.headers(info, info.etag()))
            .add("X-Symlink-Target", link.get().target());
    link.get().account().ifPresent(a -> headers.add("X-Symlink-Target-Account", a));
    link.get().etag().ifPresent(e -> headers.add("X-Symlink-Target-Etag", e));
    link.get().bytes().ifPresent(b -> headers.add("X-Symlink-Target-Bytes", b));
    return Optional.of(
        CompletableFuture.completedFuture(
            new ObjectView(
                info,
                ObjectView.Kind.OBJECT,
                info.size(),
                info.etag(),
                SwiftHeaders.cleanContentType(info.contentType()),
                headers.list(),
                stored.plainBody())));
  }

  /** The end of a chain of links, as a large object reads its segments through links. */
  @Override
  public CompletionStage<Optional<Located>> target(
      Located stored, String method, Reach reach, RequestContext context) {
    if (SymlinkTarget.of(stored.info()).isEmpty()) {
      return CompletableFuture.completedFuture(Optional.of(stored));
    }
    return new Traversal(null, reach, method, context).locate(stored);
  }

  /** A GET or HEAD of a link (without {@code ?symlink=get}): its target, as the client reads it. */
  @Override
  public Optional<CompletionStage<ObjectReader.Outcome>> follow(
      ObjectReader.ReadRequest read,
      ObjectInfo stored,
      Function<ObjectReader.ReadRequest, CompletionStage<ObjectReader.Outcome>> reader) {
    if (read.linkItself()) {
      return Optional.empty();
    }
    Optional<SymlinkTarget> link = SymlinkTarget.of(stored);
    if (link.isEmpty()) {
      return Optional.empty();
    }
    Traversal traversal =
        new Traversal(null, read.reach(), read.head() ? "HEAD" : "GET", read.context());
    return Optional.of(
        CompletableFuture.completedFuture(traversal)
            .thenCompose(
                t -> t.read(read.account(), read.container(), read.name(), stored, read, reader))
            .exceptionally(
                failure -> new ObjectReader.Answered(traversal.answer(failure, traversal.last))));
  }

  /**
   * One walk along a chain of links, as Swift's {@code _recursive_get_head}: each link's target is
   * reached as the client's own request, at most {@code symloop_max} links are followed, and a
   * static link's ETag must be what the next object on the way has.
   */
  private final class Traversal {
    private final Reach reach;
    private final String method;
    private final RequestContext context;
    private final String requestId;
    private int followed;
    private String expectedEtag;
    private String last;

    Traversal(String expectedEtag, Reach reach, String method, RequestContext context) {
      this.expectedEtag = expectedEtag;
      this.reach = reach;
      this.method = method;
      this.context = context;
      this.requestId = context.requestId();
    }

    /** Reads what the object {@code info} (at account/container/name) leads to. */
    CompletionStage<ObjectReader.Outcome> read(
        String account,
        String container,
        String name,
        ObjectInfo info,
        ObjectReader.ReadRequest read,
        Function<ObjectReader.ReadRequest, CompletionStage<ObjectReader.Outcome>> reader) {
      return locate(new Located(account, container, name, info))
          .thenCompose(
              found -> {
                String location = last;
                if (found.isEmpty()) {
                  return CompletableFuture.completedFuture(
                      new ObjectReader.Answered(
                          located(SwiftErrors.response(SwiftError.NOT_FOUND), location)));
                }
                Located end = found.get();
                return reader
                    .apply(read.of(end.account(), end.container(), end.name()))
                    .thenApply(outcome -> located(outcome, location));
              });
    }

    /** The end of the chain that starts at {@code at}; empty when a link leads nowhere. */
    CompletionStage<Optional<Located>> locate(Located at) {
      Optional<SymlinkTarget> link = SymlinkTarget.of(at.info());
      if (link.isEmpty()) {
        checkFinalEtag(at.info());
        return CompletableFuture.completedFuture(Optional.of(at));
      }
      SymlinkTarget next = step(link.get(), at.info(), at.account());
      String targetAccount = next.account(at.account());
      return reached(targetAccount, next)
          .thenCompose(
              found ->
                  found.isEmpty()
                      ? CompletableFuture.completedFuture(Optional.<Located>empty())
                      : locate(
                          new Located(
                              targetAccount, next.container(), next.object(), found.get())));
    }

    /** A static link's target, for a PUT: static links are followed, dynamic ones are not. */
    CompletionStage<ObjectInfo> staticTarget(String account, SymlinkTarget link) {
      last = link.path(account);
      String targetAccount = link.account(account);
      return reached(targetAccount, link)
          .thenCompose(
              found -> {
                if (found.isEmpty()) {
                  throw SwiftException.plain(
                      SwiftError.CONFLICT,
                      "X-Symlink-Target does not exist",
                      Map.of("Content-Location", last));
                }
                ObjectInfo info = found.get();
                Optional<SymlinkTarget> next =
                    SymlinkTarget.of(info).filter(l -> l.etag().isPresent());
                if (next.isPresent()) {
                  step(next.get(), info, targetAccount);
                  return staticTarget(targetAccount, next.get());
                }
                checkFinalEtag(info);
                return CompletableFuture.completedFuture(info);
              });
    }

    /**
     * Checks a link met on the way (the ETag the previous static link expects, the loop limit) and
     * moves on to its target.
     */
    private SymlinkTarget step(SymlinkTarget link, ObjectInfo info, String account) {
      String found = link.etag().orElse(info.etag());
      if (expectedEtag != null && !expectedEtag.equals(found)) {
        throw SwiftException.plain(
            SwiftError.CONFLICT,
            "X-Symlink-Target-Etag headers do not match",
            last == null ? Map.of() : Map.of("Content-Location", last));
      }
      if (followed >= symloopMax) {
        throw SwiftException.plain(
            SwiftError.CONFLICT,
            "Too many levels of symbolic links, maximum allowed is " + symloopMax);
      }
      followed++;
      last = link.path(account);
      expectedEtag = link.etag().orElse(null);
      return link;
    }

    private void checkFinalEtag(ObjectInfo info) {
      if (expectedEtag != null && !expectedEtag.equals(info.etag())) {
        throw SwiftException.plain(
            SwiftError.CONFLICT,
            "Object Etag "
                + PyText.repr(info.etag())
                + " does not match X-Symlink-Target-Etag header "
                + PyText.repr(expectedEtag),
            last == null ? Map.of() : Map.of("Content-Location", last));
      }
    }

    /** The target as the client's own HEAD finds it; its refusal when the client may not. */
    private CompletionStage<Optional<ObjectInfo>> reached(String account, SymlinkTarget link) {
      return reach
          .require(method, Reach.object(account, link.container(), link.object()))
          .thenCompose(allowed -> objects.head(account, link.container(), link.object(), context));
    }

    /**
     * A failure on the way as Swift answers it: the refusal or failure of a read of a target names
     * where the link led; this middleware's own answers carry what Swift's carry.
     */
    HttpResponse answer(Throwable failure, String location) {
      Throwable t = SwiftErrors.unwrap(failure);
      HttpResponse response = SwiftErrors.toResponse(t, requestId);
      boolean own = t instanceof SwiftException s && s.plainText();
      return own || location == null ? response : located(response, location);
    }
  }

  private static ObjectReader.Outcome located(ObjectReader.Outcome outcome, String location) {
    if (location == null) {
      return outcome;
    }
    if (outcome instanceof ObjectReader.Answered answered) {
      return new ObjectReader.Answered(located(answered.response(), location));
    }
    ObjectReader.Served served = (ObjectReader.Served) outcome;
    List<HttpHeader> headers = new ArrayList<>(served.headers());
    headers.add(RawHeader.create("Content-Location", location));
    return new ObjectReader.Served(
        served.view(),
        served.status(),
        served.contentType(),
        served.contentLength(),
        served.data(),
        headers);
  }

  private static HttpResponse located(HttpResponse response, String location) {
    return response.addHeader(RawHeader.create("Content-Location", location));
  }

  // ---- COPY ---------------------------------------------------------------------------------

  /**
   * The content type of a copy of {@code source} ({@code ?symlink=get}): a link stays a link,
   * pointing into {@code X-Symlink-Target-Account} when the copy request names one. {@code
   * metadata} (the destination's) gets the link's system metadata.
   */
  public static String copiedContentType(
      ObjectInfo source,
      Map<String, String> metadata,
      String contentType,
      Optional<String> targetAccount) {
    Optional<SymlinkTarget> link = SymlinkTarget.of(source);
    if (link.isEmpty()) {
      return contentType;
    }
    SymlinkTarget copied =
        targetAccount
            .map(a -> Constraints.checkNameFormat(RequestPath.decode(a, false), "Account"))
            .map(a -> link.get().withAccount(PyText.quote(a)))
            .orElse(link.get());
    metadata.putAll(copied.sysmeta());
    return SwiftHeaders.cleanContentType(contentType)
        + copied.contentTypeParams()
        + SwiftHeaders.sloEtag(source.contentType()).map(e -> ";swift_slo_etag=" + e).orElse("");
  }
}
