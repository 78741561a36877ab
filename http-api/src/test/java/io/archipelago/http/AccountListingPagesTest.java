package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An account listing longer than one page of the account entity (here 2 KiB, about seven rows) is
 * asked for page by page and streamed: every format and every query parameter gives the listing a
 * single page would give, which the test computes from the names it created.
 */
class AccountListingPagesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.engine.account-listing-page-bytes", "2KiB"));

  static SwiftClient client;
  static final List<String> NAMES = new ArrayList<>();

  @BeforeAll
  static void start() {
    client = gateway.login("test2:tester2", "testing2");
    for (int i = 0; i < 50; i++) {
      NAMES.add(String.format("k%02d", i));
    }
    for (int i = 0; i < 12; i++) {
      NAMES.add(String.format("sub-%02d", i));
    }
    NAMES.add("sub");
    NAMES.add("t-a-b");
    for (String name : NAMES) {
      assertEquals(201, client.call("PUT", "/" + name).statusCode(), name);
    }
    NAMES.sort(Comparator.naturalOrder());
  }

  /** Swift's listing of {@link #NAMES} (ASCII, so String order is byte order). */
  private static List<String> expected(
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    List<String> names = new ArrayList<>(NAMES);
    if (reverse) {
      names.sort(Comparator.reverseOrder());
    }
    List<String> rows = new ArrayList<>();
    for (String name : names) {
      int toMarker = marker == null ? 1 : name.compareTo(marker) * (reverse ? -1 : 1);
      int toEnd = endMarker == null ? -1 : name.compareTo(endMarker) * (reverse ? -1 : 1);
      if (toMarker <= 0 || toEnd >= 0 || (prefix != null && !name.startsWith(prefix))) {
        continue;
      }
      String row = name;
      if (delimiter != null) {
        int at = name.indexOf(delimiter, prefix == null ? 0 : prefix.length());
        if (at >= 0) {
          row = name.substring(0, at + 1);
        }
      }
      if (rows.isEmpty() || !rows.get(rows.size() - 1).equals(row)) {
        if (!row.equals(marker)) {
          rows.add(row);
        }
      }
    }
    return rows.subList(0, Math.min(limit, rows.size()));
  }

  private static String query(
      String prefix,
      String delimiter,
      String marker,
      String endMarker,
      int limit,
      boolean reverse) {
    StringBuilder q = new StringBuilder("?limit=" + limit);
    if (prefix != null) {
      q.append("&prefix=").append(prefix);
    }
    if (delimiter != null) {
      q.append("&delimiter=").append(delimiter);
    }
    if (marker != null) {
      q.append("&marker=").append(marker);
    }
    if (endMarker != null) {
      q.append("&end_marker=").append(endMarker);
    }
    if (reverse) {
      q.append("&reverse=on");
    }
    return q.toString();
  }

  private static void check(
      String prefix, String delimiter, String marker, String endMarker, int limit, boolean reverse)
      throws Exception {
    List<String> want = expected(prefix, delimiter, marker, endMarker, limit, reverse);
    String q = query(prefix, delimiter, marker, endMarker, limit, reverse);

    HttpResponse<String> plain = client.call("GET", q);
    assertEquals(want.isEmpty() ? 204 : 200, plain.statusCode(), q);
    assertEquals(want.stream().map(n -> n + "\n").reduce("", String::concat), plain.body(), q);
    assertEquals(
        String.valueOf(NAMES.size()),
        plain.headers().firstValue("X-Account-Container-Count").orElse(null),
        q);

    HttpResponse<String> json = client.call("GET", q + "&format=json");
    assertEquals(200, json.statusCode(), q);
    List<String> jsonRows = new ArrayList<>();
    for (JsonNode row : JSON.readTree(json.body())) {
      if (row.has("subdir")) {
        jsonRows.add(row.get("subdir").asText());
      } else {
        assertEquals(0, row.get("count").asLong());
        assertTrue(
            row.get("last_modified").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*"), row.toString());
        jsonRows.add(row.get("name").asText());
      }
    }
    assertEquals(want, jsonRows, q);

    HttpResponse<String> xml = client.call("GET", q + "&format=xml");
    assertEquals(200, xml.statusCode(), q);
    assertTrue(
        xml.body()
            .startsWith(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"AUTH_test2\">"),
        xml.body());
    assertTrue(xml.body().endsWith("</account>"), xml.body());
    List<String> xmlRows = new ArrayList<>();
    Matcher m =
        Pattern.compile("<container><name>([^<]*)</name>|<subdir name=\"([^\"]*)\">")
            .matcher(xml.body());
    while (m.find()) {
      xmlRows.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    assertEquals(want, xmlRows, q);
  }

  @Test
  void aListingOfManyPagesIsWholeInEveryFormat() throws Exception {
    check(null, null, null, null, 10_000, false);
    check(null, null, null, null, 10_000, true);
    // more than one page of the entity: streamed as it is asked for, so no Content-Length
    HttpResponse<String> streamed = client.call("GET", "");
    assertEquals("chunked", streamed.headers().firstValue("Transfer-Encoding").orElse(null));
    HttpResponse<String> head = client.call("HEAD", "");
    assertEquals(
        String.valueOf(NAMES.size()),
        head.headers().firstValue("X-Account-Container-Count").orElse(null));
  }

  @Test
  void limitsAndMarkersCutThePagedListingAsOnePage() throws Exception {
    check(null, null, null, null, 25, false);
    check(null, null, null, null, 1, false);
    check(null, null, "k10", null, 20, false);
    check(null, null, "k10", "sub-05", 10_000, false);
    check(null, null, "sub-05", "k10", 10_000, true);
    check(null, null, "zzz", null, 10_000, false);
  }

  @Test
  void prefixesAndDelimitersRollUpAcrossPages() throws Exception {
    check("k", null, null, null, 10_000, false);
    check("k1", null, null, null, 10_000, true);
    check("sub-", null, null, null, 10_000, false);
    check(null, "-", null, null, 10_000, false);
    check(null, "-", null, null, 10_000, true);
    check(null, "-", "k40", null, 10_000, false);
    check(null, "-", "sub-", null, 10_000, false);
    check("t-", "-", null, null, 10_000, false);
  }
}
