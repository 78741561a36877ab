package io.archipelago.http.middleware.versioning;

import akka.Done;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import io.archipelago.engine.ops.GatewayException;
import io.archipelago.engine.ops.RequestContext;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.middleware.expiry.LiveObjects;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Swift's legacy object versioning ({@code versioned_writes}) of a container whose {@code
 * X-Versions-Location} (stack mode) or {@code X-History-Location} (history mode) names an archive
 * container of the same account.
 *
 * <p>Before an object is overwritten, its current version is copied into the archive as {@code
 * <3-hex UTF-8 length of name><name>/<its X-Timestamp>}. On DELETE, stack mode restores the newest
 * archived version in place of the object (and removes it from the archive); history mode archives
 * the current version, writes a zero-byte delete marker and deletes the object. Copies are raw (a
 * manifest is copied as a manifest) and go through {@code ObjectOps}, so the containers record them
 * like client writes; archive and restore writes get new timestamps. A failure to version fails the
 * request: 412 when the archive container is missing or refuses, 503 otherwise.
 */
public final class Versioning {

  public static final String DELETE_MARKER_CONTENT_TYPE =
      "application/x-deleted;swift_versions_deleted=1";
  public static final String VERSIONS_LOCATION = "x-versions-location";
  public static final String HISTORY_LOCATION = "x-history-location";

  public enum Mode {
    STACK,
    HISTORY
  }

  /** The versioning of a container: where versions go and how DELETE behaves. */
  public record Config(String archive, Mode mode) {}

  private final LiveObjects objects;
  private final ContainerOps containers;

  /**
   * The versioning headers of a container PUT or POST, as {@code versioned_writes} checks them,
   * applied to the container's metadata {@code changes}: one location at a time, a container name
   * without '/'; setting one clears the other, an empty value or X-Remove-Versions-Location /
   * X-Remove-History-Location clears both.
   */
  public static void containerChanges(SwiftRequest request, Map<String, String> changes) {
    Optional<String> stack = request.header(VERSIONS_LOCATION).map(String::trim);
    Optional<String> history = request.header(HISTORY_LOCATION).map(String::trim);
    if (stack.isPresent() && history.isPresent()) {
      if (history.get().isEmpty()) {
        history = Optional.empty();
      } else if (!stack.get().isEmpty()) {
        throw SwiftException.plain(
            SwiftError.BAD_REQUEST,
            "Only one of X-Versions-Location or X-History-Location may be specified");
      } else {
        stack = Optional.empty();
      }
    }
    changes.remove(VERSIONS_LOCATION);
    changes.remove(HISTORY_LOCATION);
    boolean remove =
        request.header("x-remove-versions-location").filter(v -> !v.isEmpty()).isPresent()
            || request.header("x-remove-history-location").filter(v -> !v.isEmpty()).isPresent();
    Optional<String> location = stack.isPresent() ? stack : history;
    if (location.isPresent() && !location.get().isEmpty()) {
      Constraints.checkNameFormat(location.get(), "Container");
      changes.put(VERSIONS_LOCATION, stack.isPresent() ? location.get() : "");
      changes.put(HISTORY_LOCATION, stack.isPresent() ? "" : location.get());
    } else if (location.isPresent() || remove) {
      changes.put(VERSIONS_LOCATION, "");
      changes.put(HISTORY_LOCATION, "");
    }
  }

  /** The {@code /info} section of this middleware. */
  public static void capabilities(ObjectNode info) {
    ArrayNode flags = info.putObject("versioned_writes").putArray("allowed_flags");
    flags.add(VERSIONS_LOCATION);
    flags.add(HISTORY_LOCATION);
  }

  public Versioning(LiveObjects objects, ContainerOps containers) {
    this.objects = objects;
    this.containers = containers;
  }

  /** The container's versioning, if on. */
  public static Optional<Config> of(ContainerState state) {
    String stack = state.metadata().get(VERSIONS_LOCATION);
    String history = state.metadata().get(HISTORY_LOCATION);
    if (stack != null && !stack.isEmpty()) {
      return archive(stack).map(c -> new Config(c, Mode.STACK));
    }
    if (history != null && !history.isEmpty()) {
      return archive(history).map(c -> new Config(c, Mode.HISTORY));
    }
    return Optional.empty();
  }

