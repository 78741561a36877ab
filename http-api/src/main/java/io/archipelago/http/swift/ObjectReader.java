package io.archipelago.http.swift;

import akka.NotUsed;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.RangeHeader;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftHeaders;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * GET and HEAD of an object, for clients and for server-side copies: what the object shows ({@link
 * ObjectView}: plain, SLO, DLO or a manifest), then Swift's conditional requests (304/412), then
 * {@code Range} (206 with one range, {@code multipart/byteranges} with several, 416 with {@code
 * Content-Range: bytes *}{@code /size} when none is satisfiable).
 */
public final class ObjectReader {

  /**
   * One read.
   *
   * @param headers the request headers (conditions and Range apply)
   * @param manifestGet {@code ?multipart-manifest=get}: a manifest as itself
   * @param formatRaw {@code &format=raw}: an SLO manifest in the PUT format
   * @param streamNow a client GET: open the object at once; a copy opens it lazily, when its PUT
   *     reads (both answer 409 when the first segment of a large object cannot be read)
   * @param reach what the client may read besides the object (segments, segment containers)
   * @param linkItself {@code ?symlink=get}: a symlink as itself, not as its target
   */
  public record ReadRequest(
      String account,
      String container,
      String name,
      Map<String, String> headers,
      boolean head,
      boolean manifestGet,
      boolean formatRaw,
      boolean streamNow,
      RequestContext context,
      Reach reach,
      boolean linkItself) {

    /** The same read of another object, taken as it is (a link's target). */
    public ReadRequest of(String account, String container, String name) {
      return new ReadRequest(
          account,
          container,
          name,
          headers,
          head,
          manifestGet,
          formatRaw,
          streamNow,
          context,
          reach,
          true);
    }
  }

  /** What a read answers. */
  public sealed interface Outcome permits Served, Answered {}

  /** The object, or the part of it asked for, with its status (200 or 206) and headers. */
  public record Served(
      ObjectView view,
      StatusCode status,
      ContentType contentType,
      long contentLength,
      Source<ByteString, NotUsed> data,
      List<HttpHeader> headers)
      implements Outcome {}

  /** A bodiless or error answer decided by the request: 304, 412, 416 or 409. */
  public record Answered(HttpResponse response) implements Outcome {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final LiveObjects objects;
  private final List<LargeObjectViews> largeObjects;
  private final List<ObjectLinks> links;

  /**
   * @param largeObjects the middlewares that show manifests as their segments (SLO, DLO), asked in
   *     pipeline order
   */
  public ObjectReader(LiveObjects objects, List<LargeObjectViews> largeObjects) {
    this(objects, largeObjects, List.of());
  }

  /**
   * @param links the middlewares that read some objects as others (symlinks), asked first
   */
  public ObjectReader(
      LiveObjects objects, List<LargeObjectViews> largeObjects, List<ObjectLinks> links) {
    this.objects = objects;
    this.largeObjects = List.copyOf(largeObjects);
    this.links = List.copyOf(links);
  }

  /** The stored object a read found, as a large object middleware sees it. */
  public interface Stored {
    ObjectInfo info();

    /** The stored bytes: those a GET opened up front (taken at most once), or read anew. */
    CompletionStage<Source<ByteString, ?>> bytes();

    /** Cancels the bytes opened up front, if any and not taken. */
    void discard();

    /**
     * The stored object's own bytes by range, each range read anew and checked to be this version.
     */
    ObjectView.Body plainBody();
  }

  /** The object's bytes when a GET opened them up front; taken at most once. */
  private final class Opened implements Stored {
    final ObjectInfo info;
    private final AtomicReference<Source<ByteString, ?>> data;
    private final ReadRequest read;

    Opened(ReadRequest read, ObjectInfo info, Optional<Source<ByteString, ?>> data) {
      this.read = read;
      this.info = info;
      this.data = new AtomicReference<>(data.orElse(null));
    }

    @Override
    public ObjectInfo info() {
      return info;
    }

    Optional<Source<ByteString, ?>> take() {
      return Optional.ofNullable(data.getAndSet(null));
    }

    @Override
    public void discard() {
      take().ifPresent(d -> d.runWith(Sink.cancelled(), objects.materializer()));
    }

