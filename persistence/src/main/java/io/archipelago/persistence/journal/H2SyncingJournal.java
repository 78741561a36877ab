package io.archipelago.persistence.journal;

import akka.persistence.AtomicWrite;
import akka.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The JDBC journal for the embedded H2 database, made durable against a crash of the machine:
 * a write is acknowledged (and so the client's 2xx sent) only after an fsync of the database
 * file that started after its commit. H2 writes each commit to its file (WRITE_DELAY=0) but
 * never fsyncs it, so without this a power loss could take back events that clients were told
 * are stored, while the objects they describe were fsynced by the backend. Concurrent writes
 * share one fsync ({@link GroupSync}). PostgreSQL needs none of this: its commit is durable.
 */
public class H2SyncingJournal extends JdbcAsyncWriteJournal {

  private final ExecutorService syncThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "h2-journal-sync");
    t.setDaemon(true);
    return t;
  });
  private final GroupSync sync = new GroupSync(this::checkpointSync, syncThread);

  public H2SyncingJournal(Config config) {
    super(config);
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    return super.asyncWriteMessages(messages).flatMap(
        results -> FutureConverters.asScala(sync.request().thenApply(synced -> results)), ec());
  }

  /** H2's CHECKPOINT SYNC writes what is not yet in the file, then fsyncs it. */
  private void checkpointSync() throws Exception {
    try (Connection connection = db().source().createConnection();
         Statement statement = connection.createStatement()) {
      statement.execute("CHECKPOINT SYNC");
    }
  }

  @Override
  public void postStop() {
    syncThread.shutdown();
    super.postStop();
  }
}
