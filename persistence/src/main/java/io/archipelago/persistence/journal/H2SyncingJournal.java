package io.archipelago.persistence.journal;

import akka.persistence.AtomicWrite;
import akka.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The JDBC journal for the embedded H2 database, made durable against a crash: a write is
 * acknowledged (and so the client's 2xx sent) only after its commit is in the database file and the
 * file is fsynced. H2 on its own keeps commits in memory until its background writer stores them
 * (every 500 ms by default) and never fsyncs, so a kill -9 lost events that clients were told are
 * stored. Concurrent writes share one flush ({@link GroupSync}), and a flush stores everything
 * committed so far as one chunk of the file. H2's background writer keeps running and does its
 * housekeeping (freeing and compacting old chunks). PostgreSQL needs none of this: its commit is
 * durable.
 *
 * <p>H2 compacts only an idle store: under a steady load, chunks that keep a few live pages pile up
 * and the file grows with every write. The same thread therefore rewrites the live pages of mostly
 * dead chunks every {@code compaction-interval} (at most {@code compaction-max-write} a round),
 * then flushes, so those chunks can be freed.
 */
public class H2SyncingJournal extends JdbcAsyncWriteJournal {

  /** Chunks with less than this share of live bytes are rewritten. */
  private static final int REWRITE_BELOW_FILL_RATE = 50;

  private static final Logger log = LoggerFactory.getLogger(H2SyncingJournal.class);

  private final ScheduledExecutorService syncThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "h2-journal-sync");
            t.setDaemon(true);
            return t;
          });
  private final GroupSync sync = new GroupSync(this::flush, syncThread);
  private final int compactionMaxWrite;
  private boolean compactionFailing;

  public H2SyncingJournal(Config config) {
    super(config);
    compactionMaxWrite = (int) Math.min(Integer.MAX_VALUE, config.getBytes("compaction-max-write"));
    long interval = config.getDuration("compaction-interval").toMillis();
    syncThread.scheduleWithFixedDelay(this::compact, interval, interval, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    return super.asyncWriteMessages(messages)
        .flatMap(
            results -> FutureConverters.asScala(sync.request().thenApply(synced -> results)), ec());
  }

  /**
   * Stores every commit so far, waits for H2's chunk writers to finish (a store already begun by
   * the background writer included, which {@code commit()} alone does not wait for), then fsyncs
   * the file.
   */
  private void flush() throws Exception {
    try (Connection connection = db().source().createConnection()) {
      flush(mvStore(connection));
    }
  }

  private static void flush(MVStore store) {
    store.commit();
    store.executeFilestoreOperation(store::sync);
  }

  /** Rewrites the live pages of mostly dead chunks older than H2's retention time, then flushes. */
  private void compact() {
    try (Connection connection = db().source().createConnection()) {
      MVStore store = mvStore(connection);
      if (store.compact(REWRITE_BELOW_FILL_RATE, compactionMaxWrite)) {
        flush(store);
      }
      compactionFailing = false;
    } catch (Exception e) {
      // The next round tries again; writes do not depend on it.
      if (!compactionFailing) {
        log.warn("H2 journal compaction failed: {}", e.toString());
      }
      compactionFailing = true;
    }
  }

  private static MVStore mvStore(Connection connection) throws SQLException {
    // DatabaseSettings refuses server and in-memory URLs at startup; this names the cause if a
    // configuration reaches the journal some other way.
    if (!(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)
        || session.getDatabase().getStore().getMvStore().getFileStore() == null) {
      throw new IllegalStateException(
          "the H2 journal needs an embedded file database (jdbc:h2:file:<path>)");
    }
    return session.getDatabase().getStore().getMvStore();
  }

  @Override
  public void postStop() {
    syncThread.shutdown();
    super.postStop();
  }
}
