package io.archipelago.engine.store.remote;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed access to a backend's free-form driver settings (the keys of its block in {@code
 * archipelago.backends} other than kind, tiers, site, capacity and state; nested keys are dotted,
 * as {@code tls.trust-store}). Values are HOCON strings: durations like {@code 30s}, sizes like
 * {@code 16MiB}.
 */
public final class DriverSettings {

  private final String backendId;
  private final Map<String, String> values;

  public DriverSettings(String backendId, Map<String, String> values) {
    this.backendId = backendId;
    this.values = Map.copyOf(values);
  }

  public String backendId() {
    return backendId;
  }

  public Optional<String> optional(String key) {
    return Optional.ofNullable(values.get(key)).map(String::trim).filter(v -> !v.isEmpty());
  }

  public String required(String key) {
    return optional(key).orElseThrow(() -> invalid(key, "is required"));
  }

  public String string(String key, String fallback) {
    return optional(key).orElse(fallback);
  }

  /** Like {@link #string} but keeps an explicitly empty value (a prefix may be ""). */
  public String raw(String key, String fallback) {
    String v = values.get(key);
    return v == null ? fallback : v;
  }

  public int integer(String key, int fallback) {
    try {
      return optional(key).map(Integer::parseInt).orElse(fallback);
    } catch (NumberFormatException e) {
      throw invalid(key, "must be an integer");
    }
  }

  public boolean bool(String key, boolean fallback) {
    return optional(key)
        .map(
            v ->
                switch (v.toLowerCase(Locale.ROOT)) {
                  case "true", "on", "yes" -> true;
                  case "false", "off", "no" -> false;
                  default -> throw invalid(key, "must be on or off");
                })
        .orElse(fallback);
  }

  public Duration duration(String key, Duration fallback) {
    try {
      return optional(key)
          .map(v -> ConfigFactory.parseString("d = \"" + v + "\"").getDuration("d"))
          .orElse(fallback);
    } catch (ConfigException e) {
      throw invalid(key, "must be a duration such as 30s");
    }
  }

  public long bytes(String key, long fallback) {
    try {
      return optional(key)
          .map(v -> ConfigFactory.parseString("b = \"" + v + "\"").getBytes("b"))
          .orElse(fallback);
    } catch (ConfigException e) {
      throw invalid(key, "must be a size such as 16MiB");
    }
  }

  /** Refuses a value of {@code key} that is not an absolute http or https URL with a host. */
  public static void httpUrl(DriverSettings settings, String key, String value) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return;
      }
    } catch (URISyntaxException e) {
      // refused below
    }
    throw settings.invalid(key, "must be an http or https URL");
  }

  public IllegalArgumentException invalid(String key, String problem) {
    return new IllegalArgumentException(
        "backend " + backendId + ": setting '" + key + "' " + problem);
  }
}
