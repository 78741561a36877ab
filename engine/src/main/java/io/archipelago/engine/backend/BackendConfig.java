package io.archipelago.engine.backend;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads the initial backends from {@code archipelago.backends} in application.conf. */
public final class BackendConfig {

  private static final Set<String> DESCRIPTOR_KEYS =
      Set.of("kind", "tiers", "site", "capacity", "state");

  private BackendConfig() {}

  public static List<BackendDescriptor> fromConfig(Config config) {
    Config backends = config.getConfig("archipelago.backends");
    List<BackendDescriptor> result = new ArrayList<>();
    for (String id : backends.root().keySet()) {
      Config b = backends.getConfig(quoted(id));
      Map<String, String> settings = new LinkedHashMap<>();
      for (Map.Entry<String, ConfigValue> e : b.entrySet()) {
        String key = e.getKey();
        if (DESCRIPTOR_KEYS.contains(key)) {
          continue;
        }
        ConfigValue value = e.getValue();
        settings.put(
            key,
            value.valueType() == ConfigValueType.STRING
                ? (String) value.unwrapped()
                : String.valueOf(value.unwrapped()));
      }
      result.add(
          new BackendDescriptor(
              id,
              BackendKind.fromConfigValue(b.getString("kind")),
              Set.copyOf(b.getStringList("tiers")),
              b.hasPath("site") ? b.getString("site") : "default",
              b.hasPath("capacity") ? b.getBytes("capacity") : 0L,
              b.hasPath("state")
                  ? BackendState.valueOf(b.getString("state").toUpperCase(Locale.ROOT))
                  : BackendState.ACTIVE,
              settings));
    }
    result.sort(Comparator.comparing(BackendDescriptor::id));
    return result;
  }

  private static String quoted(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
