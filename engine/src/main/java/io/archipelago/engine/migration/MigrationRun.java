package io.archipelago.engine.migration;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.japi.Pair;
import akka.japi.function.Function;
import akka.stream.Materializer;
import akka.stream.ThrottleMode;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerReply;
import io.archipelago.engine.container.Migration;
import io.archipelago.engine.container.MigrationPhase;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.Etags;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.NameOrder;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.persistence.audit.AuditInfo;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Drives one container's migration from its recorded phase to its end, on the node whose daemon
 * holds it: copy (from the recorded marker, throttled, checkpointed), verify, cut over, clean the
 * source; or, after a cancel, bring the target's writes back to the source and remove the target's
 * copy. Every step starts from what the container entity recorded, so a run that stops anywhere
 * (node lost, daemon moved) is taken up again by the next one.
 */
final class MigrationRun {

  /** The migration moved on without this run (cancelled, or another run recorded more). */
  static final class Superseded extends RuntimeException {
    Superseded(String message) {
      super(message, null, false, false);
    }
  }

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final ObjectMover mover;
  private final MigrationSettings settings;
  private final BackendLimits backendLimits;
  private final String node;
  private final Materializer materializer;
  private final String account;
  private final String container;
  private final BackendContainer where;

  MigrationRun(
      ActorSystem<?> system,
      BackendRegistry registry,
      MigrationSettings settings,
      BackendLimits backendLimits,
      String node,
      String account,
      String container) {
    this.system = system;
    this.registry = registry;
    this.mover = new ObjectMover(registry);
    this.settings = settings;
    this.backendLimits = backendLimits;
    this.node = node;
    this.materializer = Materializer.matFromSystem(system);
    this.account = account;
    this.container = container;
    this.where = new BackendContainer(account, container);
  }

  /** Runs phase after phase until the migration has nothing left to do here. */
  CompletionStage<Done> run() {
    return ask(ContainerEntity.GetMigration::new).thenCompose(this::step);
  }

  private CompletionStage<Done> step(Migration m) {
    CompletionStage<Migration> next;
    switch (m.phase()) {
      case STARTED, COPYING -> next = copy(m).thenCompose(copied -> verify(copied));
      case VERIFIED ->
          next =
              ask(
                  r ->
                      new ContainerEntity.AdvanceMigration(
                          m.id(), MigrationPhase.CUT_OVER, audit(), r));
      case CUT_OVER -> next = cleanSource(m);
      case CANCELLED -> {
        if (m.settled()) {
          return done();
        }
        next = settleCancel(m);
      }
      default -> {
        return done();
      }
    }
    return next.thenCompose(
        after ->
            after.phase() == m.phase() && after.settled() == m.settled()
                ? done() // no step was taken (a verification found differences): next tick
                : step(after));
  }

  // ---- copy ----

  private record Copied(String name, long bytes, Optional<Migration.MigrationError> error) {}

