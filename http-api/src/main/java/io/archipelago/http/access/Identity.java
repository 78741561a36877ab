package io.archipelago.http.access;

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
 *     account:user}, the configured groups, and {@code AUTH_<account>} for an {@code .admin} (which
 *     TempAuth puts in place of {@code .admin})
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

  public static Identity of(Principal principal) {
    List<String> groups = new ArrayList<>();
    String user = principal.user();
    int colon = user.indexOf(':');
    groups.add(colon > 0 ? user.substring(0, colon) : user);
    groups.add(user);
    principal.groups().stream()
        .sorted()
        .filter(g -> !g.equals(Principal.ADMIN))
        .forEach(groups::add);
    if (principal.groups().contains(Principal.ADMIN)) {
      groups.add(principal.account());
    }
    return new Identity(Kind.USER, principal, groups);
  }

  /** Whether a token named someone: denials are then 403, else 401 (TempAuth's REMOTE_USER). */
  public boolean authenticated() {
    return kind != Kind.ANONYMOUS;
  }
}
