package io.archipelago.persistence.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/** Audit records as NDJSON lines (one JSON object and a newline each). */
public final class AuditJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditJson() {}

  public static ObjectNode node(AuditRecord r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ordering", r.ordering());
    n.put("entity", r.entityType());
    n.put("entityId", r.entityId());
    n.put("persistenceId", r.persistenceId());
    n.put("seq", r.sequenceNr());
    n.put("type", r.type());
    n.put("version", r.version());
    n.put("at", r.text("at"));
    n.put("principal", r.principal());
    n.put("account", r.text("account"));
    n.put("clientAddress", r.text("clientAddress"));
    n.put("node", r.text("node"));
    n.put("requestId", r.text("requestId"));
    n.put("writtenAt", Instant.ofEpochMilli(r.writeTimestamp()).toString());
    n.set("event", r.event());
    n.put("prevHash", ChainHash.hex(r.prevHash()));
    n.put("hash", ChainHash.hex(r.hash()));
    return n;
  }

  public static byte[] line(AuditRecord r) {
    return line(node(r));
  }

  public static byte[] line(ObjectNode node) {
    try {
      byte[] json = JSON.writeValueAsBytes(node);
      byte[] line = Arrays.copyOf(json, json.length + 1);
      line[json.length] = '\n';
      return line;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The final line of a page that stopped at its limit: where the next page starts. */
  public static byte[] nextLine(long afterOrdering) {
    ObjectNode n = JSON.createObjectNode();
    n.put("next", cursor(afterOrdering));
    return line(n);
  }

  /** An opaque cursor for the record after {@code ordering}. */
  public static String cursor(long ordering) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("o:" + ordering).getBytes(StandardCharsets.UTF_8));
  }

  public static long parseCursor(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (!text.startsWith("o:")) {
        throw new IllegalArgumentException("bad cursor");
      }
      return Long.parseLong(text.substring(2));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid audit cursor '" + cursor + "'");
    }
  }
}
