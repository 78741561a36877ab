package io.archipelago.http.middleware.slo;

import akka.NotUsed;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.StreamLimitReachedException;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.bulk.BulkResponseBody;
import io.archipelago.http.middleware.dlo.DynamicLargeObjects;
import io.archipelago.http.middleware.expiry.DeleteAtHeaders;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.middleware.slo.SloManifest.Input;
import io.archipelago.http.middleware.slo.SloManifest.Segment;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.MultipartEtag;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RangeHeader;
import io.archipelago.http.protocol.RequestTimestamp;
import io.archipelago.http.protocol.Responses;
import io.archipelago.http.protocol.SegmentError;
import io.archipelago.http.protocol.SwiftDates;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.protocol.SwiftStatus;
import io.archipelago.http.swift.LargeObjectPiece;
import io.archipelago.http.swift.LargeObjectViews;
import io.archipelago.http.swift.ObjectLinks;
import io.archipelago.http.swift.ObjectMiddleware;
import io.archipelago.http.swift.ObjectPuts;
import io.archipelago.http.swift.ObjectReader;
import io.archipelago.http.swift.ObjectView;
import io.archipelago.http.swift.ObjectWriter;
import io.archipelago.http.swift.Reach;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Static large objects (Swift's {@code slo} middleware).
 *
 * <p>{@code PUT ?multipart-manifest=put} takes a JSON list of segments ({@code path}, optional
 * {@code etag}, {@code size_bytes}, {@code range}; or inline {@code data}), checks each segment (it
 * exists, is at least a byte, matches the etag and size given; 400 with Swift's error list
 * otherwise) and stores Swift's manifest format ({@code name}, {@code bytes}, {@code hash}, {@code
 * content_type}, {@code last_modified}, {@code range}, {@code sub_slo}) as the object, with {@code
 * X-Static-Large-Object: True}, the SLO's ETag and size as system metadata, and {@code
 * ;swift_bytes=<total>} on its content type so that listings show the total size while the
 * container counts the manifest's bytes, as Swift does.
 *
 * <p>GET streams the concatenation (nested SLOs up to depth 10, ranges within and across segments);
 * each segment is read through the gateway, so segments may live in containers on other backends,
 * and must still have the manifest's ETag and size. {@code ?multipart-manifest=get} answers the
 * manifest, {@code &format=raw} in the PUT format; {@code ?multipart-manifest=delete} deletes the
 * segments (nested manifests included) and then the manifest, answering a bulk delete report. Every
 * segment and sub-manifest is reached as the client's own request would be ({@link Reach}): HEAD at
 * PUT, GET when read, GET and DELETE when deleted.
 */
public final class StaticLargeObjects implements ObjectMiddleware, LargeObjectViews {

  /** Segments are checked (PUT) and deleted this many at a time, as Swift's default. */
  private static final int CONCURRENCY = 2;

  /** Swift's {@code yield_frequency}: how often a {@code heartbeat=on} PUT sends a space. */
  static final Duration YIELD_FREQUENCY = Duration.ofSeconds(10);

  /** A stored manifest larger than this is not read (Swift's are at most a few MiB). */
  private static final int MAX_STORED_MANIFEST = 4 * SloManifest.MAX_MANIFEST_SIZE;

  /**
   * The bound on a manifest the S3 front end writes: {@link MultipartEtag#MAX_PARTS} entries whose
   * paths hold keys of up to 1024 bytes; its stored form stays under {@link #MAX_STORED_MANIFEST}.
   */
  private static final int MAX_S3_MANIFEST_SIZE = 2 * SloManifest.MAX_MANIFEST_SIZE;

  private final LiveObjects objects;
  private final ObjectWriter writer;
  private final ObjectPuts puts;

  private final ObjectLinks links;

  public StaticLargeObjects(LiveObjects objects, ObjectWriter writer, ObjectPuts puts) {
    this(objects, writer, puts, ObjectLinks.NONE);
  }

  /**
   * @param links the symlinks beneath this middleware: a segment or sub-manifest that is a link is
   *     checked and read as its target, as Swift's slo reads them through its symlink
   */
  public StaticLargeObjects(
      LiveObjects objects, ObjectWriter writer, ObjectPuts puts, ObjectLinks links) {
    this.objects = objects;
    this.writer = writer;
    this.puts = puts;
    this.links = links;
  }

  /** The {@code /info} section of this middleware. */
  public static void capabilities(ObjectNode info) {
    ObjectNode slo = info.putObject("slo");
    slo.put("max_manifest_segments", SloManifest.MAX_MANIFEST_SEGMENTS);
    slo.put("max_manifest_size", SloManifest.MAX_MANIFEST_SIZE);
    slo.put("min_segment_size", SloManifest.MIN_SEGMENT_SIZE);
    slo.put("allow_async_delete", false);
    slo.put("yield_frequency", YIELD_FREQUENCY.toSeconds());
  }

