package io.archipelago.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseSettingsTest {

  private static DatabaseSettings load(String dialect, String url) {
    return DatabaseSettings.fromConfig(
        ArchipelagoConfig.load(
            ConfigFactory.parseString(
                "archipelago.persistence { dialect = " + dialect + ", url = \"" + url + "\" }")));
  }

  @Test
  void theDefaultH2UrlIsAnEmbeddedFile() {
    DatabaseSettings settings =
        DatabaseSettings.fromConfig(
            ArchipelagoConfig.load(
                ConfigFactory.parseString("archipelago.persistence.dialect = h2")));
    assertEquals(JournalDialect.H2, settings.dialect());
    assertTrue(settings.url().startsWith("jdbc:h2:file:"), settings.url());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:h2:file:/var/lib/archipelago/journal",
        "jdbc:h2:./data/journal;RETENTION_TIME=5000"
      })
  void embeddedH2FilesAreAccepted(String url) {
    assertEquals(url, load("h2", url).url());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:h2:tcp://127.0.0.1:9092/journal",
        "jdbc:h2:ssl://db/journal",
        "jdbc:h2:mem:journal",
        "jdbc:h2:file:/data/journal;AUTO_SERVER=TRUE"
      })
  void h2UrlsTheJournalCannotFsyncAreRefusedWithTheReason(String url) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> load("h2", url));
    assertTrue(e.getMessage().contains("embedded file database"), e.getMessage());
    assertTrue(e.getMessage().contains("dialect postgres"), e.getMessage());
  }

  @Test
  void aUrlOfTheOtherDatabaseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> load("h2", "jdbc:postgresql://127.0.0.1/a"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> load("postgres", "jdbc:h2:file:/data/journal"));
    assertTrue(e.getMessage().contains("jdbc:postgresql:"), e.getMessage());
  }
}
