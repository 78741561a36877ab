package io.archipelago.http.swift;

import akka.NotUsed;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.Conditions;
import io.archipelago.http.protocol.SegmentError;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Bytes {@code first..last} (inclusive) of one segment object of a large object. Opening it
 * (lazily, when the stream reaches it) reads the range through the gateway (the segment's container
 * may be on another backend) and checks that the segment is still what the manifest says: its ETag
 * (SLO) and its size.
 */
public record LargeObjectPiece(
    String container, String object, long first, long last, Optional<String> etag, long size) {

  /**
   * The bytes, read as the client's own GET of the segment would be: a segment the client may not
   * read fails as one that is gone.
   */
  public Source<ByteString, NotUsed> open(
      LiveObjects objects, String account, RequestContext request, Reach reach) {
    return open(objects, account, request, reach, ObjectLinks.NONE);
  }

  /**
   * The bytes, read as the client's own GET of the segment would be: a segment the client may not
   * read fails as one that is gone; a segment that is a symlink is read as its target ({@code
   * links}), whose ETag and size the manifest must then have.
   */
  public Source<ByteString, NotUsed> open(
      LiveObjects objects, String account, RequestContext request, Reach reach, ObjectLinks links) {
    return Source.lazyCompletionStageSource(
            () ->
                reach
                    .denial("GET", Reach.object(account, container, object))
                    .thenCompose(
                        refused -> {
                          if (refused.isPresent()) {
                            throw new SegmentError(
                                "segment /"
                                    + container
                                    + "/"
                                    + object
                                    + ": "
                                    + refused.get().error().status().intValue()
                                    + " "
                                    + refused.get().error().status().reason());
                          }
                          return objects.get(
                              account,
                              container,
                              object,
                              Optional.of(new ByteRange.FromTo(first, last)),
                              request);
                        })
                    .thenCompose(
                        found -> throughLinks(found, objects, account, request, reach, links))
                    .thenApply(
                        found -> {
                          if (found.isEmpty()) {
                            throw new SegmentError(
                                "segment /" + container + "/" + object + " not found");
                          }
                          ObjectContent content = found.get();
                          ObjectInfo info = content.info();
                          String mismatch = null;
                          if (etag.isPresent()
                              && !Conditions.unquote(etag.get()).equals(info.etag())) {
                            mismatch =
                                "etag " + info.etag() + " is not the manifest's " + etag.get();
                          } else if (info.size() != size) {
                            mismatch = "size " + info.size() + " is not the manifest's " + size;
                          } else if (content.rangeNotSatisfiable()) {
                            mismatch = "range " + first + "-" + last + " is not satisfiable";
                          }
                          if (mismatch != null) {
                            content.data().runWith(Sink.cancelled(), objects.materializer());
                            throw new SegmentError(
                                "segment /" + container + "/" + object + ": " + mismatch);
                          }
                          return content.data().mapMaterializedValue(m -> NotUsed.getInstance());
                        }))
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /** The segment read, or when it is a link, the same range of the object the link leads to. */
  private CompletionStage<Optional<ObjectContent>> throughLinks(
      Optional<ObjectContent> found,
      LiveObjects objects,
      String account,
      RequestContext request,
      Reach reach,
      ObjectLinks links) {
    if (found.isEmpty()) {
      return CompletableFuture.completedFuture(found);
    }
    ObjectLinks.Located segment =
        new ObjectLinks.Located(account, container, object, found.get().info());
    return links
        .target(segment, "GET", reach, request)
        .thenCompose(
            end -> {
              if (end.isPresent() && end.get().equals(segment)) {
                return CompletableFuture.completedFuture(found);
              }
              found.get().data().runWith(Sink.cancelled(), objects.materializer());
              if (end.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              ObjectLinks.Located target = end.get();
              return objects.get(
                  target.account(),
                  target.container(),
                  target.name(),
                  Optional.of(new ByteRange.FromTo(first, last)),
                  request);
            });
  }
}
