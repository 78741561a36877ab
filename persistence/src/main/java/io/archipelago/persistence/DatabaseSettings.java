package io.archipelago.persistence;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Locale;

/** Where the journal lives: {@code archipelago.persistence.{dialect,url,user,password}}. */
public record DatabaseSettings(JournalDialect dialect, String url, String user, String password) {

  /**
   * H2 URLs the journal cannot make durable: it stores and fsyncs H2's file itself
   * (H2SyncingJournal), which needs the database embedded in this process and on disk.
   */
  private static final List<String> NOT_EMBEDDED_H2 =
      List.of("jdbc:h2:tcp:", "jdbc:h2:ssl:", "jdbc:h2:mem:", "jdbc:h2:zip:");

  public DatabaseSettings {
    requireUsableUrl(dialect, url);
  }

  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException when the dialect is unknown or the URL does not fit it
   */
  public static DatabaseSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.persistence");
    return new DatabaseSettings(
        JournalDialect.fromConfigValue(c.getString("dialect")),
        c.getString("url"),
        c.getString("user"),
        c.getString("password"));
  }

  private static void requireUsableUrl(JournalDialect dialect, String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    switch (dialect) {
      case H2 -> {
        if (!lower.startsWith("jdbc:h2:")) {
          throw new IllegalArgumentException(
              "archipelago.persistence.url must be an H2 URL (jdbc:h2:file:...) with dialect h2, not '"
                  + url
                  + "'");
        }
        boolean notEmbedded =
            NOT_EMBEDDED_H2.stream().anyMatch(lower::startsWith)
                || lower.replace(" ", "").contains(";auto_server=true");
        if (notEmbedded) {
          throw new IllegalArgumentException(
              "archipelago.persistence.url '"
                  + url
                  + "': the h2 dialect needs an embedded file"
                  + " database (jdbc:h2:file:<path>), because the journal fsyncs H2's file itself;"
                  + " for a database shared by several nodes use dialect postgres");
        }
      }
      case POSTGRES -> {
        if (!lower.startsWith("jdbc:postgresql:")) {
          throw new IllegalArgumentException(
              "archipelago.persistence.url must be a PostgreSQL URL (jdbc:postgresql://host:port/db)"
                  + " with dialect postgres, not '"
                  + url
                  + "'");
        }
      }
    }
  }
}
