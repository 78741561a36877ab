package io.archipelago.persistence.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * A journal row decoded for reading without the domain classes: the event as a JSON tree (as
 * stored, at its schema version), its type, and the chain hashes. Legacy rows (written before
 * envelopes) have version 0 and no hashes.
 */
public record AuditRecord(
    long ordering,
    String persistenceId,
    long sequenceNr,
    long writeTimestamp,
    String type,
    int version,
    JsonNode event,
    byte[] prevHash,
    byte[] hash) {

  private static final ObjectMapper CBOR = new CBORMapper();

  public static AuditRecord decode(JournalRow row) {
    try {
      if (row.isEnvelope()) {
        AuditEnvelope e = AuditEnvelope.fromBytes(row.payload());
        return new AuditRecord(
            row.ordering(),
            row.persistenceId(),
            row.sequenceNr(),
            row.writeTimestamp(),
            e.type(),
            e.version(),
            CBOR.readTree(e.payload()),
            e.prevHash(),
            e.hash());
      }
      String manifest = row.serializerManifest();
      String type =
          manifest.substring(Math.max(manifest.lastIndexOf('.'), manifest.lastIndexOf('$')) + 1);
      JsonNode event;
      try {
        event = CBOR.readTree(row.payload());
      } catch (IOException e) {
        event = CBOR.createObjectNode().put("unreadable", e.getMessage());
      }
      return new AuditRecord(
          row.ordering(),
          row.persistenceId(),
          row.sequenceNr(),
          row.writeTimestamp(),
          type,
          0,
          event,
          null,
          null);
    } catch (IOException | IllegalArgumentException e) {
      JsonNode unreadable = CBOR.createObjectNode().put("unreadable", e.getMessage());
      return new AuditRecord(
          row.ordering(),
          row.persistenceId(),
          row.sequenceNr(),
          row.writeTimestamp(),
          row.adapterManifest(),
          -1,
          unreadable,
          null,
          null);
    }
  }

  public JsonNode audit() {
    JsonNode audit = event.get("audit");
    return audit == null || audit.isNull() ? null : audit;
  }

  public String principal() {
    return text("principal");
  }

  public Optional<Instant> at() {
    String at = text("at");
    if (at == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(at));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public String text(String auditField) {
    JsonNode audit = audit();
    JsonNode value = audit == null ? null : audit.get(auditField);
    return value == null || value.isNull() ? null : value.asText();
  }

  public String entityType() {
    int bar = persistenceId.indexOf('|');
    return bar < 0 ? "" : persistenceId.substring(0, bar);
  }

  public String entityId() {
    int bar = persistenceId.indexOf('|');
    return bar < 0 ? persistenceId : persistenceId.substring(bar + 1);
  }
}