  /** Copies every source object after the marker; records the checkpoint as it goes. */
  private CompletionStage<Migration> copy(Migration m) {
    ObjectStore target = mover.store(m.target());
    Migration.Throttle t = m.throttle();
    int parallelism = t.parallelism() > 0 ? t.parallelism() : settings.parallelism();
    return target
        .createContainer(where)
        .thenCompose(
            created -> {
              Source<ListingEntry.ObjectRow, ?> rows =
                  listing(
                      m.source(),
                      m.marker().isEmpty() ? Optional.empty() : Optional.of(m.marker()));
              if (t.requestsPerSecond() > 0) {
                rows = rows.throttle(clamp(t.requestsPerSecond()), Duration.ofSeconds(1));
              }
              if (t.bytesPerSecond() > 0) {
                int perSecond = clamp(t.bytesPerSecond());
                rows =
                    rows.throttle(
                        perSecond,
                        Duration.ofSeconds(1),
                        perSecond,
                        row -> (int) Math.min(Math.max(1, row.size()), perSecond),
                        ThrottleMode.shaping());
              }
              // Pipelined, each step with its own parallelism so that the transfers run as many
              // at once as a plain copy would: the source's row against the target's (a walk of
              // the target's listing alongside, no HEADs), GET+PUT, then the delete check for a
              // batch of copies at once (one listing page of the source).
              ListingCursor targetRows =
                  new ListingCursor(
                      target,
                      where,
                      settings.pageSize(),
                      m.marker().isEmpty() ? Optional.empty() : Optional.of(m.marker()));
              SettleBatches settles = new SettleBatches(m);
              CopyGovernor transfers =
                  governor(
                      parallelism,
                      m,
                      List.of(m.source(), m.target()),
                      windows(m),
                      p -> p == MigrationPhase.STARTED || p == MigrationPhase.COPYING);
              return rows.mapAsync(
                      1,
                      row ->
                          step(
                              row.name(),
                              () ->
                                  rowAt(targetRows, row.name())
                                      .thenApply(
                                          targetRow ->
                                              ObjectMover.inspection(
                                                  m.source(), m.target(), where, row, targetRow))))
                  // Ordered (the checkpoint and the delete check need listing order), but over a
                  // window wider than the parallelism: with a window of exactly the parallelism one
                  // slow transfer at its head held back the next copies, so fewer ran at once.
                  .mapAsync(
                      parallelism * ORDER_WINDOW,
                      s ->
                          transfers.run(
                              s.error().isPresent()
                                  ? 0
                                  : s.value().source().map(ObjectInfo::size).orElse(0L),
                              () -> s.then(mover::transfer),
                              done -> done.error().isPresent()))
                  .groupedWithin(SETTLE_BATCH, SETTLE_WINDOW)
                  .mapAsync(1, settles::settle)
                  .mapConcat(batch -> batch)
                  .map(MigrationRun::copied)
                  .groupedWithin(10_000, settings.progressInterval())
                  .mapAsync(1, batch -> record(m, batch))
                  .runWith(Sink.ignore(), materializer)
                  .thenCompose(d -> ask(ContainerEntity.GetMigration::new));
            });
  }

  /** Transfers that may be done and waiting for an earlier one, per unit of parallelism. */
  private static final int ORDER_WINDOW = 8;

  /** Copies whose delete check shares one listing page of the source, at most. */
  private static final int SETTLE_BATCH = 100;

  /**
   * How long a copy waits for others to share its delete check. Each check is a listing page of the
   * source, which costs a Swift container server far more than a HEAD: at 100 ms a copy of 130
   * objects/s listed 8-9 times a second; at 1 s twice, which took 0.2 ms of Swift's CPU per object
   * off 8a. The wait only delays the check (any delete before it is still caught) and the
   * checkpoint after it.
   */
  private static final Duration SETTLE_WINDOW = Duration.ofMillis(500);

