package io.archipelago.http.middleware.dlo;

import akka.stream.javadsl.Source;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.LargeObjectPiece;
import io.archipelago.http.swift.LargeObjectViews;
import io.archipelago.http.swift.ObjectReader;
import io.archipelago.http.swift.ObjectView;
import io.archipelago.http.swift.Reach;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Dynamic large objects (Swift's {@code dlo} middleware): an object with {@code X-Object-Manifest:
 * <container>/<prefix>} reads as the concatenation, in listing order, of the objects of that
 * container whose names start with the prefix. Its length is their sum, its ETag the quoted MD5 of
 * their concatenated ETags. The segment container may live on any backend: segments are listed and
 * read through the gateway's own operations.
 */
public final class DynamicLargeObjects implements LargeObjectViews {

  public static final String MANIFEST_HEADER = "x-object-manifest";

  /** The segments a manifest stands for, in order. */
  public record Segments(String container, List<ListingEntry.ObjectRow> rows) {
    public long size() {
      return rows.stream().mapToLong(ListingEntry.ObjectRow::size).sum();
    }

    public String etag() {
      MessageDigest md5 = md5();
      rows.forEach(r -> md5.update(Conditions.unquote(r.etag()).getBytes(StandardCharsets.UTF_8)));
      return "\"" + HexFormat.of().formatHex(md5.digest()) + "\"";
    }
  }

  private final LiveObjects objects;
  private final ContainerOps containers;

  public DynamicLargeObjects(LiveObjects objects, ContainerOps containers) {
    this.objects = objects;
    this.containers = containers;
  }

  /**
   * A manifest read as the concatenation of its segments; as itself with {@code
   * ?multipart-manifest=get}.
   */
  @Override
  public Optional<CompletionStage<ObjectView>> view(
      ObjectReader.ReadRequest r, ObjectReader.Stored stored) {
    ObjectInfo info = stored.info();
    Optional<String> manifest = manifest(info);
    if (manifest.isEmpty() || r.manifestGet()) {
      return Optional.empty();
    }
    stored.discard();
    String cleanType = SwiftHeaders.cleanContentType(info.contentType());
    return Optional.of(
        segments(r.account(), manifest.get(), r.reach())
            .thenApply(
                segments -> {
                  String etag = segments.etag();
                  return new ObjectView(
                      info,
                      ObjectView.Kind.DYNAMIC_LARGE_OBJECT,
                      segments.size(),
                      etag,
                      cleanType,
                      ObjectReader.headers(info, etag),
                      body(r.account(), segments, r.context(), r.reach()));
                }));
  }

  /** The PUT check of dlo.py on the request's X-Object-Manifest. */
  public static void checkPut(SwiftRequest request) {
    checkManifestHeader(request.header(MANIFEST_HEADER));
  }

  public static Optional<String> manifest(ObjectInfo info) {
    return Optional.ofNullable(info.metadata().get(MANIFEST_HEADER)).filter(v -> !v.isEmpty());
  }

  /** The PUT check of dlo.py: {@code container/prefix}, no query characters, no leading '/'. */
  public static void checkManifestHeader(Optional<String> value) {
    if (value.isEmpty()) {
      return;
    }
    String v = value.get();
    int slash = v.indexOf('/');
    String container = slash < 0 ? "" : v.substring(0, slash);
    String prefix = slash < 0 ? "" : v.substring(slash + 1);
    if (container.isEmpty()
        || prefix.isEmpty()
        || v.contains("?")
        || v.contains("&")
        || prefix.startsWith("/")) {
      throw new SwiftException(
          SwiftError.BAD_REQUEST, "X-Object-Manifest must be in the format container/prefix");
    }
  }

  /**
   * Lists every segment of the manifest (all listing pages), as the client's own GET of the segment
   * container: a listing it may not make fails with its refusal (403 or 401), as Swift's dlo
   * answers the manifest GET or HEAD with the listing's error.
   */
  public CompletionStage<Segments> segments(String account, String manifestValue, Reach reach) {
    String decoded = RequestPath.decode(manifestValue, false);
    int slash = decoded.indexOf('/');
    String container = slash < 0 ? decoded : decoded.substring(0, slash);
    String prefix = slash < 0 ? "" : decoded.substring(slash + 1);
    return reach
        .require("GET", Reach.container(account, container))
        .thenCompose(
            allowed -> page(account, container, prefix, Optional.empty(), new ArrayList<>()))
        .thenApply(rows -> new Segments(container, rows));
  }

  private CompletionStage<List<ListingEntry.ObjectRow>> page(
      String account,
      String container,
      String prefix,
      Optional<String> marker,
      List<ListingEntry.ObjectRow> rows) {
    ListingQuery query =
        new ListingQuery(
            prefix.isEmpty() ? Optional.empty() : Optional.of(prefix),
            Optional.empty(),
            marker,
            Optional.empty(),
            Constraints.CONTAINER_LISTING_LIMIT,
            false);
    return containers
        .list(account, container, query)
        .thenCompose(
            listing -> {
              var entries = listing.page().entries();
              entries.forEach(
                  e -> {
                    if (e instanceof ListingEntry.ObjectRow row) {
                      rows.add(row);
                    }
                  });
              if (entries.size() < Constraints.CONTAINER_LISTING_LIMIT) {
                return CompletableFuture.completedFuture(rows);
              }
              return page(
                  account,
                  container,
                  prefix,
                  Optional.of(entries.get(entries.size() - 1).sortKey()),
                  rows);
            });
  }

  /** The bytes of the concatenation, by range; each segment is read and checked for its size. */
  public ObjectView.Body body(
      String account, Segments segments, RequestContext request, Reach reach) {
    return (first, last) -> {
      List<LargeObjectPiece> pieces = new ArrayList<>();
      long offset = 0;
      for (ListingEntry.ObjectRow row : segments.rows()) {
        long start = offset;
        long end = offset + row.size() - 1;
        offset += row.size();
        if (row.size() == 0 || end < first) {
          continue;
        }
        if (start > last) {
          break;
        }
        pieces.add(
            new LargeObjectPiece(
                segments.container(),
                row.name(),
                Math.max(first, start) - start,
                Math.min(last, end) - start,
                Optional.empty(),
                row.size()));
      }
      return Source.from(pieces).flatMapConcat(p -> p.open(objects, account, request, reach));
    };
  }

  public static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
