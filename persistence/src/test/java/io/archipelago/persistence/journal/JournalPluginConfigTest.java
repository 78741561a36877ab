package io.archipelago.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.persistence.ArchipelagoConfig;
import org.junit.jupiter.api.Test;

class JournalPluginConfigTest {

  @Test
  void theEmbeddedH2JournalStoresAndFsyncsEachWrite() {
    Config config =
        ArchipelagoConfig.load(ConfigFactory.parseString("archipelago.persistence.dialect = h2"));
    assertEquals(H2SyncingJournal.class.getName(), config.getString("jdbc-journal.class"));
    String url = config.getString("archipelago.persistence.url");
    // H2's background writer stays on (it frees old chunks), and freed space is reused after 5 s.
    assertFalse(url.contains("WRITE_DELAY=0"), url);
    assertTrue(url.contains(";RETENTION_TIME=5000"), url);
    assertTrue(config.getDuration("jdbc-journal.compaction-interval").toMillis() > 0);
    assertTrue(config.getBytes("jdbc-journal.compaction-max-write") > 0);
  }

  @Test
  void postgresKeepsThePluginsJournal() {
    Config config =
        ArchipelagoConfig.load(
            ConfigFactory.parseString("archipelago.persistence.dialect = postgres"));
    assertEquals(
        "akka.persistence.jdbc.journal.JdbcAsyncWriteJournal",
        config.getString("jdbc-journal.class"));
  }
}
