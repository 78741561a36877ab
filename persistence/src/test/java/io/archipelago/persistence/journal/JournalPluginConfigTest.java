package io.archipelago.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.archipelago.persistence.ArchipelagoConfig;
import org.junit.jupiter.api.Test;

class JournalPluginConfigTest {

  @Test
  void theEmbeddedH2JournalStoresAndFsyncsEachWrite() {
    Config config = ArchipelagoConfig.load(ConfigFactory.parseString("archipelago.persistence.dialect = h2"));
    assertEquals(H2SyncingJournal.class.getName(), config.getString("jdbc-journal.class"));
    // H2's background writer stays on: it is what frees and compacts the file's old chunks.
    assertFalse(config.getString("archipelago.persistence.url").contains("WRITE_DELAY=0"),
        config.getString("archipelago.persistence.url"));
  }

  @Test
  void postgresKeepsThePluginsJournal() {
    Config config = ArchipelagoConfig.load(ConfigFactory.parseString("archipelago.persistence.dialect = postgres"));
    assertEquals("akka.persistence.jdbc.journal.JdbcAsyncWriteJournal", config.getString("jdbc-journal.class"));
  }
}
