package io.archipelago.http.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.archipelago.engine.backend.BackendDescriptor;
import io.archipelago.engine.backend.BackendKind;
import io.archipelago.engine.backend.BackendState;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Backends as the admin API reads them: {@code {"id": "...", "kind": "filesystem", "tiers":
 * ["standard"], "site": "...", "capacity": 0, "settings": {"root": "..."}}} and {@code {"state":
 * "draining"}}.
 */
final class BackendJson {

  private BackendJson() {}

  static BackendDescriptor descriptor(JsonNode json) {
    String id = text(json, "id");
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw bad("id must be 1-64 letters, digits, '.', '_' or '-'");
    }
    BackendKind kind;
    try {
      kind = BackendKind.fromConfigValue(text(json, "kind"));
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    Set<String> tiers = new HashSet<>();
    json.path("tiers").forEach(t -> tiers.add(t.asText()));
    if (tiers.isEmpty()) {
      throw bad("tiers must name at least one tier");
    }
    Map<String, String> settings = new LinkedHashMap<>();
    json.path("settings")
        .fields()
        .forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
    return new BackendDescriptor(
        id,
        kind,
        tiers,
        json.path("site").asText("default"),
        json.path("capacity").asLong(0),
        BackendState.ACTIVE,
        settings);
  }

  static BackendState state(JsonNode json) {
    try {
      return BackendState.valueOf(text(json, "state").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("state must be active, draining or down");
    }
  }

  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      throw bad("missing field '" + field + "'");
    }
    return node.asText();
  }

  private static SwiftException bad(String detail) {
    return new SwiftException(SwiftError.BAD_REQUEST, detail);
  }
}
