package io.archipelago.http.auth;

import com.typesafe.config.Config;
import io.archipelago.http.protocol.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * TempAuth's user table, from {@code archipelago.auth.users}: {@code "account:user" = "key
 * group..."}, the same shape as Swift's {@code user_<account>_<user> = <key> [group...]}.
 */
public final class TempAuthUsers {

  private record Entry(String key, Principal principal) {}

  private final Map<String, Entry> users;

  private TempAuthUsers(Map<String, Entry> users) {
    this.users = users;
  }

  public static TempAuthUsers fromConfig(Config config, String resellerPrefix) {
    Config section = config.getConfig("archipelago.auth.users");
    Map<String, Entry> users = new HashMap<>();
    for (String name : section.root().keySet()) {
      String[] words = section.getString("\"" + name + "\"").trim().split("\\s+");
      int colon = name.indexOf(':');
      if (colon <= 0 || colon == name.length() - 1 || words.length == 0 || words[0].isEmpty()) {
        throw new IllegalArgumentException(
            "archipelago.auth.users: entries look like \"account:user\" = \"key [.admin]\", got "
                + name);
      }
      var groups = new HashSet<String>();
      for (int i = 1; i < words.length; i++) {
        groups.add(words[i]);
      }
      String account = resellerPrefix + name.substring(0, colon);
      users.put(name, new Entry(words[0], new Principal(name, account, Set.copyOf(groups))));
    }
    return new TempAuthUsers(users);
  }

  /** The principal for a user and key, compared in constant time. */
  public Optional<Principal> authenticate(String user, String key) {
    Entry entry = users.get(user);
    if (entry == null || key == null) {
      return Optional.empty();
    }
    boolean same =
        MessageDigest.isEqual(
            entry.key().getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    return same ? Optional.of(entry.principal()) : Optional.empty();
  }
}
