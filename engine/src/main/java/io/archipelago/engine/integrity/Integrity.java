package io.archipelago.engine.integrity;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendKind;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks object bytes against their stored ETag (an MD5) as they stream, like Swift's object
 * auditor and its checks on read: a copy found corrupt is logged, counted, quarantined (moved out
 * of the namespace where the backend can, recorded otherwise) and restored from another copy of the
 * container (its primary or a replica) when one holds a good one. Large-object manifests and ETags
 * that are no plain MD5 (S3 multipart) are not checked.
 */
public final class Integrity {

  private static final Logger log = LoggerFactory.getLogger(Integrity.class);

  private static final Pattern MD5 = Pattern.compile("[0-9a-fA-F]{32}");

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final IntegritySettings settings;
  private final IntegrityLedger ledger;
  private final Materializer materializer;
  private final Path checkpoints;
  private final Executor blocking;

  /** The daemon name of the scrubber (one instance in the cluster). */
  public static final String SCRUBBER = "integrity-scrub";

  private Integrity(
      ActorSystem<?> system,
      BackendRegistry registry,
      IntegritySettings settings,
      Path checkpoints) {
    this.system = system;
    this.checkpoints = checkpoints;
    this.blocking =
        system
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("akka.actor.default-blocking-io-dispatcher"));
    this.registry = registry;
    this.settings = settings;
    this.ledger = IntegrityLedger.get(system);
    this.ledger.listSize(settings.quarantineListSize());
    this.materializer = Materializer.matFromSystem(system);
  }

  /**
   * Builds the node's integrity checks and, when {@code archipelago.integrity.scrub.enabled},
   * starts the scrubber as one ShardedDaemonProcess instance in the cluster (checkpoints under
   * {@code <data-dir>/integrity}).
   */
  public static Integrity start(ActorSystem<?> system, BackendRegistry registry, Path dataDir) {
    IntegritySettings settings = IntegritySettings.fromConfig(system.settings().config());
    Integrity integrity = new Integrity(system, registry, settings, dataDir.resolve("integrity"));
    if (settings.scrubEnabled()) {
      Scrubber scrubber = new Scrubber(system, integrity, integrity.checkpoints);
      ShardedDaemonProcess.get(system)
          .init(
              ScrubDaemon.Command.class,
              SCRUBBER,
              1,
              i -> ScrubDaemon.create(integrity, scrubber, registry, settings),
              ShardedDaemonProcessSettings.create(system),
              Optional.of(ScrubDaemon.Stop.INSTANCE));
    }
    return integrity;
  }

  /**
   * The scrubber's progress per backend of a scrubbed kind: this node's live view where it runs the
   * scrubber, else what the checkpoints say.
   */
  public CompletionStage<Map<String, IntegrityLedger.ScrubProgress>> scrubProgress() {
    List<String> backends =
        registry.backends().stream()
            .filter(b -> settings.scrubKinds().contains(b.kind()))
            .map(BackendDescriptor::id)
            .sorted()
            .toList();
    return CompletableFuture.supplyAsync(
        () -> {
          Map<String, IntegrityLedger.ScrubProgress> result = new TreeMap<>();
          for (String backend : backends) {
            Optional<IntegrityLedger.ScrubProgress> live = ledger.scrubProgress(backend);
            if (live.isPresent()) {
              result.put(backend, live.get());
              continue;
            }
            ScrubCheckpoint c = ScrubCheckpoint.load(checkpoints, backend);
            result.put(
                backend,
                new IntegrityLedger.ScrubProgress(
                    backend,
                    c.passStartedAt(),
                    c.lastPassCompletedAt(),
                    c.container(),
                    0,
                    0,
                    0,
                    c.passesCompleted(),
                    Optional.empty()));
          }
          return result;
        },
        blocking);
  }

  public IntegritySettings settings() {
    return settings;
  }

  public IntegrityLedger ledger() {
    return ledger;
  }

  /** Whether the object's stored ETag is the MD5 of its bytes (not a manifest, not multipart). */
  public static boolean verifiable(ObjectInfo info) {
    return MD5.matcher(Etags.bare(info.etag())).matches()
        && !info.metadata().containsKey("x-static-large-object")
        && !info.metadata().containsKey("x-object-manifest");
  }

  /**
   * The content with its bytes checked as they pass when it is a whole verifiable object (a range
   * from the first to the last byte counts as whole); otherwise the content as it is. The check is
   * the CRC-32C the store recorded when the bytes were written where it has one, else the MD5 of
   * the ETag.
   */
  public ObjectContent verifyingRead(
      String backend, BackendContainer where, ObjectContent content) {
    ObjectInfo info = content.info();
    boolean whole =
        content.range().isEmpty()
            || (content.range().get().first() == 0
                && content.range().get().length() == info.size());
    if (!settings.verifyOnRead() || content.rangeNotSatisfiable() || !whole || !verifiable(info)) {
      return content;
    }
    return new ObjectContent(
        info,
        content.range(),
        false,
        content
            .data()
            .via(
                new VerifyingFlow(
                    info.size(),
                    Etags.bare(info.etag()),
                    content.crc32c(),
                    reason ->
                        corrupt(backend, where, info, reason, IntegrityLedger.DetectedBy.READ),
                    bytes -> ledger.readVerified(),
                    isLocal(backend))));
  }

  /**
   * Reads one object whole and checks it (the scrubber); answers the bytes read, 0 when it is gone
   * or not verifiable. A corrupt copy is handled before the stage completes normally.
   */
  CompletionStage<Long> scrub(String backend, BackendContainer where, String name) {
    ObjectStore store = store(backend);
    return store
        .get(where, name, Optional.<ByteRange>empty())
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(0L);
              }
              ObjectContent content = found.get();
              ObjectInfo info = content.info();
              if (!verifiable(info)) {
                content.data().runWith(Sink.cancelled(), materializer);
                return CompletableFuture.completedFuture(0L);
              }
              CompletableFuture<String> corrupt = new CompletableFuture<>();
              return content
                  .data()
                  .via(
                      new VerifyingFlow(
                          info.size(),
                          Etags.bare(info.etag()),
                          corrupt::complete,
                          bytes -> {},
                          isLocal(backend)))
                  .runWith(Sink.ignore(), materializer)
                  .handle(
                      (done, failure) -> {
                        if (corrupt.isDone()) {
                          corrupt(
                              backend,
                              where,
                              info,
                              corrupt.join(),
                              IntegrityLedger.DetectedBy.SCRUB);
                          return info.size();
                        }
                        if (failure != null) {
                          throw new CompletionException(failure);
                        }
                        return info.size();
                      });
            });
  }

  /** A copy found corrupt: log, count, quarantine, repair. Never fails; runs in the background. */
  void corrupt(
      String backend,
      BackendContainer where,
      ObjectInfo info,
      String reason,
      IntegrityLedger.DetectedBy by) {
    log.warn(
        "corrupt copy of {}/{} on {} (found by {}): {}",
        where,
        info.name(),
        backend,
        by.name().toLowerCase(),
        reason);
    ledger.mismatch(by);
    store(backend)
        .quarantine(where, info.name(), info.timestamp(), info.etag())
        .exceptionally(
            failure -> {
              log.warn(
                  "could not quarantine {}/{} on {}: {}",
                  where,
                  info.name(),
                  backend,
                  failure.toString());
              return false;
            })
        .thenAccept(
            moved -> {
              IntegrityLedger.Quarantined q =
                  new IntegrityLedger.Quarantined(
                      backend,
                      where.account(),
                      where.container(),
                      info.name(),
                      info.timestamp(),
                      info.etag(),
                      reason,
                      by,
                      Instant.now(),
                      moved,
                      Optional.empty());
              ledger.quarantined(q);
              if (moved && ledger.startRepair(q)) {
                repair(q);
              }
            });
  }

  /** Tries again the repairs that found no good copy (a replica was down, say), quietly. */
  CompletionStage<Void> retryRepairs() {
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (IntegrityLedger.Quarantined q : ledger.awaitingRepair()) {
      chain = chain.thenCompose(ok -> repair(q, true).handle((r, f) -> null));
    }
    return chain;
  }

  private CompletionStage<Boolean> repair(IntegrityLedger.Quarantined q) {
    return repair(q, false);
  }

  /**
   * Restores a quarantined copy from another copy of its container; answers whether it did. A retry
   * that fails again is neither logged nor counted again.
   */
  private CompletionStage<Boolean> repair(IntegrityLedger.Quarantined q, boolean retry) {
    BackendContainer where = new BackendContainer(q.account(), q.container());
    return containerState(where)
        .thenCompose(
            state -> {
              List<String> copies = new ArrayList<>();
              copies.add(state.primaryBackend());
              copies.addAll(state.replicaBackends());
              if (!copies.remove(q.backend())) {
                // no longer a copy of this container: nothing to restore
                ledger.repairDone(q.backend(), where, q.name());
                return CompletableFuture.completedFuture(false);
              }
              return repairFrom(copies, 0, q, where, retry);
            })
        .exceptionally(
            failure -> {
              if (retry) {
                return false;
              }
              log.info(
                  "repair of {}/{} on {} waits: {}",
                  where,
                  q.name(),
                  q.backend(),
                  unwrap(failure).toString());
              ledger.repairFailed();
              return false;
            });
  }

  private CompletionStage<Boolean> repairFrom(
      List<String> sources,
      int index,
      IntegrityLedger.Quarantined q,
      BackendContainer where,
      boolean retry) {
    if (index >= sources.size()) {
      if (retry) {
        return CompletableFuture.completedFuture(false);
      }
      ledger.repairFailed();
      log.warn(
          "no good copy of {}/{} to restore on {} yet; it stays quarantined",
          where,
          q.name(),
          q.backend());
      return CompletableFuture.completedFuture(false);
    }
    String source = sources.get(index);
    return copy(source, q.backend(), where, q.name())
        .handle(
            (copied, failure) -> {
              if (failure == null && copied) {
                ledger.repairDone(q.backend(), where, q.name());
                ledger.repaired(q, source);
                log.info("restored {}/{} on {} from {}", where, q.name(), q.backend(), source);
                return CompletableFuture.completedFuture(true);
              }
              if (failure != null && !retry) {
                log.info(
                    "no repair of {}/{} from {}: {}",
                    where,
                    q.name(),
                    source,
                    unwrap(failure).toString());
              }
              return repairFrom(sources, index + 1, q, where, retry);
            })
        .thenCompose(x -> x);
  }

  /**
   * Streams the source's version to the target, which checks it against the source's ETag and size
   * as it arrives (a corrupt source stores nothing). A newer version on the target ends the repair
   * too: it needs none.
   */
  private CompletionStage<Boolean> copy(
      String from, String to, BackendContainer where, String name) {
    return store(from)
        .get(where, name, Optional.empty())
        .thenCompose(
            found -> {
              if (found.isEmpty() || !verifiable(found.get().info())) {
                found.ifPresent(c -> c.data().runWith(Sink.cancelled(), materializer));
                return CompletableFuture.completedFuture(false);
              }
              ObjectInfo info = found.get().info();
              ObjectAttributes attributes =
                  new ObjectAttributes(
                      info.contentType(),
                      info.timestamp(),
                      info.metadata(),
                      Optional.of(info.etag()),
                      OptionalLong.of(info.size()));
              return store(to)
                  .put(where, name, attributes, found.get().data())
                  .thenApply(put -> true)
                  .exceptionally(
                      failure -> {
                        if (unwrap(failure) instanceof ObjectStoreException.NewerExists) {
                          return true;
                        }
                        throw new CompletionException(unwrap(failure));
                      });
            });
  }

  private CompletionStage<ContainerState> containerState(BackendContainer where) {
    return ContainerEntity.<ContainerEntity.SyncStatus>ask(
            ClusterSharding.get(system)
                .entityRefFor(
                    ContainerEntity.TYPE_KEY,
                    ContainerEntity.entityId(where.account(), where.container())),
            ContainerEntity.GetSyncStatus::new,
            settings.askTimeout())
        .thenApply(ContainerEntity.SyncStatus::state);
  }

  /** Whether the backend's bytes are local files: a read that ends early means a short file. */
  private boolean isLocal(String backend) {
    return registry
        .descriptor(backend)
        .map(BackendDescriptor::kind)
        .filter(k -> k == BackendKind.FILESYSTEM)
        .isPresent();
  }

  ObjectStore store(String backend) {
    return registry
        .store(backend)
        .orElseThrow(
            () ->
                new ObjectStoreException.BackendUnavailable(
                    backend, "not configured on this node", null));
  }

  static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
