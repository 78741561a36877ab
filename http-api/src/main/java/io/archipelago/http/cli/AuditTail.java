package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.persistence.audit.AuditJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads a running gateway's audit log ({@code GET /admin/audit}, NDJSON) for {@code audit tail} and
 * {@code admin audit tail}: following it across dropped connections from the last line handed over,
 * or one range and done.
 */
final class AuditTail {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The filters of {@code GET /admin/audit}; null or empty ones are left out. */
  record Filter(String account, String container, String principal, String type, String since) {}

  private final AdminClient client;
  private final Filter filter;
  private String cursor;

  AuditTail(AdminClient client, Filter filter, String cursor) {
    this.client = client;
    this.filter = filter;
    this.cursor = cursor;
  }

  /**
   * Hands each event line to {@code lines} until {@code max} events were handed (0: no end),
   * reconnecting after a dropped connection. Keep-alive blank lines are skipped.
   */
  void follow(Consumer<String> lines, long max) throws InterruptedException {
    long[] handed = {0};
    while (true) {
      try (Stream<String> stream = client.lines(path(true, 0))) {
        for (String line : (Iterable<String>) stream::iterator) {
          if (line.isBlank()) {
            continue;
          }
          lines.accept(line);
          advance(line);
          if (max > 0 && ++handed[0] >= max) {
            return;
          }
        }
      } catch (UncheckedIOException e) {
        // connection dropped: go on from the last line handed over
      }
      Thread.sleep(1000);
    }
  }

  /** Hands over the events of the log (from the cursor or {@code since}), at most {@code limit}. */
  void range(Consumer<String> lines, long limit) {
    try (Stream<String> stream = client.lines(path(false, limit))) {
      for (String line : (Iterable<String>) stream::iterator) {
        if (!line.isBlank()) {
          lines.accept(line);
        }
      }
    } catch (UncheckedIOException e) {
      throw new AdminException(
          AdminCli.UNAVAILABLE, "the audit log stream broke off: " + e.getMessage(), e);
    }
  }

  private void advance(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      if (n.has("ordering")) {
        cursor = AuditJson.cursor(n.get("ordering").asLong());
      }
    } catch (IOException e) {
      throw new AdminException(AdminCli.UNAVAILABLE, "the audit log sent a line that is no JSON");
    }
  }

  private String path(boolean follow, long limit) {
    Map<String, String> params = new LinkedHashMap<>();
    if (follow) {
      params.put("follow", "true");
    }
    put(params, "account", filter.account());
    put(params, "container", filter.container());
    put(params, "principal", filter.principal());
    put(params, "type", filter.type());
    put(params, "since", filter.since());
    put(params, "next", cursor);
    if (limit > 0) {
      params.put("limit", Long.toString(limit));
    }
    StringBuilder query = new StringBuilder("/admin/audit");
    params.forEach(
        (k, v) ->
            query
                .append(query.indexOf("?") < 0 ? "?" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return query.toString();
  }

  private static void put(Map<String, String> params, String key, String value) {
    if (value != null && !value.isEmpty()) {
      params.put(key, value);
    }
  }
}
