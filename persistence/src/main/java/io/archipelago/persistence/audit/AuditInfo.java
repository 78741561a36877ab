package io.archipelago.persistence.audit;

import java.time.Instant;

/**
 * Who did it, when and from where: carried by every persisted event so that the journal is also the
 * audit trail.
 *
 * @param principal the authenticated user ({@code account:user}), or {@code system} for the
 *     gateway's own work
 * @param account the account the principal acted in
 * @param clientAddress the client's IP address as the gateway saw it
 * @param node the gateway node that accepted the request ({@code host:port})
 * @param requestId the X-Trans-Id of the request
 * @param at wall-clock instant the gateway accepted the request
 */
public record AuditInfo(
    String principal,
    String account,
    String clientAddress,
    String node,
    String requestId,
    Instant at) {

  public static AuditInfo system(String node, String requestId) {
    return new AuditInfo("system", "", "", node, requestId, Instant.now());
  }
}
