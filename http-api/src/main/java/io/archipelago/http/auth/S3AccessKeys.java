package io.archipelago.http.auth;

import com.typesafe.config.Config;
import io.archipelago.http.protocol.Principal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * S3 access keys of the gateway users. With {@code archipelago.s3.tempauth-keys} every TempAuth
 * user of {@code archipelago.auth.users} is also an access key: the id is {@code account:user}, the
 * secret its key (as Swift's s3api over TempAuth). {@code archipelago.s3.keys} adds keys of their
 * own: {@code "<access key id>" = "account:user <secret>"}, naming a TempAuth user whose account
 * and groups the key acts with.
 */
public final class S3AccessKeys {

  /** A key's secret and the user it acts as. */
  public record AccessKey(String id, String secret, Principal principal) {}

  private final Map<String, AccessKey> keys;

  private S3AccessKeys(Map<String, AccessKey> keys) {
    this.keys = keys;
  }

  public static S3AccessKeys fromConfig(Config config) {
    String resellerPrefix = config.getString("archipelago.auth.reseller-prefix");
    Config users = config.getConfig("archipelago.auth.users");
    Map<String, String[]> userWords = new HashMap<>();
    for (String name : users.root().keySet()) {
      userWords.put(name, users.getString("\"" + name + "\"").trim().split("\\s+"));
    }
    Map<String, AccessKey> keys = new TreeMap<>();
    if (config.getBoolean("archipelago.s3.tempauth-keys")) {
      userWords.forEach(
          (user, words) ->
              keys.put(
                  user, new AccessKey(user, words[0], principal(user, words, resellerPrefix))));
    }
    Config own = config.getConfig("archipelago.s3.keys");
    for (String id : own.root().keySet()) {
      String[] words = own.getString("\"" + id + "\"").trim().split("\\s+");
      if (words.length != 2 || !userWords.containsKey(words[0])) {
        throw new IllegalArgumentException(
            "archipelago.s3.keys: entries look like \"<access key id>\" = "
                + "\"account:user <secret>\" naming a user of archipelago.auth.users, got "
                + id);
      }
      keys.put(
          id,
          new AccessKey(
              id, words[1], principal(words[0], userWords.get(words[0]), resellerPrefix)));
    }
    return new S3AccessKeys(keys);
  }

  private static Principal principal(String user, String[] words, String resellerPrefix) {
    int colon = user.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "archipelago.auth.users: \"account:user\" expected, got " + user);
    }
    return new Principal(
        user,
        resellerPrefix + user.substring(0, colon),
        Set.copyOf(Arrays.asList(words).subList(1, words.length)));
  }

  public Optional<AccessKey> find(String accessKeyId) {
    return Optional.ofNullable(keys.get(accessKeyId));
  }

  /** Access key id to secret, sorted, for the start-up banner of the demo set-up. */
  public Map<String, String> secrets() {
    Map<String, String> out = new TreeMap<>();
    keys.forEach((id, key) -> out.put(id, key.secret()));
    return out;
  }
}
