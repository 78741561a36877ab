package io.archipelago.http.access;

import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.protocol.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who a request acts as, for authorization: nobody (no token), a TempAuth user, or the holder of a
 * valid temporary URL.
 *
 * @param principal the user; a stand-in for the anonymous and temporary-URL kinds, whose name
 *     ({@code .anonymous}, {@code .wsgi.tempurl}) ends up in the audit trail
 * @param groups TempAuth's group list for the user, in its order: the account name, {@code
 *     account:user}, the configured groups, and the account under every reseller prefix ({@code
 *     AUTH_<account>}, {@code SERVICE_<account>}) for an {@code .admin} (which TempAuth puts in
 *     place of {@code .admin}); then the groups of a service token's user, if any
 */
public record Identity(Kind kind, Principal principal, List<String> groups) {

  public enum Kind {
    ANONYMOUS,
    USER,
    TEMP_URL
  }

  public Identity {
    groups = List.copyOf(groups);
  }

  public static Identity anonymous() {
    return new Identity(Kind.ANONYMOUS, new Principal(".anonymous", "", Set.of()), List.of());
  }

  public static Identity tempUrl() {
    return new Identity(Kind.TEMP_URL, new Principal(".wsgi.tempurl", "", Set.of()), List.of());
  }

  public static Identity of(Principal principal, ResellerPrefixes prefixes) {
    return new Identity(Kind.USER, principal, groupsOf(principal, prefixes));
  }

  /**
   * A user's identity with the groups of the user of an {@code X-Service-Token} appended, as
   * TempAuth appends them: the request still acts for (and is audited as) the first user.
   */
  public static Identity of(Principal principal, Principal service, ResellerPrefixes prefixes) {
    List<String> groups = new ArrayList<>(groupsOf(principal, prefixes));
    groups.addAll(groupsOf(service, prefixes));
    return new Identity(Kind.USER, principal, groups);
  }

  private static List<String> groupsOf(Principal principal, ResellerPrefixes prefixes) {
    List<String> groups = new ArrayList<>();
    String user = principal.user();
    int colon = user.indexOf(':');
    String accountName = colon > 0 ? user.substring(0, colon) : user;
    groups.add(accountName);
    groups.add(user);
    principal.groups().stream()
        .sorted()
        .filter(g -> !g.equals(Principal.ADMIN))
        .forEach(groups::add);
    if (principal.groups().contains(Principal.ADMIN)) {
      groups.addAll(prefixes.accountsOf(accountName));
      if (!groups.contains(principal.account())) {
        groups.add(principal.account());
      }
    }
    return groups;
  }

  /** Whether a token named someone: denials are then 403, else 401 (TempAuth's REMOTE_USER). */
  public boolean authenticated() {
    return kind != Kind.ANONYMOUS;
  }
}
