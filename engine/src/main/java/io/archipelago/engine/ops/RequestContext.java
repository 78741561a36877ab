package io.archipelago.engine.ops;

import io.archipelago.persistence.audit.AuditInfo;
import java.time.Instant;

/**
 * Who asks, from where, under which request id; becomes the {@link AuditInfo} of every event the
 * request causes.
 */
public record RequestContext(
    String principal, String account, String clientAddress, String node, String requestId) {

  public AuditInfo audit() {
    return new AuditInfo(principal, account, clientAddress, node, requestId, Instant.now());
  }
}