    @Override
    public CompletionStage<Source<ByteString, ?>> bytes() {
      Optional<Source<ByteString, ?>> open = take();
      if (open.isPresent()) {
        return CompletableFuture.completedFuture(open.get());
      }
      return objects
          .get(read.account(), read.container(), read.name(), Optional.empty(), read.context())
          .thenApply(
              found -> {
                if (found.isEmpty()) {
                  throw new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
                }
                return found.get().data();
              });
    }

    @Override
    public ObjectView.Body plainBody() {
      return ObjectReader.this.plainBody(read, info);
    }
  }

  public CompletionStage<Outcome> read(ReadRequest r) {
    Optional<List<RangeHeader.Spec>> specs =
        r.head()
            ? Optional.empty()
            : RangeHeader.parse(Optional.ofNullable(r.headers().get("range")));
    boolean openNow = r.streamNow() && !r.head() && specs.isEmpty();
    CompletionStage<Optional<Opened>> found =
        openNow
            ? objects
                .get(r.account(), r.container(), r.name(), Optional.empty(), r.context())
                .thenApply(
                    c ->
                        c.map(
                            content -> new Opened(r, content.info(), Optional.of(content.data()))))
            : objects
                .head(r.account(), r.container(), r.name(), r.context())
                .thenApply(i -> i.map(info -> new Opened(r, info, Optional.empty())));
    return found.thenCompose(
        opened -> {
          if (opened.isEmpty()) {
            if (Conditions.failsForMissingObject(r.headers())) {
              return CompletableFuture.completedFuture(
                  new Answered(Responses.empty(StatusCodes.PRECONDITION_FAILED, List.of())));
            }
            throw new GatewayException(GatewayException.Reason.OBJECT_NOT_FOUND, "Not Found");
          }
          Opened o = opened.get();
          for (ObjectLinks link : links) {
            Optional<CompletionStage<Outcome>> followed = link.follow(r, o.info, this::read);
            if (followed.isPresent()) {
              o.discard();
              return followed.get();
            }
          }
          CompletionStage<Outcome> outcome =
              view(r, o).thenCompose(view -> serve(r, view, o, specs));
          return outcome.whenComplete((x, failure) -> o.discard());
        });
  }

  // ---- views --------------------------------------------------------------------------------

  private CompletionStage<ObjectView> view(ReadRequest r, Opened o) {
    for (LargeObjectViews middleware : largeObjects) {
      Optional<CompletionStage<ObjectView>> view = middleware.view(r, o);
      if (view.isPresent()) {
        return view.get();
      }
    }
    ObjectInfo info = o.info;
    String cleanType = SwiftHeaders.cleanContentType(info.contentType());
    return CompletableFuture.completedFuture(
        new ObjectView(
            info,
            ObjectView.Kind.OBJECT,
            info.size(),
            info.etag(),
            cleanType,
            headers(info, info.etag()),
            plainBody(r, info)));
  }

  /** A stored object's bytes by range, each range read anew and checked to be the same version. */
  private ObjectView.Body plainBody(ReadRequest r, ObjectInfo info) {
    return (first, last) ->
        new LargeObjectPiece(
                r.container(), r.name(), first, last, Optional.of(info.etag()), info.size())
            .open(objects, r.account(), r.context(), Reach.ANYWHERE);
  }

  /** The headers of a successful GET or HEAD, but Content-Type and Content-Length. */
  public static List<HttpHeader> headers(ObjectInfo info, String etag) {
    return Responses.headers()
        .add("Etag", etag)
        .add("Last-Modified", info.timestamp().toHttpDate())
        .add("X-Timestamp", info.timestamp().internal())
        .add("Accept-Ranges", "bytes")
        .addAll(SwiftHeaders.render(info.metadata()))
        .list();
  }

  // ---- answers ------------------------------------------------------------------------------