  /**
   * {@code PUT ?multipart-manifest=put} and {@code DELETE ?multipart-manifest=delete}; every other
   * request passes on.
   */
  @Override
  public CompletionStage<HttpResponse> handle(
      SwiftRequest request, Reach reach, ObjectMiddleware.Next next) {
    String method = request.http().method().value();
    Optional<String> multipart = request.queryParam("multipart-manifest");
    if (method.equals("PUT") && multipart.map(m -> m.equals("put")).orElse(false)) {
      ObjectPuts.requireLength(request);
      ObjectWriter.Write w =
          puts.write(request, request.account(), request.container(), request.object());
      ObjectWriter.Write manifest =
          w.withContent(
              w.contentType(), w.metadata(), Optional.empty(), w.expectedLength(), w.body());
      if (request.queryParam("heartbeat").map(SwiftHeaders::isTrue).orElse(false)) {
        return putWithHeartbeat(
            manifest, request.header("etag"), request.header("accept"), request.context(), reach);
      }
      return put(
          manifest,
          request.header("etag"),
          request.header("accept"),
          request.context(),
          reach,
          MultipartEtag.of(request.http()));
    }
    if (method.equals("DELETE") && multipart.map(m -> m.equals("delete")).orElse(false)) {
      // the proxy's checks of every object DELETE come first
      request.header("x-if-delete-at").ifPresent(DeleteAtHeaders::checkIfDeleteAt);
      RequestTimestamp.of(request);
      return delete(
          request.account(),
          request.container(),
          request.object(),
          request.header("accept"),
          request.context(),
          reach);
    }
    return next.handle(request, reach);
  }

  /**
   * A manifest read as the SLO it stands for; with {@code ?multipart-manifest=get} as the stored
   * manifest (JSON), or with {@code &format=raw} in the PUT format.
   */
  @Override
  public Optional<CompletionStage<ObjectView>> view(
      ObjectReader.ReadRequest r, ObjectReader.Stored stored) {
    ObjectInfo info = stored.info();
    if (!SloManifest.isSlo(info)) {
      return Optional.empty();
    }
    String cleanType = SwiftHeaders.cleanContentType(info.contentType());
    if (r.manifestGet()) {
      if (!r.formatRaw()) {
        return Optional.of(
            CompletableFuture.completedFuture(
                new ObjectView(
                    info,
                    ObjectView.Kind.MANIFEST,
                    info.size(),
                    info.etag(),
                    "application/json; charset=utf-8",
                    ObjectReader.headers(info, info.etag()),
                    stored.plainBody())));
      }
      return Optional.of(
          manifest(stored)
              .thenApply(
                  segments -> {
                    ByteString raw = SloManifest.rawFormat(segments);
                    String etag =
                        HexFormat.of().formatHex(DynamicLargeObjects.md5().digest(raw.toArray()));
                    return new ObjectView(
                        info,
                        ObjectView.Kind.MANIFEST,
                        raw.size(),
                        etag,
                        cleanType,
                        ObjectReader.headers(info, etag),
                        (first, last) -> Source.single(raw.slice((int) first, (int) last + 1)));
                  }));
    }
    Optional<Long> size = SloManifest.storedSize(info);
    Optional<String> etag = SloManifest.storedEtag(info);
    if (r.head() && size.isPresent() && etag.isPresent()) {
      return Optional.of(
          CompletableFuture.completedFuture(
              sloView(info, size.get(), etag.get(), cleanType, (first, last) -> Source.empty())));
    }
    return Optional.of(
        manifest(stored)
            .thenApply(
                segments ->
                    sloView(
                        info,
                        size.orElseGet(() -> SloManifest.size(segments)),
                        etag.orElseGet(() -> SloManifest.etag(segments)),
                        cleanType,
                        body(r.account(), segments, r.context(), r.reach()))));
  }

  private static ObjectView sloView(
      ObjectInfo info, long size, String etag, String contentType, ObjectView.Body body) {
    String quoted = "\"" + etag + "\"";
    List<HttpHeader> headers = new ArrayList<>(ObjectReader.headers(info, quoted));
    headers.add(RawHeader.create("X-Manifest-Etag", info.etag()));
    return new ObjectView(
        info, ObjectView.Kind.STATIC_LARGE_OBJECT, size, quoted, contentType, headers, body);
  }

