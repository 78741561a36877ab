package io.archipelago.http.auth;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * TempAuth's {@code reseller_prefix} list and its {@code <PREFIX>_require_group} settings, from
 * {@code archipelago.auth}: the first prefix names tokens and the users' own accounts ({@code
 * AUTH_<account>}); an {@code .admin} of an account also owns the same account under every further
 * prefix ({@code SERVICE_<account>}), where a required group (given by a service token) may be
 * needed besides.
 *
 * @param prefixes the first is {@code reseller-prefix}, then {@code more-reseller-prefixes}
 * @param requiredGroups prefix to the group a request must also have to own such an account
 */
public record ResellerPrefixes(List<String> prefixes, Map<String, String> requiredGroups) {

  public ResellerPrefixes {
    prefixes = List.copyOf(prefixes);
    requiredGroups = Map.copyOf(requiredGroups);
    if (prefixes.isEmpty() || prefixes.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("archipelago.auth: reseller prefixes must not be empty");
    }
    if (prefixes.stream().distinct().count() != prefixes.size()) {
      throw new IllegalArgumentException(
          "archipelago.auth: a reseller prefix is listed twice: " + prefixes);
    }
    for (String prefix : requiredGroups.keySet()) {
      if (!prefixes.contains(prefix)) {
        throw new IllegalArgumentException(
            "archipelago.auth.require-groups: "
                + prefix
                + " is not a reseller prefix (one of "
                + prefixes
                + ")");
      }
    }
  }

  /** One prefix, no required group. */
  public static ResellerPrefixes of(String prefix) {
    return new ResellerPrefixes(List.of(prefix), Map.of());
  }

  public static ResellerPrefixes fromConfig(Config config) {
    Config auth = config.getConfig("archipelago.auth");
    List<String> prefixes = new ArrayList<>();
    prefixes.add(auth.getString("reseller-prefix"));
    prefixes.addAll(auth.getStringList("more-reseller-prefixes"));
    Map<String, String> required = new TreeMap<>();
    Config groups = auth.getConfig("require-groups");
    for (String prefix : groups.root().keySet()) {
      required.put(prefix, groups.getString("\"" + prefix + "\""));
    }
    return new ResellerPrefixes(prefixes, required);
  }

  /** The prefix of tokens and of the users' own accounts. */
  public String first() {
    return prefixes.get(0);
  }

  /** The prefix an account is under, if any of ours (the first that matches, as in Swift). */
  public Optional<String> prefixOf(String account) {
    return prefixes.stream().filter(account::startsWith).findFirst();
  }

  /** The account a user of {@code accountName} owns under every prefix, in order. */
  public List<String> accountsOf(String accountName) {
    return prefixes.stream().map(prefix -> prefix + accountName).toList();
  }

  /** The group a request needs, besides owning the account, for accounts under {@code prefix}. */
  public Optional<String> requiredGroup(String prefix) {
    return Optional.ofNullable(requiredGroups.get(prefix));
  }
}
