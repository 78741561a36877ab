package io.archipelago.engine.audit;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.pattern.Patterns;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.audit.AuditLog;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.AuditQuery;
import io.archipelago.persistence.audit.AuditRecord;
import io.archipelago.persistence.audit.JournalReader;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The audit log as the admin API serves it: streams of records read page by page from the journal
 * tables (one JDBC connection per stream, on Akka's blocking dispatcher, so memory stays bounded
 * whatever the range), and a container's state at an instant.
 */
public final class AuditService {

  /**
   * Records of one page; the last chunk of a range that stopped at its limit carries where the next
   * range starts.
   */
  public record Chunk(List<AuditRecord> records, Optional<Long> nextAfter) {}

  private final ActorSystem<?> system;
  private final DatabaseSettings database;
  private final Executor blocking;
  private final ObjectMapper mapper;
  private final int pageRows;
  private final Duration followInterval;
  private final long followHoldMillis;

  public AuditService(ActorSystem<?> system) {
    this.system = system;
    Config config = system.settings().config();
    this.database = DatabaseSettings.fromConfig(config);
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.mapper = AuditMapper.of(system);
    this.pageRows = config.getInt("archipelago.audit.page-rows");
    this.followInterval = config.getDuration("archipelago.audit.follow-interval");
    this.followHoldMillis = config.getDuration("archipelago.audit.follow-hold").toMillis();
  }

  /**
   * Restricts a query to an account's entities (its account entity and its containers) or to one
   * container of it.
   */
  public static AuditQuery scoped(
      AuditQuery query, Optional<String> account, Optional<String> container) {
    if (container.isPresent()) {
      String a = account.orElseThrow(() -> new IllegalArgumentException("container needs account"));
      return query.withEntities(
          Set.of(ContainerHistory.persistenceId(a, container.get())), List.of());
    }
    if (account.isPresent()) {
      return query.withEntities(
          Set.of("Account|" + account.get()), List.of("Container|" + account.get() + "/"));
    }
    return query;
  }

  /** Matching records after {@code after}, at most {@code limit}, in journal order. */
  public Source<Chunk, NotUsed> range(AuditQuery query, long after, long limit) {
    final class Position {
      final JournalReader reader;
      long after;
      long remaining;
      boolean done;

      Position(JournalReader reader, long after, long remaining) {
        this.reader = reader;
        this.after = after;
        this.remaining = remaining;
      }
    }
    return Source.unfoldResourceAsync(
        () -> blocking(() -> new Position(JournalReader.open(database), after, limit)),
        p -> {
          if (p.done) {
            return CompletableFuture.completedFuture(Optional.<Chunk>empty());
          }
          return blocking(
              () -> {
                int max = (int) Math.min(p.remaining, pageRows);
                AuditLog.Page page = AuditLog.page(p.reader, query, p.after, max, pageRows);
                p.after = page.after();
                p.remaining -= page.records().size();
                Optional<Long> next = Optional.empty();
                if (page.exhausted()) {
                  p.done = true;
                } else if (p.remaining == 0) {
                  p.done = true;
                  next = Optional.of(page.after());
                }
                return Optional.of(new Chunk(page.records(), next));
              });
        },
        p ->
            blocking(
                () -> {
                  p.reader.close();
                  return Done.getInstance();
                }));
  }

  /**
   * New matching records as they are written, from {@code after} (default: the end of the log now).
   * Never completes; cancel it.
   */
  public Source<List<AuditRecord>, NotUsed> follow(AuditQuery query, Optional<Long> after) {
    final class Following {
      final JournalReader reader;
      final AuditLog.Follower follower;

      Following(JournalReader reader, AuditLog.Follower follower) {
        this.reader = reader;
        this.follower = follower;
      }
    }
    return Source.unfoldResourceAsync(
            () ->
                blocking(
                    () -> {
                      JournalReader reader = JournalReader.open(database);
                      long start = after.isPresent() ? after.get() : AuditLog.end(reader);
                      return new Following(
                          reader, new AuditLog.Follower(query, start, followHoldMillis));
                    }),
            f ->
                blocking(() -> f.follower.poll(f.reader, pageRows))
                    .thenCompose(
                        records ->
                            records.isEmpty()
                                ? Patterns.after(
                                    followInterval,
                                    system.classicSystem().scheduler(),
                                    system.executionContext(),
                                    () -> CompletableFuture.completedFuture(Optional.of(records)))
                                : CompletableFuture.completedFuture(Optional.of(records))),
            f ->
                blocking(
                    () -> {
                      f.reader.close();
                      return Done.getInstance();
                    }))
        .filter(records -> !records.isEmpty());
  }

  /** The container as it was at {@code at}. */
  public CompletionStage<ContainerHistory.PointInTime> history(
      String account, String container, Instant at) {
    return blocking(
        () -> {
          try (JournalReader reader = JournalReader.open(database)) {
            return ContainerHistory.replay(reader, mapper, account, container, at);
          }
        });
  }

  private interface Blocking<T> {
    T run() throws SQLException;
  }

  private <T> CompletionStage<T> blocking(Blocking<T> work) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return work.run();
          } catch (SQLException e) {
            throw new CompletionException(
                new IllegalStateException("audit log: " + e.getMessage(), e));
          }
        },
        blocking);
  }
}
