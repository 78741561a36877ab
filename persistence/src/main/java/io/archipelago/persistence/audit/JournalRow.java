package io.archipelago.persistence.audit;

/** One row of the event journal table, as stored. */
public record JournalRow(
    long ordering,
    String persistenceId,
    long sequenceNr,
    long writeTimestamp,
    boolean deleted,
    String adapterManifest,
    int serializerId,
    String serializerManifest,
    byte[] payload) {

  /** Whether the payload is an audit envelope (rather than a legacy, unchained event). */
  public boolean isEnvelope() {
    return serializerId == AuditSerializer.IDENTIFIER
        && AuditSerializer.ENVELOPE_MANIFEST.equals(serializerManifest);
  }

  /** Entity type name: the persistence id up to its {@code |}. */
  public String entityType() {
    int bar = persistenceId.indexOf('|');
    return bar < 0 ? "" : persistenceId.substring(0, bar);
  }

  public String entityId() {
    int bar = persistenceId.indexOf('|');
    return bar < 0 ? persistenceId : persistenceId.substring(bar + 1);
  }
}
