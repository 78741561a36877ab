package io.archipelago.persistence.journal;

import akka.persistence.AtomicWrite;
import akka.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The JDBC journal for the embedded H2 database, made durable against a crash: a write is
 * acknowledged (and so the client's 2xx sent) only after its commit is in the database file and
 * the file is fsynced. H2 on its own keeps commits in memory until its background writer stores
 * them (every 500 ms by default) and never fsyncs, so a kill -9 lost events that clients were
 * told are stored. Concurrent writes share one flush ({@link GroupSync}), and a flush stores
 * everything committed so far as one chunk of the file. H2's background writer keeps running
 * and does its housekeeping (freeing and compacting old chunks). PostgreSQL needs none of this:
 * its commit is durable.
 */
public class H2SyncingJournal extends JdbcAsyncWriteJournal {

  private final ExecutorService syncThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "h2-journal-sync");
    t.setDaemon(true);
    return t;
  });
  private final GroupSync sync = new GroupSync(this::flush, syncThread);

  public H2SyncingJournal(Config config) {
    super(config);
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    return super.asyncWriteMessages(messages).flatMap(
        results -> FutureConverters.asScala(sync.request().thenApply(synced -> results)), ec());
  }

  /**
   * Stores every commit so far, waits for H2's chunk writers to finish (a store already begun
   * by the background writer included, which {@code commit()} alone does not wait for), then
   * fsyncs the file.
   */
  private void flush() throws Exception {
    try (Connection connection = db().source().createConnection()) {
      MVStore store = ((SessionLocal) connection.unwrap(JdbcConnection.class).getSession())
          .getDatabase().getStore().getMvStore();
      store.commit();
      store.executeFilestoreOperation(store::sync);
    }
  }

  @Override
  public void postStop() {
    syncThread.shutdown();
    super.postStop();
  }
}
