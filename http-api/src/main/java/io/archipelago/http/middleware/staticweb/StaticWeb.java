package io.archipelago.http.middleware.staticweb;

import akka.NotUsed;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.http.access.Identity;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.Reach;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Swift's staticweb: a container as a web site, for anonymous readers (and for users who send
 * {@code X-Web-Mode: true}). It stands after TempAuth in the pipeline, so the container's read ACL
 * decides as for any read: a site is public with {@code X-Container-Read: .r:*} (pages) and {@code
 * .rlistings} (the container's own path and listings).
 *
 * <ul>
 *   <li>A container or pseudo-directory path without its trailing '/' is redirected (301, absolute
 *       Location) to the path with it.
 *   <li>{@code <path>/<Web-Index>} is served for a path ending in '/'; without it, an HTML listing
 *       when {@code Web-Listings} is true, else a 404 page saying listings are off.
 *   <li>An object of {@code Web-Directory-Type} ({@code application/directory}) and at most one
 *       byte is a directory marker, treated as absent.
 *   <li>Refusals and misses get the {@code <status><Web-Error>} object as body (401error.html),
 *       where Swift uses one.
 * </ul>
 *
 * Every further read (index, error page, listing) is a sub-request of the same identity, authorized
 * as its own request would be. Listings are read page by page while the page streams out, and show
 * at most one Swift listing's worth of rows ({@link Constraints#CONTAINER_LISTING_LIMIT}), subdirs
 * first as Swift's do. Not offered: domain_remap (and so the listing label of remapped hosts) and
 * {@code url_base}.
 */
public final class StaticWeb {

  /** The rows a listing page shows at most: one Swift listing's worth. */
  private static final int LISTING_LIMIT = Constraints.CONTAINER_LISTING_LIMIT;

  /** The headers an error page sub-request keeps (swift.common.wsgi.make_env). */
  private static final List<String> ERROR_PAGE_HEADERS =
      List.of("user-agent", "host", "referer", "origin", "access-control-request-method");

  /** swob's body of a 301. */
  private static final String MOVED_BODY =
      "<html><h1>Moved Permanently</h1><p>The resource has moved permanently.</p></html>";

  private final ContainerOps containers;
  private final Reach.Authorizer authorizer;
  private final HeadLength headLength;
  private final Materializer materializer;
  private final int pageSize;

  /**
   * @param authorizer decides the sub-requests (index, error page, listing) for the request's
   *     identity
   * @param pageSize rows asked from the backend at a time for a listing page
   */
  public StaticWeb(
      ContainerOps containers,
      Reach.Authorizer authorizer,
      HeadLength headLength,
      Materializer materializer,
      int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("staticweb listing page size must be at least 1");
    }
    this.containers = containers;
    this.authorizer = authorizer;
    this.headLength = headLength;
    this.materializer = materializer;
    this.pageSize = Math.min(pageSize, LISTING_LIMIT);
  }

  /** The /info section: staticweb has no settings to show. */
  public static void capabilities(ObjectNode info) {
    info.putObject("staticweb");
  }

  /**
   * Whether staticweb looks at the request: GET or HEAD of a container or object, made by the
   * anonymous (no token), or by anyone with {@code X-Web-Mode: true}.
   */
  static boolean applies(SwiftRequest request) {
    String method = request.http().method().value();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return false;
    }
    if (request.path().container().isEmpty()) {
      return false;
    }
    boolean anonymous = request.principal().user().equals(Identity.anonymous().principal().user());
    return anonymous || webMode(request);
  }

  private static boolean webMode(SwiftRequest request) {
    return SwiftHeaders.isTrue(request.header("x-web-mode").orElse("f"));
  }

  /**
   * An authorized request: served as a web site when staticweb applies, else passed to {@code
   * next}, the rest of the pipeline (which also serves the sub-requests).
   */
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request, Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
    if (!applies(request)) {
      return next.apply(request);
    }
    Site site = new Site(request, Reach.of(request, authorizer), next);
    return request.path().level() == RequestPath.Level.OBJECT ? site.object() : site.container();
  }

  /**
   * A request that authorization refused: a container read that staticweb handles answers with the
   * error page for the refusal's status, when the container names one and the identity may read it
   * (an object of a {@code .r:*} container without {@code .rlistings}).
   */
  public CompletionStage<HttpResponse> refused(
      SwiftRequest request,
      HttpResponse refusal,
      Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
    if (!applies(request) || request.path().level() != RequestPath.Level.CONTAINER) {
      return done(refusal);
    }
    Site site = new Site(request, Reach.of(request, authorizer), next);
    return settings(request).thenCompose(web -> site.errorResponse(web, refusal));
  }

  /**
   * The container's web metadata; none when it cannot be read (as Swift's {@code
   * get_container_info} of a missing or failing container), which leaves the request to the
   * pipeline, whose own read then answers.
   */
  private CompletionStage<WebSettings> settings(SwiftRequest request) {
    return containers
        .read(request.account(), request.container())
        .thenApply(ContainerState::metadata)
        .thenApply(WebSettings::of)
        .exceptionally(failure -> WebSettings.NONE);
  }

  /** One request served as a web site: its identity's reach and the rest of the pipeline. */
  private final class Site {
    private final SwiftRequest request;
    private final Reach reach;
    private final Function<SwiftRequest, CompletionStage<HttpResponse>> next;

    Site(
        SwiftRequest request,
        Reach reach,
        Function<SwiftRequest, CompletionStage<HttpResponse>> next) {
      this.request = request;
      this.reach = reach;
      this.next = next;
    }

    /** {@code handle_container}: redirect, index or listing of the container's root. */
    CompletionStage<HttpResponse> container() {
      return settings(request)
          .thenCompose(
              web -> {
                if (!web.serves()) {
                  return webMode(request)
                      ? done(SwiftErrors.response(SwiftError.NOT_FOUND))
                      : next.apply(request);
                }
                if (!endsWithSlash()) {
                  return done(redirectWithSlash());
                }
                if (web.index().isEmpty()) {
                  return listing(web, "");
                }
                return call(
                        request.http().method().value(),
                        objectPath(web.index()),
                        request.query(),
                        request.headers())
                    .thenCompose(
                        index -> {
                          int status = index.status().intValue();
                          if (status == 404) {
                            discard(index);
                            return listing(web, "");
                          }
                          if (!success(status) && !redirection(status)) {
                            return errorResponse(web, index);
                          }
                          return done(index);
                        });
              });
    }

    /**
     * {@code handle_object}: the object itself unless it is missing or a directory marker; then the
     * pseudo-directory's index, a redirect to it with '/', or its listing.
     */
    CompletionStage<HttpResponse> object() {
      CompletionStage<HttpResponse> original = start(next, request);
      return settings(request)
          .thenCompose(
              web ->
                  // Without index or listings Swift returns the object's answer whatever it is.
                  web.serves()
                      ? original
                          .exceptionally(f -> SwiftErrors.toResponse(f, request.requestId()))
                          .thenCompose(response -> object(web, response))
                      : original);
    }

    private CompletionStage<HttpResponse> object(WebSettings web, HttpResponse response) {
      int status = response.status().intValue();
      if (success(status) || redirection(status)) {
        if (!directoryMarker(response, web)) {
          return done(response);
        }
      } else if (status != 404) {
        // Swift shows error pages for misses only here.
        return done(response);
      }
      // A miss, or a directory marker, which counts as one.
      discard(response);
      HttpResponse missing = SwiftErrors.response(SwiftError.NOT_FOUND);
      if (web.index().isEmpty()) {
        return directory(web, missing);
      }
      String object = request.object();
      String indexName = (object.endsWith("/") ? object : object + "/") + web.index();
      return call(
              request.http().method().value(),
              objectPath(indexName),
              request.query(),
              request.headers())
          .thenCompose(
              index -> {
                int indexStatus = index.status().intValue();
                if (success(indexStatus) || redirection(indexStatus)) {
                  if (!endsWithSlash()) {
                    discard(index);
                    return done(redirectWithSlash());
                  }
                  return done(index);
                }
                if (indexStatus != 404) {
                  // Swift answers nothing here (its handler returns None); the index's
                  // own failure is the honest answer.
                  return done(index);
                }
                discard(index);
                return directory(web, missing);
              });
    }

    /**
     * A missing object or index under listings: a path ending in '/' is listed; one without it is
     * redirected to '/' when something is stored under it, else it is missing.
     */
    private CompletionStage<HttpResponse> directory(WebSettings web, HttpResponse missing) {
      if (endsWithSlash()) {
        return listing(web, request.object());
      }
      RequestPath container = containerPath();
      return reach
          .denial("GET", container)
          .thenCompose(
              refused -> {
                if (refused.isPresent()) {
                  return done(false);
                }
                ListingQuery probe =
                    new ListingQuery(
                        Optional.of(request.object() + "/"),
                        Optional.of("/"),
                        Optional.empty(),
                        Optional.empty(),
                        1,
                        false);
                return containers
                    .list(request.account(), request.container(), probe)
                    .thenApply(listing -> !listing.page().entries().isEmpty())
                    .exceptionally(failure -> false);
              })
          .thenCompose(below -> below ? done(redirectWithSlash()) : errorResponse(web, missing));
    }

    /**
     * {@code _listing}: the HTML listing of {@code prefix} ("" for the container's root, else a
     * pseudo-directory ending in '/'), or the 404 page when listings are off.
     */
    private CompletionStage<HttpResponse> listing(WebSettings web, String prefix) {
      String label = label(web);
      Optional<String> css =
          web.listingsCss().isEmpty()
              ? Optional.empty()
              : Optional.of(ListingHtml.cssPath(web.listingsCss(), prefix));
      if (!web.listingsEnabled()) {
        HttpResponse disabled =
            SwiftErrors.response(
                SwiftError.NOT_FOUND, ListingHtml.disabled(label, css, web.index()));
        return errorResponse(web, disabled);
      }
      Optional<String> listedPrefix = prefix.isEmpty() ? Optional.empty() : Optional.of(prefix);
      int firstSize = pageSize;
      return reach
          .denial("GET", containerPath())
          .thenCompose(
              refused -> {
                if (refused.isPresent()) {
                  return errorResponse(
                      web, SwiftErrors.toResponse(refused.get(), request.requestId()));
                }
                return containers
                    .list(
                        request.account(),
                        request.container(),
                        query(listedPrefix, Optional.empty(), firstSize))
                    .thenApply(ContainerOps.Listing::page)
                    .thenCompose(
                        first -> {
                          if (!prefix.isEmpty() && first.entries().isEmpty()) {
                            return errorResponse(web, SwiftErrors.response(SwiftError.NOT_FOUND));
                          }
                          return done(page(label, css, prefix, first, firstSize));
                        })
                    .exceptionallyCompose(
                        failure ->
                            errorResponse(
                                web, SwiftErrors.toResponse(failure, request.requestId())));
              });
    }

    /** The listing page: opening, subdir rows, object rows, closing, streamed. */
    private HttpResponse page(
        String label, Optional<String> css, String prefix, ListingPage first, int firstSize) {
      HttpResponse ok = HttpResponse.create().withStatus(StatusCodes.OK);
      if (request.http().method().equals(HttpMethods.HEAD)) {
        return ok.withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, ""));
      }
      Optional<String> listedPrefix = prefix.isEmpty() ? Optional.empty() : Optional.of(prefix);
      boolean whole = first.entries().size() < firstSize || firstSize >= LISTING_LIMIT;
      Source<ListingEntry, NotUsed> subdirPass =
          Source.from(first.entries())
              .concat(whole ? Source.empty() : rows(listedPrefix, after(first), firstSize));
      // Objects after subdirs, as Swift renders one listing: a second pass over the same rows.
      Source<ListingEntry, NotUsed> objectPass =
          whole ? Source.from(first.entries()) : rows(listedPrefix, Optional.empty(), 0);
      Source<String, NotUsed> subdirs =
          subdirPass
              .filter(e -> e instanceof ListingEntry.SubdirRow)
              .map(e -> ListingHtml.subdirRow(e.sortKey().substring(prefix.length())));
      Source<String, NotUsed> objects =
          objectPass
              .filter(e -> e instanceof ListingEntry.ObjectRow)
              .map(
                  e ->
                      ListingHtml.objectRow(
                          (ListingEntry.ObjectRow) e, e.sortKey().substring(prefix.length())));
      Source<ByteString, NotUsed> body =
          Source.single(ListingHtml.opening(label, css, !prefix.isEmpty()))
              .concat(subdirs)
              .concat(objects)
              .concat(Source.single(ListingHtml.CLOSING))
              .grouped(64)
              .map(parts -> ByteString.fromString(String.join("", parts)));
      return ok.withEntity(HttpEntities.createChunked(ContentTypes.TEXT_HTML_UTF8, body));
    }

    /**
     * The listing's rows after {@code marker}, asked page by page as the stream pulls them, up to
     * the listing limit ({@code listed} rows already shown count against it).
     */
    private Source<ListingEntry, NotUsed> rows(
        Optional<String> prefix, Optional<String> marker, int listed) {
      record Cursor(Optional<String> marker, int remaining, boolean end) {}
      return Source.unfoldAsync(
              new Cursor(marker, LISTING_LIMIT - listed, false),
              (Cursor cursor) -> {
                if (cursor.end() || cursor.remaining() <= 0) {
                  return done(Optional.<Pair<Cursor, List<ListingEntry>>>empty());
                }
                int limit = Math.min(pageSize, cursor.remaining());
                return containers
                    .list(
                        request.account(),
                        request.container(),
                        query(prefix, cursor.marker(), limit))
                    .thenApply(
                        listing -> {
                          List<ListingEntry> entries = listing.page().entries();
                          Cursor following =
                              new Cursor(
                                  after(listing.page()),
                                  cursor.remaining() - entries.size(),
                                  entries.size() < limit);
                          return Optional.of(Pair.create(following, entries));
                        });
              })
          .mapConcat(entries -> entries);
    }

    /**
     * {@code _error_response}: {@code response}, or the container's error page for its status, sent
     * with that status, when the container names one and it can be read.
     */
    CompletionStage<HttpResponse> errorResponse(WebSettings web, HttpResponse response) {
      if (web.error().isEmpty()) {
        return done(response);
      }
      Map<String, String> headers = new TreeMap<>();
      for (String name : ERROR_PAGE_HEADERS) {
        request.header(name).ifPresent(value -> headers.put(name, value));
      }
      String page = response.status().intValue() + web.error();
      return call("GET", objectPath(page), Map.of(), headers)
          .thenApply(
              errorPage -> {
                if (success(errorPage.status().intValue())) {
                  discard(response);
                  return errorPage.withStatus(response.status());
                }
                discard(errorPage);
                return response;
              });
    }

    /** A sub-request of this request's identity to {@code target}; refusals are answers too. */
    private CompletionStage<HttpResponse> call(
        String method, RequestPath target, Map<String, String> query, Map<String, String> headers) {
      return reach
          .denial(method, target)
          .thenCompose(
              refused -> {
                if (refused.isPresent()) {
                  return done(SwiftErrors.toResponse(refused.get(), request.requestId()));
                }
                SwiftRequest sub =
                    new SwiftRequest(
                        request.http().withMethod(HttpMethods.lookup(method).orElseThrow()),
                        target,
                        query,
                        headers,
                        request.principal(),
                        request.clientAddress(),
                        request.node(),
                        request.requestId());
                return answer(next, sub);
              });
    }

    /** Whether the client's path ends in '/' (PATH_INFO, which RequestPath does not keep). */
    private boolean endsWithSlash() {
      return SwiftRequest.rawPath(request.http()).endsWith("/");
    }

    /** 301 to the same path with '/' added, absolute as swob makes every Location. */
    private HttpResponse redirectWithSlash() {
      String path = pathInfo() + "/";
      return HttpResponse.create()
          .withStatus(StatusCodes.MOVED_PERMANENTLY)
          .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, MOVED_BODY))
          .addHeader(
              RawHeader.create(
                  "Location", SwiftRequest.hostUrl(request.http()) + PyText.quote(path)));
    }

    /** The decoded path, as Swift's PATH_INFO. */
    private String pathInfo() {
      RequestPath p = request.path();
      StringBuilder sb =
          new StringBuilder("/")
              .append(p.version())
              .append('/')
              .append(p.account())
              .append('/')
              .append(p.container().orElseThrow());
      p.object().ifPresent(o -> sb.append('/').append(o));
      if (p.object().isEmpty() && endsWithSlash()) {
        sb.append('/');
      }
      return sb.toString();
    }

    /** "Listing of" what: the path, or the label in place of version, account and container. */
    private String label(WebSettings web) {
      if (web.listingsLabel().isEmpty()) {
        return pathInfo();
      }
      return web.listingsLabel() + "/" + request.path().object().orElse("");
    }

    private boolean directoryMarker(HttpResponse response, WebSettings web) {
      long length = headLength.contentLength(response).orElse(0);
      return headLength
              .contentType(response)
              .map(type -> type.equals(SwiftHeaders.wire(web.markerType())))
              .orElse(false)
          && length <= 1;
    }

    private RequestPath containerPath() {
      RequestPath p = request.path();
      return new RequestPath(p.version(), p.account(), p.container(), Optional.empty());
    }

    private RequestPath objectPath(String object) {
      RequestPath p = request.path();
      return new RequestPath(p.version(), p.account(), p.container(), Optional.of(object));
    }
  }

  private static ListingQuery query(Optional<String> prefix, Optional<String> marker, int limit) {
    return new ListingQuery(prefix, Optional.of("/"), marker, Optional.empty(), limit, false);
  }

  /** The marker that continues after a page: its last row's name. */
  private static Optional<String> after(ListingPage page) {
    List<ListingEntry> entries = page.entries();
    return entries.isEmpty()
        ? Optional.empty()
        : Optional.of(entries.get(entries.size() - 1).sortKey());
  }

  /** The rest of the pipeline; a failure there is the answer it stands for. */
  private static CompletionStage<HttpResponse> answer(
      Function<SwiftRequest, CompletionStage<HttpResponse>> next, SwiftRequest request) {
    return start(next, request)
        .exceptionally(failure -> SwiftErrors.toResponse(failure, request.requestId()));
  }

  /** The rest of the pipeline, a failure thrown at once as a failed stage. */
  private static CompletionStage<HttpResponse> start(
      Function<SwiftRequest, CompletionStage<HttpResponse>> next, SwiftRequest request) {
    try {
      return next.apply(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void discard(HttpResponse response) {
    response.discardEntityBytes(materializer);
  }

  private static boolean success(int status) {
    return status >= 200 && status < 300;
  }

  private static boolean redirection(int status) {
    return status >= 300 && status < 400;
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