  /**
   * The target's row of {@code name}, walking the target's listing forward (names come in listing
   * order); empty when the target has no such object.
   */
  private static CompletionStage<Optional<ListingEntry.ObjectRow>> rowAt(
      ListingCursor cursor, String name) {
    while (cursor.hasBuffered()) {
      int order = NameOrder.compare(cursor.buffered().name(), name);
      if (order > 0) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      ListingEntry.ObjectRow row = cursor.take();
      if (order == 0) {
        return CompletableFuture.completedFuture(Optional.of(row));
      }
    }
    if (cursor.exhausted()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return cursor
        .peek()
        .thenCompose(
            next ->
                next.isEmpty()
                    ? CompletableFuture.completedFuture(Optional.empty())
                    : rowAt(cursor, name));
  }

  /**
   * The delete check of a batch of copies (in listing order, one batch at a time): one listing page
   * of the source from the previous batch's last name shows which copied names are still there;
   * only those missing are asked one by one, and taken back when gone ({@link ObjectMover#settle}).
   */
  private final class SettleBatches {
    private final Migration m;
    private Optional<String> after;

    SettleBatches(Migration m) {
      this.m = m;
      this.after = m.marker().isEmpty() ? Optional.empty() : Optional.of(m.marker());
    }

    CompletionStage<List<Step<ObjectMover.Transfer>>> settle(
        List<Step<ObjectMover.Transfer>> batch) {
      Optional<String> from = after;
      after = Optional.of(batch.get(batch.size() - 1).name());
      if (batch.stream().noneMatch(s -> s.error().isEmpty() && s.value().copied().isPresent())) {
        return CompletableFuture.completedFuture(batch);
      }
      ListingQuery query =
          new ListingQuery(
              Optional.empty(), Optional.empty(), from, Optional.empty(), batch.size() + 10, false);
      return mover
          .store(m.source())
          .list(where, query)
          .handle(
              (page, failure) -> {
                Set<String> present = new HashSet<>();
                if (page != null) {
                  for (ListingEntry e : page.entries()) {
                    if (e instanceof ListingEntry.ObjectRow row) {
                      present.add(row.name());
                    }
                  }
                }
                return present;
              })
          .thenCompose(
              present -> {
                List<CompletableFuture<Step<ObjectMover.Transfer>>> checked = new ArrayList<>();
                for (Step<ObjectMover.Transfer> s : batch) {
                  boolean check =
                      s.error().isEmpty()
                          && s.value().copied().isPresent()
                          && !present.contains(s.name());
                  checked.add(
                      (check ? s.then(mover::settle) : CompletableFuture.completedFuture(s))
                          .toCompletableFuture());
                }
                return CompletableFuture.allOf(checked.toArray(CompletableFuture[]::new))
                    .thenApply(d -> checked.stream().map(CompletableFuture::join).toList());
              });
    }
  }

  /** One object between two steps of the pipelined copy: the last step's result or its error. */
  private record Step<T>(String name, T value, Optional<Migration.MigrationError> error) {

    <U> CompletionStage<Step<U>> then(Function<T, CompletionStage<U>> next) {
      if (error.isPresent()) {
        return CompletableFuture.completedFuture(new Step<>(name, null, error));
      }
      return step(
          name,
          () -> {
            try {
              return next.apply(value);
            } catch (RuntimeException e) {
              throw e;
            } catch (Exception e) {
              throw new CompletionException(e);
            }
          });
    }
  }

  private static Copied copied(Step<ObjectMover.Transfer> s) {
    return s.error().isPresent()
        ? new Copied(s.name(), 0, s.error())
        : new Copied(s.name(), s.value().moved().bytes(), Optional.empty());
  }

  private static <T> CompletionStage<Step<T>> step(
      String name, Supplier<CompletionStage<T>> action) {
    CompletionStage<T> started;
    try {
      started = action.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    return started.handle(
        (value, failure) ->
            failure == null
                ? new Step<>(name, value, Optional.empty())
                : new Step<>(
                    name,
                    null,
                    Optional.of(
                        new Migration.MigrationError(
                            name,
                            String.valueOf(ObjectMover.unwrap(failure).getMessage()),
                            Instant.now()))));
  }

  private CompletionStage<Migration> record(Migration m, List<Copied> batch) {
    long bytes = 0;
    List<Migration.MigrationError> errors = new ArrayList<>();
    for (Copied c : batch) {
      bytes += c.bytes();
      c.error().ifPresent(errors::add);
    }
    String marker = batch.get(batch.size() - 1).name();
    long objects = batch.size();
    long copiedBytes = bytes;
    return ask((ActorRef<ContainerReply<Migration>> r) ->
            new ContainerEntity.RecordMigrationProgress(
                m.id(), marker, objects, copiedBytes, errors, audit(), r))
        .thenApply(
            now -> {
              if (!now.id().equals(m.id()) || now.phase() != MigrationPhase.COPYING) {
                throw new Superseded("migration " + m.id() + " is " + now.phase().wireName());
              }
              return now;
            });
  }

  private Source<ListingEntry.ObjectRow, ?> listing(String backend, Optional<String> from) {
    ObjectStore store = mover.store(backend);
    return Source.unfoldAsync(
            new Page(from, false),
            page -> {
              if (page.last()) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              ListingQuery query =
                  new ListingQuery(
                      Optional.empty(),
                      Optional.empty(),
                      page.marker(),
                      Optional.empty(),
                      settings.pageSize(),
                      false);
              return store
                  .list(where, query)
                  .thenApply(
                      listed -> {
                        List<ListingEntry.ObjectRow> rows = new ArrayList<>();
                        for (ListingEntry e : listed.entries()) {
                          if (e instanceof ListingEntry.ObjectRow row) {
                            rows.add(row);
                          }
                        }
                        if (rows.isEmpty()) {
                          return Optional.empty();
                        }
                        Page next =
                            new Page(
                                Optional.of(rows.get(rows.size() - 1).name()),
                                listed.entries().size() < settings.pageSize());
                        return Optional.of(Pair.create(next, rows));
                      });
            })
        .mapConcat(rows -> rows);
  }

  private record Page(Optional<String> marker, boolean last) {}

  // ---- verify ----

  /** Compares both sides; repairs and compares again; records the report when nothing differs. */
  private CompletionStage<Migration> verify(Migration m) {
    if (m.phase() != MigrationPhase.COPYING && m.phase() != MigrationPhase.STARTED) {
      return CompletableFuture.completedFuture(m);
    }
    return verifyRound(m, 1, 0, 0);
  }

  private CompletionStage<Migration> verifyRound(
      Migration m, int round, long missingBefore, long mismatchedBefore) {
    return new Comparison(m)
        .run()
        .thenCompose(
            c -> {
              long missing = missingBefore + c.missing;
              long mismatched = mismatchedBefore + c.mismatched;
              List<String> differences = c.differences;
              Migration.Verification report =
                  new Migration.Verification(
                      c.compared,
                      missing,
                      mismatched,
                      c.sampled,
                      c.sampleMismatches,
                      round,
                      differences.subList(0, Math.min(10, differences.size())),
                      Instant.now());
              if (report.passed()) {
                return ask(
                    (ActorRef<ContainerReply<Migration>> r) ->
                        new ContainerEntity.RecordMigrationVerified(m.id(), report, audit(), r));
              }
              CompletionStage<Void> repaired = CompletableFuture.completedFuture(null);
              for (String name : differences) {
                repaired =
                    repaired.thenCompose(
                        ok ->
                            mover
                                .move(m.source(), m.target(), where, name)
                                .handle((moved, failure) -> null));
              }
              if (round >= settings.verifyRounds()) {
                return repaired.thenCompose(
                    ok ->
                        ask(
                            (ActorRef<ContainerReply<Migration>> r) ->
                                new ContainerEntity.RecordMigrationProgress(
                                    m.id(),
                                    "",
                                    0,
                                    0,
                                    List.of(
                                        new Migration.MigrationError(
                                            differences.get(0),
                                            "verification found "
                                                + (c.missing + c.mismatched + c.sampleMismatches)
                                                + " difference(s) after "
                                                + round
                                                + " rounds; verifying again later",
                                            Instant.now())),
                                    audit(),
                                    r)));
              }
              return repaired.thenCompose(ok -> verifyRound(m, round + 1, missing, mismatched));
            });
  }

  /**
   * One merge of both listings on name: a source object must be on the target with the same size
   * and normalized ETag, unless the target's version is newer (a client wrote it during the
   * migration). Objects only on the target are such writes. A sample of matching objects is read on
   * both sides and hashed.
   */
  private final class Comparison {
    private static final int MAX_DIFFERENCES = 1000;
    private final Migration m;
    private final ListingCursor source;
    private final ListingCursor target;
    private final long sampleEvery;
    long compared;
    long missing;
    long mismatched;
    long sampled;
    long sampleMismatches;
    final List<String> differences = new ArrayList<>();
    final List<String> samples = new ArrayList<>();

    Comparison(Migration m) {
      this.m = m;
      this.source =
          new ListingCursor(mover.store(m.source()), where, settings.pageSize(), Optional.empty());
      this.target =
          new ListingCursor(mover.store(m.target()), where, settings.pageSize(), Optional.empty());
      this.sampleEvery = Math.max(1, m.objectsTotal() / Math.max(1, settings.sampleSize()));
    }

    CompletionStage<Comparison> run() {
      return walk().thenCompose(d -> hashSamples(0)).thenApply(d -> this);
    }

    /**
     * Goes through the rows in memory without waiting; only a page fetch (asynchronous) leaves the
     * loop, so the walk's stack stays flat whatever the object count.
     */
    private CompletionStage<Void> walk() {
      while (true) {
        if (source.exhausted()) {
          return CompletableFuture.completedFuture(null);
        }
        if (!source.hasBuffered()) {
          return source.peek().thenCompose(x -> walk());
        }
        if (!target.hasBuffered() && !target.exhausted()) {
          return target.peek().thenCompose(x -> walk());
        }
        ListingEntry.ObjectRow s = source.buffered();
        if (target.exhausted()) {
          difference(source.take().name(), true);
          continue;
        }
        int order = NameOrder.compare(s.name(), target.buffered().name());
        if (order > 0) {
          target.take(); // written on the target during the migration
        } else if (order < 0) {
          difference(source.take().name(), true);
        } else {
          compare(source.take(), target.take());
        }
      }
    }

    private void compare(ListingEntry.ObjectRow s, ListingEntry.ObjectRow t) {
      compared++;
      if (t.timestamp().isNewerThan(s.timestamp())) {
        return;
      }
      if (s.size() != t.size() || !Etags.bare(s.etag()).equals(Etags.bare(t.etag()))) {
        difference(s.name(), false);
        return;
      }
      if (samples.size() < settings.sampleSize()
          && Math.floorMod(s.name().hashCode(), sampleEvery) == 0) {
        samples.add(s.name());
      }
    }

    private void difference(String name, boolean absent) {
      if (absent) {
        compared++;
        missing++;
      } else {
        mismatched++;
      }
      if (differences.size() < MAX_DIFFERENCES) {
        differences.add(name);
      }
    }

    private CompletionStage<Void> hashSamples(int i) {
      if (i >= samples.size()) {
        return CompletableFuture.completedFuture(null);
      }
      String name = samples.get(i);
      return hash(m.source(), name)
          .thenCombine(
              hash(m.target(), name), (a, b) -> a.isPresent() && b.isPresent() && !a.equals(b))
          .thenCompose(
              differ -> {
                sampled++;
                if (differ) {
                  sampleMismatches++;
                  if (differences.size() < MAX_DIFFERENCES) {
                    differences.add(name);
                  }
                }
                return hashSamples(i + 1);
              });
    }
  }

  /** The MD5 of the object's bytes as read from {@code backend}; empty when it is not there. */
  private CompletionStage<Optional<String>> hash(String backend, String name) {
    return mover
        .store(backend)
        .get(where, name, Optional.empty())
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<String>empty());
              }
              MessageDigest md5 = Etags.newMd5();
              return found
                  .get()
                  .data()
                  .runForeach((ByteString b) -> md5.update(b.toByteBuffer()), materializer)
                  .thenApply(d -> Optional.of(HexFormat.of().formatHex(md5.digest())));
            });
  }

  // ---- clean-up ----

  /**
   * After the cut-over: every source object still newer than the target's (a write that had the old
   * route) goes over first, then it is removed from the source; then the source container.
   */
  private CompletionStage<Migration> cleanSource(Migration m) {
    // A moved replica's leftovers are not newer writes of clients: the replica set's reconcile
    // makes the new replica equal to the primary, so they are only removed.
    CopyGovernor governor =
        governor(
            settings.parallelism(),
            m,
            m.isReplicaMove() ? List.of(m.source()) : List.of(m.source(), m.target()),
            windows(m),
            p -> p == MigrationPhase.CUT_OVER);
    return (m.isReplicaMove()
            ? discard(m.source(), governor)
            : drain(m.source(), m.target(), governor))
        .thenCompose(
            d ->
                ask(
                    (ActorRef<ContainerReply<Migration>> r) ->
                        new ContainerEntity.AdvanceMigration(
                            m.id(), MigrationPhase.SOURCE_CLEANED, audit(), r)));
  }

  /**
   * After a cancel: the target's objects newer than the source's (writes during the migration) go
   * back to the source, then the target's copy is removed.
   */
  private CompletionStage<Migration> settleCancel(Migration m) {
    // No client wrote to a replica move's target: its copy only goes.
    // The operator wants the container back as it was: the migration's own windows do not hold
    // this up (the backends' limits and windows still do).
    CopyGovernor governor =
        governor(
            settings.parallelism(),
            m,
            m.isReplicaMove() ? List.of(m.target()) : List.of(m.source(), m.target()),
            TimeWindows.ALWAYS,
            p -> p == MigrationPhase.CANCELLED);
    return (m.isReplicaMove()
            ? discard(m.target(), governor)
            : drain(m.target(), m.source(), governor))
        .thenCompose(
            d ->
                ask(
                    (ActorRef<ContainerReply<Migration>> r) ->
                        new ContainerEntity.AdvanceMigration(
                            m.id(), MigrationPhase.CANCELLED, audit(), r)));
  }

  /** Moves what {@code from} holds newer to {@code to}, empties {@code from} and removes it. */
  private CompletionStage<Done> drain(String from, String to, CopyGovernor governor) {
    ObjectStore store = mover.store(from);
    return empty(
        from,
        governor,
        row ->
            mover
                .move(from, to, where, row.name())
                .thenCompose(moved -> store.delete(where, row.name()))
                .thenApply(d -> Done.getInstance()));
  }

  /** Empties {@code backend}'s copy of the container and removes it. */
  private CompletionStage<Done> discard(String backend, CopyGovernor governor) {
    ObjectStore store = mover.store(backend);
    return empty(
        backend,
        governor,
        row -> store.delete(where, row.name()).thenApply(d -> Done.getInstance()));
  }

  private CompletionStage<Done> empty(
      String backend,
      CopyGovernor governor,
      Function<ListingEntry.ObjectRow, CompletionStage<Done>> remove) {
    ObjectStore store = mover.store(backend);
    return listing(backend, Optional.empty())
        .mapAsync(
            settings.parallelism(),
            row ->
                governor.run(
                    0,
                    () -> {
                      try {
                        return remove.apply(row);
                      } catch (Exception e) {
                        return CompletableFuture.failedFuture(e);
                      }
                    },
                    d -> false))
        .runWith(Sink.ignore(), materializer)
        .thenCompose(
            d ->
                store
                    .deleteContainer(where)
                    .exceptionally(
                        failure -> {
                          // An object arrived meanwhile: the next run drains it.
                          if (ObjectMover.unwrap(failure)
                              instanceof ObjectStoreException.ContainerNotEmpty) {
                            throw new Superseded("container " + where + " not empty yet");
                          }
                          throw new IllegalStateException(failure);
                        }));
  }

  // ---- plumbing ----

  /**
   * Bounds the objects moved at once between the migration's two backends, within the windows and
   * the node-wide limits of the backends it touches ({@code used}). While the windows are closed
   * the run looks every tick whether the migration is still in a phase that {@code wanted} (a
   * cancel ends the wait, and the run, within a tick).
   */
  private CopyGovernor governor(
      int parallelism,
      Migration m,
      List<String> used,
      TimeWindows own,
      Predicate<MigrationPhase> wanted) {
    BackendLimits.Lane lane =
        backendLimits.lane(used, own, () -> stillIn(m, wanted), settings.tickInterval());
    return new CopyGovernor(
        parallelism,
        List.of(m.source(), m.target()),
        registry.clientActivity(),
        settings.backoff(),
        System::nanoTime,
        lane);
  }

  /** The migration's own windows (validated when it started). */
  private static TimeWindows windows(Migration m) {
    return TimeWindows.parse(m.throttle().windows());
  }

  /** Fails with {@link Superseded} once the migration is no longer this one in such a phase. */
  private CompletionStage<Void> stillIn(Migration m, Predicate<MigrationPhase> wanted) {
    return ask(ContainerEntity.GetMigration::new)
        .thenApply(
            now -> {
              if (!now.id().equals(m.id()) || !wanted.test(now.phase()) || now.settled()) {
                throw new Superseded("migration " + m.id() + " is " + now.phase().wireName());
              }
              return null;
            });
  }

  private AuditInfo audit() {
    return AuditInfo.system(node, "migration-" + account + "/" + container);
  }

  private CompletionStage<Migration> ask(
      Function<ActorRef<ContainerReply<Migration>>, ContainerEntity.Command> message) {
    return ContainerEntity.ask(
        ClusterSharding.get(system)
            .entityRefFor(ContainerEntity.TYPE_KEY, ContainerEntity.entityId(account, container)),
        message,
        settings.askTimeout());
  }

  private static int clamp(long value) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, value));
  }

  private static CompletionStage<Done> done() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