  /** The header value names the archive URL-encoded; anything after a '/' is ignored. */
  private static Optional<String> archive(String location) {
    String decoded;
    try {
      decoded = RequestPath.decode(location, false);
    } catch (SwiftException e) {
      return Optional.empty();
    }
    String container = decoded.split("/", -1)[0];
    return container.isEmpty() ? Optional.empty() : Optional.of(container);
  }

  /** {@code <length><name>/}: the archive prefix of all versions of {@code name}. */
  public static String prefix(String name) {
    return String.format(Locale.ROOT, "%03x", Constraints.length(name)) + name + "/";
  }

  public static String versionName(String name, SwiftTimestamp timestamp) {
    return prefix(name) + timestamp.internal();
  }

  /**
   * Copies the current version of the object, if there is one, into the archive; before a PUT (both
   * modes) and before a DELETE in history mode.
   */
  public CompletionStage<Done> archiveCurrent(
      String account, String container, String name, Config config, RequestContext request) {
    return objects
        .get(account, container, name, Optional.empty(), request)
        .thenCompose(
            current -> {
              if (current.isEmpty()) {
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              ObjectContent c = current.get();
              return rawCopy(
                      c,
                      account,
                      config.archive(),
                      versionName(name, c.info().timestamp()),
                      request)
                  .thenApply(info -> Done.getInstance());
            })
        .exceptionally(Versioning::failure);
  }

  /** History mode: the zero-byte marker noting when the object was deleted. */
  public CompletionStage<Done> writeDeleteMarker(
      String account, String name, Config config, RequestContext request) {
    ObjectAttributes marker =
        new ObjectAttributes(
            DELETE_MARKER_CONTENT_TYPE,
            SwiftTimestamp.now(),
            Map.of(),
            Optional.empty(),
            OptionalLong.of(0));
    return objects
        .ops()
        .put(
            account,
            config.archive(),
            versionName(name, SwiftTimestamp.now()),
            marker,
            Source.empty(),
            request)
        .thenApply(info -> Done.getInstance())
        .exceptionally(Versioning::failure);
  }

  /**
   * Stack mode DELETE: puts the newest archived version back in place of the object and answers the
   * archive object to delete instead of it; empty when nothing is archived (then the object itself
   * is deleted).
   */
  public CompletionStage<Optional<Target>> popVersion(
      String account, String container, String name, Config config, RequestContext request) {
    return listVersions(account, config.archive(), prefix(name))
        .thenCompose(versions -> pop(account, container, name, config, versions, 0, request))
        .exceptionally(Versioning::failure);
  }

  /** An object a DELETE is redirected to. */
  public record Target(String container, String name) {}

  private CompletionStage<Optional<Target>> pop(
      String account,
      String container,
      String name,
      Config config,
      List<ListingEntry.ObjectRow> versions,
      int index,
      RequestContext request) {
    if (index >= versions.size()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    ListingEntry.ObjectRow version = versions.get(index);
    if (isDeleteMarker(version)) {
      return objects
          .head(account, container, name, request)
          .thenCompose(
              current -> {
                if (current.isPresent()) {
                  // an object newer than the marker exists: delete it, back to the delete-marker
                  // state
                  return CompletableFuture.completedFuture(Optional.<Target>empty());
                }
                return restoreBeforeMarker(
                        account, container, name, config, versions, index + 1, request)
                    .thenApply(done -> Optional.of(new Target(config.archive(), version.name())));
              });
    }
    return restore(account, container, name, config, version, request)
        .thenCompose(
            restored ->
                restored
                    ? CompletableFuture.completedFuture(
                        Optional.of(new Target(config.archive(), version.name())))
                    : pop(account, container, name, config, versions, index + 1, request));
  }

  /**
   * Below a delete marker: restore the newest version older than it and drop it from the archive.
   */
  private CompletionStage<Done> restoreBeforeMarker(
      String account,
      String container,
      String name,
      Config config,
      List<ListingEntry.ObjectRow> versions,
      int index,
      RequestContext request) {
    if (index >= versions.size() || isDeleteMarker(versions.get(index))) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    ListingEntry.ObjectRow version = versions.get(index);
    return restore(account, container, name, config, version, request)
        .thenCompose(
            restored -> {
              if (!restored) {
                return restoreBeforeMarker(
                    account, container, name, config, versions, index + 1, request);
              }
              return LiveObjects.absentIfNotFound(
                      objects
                          .ops()
                          .delete(
                              account,
                              config.archive(),
                              version.name(),
                              SwiftTimestamp.now(),
                              request)
                          .thenApply(Optional::of))
                  .thenApply(d -> Done.getInstance());
            });
  }

  /** Copies an archived version back in place; false when it vanished meanwhile. */
  private CompletionStage<Boolean> restore(
      String account,
      String container,
      String name,
      Config config,
      ListingEntry.ObjectRow version,
      RequestContext request) {
    return objects
        .get(account, config.archive(), version.name(), Optional.empty(), request)
        .thenCompose(
            found ->
                found.isEmpty()
                    ? CompletableFuture.completedFuture(false)
                    : rawCopy(found.get(), account, container, name, request)
                        .thenApply(info -> true));
  }

  private static boolean isDeleteMarker(ListingEntry.ObjectRow row) {
    return row.contentType().equals(DELETE_MARKER_CONTENT_TYPE);
  }

  /** Every archived version of a name, newest first; none when the archive does not exist. */
  private CompletionStage<List<ListingEntry.ObjectRow>> listVersions(
      String account, String archive, String prefix) {
    List<ListingEntry.ObjectRow> rows = new ArrayList<>();
    return listPage(account, archive, prefix, Optional.empty(), rows)
        .exceptionally(
            failure -> {
              Throwable t = SwiftErrors.unwrap(failure);
              if (t instanceof GatewayException g
                  && g.reason() == GatewayException.Reason.CONTAINER_NOT_FOUND) {
                return List.of();
              }
              throw t instanceof RuntimeException r ? r : new CompletionException(t);
            });
  }

  private CompletionStage<List<ListingEntry.ObjectRow>> listPage(
      String account,
      String archive,
      String prefix,
      Optional<String> marker,
      List<ListingEntry.ObjectRow> rows) {
    ListingQuery query =
        new ListingQuery(
            Optional.of(prefix),
            Optional.empty(),
            marker,
            Optional.empty(),
            Constraints.CONTAINER_LISTING_LIMIT,
            true);
    return containers
        .list(account, archive, query)
        .thenCompose(
            listing -> {
              ListingPage page = listing.page();
              page.entries()
                  .forEach(
                      e -> {
                        if (e instanceof ListingEntry.ObjectRow row) {
                          rows.add(row);
                        }
                      });
              if (page.entries().size() < Constraints.CONTAINER_LISTING_LIMIT) {
                return CompletableFuture.completedFuture(rows);
              }
              String last = page.entries().get(page.entries().size() - 1).sortKey();
              return listPage(account, archive, prefix, Optional.of(last), rows);
            });
  }

  /**
   * Stores an opened object under another name as it is: content type, metadata (a manifest stays a
   * manifest), verified against its etag and length, with a new timestamp.
   */
  private CompletionStage<ObjectInfo> rawCopy(
      ObjectContent source, String account, String container, String name, RequestContext request) {
    ObjectInfo info = source.info();
    ObjectAttributes attributes =
        new ObjectAttributes(
            info.contentType(),
            SwiftTimestamp.now(),
            info.metadata(),
            Optional.of(info.etag()),
            OptionalLong.of(info.size()));
    return objects.ops().put(account, container, name, attributes, source.data(), request);
  }

  /** A client error while versioning is 412 for the request, anything else 503. */
  private static <T> T failure(Throwable failure) {
    Throwable t = SwiftErrors.unwrap(failure);
    if (t instanceof SwiftException s && s.error() == SwiftError.PRECONDITION_FAILED) {
      throw s;
    }
    int status = SwiftErrors.toResponse(t, "versioning").status().intValue();
    if (status >= 400 && status < 500) {
      throw new SwiftException(SwiftError.PRECONDITION_FAILED);
    }
    throw new SwiftException(SwiftError.SERVICE_UNAVAILABLE);
  }
}
