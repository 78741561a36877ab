package io.archipelago.engine.integrity;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import io.archipelago.engine.container.ContainerRoute;
import io.archipelago.engine.container.ContainerRouteView;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectStoreException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of the scrubber over one backend: every object of every container that has a copy there,
 * read whole and checked against its ETag, one object at a time at the configured pace (bytes and
 * objects per second). The checkpoint is saved every few objects and at each container's end, so a
 * pass that stops (node leaving, restart) resumes where it was.
 */
final class Scrubber {

  private static final Logger log = LoggerFactory.getLogger(Scrubber.class);

  private final ActorSystem<?> system;
  private final Integrity integrity;
  private final IntegritySettings settings;
  private final Path checkpoints;
  private final Executor blocking;

  Scrubber(ActorSystem<?> system, Integrity integrity, Path checkpoints) {
    this.system = system;
    this.integrity = integrity;
    this.settings = integrity.settings();
    this.checkpoints = checkpoints;
    this.blocking =
        system
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("akka.actor.default-blocking-io-dispatcher"));
  }

  /** Mutable progress of the running pass; only its own chain touches it, one step at a time. */
  private final class Pass {
    final String backend;
    final BooleanSupplier stopped;
    ScrubCheckpoint checkpoint;
    long objects;
    long bytes;
    long corrupt;
    long sinceSave;
    boolean unavailable;
    Optional<String> lastError = Optional.empty();

    Pass(String backend, BooleanSupplier stopped, ScrubCheckpoint checkpoint) {
      this.backend = backend;
      this.stopped = stopped;
      this.checkpoint = checkpoint;
    }

    void report() {
      integrity
          .ledger()
          .scrubProgress(
              new IntegrityLedger.ScrubProgress(
                  backend,
                  checkpoint.passStartedAt(),
                  checkpoint.lastPassCompletedAt(),
                  checkpoint.container(),
                  objects,
                  bytes,
                  corrupt,
                  checkpoint.passesCompleted(),
                  lastError));
    }
  }

  /**
   * Runs a pass over the backend when one is due (none completed yet, or the last one completed at
   * least the scrub interval ago), resuming an interrupted one; completes at its end or as soon as
   * {@code stopped} says so.
   */
  CompletionStage<Void> runIfDue(String backend, BooleanSupplier stopped) {
    return CompletableFuture.supplyAsync(() -> ScrubCheckpoint.load(checkpoints, backend), blocking)
        .thenCompose(
            loaded -> {
              Instant now = Instant.now();
              boolean due =
                  loaded.passStartedAt().isPresent()
                      || loaded
                          .lastPassCompletedAt()
                          .map(last -> !last.plus(settings.scrubInterval()).isAfter(now))
                          .orElse(true);
              Pass pass =
                  new Pass(
                      backend,
                      stopped,
                      loaded.passStartedAt().isPresent() ? loaded : loaded.started(now));
              pass.report();
              if (!due) {
                return CompletableFuture.completedFuture(null);
              }
              List<String> containers = containersOn(backend, pass.checkpoint.container());
              return containers(pass, containers, 0)
                  .thenCompose(
                      finished -> {
                        if (!finished) {
                          return save(pass);
                        }
                        pass.checkpoint = pass.checkpoint.completed(Instant.now());
                        log.info(
                            "scrub pass over {} done: {} objects, {} bytes, {} corrupt",
                            backend,
                            pass.objects,
                            pass.bytes,
                            pass.corrupt);
                        pass.report();
                        return save(pass);
                      });
            });
  }

  /** The containers with a copy on the backend, in entity id order, from {@code from} on. */
  private List<String> containersOn(String backend, Optional<String> from) {
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, ContainerRoute> e : ContainerRouteView.get(system).routes().entrySet()) {
      ContainerRoute route = e.getValue();
      boolean holds =
          backend.equals(route.primaryBackend()) || route.replicaBackends().contains(backend);
      if (!route.deleted() && holds && (from.isEmpty() || e.getKey().compareTo(from.get()) >= 0)) {
        ids.add(e.getKey());
      }
    }
    ids.sort(String::compareTo);
    return ids;
  }

  /** Answers true when every container was scrubbed, false when the pass was stopped. */
  private CompletionStage<Boolean> containers(Pass pass, List<String> ids, int index) {
    if (pass.stopped.getAsBoolean()) {
      return CompletableFuture.completedFuture(false);
    }
    if (index >= ids.size()) {
      return CompletableFuture.completedFuture(true);
    }
    String id = ids.get(index);
    Optional<String> marker =
        pass.checkpoint.container().filter(id::equals).flatMap(c -> pass.checkpoint.marker());
    pass.checkpoint = pass.checkpoint.at(id, marker);
    int slash = id.indexOf('/');
    BackendContainer where = new BackendContainer(id.substring(0, slash), id.substring(slash + 1));
    return page(pass, where, marker)
        .thenCompose(
            finished ->
                finished
                    ? save(pass).thenCompose(ok -> containers(pass, ids, index + 1))
                    : CompletableFuture.completedFuture(false));
  }

  private CompletionStage<Boolean> page(
      Pass pass, BackendContainer where, Optional<String> marker) {
    ListingQuery query =
        new ListingQuery(
            Optional.empty(),
            Optional.empty(),
            marker,
            Optional.empty(),
            settings.scrubPageSize(),
            false);
    return integrity
        .store(pass.backend)
        .list(where, query)
        .exceptionally(
            failure -> {
              pass.lastError = Optional.of(Integrity.unwrap(failure).toString());
              pass.unavailable =
                  Integrity.unwrap(failure) instanceof ObjectStoreException.BackendUnavailable;
              integrity.ledger().scrubError();
              return null;
            })
        .thenCompose(
            listing -> {
              if (listing == null) {
                // a backend that is down ends the pass unfinished (it resumes here later); a
                // container that failed otherwise is skipped
                return CompletableFuture.completedFuture(!pass.unavailable);
              }
              List<ListingEntry.ObjectRow> rows = new ArrayList<>();
              for (ListingEntry e : listing.entries()) {
                if (e instanceof ListingEntry.ObjectRow row) {
                  rows.add(row);
                }
              }
              boolean last = listing.entries().size() < settings.scrubPageSize() || rows.isEmpty();
              return objects(pass, where, rows, 0)
                  .thenCompose(
                      finished -> {
                        if (!finished || last) {
                          return CompletableFuture.completedFuture(finished);
                        }
                        return page(pass, where, Optional.of(rows.get(rows.size() - 1).name()));
                      });
            });
  }

  private CompletionStage<Boolean> objects(
      Pass pass, BackendContainer where, List<ListingEntry.ObjectRow> rows, int index) {
    if (pass.stopped.getAsBoolean()) {
      return CompletableFuture.completedFuture(false);
    }
    if (index >= rows.size()) {
      return CompletableFuture.completedFuture(true);
    }
    ListingEntry.ObjectRow row = rows.get(index);
    long corruptBefore = integrity.ledger().counters().scrubMismatches();
    return integrity
        .scrub(pass.backend, where, row.name())
        .handle(
            (read, failure) -> {
              if (failure != null) {
                pass.lastError = Optional.of(Integrity.unwrap(failure).toString());
                integrity.ledger().scrubError();
                return 0L;
              }
              integrity.ledger().scrubbed(read);
              return read;
            })
        .thenCompose(
            read -> {
              pass.objects++;
              pass.bytes += read;
              if (integrity.ledger().counters().scrubMismatches() > corruptBefore) {
                pass.corrupt++;
              }
              pass.checkpoint =
                  pass.checkpoint.at(pass.checkpoint.container().get(), Optional.of(row.name()));
              pass.report();
              CompletionStage<Void> saved =
                  ++pass.sinceSave >= settings.checkpointEvery()
                      ? save(pass)
                      : CompletableFuture.completedFuture(null);
              return saved.thenCompose(ok -> pause(read));
            })
        .thenCompose(ok -> objects(pass, where, rows, index + 1));
  }

  /** The pause after an object that keeps the pass within both rates. */
  private CompletionStage<Void> pause(long bytesRead) {
    long nanos =
        Math.max(
            1_000_000_000L / settings.scrubObjectsPerSecond(),
            (long) (bytesRead * 1e9 / settings.scrubBytesPerSecond()));
    return CompletableFuture.runAsync(
        () -> {}, CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, blocking));
  }

  private CompletionStage<Void> save(Pass pass) {
    pass.sinceSave = 0;
    ScrubCheckpoint checkpoint = pass.checkpoint;
    return CompletableFuture.runAsync(() -> checkpoint.save(checkpoints, pass.backend), blocking)
        .exceptionally(
            failure -> {
              log.warn("could not save the scrub checkpoint of {}: {}", pass.backend, failure);
              return null;
            });
  }
}