  private CompletionStage<Outcome> serve(
      ReadRequest r, ObjectView view, Opened o, Optional<List<RangeHeader.Spec>> specs) {
    ContentType contentType = contentType(view.contentType());
    Conditions.Outcome condition =
        Conditions.evaluate(r.headers(), view.etag(), view.lastModifiedSeconds());
    if (condition != Conditions.Outcome.PROCEED) {
      StatusCode status =
          condition == Conditions.Outcome.NOT_MODIFIED
              ? StatusCodes.NOT_MODIFIED
              : StatusCodes.PRECONDITION_FAILED;
      return done(
          new Answered(
              HttpResponse.create()
                  .withStatus(status)
                  .withEntity(HttpEntities.create(contentType, ByteString.emptyByteString()))
                  .addHeaders(view.headers())));
    }
    if (r.head()) {
      return done(
          new Served(
              view, StatusCodes.OK, contentType, view.size(), Source.empty(), view.headers()));
    }
    // Swift's DLO serves the whole object when more than one range is asked for
    boolean ranged =
        specs.isPresent()
            && !(view.kind() == ObjectView.Kind.DYNAMIC_LARGE_OBJECT && specs.get().size() > 1);
    if (ranged) {
      List<ByteRange.Resolved> ranges = RangeHeader.resolve(specs.get(), view.size());
      if (ranges.isEmpty()) {
        return done(
            new Answered(
                SwiftErrors.response(SwiftError.RANGE_NOT_SATISFIABLE)
                    .addHeaders(view.headers())
                    .addHeader(RawHeader.create("Content-Range", "bytes */" + view.size()))));
      }
      if (view.size() > 0 && ranges.size() == 1) {
        ByteRange.Resolved range = ranges.get(0);
        List<HttpHeader> headers = new ArrayList<>(view.headers());
        headers.add(
            RawHeader.create(
                "Content-Range",
                "bytes " + range.first() + "-" + range.last() + "/" + view.size()));
        return validated(
            r,
            view,
            new Served(
                view,
                StatusCodes.PARTIAL_CONTENT,
                contentType,
                range.length(),
                view.body().range(range.first(), range.last()),
                headers));
      }
      if (view.size() > 0) {
        return validated(r, view, multipart(view, ranges));
      }
    }
    Source<ByteString, NotUsed> whole =
        o.take()
            .map(d -> d.mapMaterializedValue(m -> NotUsed.getInstance()))
            .orElseGet(
                () -> view.size() == 0 ? Source.empty() : view.body().range(0, view.size() - 1));
    return validated(
        r, view, new Served(view, StatusCodes.OK, contentType, view.size(), whole, view.headers()));
  }

  /**
   * A GET of a large object (a client's, or a copy's of its source) starts reading before it
   * answers, so that a first segment that is gone, changed or not readable by the client is a 409,
   * as in Swift; later failures cut the body short.
   */
  private CompletionStage<Outcome> validated(ReadRequest r, ObjectView view, Served served) {
    if (!view.isLargeObject() || served.contentLength() == 0) {
      return done(served);
    }
    return served
        .data()
        .prefixAndTail(1)
        .runWith(Sink.head(), objects.materializer())
        .handle(
            (pair, failure) -> {
              if (failure != null) {
                return new Answered(SwiftErrors.response(SwiftError.CONFLICT));
              }
              Source<ByteString, NotUsed> data = Source.from(pair.first()).concat(pair.second());
              return new Served(
                  served.view(),
                  served.status(),
                  served.contentType(),
                  served.contentLength(),
                  data,
                  served.headers());
            });
  }

  /** Several ranges: {@code multipart/byteranges} with Swift's 32 hex digit boundary. */
  private Served multipart(ObjectView view, List<ByteRange.Resolved> ranges) {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    String boundary = HexFormat.of().formatHex(random);
    List<Source<ByteString, NotUsed>> parts = new ArrayList<>();
    long length = 0;
    for (ByteRange.Resolved range : ranges) {
      ByteString head =
          ByteString.fromString(
              "--"
                  + boundary
                  + "\r\nContent-Type: "
                  + view.contentType()
                  + "\r\nContent-Range: bytes "
                  + range.first()
                  + "-"
                  + range.last()
                  + "/"
                  + view.size()
                  + "\r\n\r\n",
              StandardCharsets.UTF_8);
      parts.add(Source.single(head));
      parts.add(
          Source.lazySource(() -> view.body().range(range.first(), range.last()))
              .mapMaterializedValue(m -> NotUsed.getInstance()));
      parts.add(Source.single(ByteString.fromString("\r\n")));
      length += head.size() + range.length() + 2;
    }
    ByteString end = ByteString.fromString("--" + boundary + "--");
    parts.add(Source.single(end));
    length += end.size();
    ContentType type = ContentTypes.parse("multipart/byteranges;boundary=" + boundary);
    return new Served(
        view,
        StatusCodes.PARTIAL_CONTENT,
        type,
        length,
        Source.from(parts).flatMapConcat(p -> p),
        view.headers());
  }

  public static ContentType contentType(String value) {
    try {
      return ContentTypes.parse(value);
    } catch (RuntimeException e) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  private static CompletionStage<Outcome> done(Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }
}
