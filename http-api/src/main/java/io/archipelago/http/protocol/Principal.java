package io.archipelago.http.protocol;

import java.util.Set;

/**
 * An authenticated user.
 *
 * @param user {@code account:user} as given to TempAuth
 * @param account the storage account it owns ({@code AUTH_<account>})
 * @param groups TempAuth groups: {@code .admin} (owner of its account), {@code .reseller_admin}
 *     (every account and the admin API)
 */
public record Principal(String user, String account, Set<String> groups) {

  public static final String ADMIN = ".admin";
  public static final String RESELLER_ADMIN = ".reseller_admin";

  public boolean isResellerAdmin() {
    return groups.contains(RESELLER_ADMIN);
  }

  /** Full rights on the account: its admin, or a reseller admin. */
  public boolean owns(String storageAccount) {
    return isResellerAdmin() || (groups.contains(ADMIN) && account.equals(storageAccount));
  }
}
