package io.archipelago.persistence;

import com.typesafe.config.Config;

/** Where the journal lives: {@code archipelago.persistence.{dialect,url,user,password}}. */
public record DatabaseSettings(JournalDialect dialect, String url, String user, String password) {

  public static DatabaseSettings fromConfig(Config config) {
    Config c = config.getConfig("archipelago.persistence");
    return new DatabaseSettings(
        JournalDialect.fromConfigValue(c.getString("dialect")),
        c.getString("url"),
        c.getString("user"),
        c.getString("password"));
  }
}
