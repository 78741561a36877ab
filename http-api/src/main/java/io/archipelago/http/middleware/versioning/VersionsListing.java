package io.archipelago.http.middleware.versioning;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.protocol.AcceptHeader;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import io.archipelago.http.protocol.SwiftRequest;
import io.archipelago.http.swift.ContainerController;
import io.archipelago.http.swift.ListingParams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET <container>?versions}: every version of every object, as Swift's {@code
 * _list_versions} builds it (JSON only): the container's own page (the current versions) and the
 * page of its versions container, merged by name (a name's versions newest first), cut to the
 * limit. A current version is {@code is_latest}; so is a delete marker of a name without one.
 */
final class VersionsListing {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SEPARATOR_FOR_DEDUP = "\u0000";

  private final ObjectVersioning versioning;

  VersionsListing(ObjectVersioning versioning) {
    this.versioning = versioning;
  }

  /** One row of the answer and the name it sorts by. */
  /** One row of the answer, the name it sorts by and its version id (empty: null, or a subdir). */
  private record Row(String sortKey, String version, ObjectNode json) {}

  CompletionStage<HttpResponse> list(SwiftRequest request) {
    boolean json =
        request
            .queryParam("format")
            .map(f -> f.toLowerCase(Locale.ROOT).equals("json"))
            .orElseGet(
                () -> {
                  try {
                    return AcceptHeader.negotiate(
                            request.header("accept").orElse(null), List.of("application/json"))
                        .isPresent();
                  } catch (IllegalArgumentException malformed) {
                    throw SwiftException.plain(SwiftError.BAD_REQUEST, "Invalid Accept header");
                  }
                });
    if (!json) {
      throw new SwiftException(SwiftError.NOT_ACCEPTABLE);
    }
    ListingParams p = ListingParams.of(request);
    Optional<String> versionMarker = request.queryParam("version_marker");
    Optional<String> versionsMarker;
    if (versionMarker.isPresent()) {
      if (p.marker().isEmpty()) {
        throw SwiftException.plain(SwiftError.BAD_REQUEST, "version_marker param requires marker");
      }
      if (versionMarker.get().equals("null")) {
        versionsMarker = p.marker();
      } else {
        SwiftTimestamp ts;
        try {
          ts = SwiftTimestamp.parse(versionMarker.get());
        } catch (IllegalArgumentException e) {
          throw SwiftException.plain(SwiftError.BAD_REQUEST, "invalid version_marker param");
        }
        versionsMarker = Optional.of(ObjectVersioning.versionKey(p.marker().get(), ts));
      }
    } else {
      // past every version of the marker's name
      versionsMarker = p.marker().map(m -> m + "\u0001:");
    }
    if (p.delimiter().isPresent()
        && p.delimiter().get().chars().anyMatch(c -> "0123456789.\u0001".indexOf(c) >= 0)) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "invalid delimiter param");
    }
    String account = request.account();
    String container = request.container();
    ContainerOps containers = versioning.containers;
    ListingQuery primaryQuery =
        new ListingQuery(
            p.prefix(), p.delimiter(), p.marker(), p.endMarker(), p.limit(), p.reverse());
    ListingQuery versionsQuery =
        new ListingQuery(
            p.prefix(), p.delimiter(), versionsMarker, Optional.empty(), p.limit(), p.reverse());
    return containers
        .list(account, container, primaryQuery)
        .thenCompose(
            primary ->
                containers
                    .list(account, ObjectVersioning.versionsContainer(container), versionsQuery)
                    .thenApply(versions -> Optional.of(versions.page()))
                    .exceptionally(VersionsListing::absentIfNoContainer)
                    .thenCompose(
                        versions -> {
                          List<Row> rows = merge(primary.page(), versions, p.reverse(), p.limit());
                          ArrayNode body = JSON.createArrayNode();
                          rows.forEach(r -> body.add(r.json()));
                          List<HttpHeader> headers =
                              new ArrayList<>(ContainerController.headers(primary.state()));
                          return versioning
                              .withVersionsBytes(account, container, headers)
                              .thenApply(
                                  h ->
                                      HttpResponse.create()
                                          .withStatus(StatusCodes.OK)
                                          .withEntity(
                                              HttpEntities.create(
                                                  ContentTypes.APPLICATION_JSON, body.toString()))
                                          .addHeaders(h));
                        }));
  }

  private static Optional<ListingPage> absentIfNoContainer(Throwable failure) {
    Throwable t = SwiftErrors.unwrap(failure);
    if (t instanceof GatewayException g
        && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
      return Optional.empty();
    }
    throw t instanceof RuntimeException r ? r : new CompletionException(t);
  }

  private static List<Row> merge(
      ListingPage primary, Optional<ListingPage> versions, boolean reverse, int limit) {
    Set<String> subdirs = new TreeSet<>();
    Set<String> latest = new HashSet<>();
    // a current version with an expiry has a copy in the versions container: listed once
    Set<String> currentVersions = new HashSet<>();
    List<Row> current = new ArrayList<>();
    for (ListingEntry e : primary.entries()) {
      if (e instanceof ListingEntry.ObjectRow o) {
        Optional<String> id = SwiftHeaders.versionId(o.contentType());
        current.add(new Row(o.name(), id.orElse(""), row(o.name(), o, id.orElse("null"), true)));
        latest.add(o.name());
        id.ifPresent(v -> currentVersions.add(o.name() + SEPARATOR_FOR_DEDUP + v));
      } else {
        subdirs.add(e.sortKey());
      }
    }
    List<Row> older = new ArrayList<>();
    for (ListingEntry e : versions.map(ListingPage::entries).orElse(List.of())) {
      if (e instanceof ListingEntry.ObjectRow o) {
        var split = ObjectVersioning.splitKey(o.name());
        if (split.isEmpty()) {
          continue;
        }
        String name = split.get().getKey();
        if (currentVersions.contains(name + SEPARATOR_FOR_DEDUP + split.get().getValue())) {
          continue;
        }
        boolean isLatest =
            o.contentType().equals(ObjectVersioning.DELETE_MARKER_CONTENT_TYPE)
                && !latest.contains(name);
        if (isLatest) {
          latest.add(name);
        }
        older.add(
            new Row(name, split.get().getValue(), row(name, o, split.get().getValue(), isLatest)));
      } else {
        subdirs.add(e.sortKey());
      }
    }
    List<Row> all = new ArrayList<>(current);
    all.addAll(older);
    subdirs.forEach(s -> all.add(new Row(s, "", JSON.createObjectNode().put("subdir", s))));
    // By name; a name's null version first, then its versions newest first (oldest first in a
    // reverse listing), as Swift's listing of its versions container gives them.
    Comparator<Row> byName = Comparator.comparing(Row::sortKey, VersionsListing::utf8Order);
    Comparator<Row> nullFirst = Comparator.comparing(r -> !r.version().isEmpty());
    Comparator<Row> byVersion = Comparator.comparing(Row::version);
    all.sort(
        (reverse ? byName.reversed() : byName)
            .thenComparing(nullFirst)
            .thenComparing(reverse ? byVersion : byVersion.reversed()));
    return all.subList(0, Math.min(limit, all.size()));
  }

  private static int utf8Order(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static ObjectNode row(
      String name, ListingEntry.ObjectRow o, String versionId, boolean isLatest) {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", name);
    n.put("hash", o.etag());
    n.put("bytes", SwiftHeaders.swiftBytes(o.contentType()).orElse(o.size()));
    n.put("content_type", SwiftHeaders.cleanContentType(o.contentType()));
    n.put("last_modified", o.timestamp().toListingDate());
    n.put("version_id", versionId);
    n.put("is_latest", isLatest);
    return n;
  }
}