  /** The stored manifest's segments, from the bytes already open or read anew. */
  private CompletionStage<List<Segment>> manifest(ObjectReader.Stored stored) {
    return stored.bytes().thenCompose(this::readManifest);
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Reads and parses a stored manifest. */
  public CompletionStage<List<Segment>> readManifest(Source<ByteString, ?> bytes) {
    return bytes
        .limitWeighted(MAX_STORED_MANIFEST, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, objects.materializer())
        .thenApply(SloManifest::parseStored);
  }

  /** The bytes of the SLO by range. */
  public ObjectView.Body body(
      String account, List<Segment> segments, RequestContext request, Reach reach) {
    return (first, last) ->
        pieces(account, segments, first, last, 1, request, reach).flatMapConcat(piece -> piece);
  }

  /** The byte sources of the segments (and sub-SLO segments) covering {@code first..last}. */
  private Source<Source<ByteString, NotUsed>, NotUsed> pieces(
      String account,
      List<Segment> segments,
      long first,
      long last,
      int depth,
      RequestContext request,
      Reach reach) {
    List<Source<Source<ByteString, NotUsed>, NotUsed>> parts = new ArrayList<>();
    long f = first;
    long l = last;
    for (Segment seg : segments) {
      long length = seg.length();
      if (f >= length) {
        f -= length;
        l -= length;
        continue;
      }
      if (l < 0) {
        break;
      }
      if (seg.data().isPresent()) {
        ByteString data = ByteString.fromArray(seg.data().get());
        parts.add(
            Source.single(
                Source.single(
                    data.slice((int) Math.max(0, f), (int) Math.min(length - 1, l) + 1))));
      } else if (seg.subSlo()) {
        if (depth >= SloManifest.MAX_RECURSION_DEPTH) {
          parts.add(Source.failed(new SegmentError("max recursion depth exceeded")));
        } else {
          long subFirst = seg.rangeStart() + Math.max(0, f);
          long subLast = Math.min(seg.rangeEnd(), seg.rangeStart() + l);
          parts.add(
              Source.lazyCompletionStageSource(
                      () ->
                          loadSubManifest(account, seg, request, reach)
                              .thenApply(
                                  sub ->
                                      pieces(
                                          account, sub, subFirst, subLast, depth + 1, request,
                                          reach)))
                  .mapMaterializedValue(m -> NotUsed.getInstance()));
        }
      } else {
        LargeObjectPiece piece =
            new LargeObjectPiece(
                seg.container(),
                seg.object(),
                Math.max(0, f) + seg.rangeStart(),
                Math.min(seg.rangeEnd(), seg.rangeStart() + l),
                Optional.of(seg.hash()),
                seg.bytes());
        parts.add(Source.single(piece.open(objects, account, request, reach, links)));
      }
      f -= length;
      l -= length;
    }
    return Source.from(parts).flatMapConcat(p -> p);
  }

  private CompletionStage<List<Segment>> loadSubManifest(
      String account, Segment seg, RequestContext request, Reach reach) {
    return reach
        .denial("GET", Reach.object(account, seg.container(), seg.object()))
        .thenCompose(
            refused -> {
              if (refused.isPresent()) {
                throw new SegmentError(
                    "sub-manifest "
                        + seg.name()
                        + ": "
                        + refused.get().error().status().intValue());
              }
              return objects.get(account, seg.container(), seg.object(), Optional.empty(), request);
            })
        .thenCompose(found -> throughLinks(account, seg, found, request, reach))
        .thenCompose(
            found -> {
              if (found.isEmpty() || !SloManifest.isSlo(found.get().info())) {
                found.ifPresent(c -> c.data().runWith(Sink.cancelled(), objects.materializer()));
                throw new SegmentError("sub-manifest " + seg.name() + " is gone or not an SLO");
              }
              return readManifest(found.get().data());
            });
  }

  /** A sub-manifest as read, or when it is a link, the object the link leads to. */
  private CompletionStage<Optional<ObjectContent>> throughLinks(
      String account,
      Segment seg,
      Optional<ObjectContent> found,
      RequestContext request,
      Reach reach) {
    if (found.isEmpty()) {
      return CompletableFuture.completedFuture(found);
    }
    ObjectLinks.Located manifest =
        new ObjectLinks.Located(account, seg.container(), seg.object(), found.get().info());
    return links
        .target(manifest, "GET", reach, request)
        .thenCompose(
            end -> {
              if (end.isPresent() && end.get().equals(manifest)) {
                return CompletableFuture.completedFuture(found);
              }
              found.get().data().runWith(Sink.cancelled(), objects.materializer());
              return end.isEmpty()
                  ? CompletableFuture.completedFuture(Optional.<ObjectContent>empty())
                  : objects.get(
                      end.get().account(),
                      end.get().container(),
                      end.get().name(),
                      Optional.empty(),
                      request);
            });
  }

  // ---- PUT ----------------------------------------------------------------------------------

  /**
   * Stores a manifest. {@code w} carries everything of the PUT but its content: the body is the
   * client's manifest, the content type and metadata the client's.
   */
  public CompletionStage<HttpResponse> put(
      ObjectWriter.Write w,
      Optional<String> clientEtag,
      Optional<String> accept,
      RequestContext request,
      Reach reach) {
    return put(w, clientEtag, accept, request, reach, Optional.empty());
  }

  /**
   * @param s3Etag the S3 ETag of a manifest that the S3 front end writes for a completed multipart
   *     upload: kept on the manifest, and S3's bounds (up to {@link MultipartEtag#MAX_PARTS} parts)
   *     apply instead of SLO's own
   */
  public CompletionStage<HttpResponse> put(
      ObjectWriter.Write w,
      Optional<String> clientEtag,
      Optional<String> accept,
      RequestContext request,
      Reach reach,
      Optional<String> s3Etag) {
    return parse(w, s3Etag.isPresent())
        .thenCompose(
            inputs ->
                checkSegments(w.account(), inputs, request, reach)
                    .thenCompose(checked -> store(w, inputs, checked, clientEtag, request, s3Etag)))
        .thenApply(
            stored -> {
              if (stored.problems().isEmpty()) {
                return stored.created().orElseThrow();
              }
              String format = BulkResponseBody.bestMatch(accept).orElse("text/plain");
              return HttpResponse.create()
                  .withStatus(StatusCodes.BAD_REQUEST)
                  .withEntity(
                      HttpEntities.create(
                          BulkResponseBody.contentType(format),
                          BulkResponseBody.render(format, Map.of(), stored.problems(), "upload")));
            });
  }

  /**
   * {@code ?multipart-manifest=put&heartbeat=on}, as Swift's: once the manifest is read and parsed,
   * 202 at once with a chunked body of a space, a space every {@link #YIELD_FREQUENCY} while the
   * segments are checked and the manifest stored, then a blank line and the outcome as a bulk
   * report ("Response Status", "Response Body", "Etag" and "Last Modified" when created, the
   * segments' errors).
   */
  private CompletionStage<HttpResponse> putWithHeartbeat(
      ObjectWriter.Write w,
      Optional<String> clientEtag,
      Optional<String> accept,
      RequestContext request,
      Reach reach) {
    String format = BulkResponseBody.bestMatch(accept).orElse("text/plain");
    return parse(w, false)
        .thenApply(
            inputs -> {
              CompletionStage<ByteString> report =
                  checkSegments(w.account(), inputs, request, reach)
                      .thenCompose(
                          checked ->
                              store(w, inputs, checked, clientEtag, request, Optional.empty()))
                      .handle(
                          (stored, failure) ->
                              ByteString.fromString(
                                  "\r\n\r\n" + heartbeatReport(format, stored, failure, request)));
              ByteString space = ByteString.fromString(" ");
              Source<ByteString, NotUsed> body =
                  Source.single(space)
                      .concat(
                          Source.tick(YIELD_FREQUENCY, YIELD_FREQUENCY, space)
                              .mapMaterializedValue(cancellable -> NotUsed.getInstance())
                              .merge(Source.completionStage(report), true));
              return HttpResponse.create()
                  .withStatus(StatusCodes.ACCEPTED)
                  .withEntity(
                      HttpEntities.createChunked(BulkResponseBody.contentType(format), body));
            });
  }

  /** Swift's explanations of the statuses a heartbeat report gives without a body of its own. */
  private static final Map<Integer, String> EXPLANATIONS =
      Map.of(
          400,
          "The server could not comply with the request since it is either malformed or"
              + " otherwise incorrect.",
          422,
          "Unable to process the contained instructions");

  private static String heartbeatReport(
      String format, Stored stored, Throwable failure, RequestContext request) {
    Map<String, Object> fields = new LinkedHashMap<>();
    List<String[]> problems = List.of();
    if (failure != null) {
      Throwable t = SwiftErrors.unwrap(failure);
      var status = SwiftErrors.toResponse(t, request.requestId()).status();
      // swob's default error pages are not a body of their own: Swift reports the reasons
      String body =
          t instanceof SwiftException e
                  && e.body() != null
                  && !e.body().isEmpty()
                  && !e.body().equals(e.error().body())
              ? e.body()
              : reasons(status.intValue());
      fields.put("Response Status", SwiftStatus.line(status));
      fields.put("Response Body", body);
    } else if (!stored.problems().isEmpty()) {
      problems = stored.problems();
      fields.put("Response Status", SwiftStatus.line(StatusCodes.BAD_REQUEST));
      fields.put("Response Body", reasons(400));
    } else {
      HttpResponse created = stored.created().orElseThrow();
      fields.put("Response Status", SwiftStatus.line(created.status()));
      created.getHeader("Etag").ifPresent(h -> fields.put("Etag", h.value()));
      created.getHeader("Last-Modified").ifPresent(h -> fields.put("Last Modified", h.value()));
      fields.put("Response Body", "");
    }
    return BulkResponseBody.render(format, fields, problems, "upload");
  }

  /** swob's RESPONSE_REASONS of a status: its reason and explanation, a line each. */
  private static String reasons(int status) {
    String line = SwiftStatus.line(StatusCodes.get(status));
    String reason = line.substring(line.indexOf(' ') + 1);
    String explanation = EXPLANATIONS.get(status);
    return explanation == null ? reason : reason + "\n" + explanation;
  }

  /** The manifest of a PUT, read (bounded) and parsed, its segments counted. */
  private CompletionStage<List<Input>> parse(ObjectWriter.Write w, boolean fromS3) {
    int maxSegments = fromS3 ? MultipartEtag.MAX_PARTS : SloManifest.MAX_MANIFEST_SEGMENTS;
    int maxSize = fromS3 ? MAX_S3_MANIFEST_SIZE : SloManifest.MAX_MANIFEST_SIZE;
    if (w.expectedLength().isPresent() && w.expectedLength().getAsLong() > maxSize) {
      w.body().runWith(Sink.cancelled(), objects.materializer());
      throw new SwiftException(
          SwiftError.REQUEST_ENTITY_TOO_LARGE, "Manifest File > " + maxSize + " bytes");
    }
    return w.body()
        .limitWeighted(maxSize, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, objects.materializer())
        .exceptionally(
            failure -> {
              if (SwiftErrors.unwrap(failure) instanceof StreamLimitReachedException) {
                throw new SwiftException(
                    SwiftError.REQUEST_ENTITY_TOO_LARGE, "Manifest File > " + maxSize + " bytes");
              }
              throw failure instanceof RuntimeException r ? r : new CompletionException(failure);
            })
        .thenApply(
            body -> {
              List<Input> inputs = SloManifest.parseInput(body, w.container(), w.name());
              long objectSegments = inputs.stream().filter(i -> i.data().isEmpty()).count();
              if (objectSegments > maxSegments) {
                throw new SwiftException(
                    SwiftError.REQUEST_ENTITY_TOO_LARGE,
                    "Number of object-backed segments must be <= " + maxSegments);
              }
              // Swift leaves inline data out of this count; counted here, every manifest read back
              // (GET, copy, multipart delete) has at most this many entries to expand.
              if (inputs.size() > maxSegments) {
                throw new SwiftException(
                    SwiftError.REQUEST_ENTITY_TOO_LARGE,
                    "Number of segments (object-backed and inline data) must be <= " + maxSegments);
              }
              return inputs;
            });
  }

  /** What a HEAD of a segment found: the segment as a client sees it, or its error status. */
  private record Checked(Optional<ObjectInfo> info, String status) {}

  /**
   * HEADs each distinct segment path, {@link #CONCURRENCY} at a time, as the client: a segment it
   * may not read is a problem with the status its own HEAD would get.
   */
  private CompletionStage<Map<String, Checked>> checkSegments(
      String account, List<Input> inputs, RequestContext request, Reach reach) {
    List<String> paths =
        inputs.stream().filter(i -> i.data().isEmpty()).map(Input::path).distinct().toList();
    return Source.from(paths)
        .mapAsync(
            CONCURRENCY,
            path -> {
              String relative = path.replaceFirst("^/+", "");
              String container = relative.substring(0, relative.indexOf('/'));
              String object = relative.substring(relative.indexOf('/') + 1);
              return reach
                  .denial("HEAD", Reach.object(account, container, object))
                  .thenCompose(
                      refused -> {
                        if (refused.isPresent()) {
                          var status = refused.get().error().status();
                          return CompletableFuture.completedFuture(
                              Map.entry(
                                  path,
                                  new Checked(
                                      Optional.empty(),
                                      status.intValue() + " " + status.reason())));
                        }
                        return objects
                            .head(account, container, object, request)
                            .thenCompose(
                                found ->
                                    found.isEmpty()
                                        ? CompletableFuture.completedFuture(found)
                                        : links
                                            .target(
                                                new ObjectLinks.Located(
                                                    account, container, object, found.get()),
                                                "HEAD",
                                                reach,
                                                request)
                                            .thenApply(end -> end.map(ObjectLinks.Located::info)))
                            .handle(
                                (found, failure) -> {
                                  if (failure != null) {
                                    var status =
                                        SwiftErrors.toResponse(failure, request.requestId())
                                            .status();
                                    return Map.entry(
                                        path,
                                        new Checked(
                                            Optional.empty(),
                                            status.intValue() + " " + status.reason()));
                                  }
                                  return Map.entry(
                                      path,
                                      found.isPresent()
                                          ? new Checked(found, "200 OK")
                                          : new Checked(Optional.empty(), "404 Not Found"));
                                });
                      });
            })
        .runWith(Sink.seq(), objects.materializer())
        .thenApply(
            entries -> {
              Map<String, Checked> result = new HashMap<>();
              entries.forEach(e -> result.put(e.getKey(), e.getValue()));
              return result;
            });
  }

  /** What storing a manifest came to: created, or the problems of its segments (nothing stored). */
  private record Stored(Optional<HttpResponse> created, List<String[]> problems) {}

  private CompletionStage<Stored> store(
      ObjectWriter.Write w,
      List<Input> inputs,
      Map<String, Checked> checked,
      Optional<String> clientEtag,
      RequestContext request,
      Optional<String> s3Etag) {
    List<String[]> problems = new ArrayList<>();
    List<Segment> segments = new ArrayList<>();
    int last = inputs.isEmpty() ? -1 : inputs.get(inputs.size() - 1).index();
    for (Input in : inputs) {
      if (in.data().isPresent()) {
        segments.add(
            new Segment(
                "", in.data().get().length, "", "", "", Optional.empty(), false, in.data()));
        continue;
      }
      Checked head = checked.get(in.path());
      String quoted = PyText.quote(in.path());
      if (head.info().isEmpty()) {
        problems.add(new String[] {quoted, head.status()});
        continue;
      }
      ObjectInfo info = head.info().get();
      boolean subSlo = SloManifest.isSlo(info);
      long length = subSlo ? SloManifest.storedSize(info).orElse(info.size()) : info.size();
      String etag = subSlo ? SloManifest.storedEtag(info).orElse(info.etag()) : info.etag();
      long segmentLength = length;
      Optional<String> range = Optional.empty();
      if (in.range().isPresent()) {
        var ranges = RangeHeader.resolve(in.range().get(), length);
        if (ranges.isEmpty()) {
          problems.add(new String[] {quoted, "Unsatisfiable Range"});
        } else if (!(ranges.get(0).first() == 0 && ranges.get(0).last() == length - 1)) {
          range = Optional.of(ranges.get(0).first() + "-" + ranges.get(0).last());
          segmentLength = ranges.get(0).length();
        }
      }
      if (segmentLength < SloManifest.MIN_SEGMENT_SIZE && in.index() != last) {
        problems.add(new String[] {quoted, "Too small; each segment must be at least 1 byte."});
      }
      if (in.sizeBytes().isPresent() && in.sizeBytes().getAsLong() != length) {
        problems.add(new String[] {quoted, "Size Mismatch"});
      }
      if (in.etag().isPresent() && !in.etag().get().equals(etag)) {
        problems.add(new String[] {quoted, "Etag Mismatch"});
      }
      segments.add(
          new Segment(
              "/" + in.path().replaceFirst("^/+", ""),
              length,
              etag,
              SwiftHeaders.cleanContentType(info.contentType()),
              SwiftDates.segmentDate(info.timestamp()),
              range,
              subSlo,
              Optional.empty()));
    }
    if (!problems.isEmpty()) {
      return CompletableFuture.completedFuture(new Stored(Optional.empty(), problems));
    }
    String sloEtag = SloManifest.etag(segments);
    long total = SloManifest.size(segments);
    if (clientEtag.isPresent() && !Conditions.unquote(clientEtag.get().trim()).equals(sloEtag)) {
      throw new SwiftException(SwiftError.UNPROCESSABLE_ENTITY);
    }
    ByteString manifest = SloManifest.storedFormat(segments);
    Map<String, String> metadata = new LinkedHashMap<>(w.metadata());
    metadata.put(SloManifest.HEADER, "True");
    metadata.put(SloManifest.SYSMETA_ETAG, sloEtag);
    metadata.put(SloManifest.SYSMETA_SIZE, Long.toString(total));
    ObjectWriter.Write manifestWrite =
        w.withContent(
            SwiftHeaders.cleanContentType(w.contentType())
                + ";swift_bytes="
                + total
                + ";swift_slo_etag="
                + sloEtag
                + s3Etag.map(MultipartEtag::param).orElse(""),
            metadata,
            Optional.empty(),
            OptionalLong.of(manifest.size()),
            Source.single(manifest));
    return writer
        .write(manifestWrite, request)
        .thenApply(
            info ->
                new Stored(
                    Optional.of(
                        Responses.empty(
                            StatusCodes.CREATED,
                            Responses.headers()
                                .add("Etag", "\"" + sloEtag + "\"")
                                .add("Last-Modified", info.timestamp().toHttpDate())
                                .add("X-Timestamp", info.timestamp().internal())
                                .list())),
                    List.of()));
  }

  // ---- DELETE -------------------------------------------------------------------------------

  /** Swift's bound on what one {@code ?multipart-manifest=delete} lists: its answer past it. */
  public static final int MAX_BUFFERED_DELETES = SloManifest.MAX_MANIFEST_SEGMENTS * 10;

  public static final String TOO_MANY_BUFFERED = "Too many buffered slo segments to delete.";

  /** What Swift reports for a manifest it could not read (its refusal other than 401 included). */
  public static final String UNABLE_TO_LOAD = "Unable to load SLO manifest or segment.";

  /** One object {@code ?multipart-manifest=delete} deletes, or the error that stands for it. */
  private record Doomed(String name, Optional<String[]> error, boolean notFound) {}

  /**
   * {@code ?multipart-manifest=delete}: the segments, nested manifests after their segments, and
   * the manifest last, each deleted as a client DELETE; the answer is 200 with a bulk delete report
   * (its "Response Status" tells the outcome), as Swift's. As in Swift's slo, every manifest is
   * read with the client's own GET and every object deleted with the client's own DELETE: what the
   * client may not read or delete is reported, not touched.
   */
  public CompletionStage<HttpResponse> delete(
      String account,
      String container,
      String name,
      Optional<String> accept,
      RequestContext request,
      Reach reach) {
    Optional<String> format = BulkResponseBody.bestMatch(accept);
    Map<String, Object> report = new TreeMap<>();
    report.put("Response Status", "200 OK");
    report.put("Response Body", "");
    report.put("Number Deleted", 0L);
    report.put("Number Not Found", 0L);
    List<String[]> failed = new ArrayList<>();
    String out = format.orElse("text/plain");
    if (format.isEmpty()) {
      report.put("Response Status", "406 Not Acceptable");
      report.put("Response Body", "");
      return CompletableFuture.completedFuture(report(out, report, failed));
    }
    DeleteExpansion expansion = new DeleteExpansion(account, request, reach);
    return expansion
        .expand("/" + container + "/" + name, 1, List.of())
        .thenCompose(
            done -> {
              AtomicBoolean serverError = new AtomicBoolean();
              return Source.from(expansion.doomed)
                  .mapAsync(
                      CONCURRENCY,
                      d -> {
                        if (d.error().isPresent() || d.notFound()) {
                          return CompletableFuture.completedFuture(d);
                        }
                        String relative = d.name().replaceFirst("^/+", "");
                        String c = relative.substring(0, relative.indexOf('/'));
                        String o = relative.substring(relative.indexOf('/') + 1);
                        return reach
                            .denial("DELETE", Reach.object(account, c, o))
                            .thenCompose(
                                refused -> {
                                  if (refused.isPresent()) {
                                    var status = refused.get().error().status();
                                    return CompletableFuture.completedFuture(
                                        new Doomed(
                                            d.name(),
                                            Optional.of(
                                                new String[] {
                                                  PyText.quote(d.name()),
                                                  status.intValue() + " " + status.reason()
                                                }),
                                            false));
                                  }
                                  return writer
                                      .delete(account, c, o, SwiftTimestamp.now(), false, request)
                                      .handle(
                                          (deleted, failure) -> {
                                            if (failure != null) {
                                              var status =
                                                  SwiftErrors.toResponse(
                                                          failure, request.requestId())
                                                      .status();
                                              if (status.intValue() >= 500) {
                                                serverError.set(true);
                                              }
                                              return new Doomed(
                                                  d.name(),
                                                  Optional.of(
                                                      new String[] {
                                                        PyText.quote(d.name()),
                                                        status.intValue() + " " + status.reason()
                                                      }),
                                                  false);
                                            }
                                            return new Doomed(d.name(), Optional.empty(), !deleted);
                                          });
                                });
                      })
                  .runWith(Sink.seq(), objects.materializer())
                  .thenApply(
                      results -> {
                        long deleted = 0;
                        long notFound = 0;
                        for (Doomed d : results) {
                          if (d.error().isPresent()) {
                            failed.add(d.error().get());
                          } else if (d.notFound()) {
                            notFound++;
                          } else {
                            deleted++;
                          }
                        }
                        report.put("Number Deleted", deleted);
                        report.put("Number Not Found", notFound);
                        if (!failed.isEmpty()) {
                          report.put(
                              "Response Status",
                              serverError.get() ? "502 Bad Gateway" : "400 Bad Request");
                        } else if (deleted == 0 && notFound == 0) {
                          report.put("Response Status", "400 Bad Request");
                          report.put("Response Body", "Invalid bulk delete.");
                        }
                        return report(out, report, failed);
                      });
            })
        .exceptionally(
            failure -> {
              Throwable t = SwiftErrors.unwrap(failure);
              HttpResponse error = SwiftErrors.toResponse(t, request.requestId());
              report.put(
                  "Response Status", error.status().intValue() + " " + error.status().reason());
              report.put("Response Body", t instanceof SwiftException s ? s.body() : "");
              return report(out, report, failed);
            });
  }

  /** A manifest as the client's GET found it: its segments, or what stands for it in the report. */
  private record Loaded(Optional<List<Segment>> segments, Optional<Doomed> instead) {}

  /**
   * Lists what deleting one manifest deletes, its segments first. Bounded as it goes, not after:
   * every entry of every manifest read counts toward {@link #MAX_BUFFERED_DELETES} (inline data
   * too, as in Swift's queue), each manifest is read once per request however often it is listed,
   * and a manifest that lists one of its ancestors (a loop, which Swift expands until the same
   * bound) is refused at once with Swift's answer.
   */
  private final class DeleteExpansion {
    final List<Doomed> doomed = new ArrayList<>();
    private final Map<String, CompletionStage<Loaded>> read = new HashMap<>();
    private final String account;
    private final RequestContext request;
    private final Reach reach;
    private int counted = 1;
    private int limit = MAX_BUFFERED_DELETES;

    DeleteExpansion(String account, RequestContext request, Reach reach) {
      this.account = account;
      this.request = request;
      this.reach = reach;
    }

    CompletionStage<Void> expand(String path, int depth, List<String> ancestors) {
      if (ancestors.contains(path)) {
        throw new SwiftException(SwiftError.BAD_REQUEST, TOO_MANY_BUFFERED);
      }
      return read.computeIfAbsent(path, this::load)
          .thenCompose(
              loaded -> {
                if (loaded.instead().isPresent()) {
                  doomed.add(loaded.instead().get());
                  return CompletableFuture.completedFuture(null);
                }
                List<Segment> segments = loaded.segments().orElseThrow();
                counted += segments.size();
                if (counted > limit) {
                  throw new SwiftException(SwiftError.BAD_REQUEST, TOO_MANY_BUFFERED);
                }
                List<String> lineage = new ArrayList<>(ancestors);
                lineage.add(path);
                CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
                for (Segment s : segments) {
                  if (s.data().isPresent()) {
                    continue;
                  }
                  if (s.subSlo() && depth < SloManifest.MAX_RECURSION_DEPTH) {
                    chain = chain.thenCompose(v -> expand(s.name(), depth + 1, lineage));
                  } else {
                    chain =
                        chain.thenApply(
                            v -> {
                              doomed.add(new Doomed(s.name(), Optional.empty(), false));
                              return null;
                            });
                  }
                }
                return chain.thenApply(
                    v -> {
                      doomed.add(new Doomed(path, Optional.empty(), false));
                      return null;
                    });
              });
    }

    /** {@code get_slo_segments}: the manifest read with the client's GET. */
    private CompletionStage<Loaded> load(String path) {
      String relative = path.replaceFirst("^/+", "");
      String container = relative.substring(0, relative.indexOf('/'));
      String object = relative.substring(relative.indexOf('/') + 1);
      return reach
          .denial("GET", Reach.object(account, container, object))
          .thenCompose(
              refused -> {
                if (refused.isPresent()) {
                  boolean unauthorized = refused.get().error() == SwiftError.UNAUTHORIZED;
                  return CompletableFuture.completedFuture(
                      error(path, unauthorized ? "401 Unauthorized" : UNABLE_TO_LOAD));
                }
                return objects
                    .get(account, container, object, Optional.empty(), request)
                    .thenCompose(
                        found -> {
                          if (found.isEmpty()) {
                            return CompletableFuture.completedFuture(
                                new Loaded(
                                    Optional.empty(),
                                    Optional.of(new Doomed(path, Optional.empty(), true))));
                          }
                          if (!SloManifest.isSlo(found.get().info())) {
                            found.get().data().runWith(Sink.cancelled(), objects.materializer());
                            return CompletableFuture.completedFuture(
                                error(path, "Not an SLO manifest"));
                          }
                          if (MultipartEtag.ofContentType(found.get().info().contentType())
                              .isPresent()) {
                            // a completed S3 upload was accepted with up to S3's count of parts
                            limit = Math.max(limit, MultipartEtag.MAX_PARTS + 1);
                          }
                          return readManifest(found.get().data())
                              .thenApply(
                                  segments -> new Loaded(Optional.of(segments), Optional.empty()));
                        })
                    .exceptionally(
                        failure -> {
                          Throwable t = SwiftErrors.unwrap(failure);
                          if (t instanceof GatewayException g
                              && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                            return new Loaded(
                                Optional.empty(),
                                Optional.of(new Doomed(path, Optional.empty(), true)));
                          }
                          if (t instanceof SwiftException s
                              && s.error() == SwiftError.INTERNAL_ERROR) {
                            return error(path, s.body());
                          }
                          return error(path, UNABLE_TO_LOAD);
                        });
              });
    }

    private Loaded error(String path, String message) {
      return new Loaded(
          Optional.empty(),
          Optional.of(
              new Doomed(path, Optional.of(new String[] {PyText.quote(path), message}), false)));
    }
  }

  private static HttpResponse report(
      String format, Map<String, Object> report, List<String[]> failed) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                BulkResponseBody.contentType(format),
                BulkResponseBody.render(format, report, failed, "delete")));
  }
}
