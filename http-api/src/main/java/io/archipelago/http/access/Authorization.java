package io.archipelago.http.access;

import io.archipelago.http.auth.ResellerPrefixes;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.protocol.RequestPath;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * TempAuth's {@code authorize()}: whether an identity may make a request, in TempAuth's order.
 * Owners first (reseller admins; an account's {@code .admin} for everything but account PUT and
 * DELETE, and under a prefix with a required group only with that group too, which a service token
 * gives), then OPTIONS, then the container ACL (referrers, which need {@code .rlistings} for
 * listings, and groups), then the account ACL. The account ACL is a separate step because reading
 * it costs a lookup that most requests never need.
 */
public final class Authorization {

  /** An outcome. OWNER also sees and sets privileged headers (TempAuth's swift_owner). */
  public enum Verdict {
    OWNER,
    ALLOWED,
    DENIED
  }

  private final ResellerPrefixes prefixes;

  public Authorization(ResellerPrefixes prefixes) {
    this.prefixes = prefixes;
  }

  /** Decided by who asks alone: owners, and refusals for accounts outside our prefixes. */
  public Optional<Verdict> byIdentity(Identity identity, String method, RequestPath path) {
    String account = path.account();
    Optional<String> prefix = prefixes.prefixOf(account);
    if (prefix.isEmpty()) {
      return Optional.of(Verdict.DENIED);
    }
    List<String> groups = identity.groups();
    boolean prefixOnly = prefixes.prefixes().contains(account);
    boolean dotAccount = !prefixOnly && account.charAt(prefix.get().length()) == '.';
    if (groups.contains(Principal.RESELLER_ADMIN) && !prefixOnly && !dotAccount) {
      return Optional.of(Verdict.OWNER);
    }
    if (groups.contains(".reseller_reader") && !prefixOnly && !dotAccount && isRead(method)) {
      return Optional.of(Verdict.ALLOWED);
    }
    if (groups.contains(account)
        && (!(method.equals("DELETE") || method.equals("PUT")) || path.container().isPresent())
        && prefixes.requiredGroup(prefix.get()).map(groups::contains).orElse(true)) {
      return Optional.of(Verdict.OWNER);
    }
    if (method.equals("OPTIONS")) {
      return Optional.of(Verdict.ALLOWED);
    }
    return Optional.empty();
  }

  /** Decided by the container ACL that applies to the request (null when none applies). */
  public Optional<Verdict> byContainerAcl(
      Identity identity, RequestPath path, String acl, String referer) {
    ContainerAcl parsed = ContainerAcl.parse(acl);
    if (parsed.referrerAllowed(referer) && (path.object().isPresent() || parsed.listings())) {
      return Optional.of(Verdict.ALLOWED);
    }
    for (String group : identity.groups()) {
      if (parsed.groups().contains(group)) {
        return Optional.of(Verdict.ALLOWED);
      }
    }
    return Optional.empty();
  }

  /** The last word: the account ACL, if the account has one, else a refusal. */
  public Verdict byAccountAcl(
      Identity identity, String method, RequestPath path, Optional<AccountAcl> acl) {
    if (acl.isPresent()) {
      List<String> groups = identity.groups();
      if (intersects(groups, acl.get().admin())) {
        return Verdict.OWNER;
      }
      if (intersects(groups, acl.get().readWrite())
          && (path.container().isPresent() || isRead(method))) {
        return Verdict.ALLOWED;
      }
      if (intersects(groups, acl.get().readOnly()) && isRead(method)) {
        return Verdict.ALLOWED;
      }
    }
    return Verdict.DENIED;
  }

  /**
   * The container ACL Swift consults: X-Container-Read for GET and HEAD of containers and objects,
   * X-Container-Write for object writes, none for container writes and accounts.
   */
  public static Optional<String> aclHeader(String method, RequestPath path) {
    if (path.container().isEmpty()) {
      return Optional.empty();
    }
    if (isRead(method)) {
      return Optional.of("x-container-read");
    }
    return path.object().isPresent() ? Optional.of("x-container-write") : Optional.empty();
  }

  static boolean isRead(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  private static boolean intersects(Collection<String> a, Collection<String> b) {
    for (String x : a) {
      if (b.contains(x)) {
        return true;
      }
    }
    return false;
  }
}
