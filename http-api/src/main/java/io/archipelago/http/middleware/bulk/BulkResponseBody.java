package io.archipelago.http.middleware.bulk;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.MediaTypes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.http.swift.ListingRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The result documents Swift's SLO and bulk middlewares answer with ({@code
 * get_heartbeat_response_body}): {@code text/plain} ("Key: value" lines, then "Errors:" and one
 * "name, status" line per failure), JSON or XML, chosen from {@code Accept}.
 */
public final class BulkResponseBody {

  /** The formats Swift offers, in its order of preference. */
  public static final List<String> ACCEPTABLE_FORMATS =
      List.of("text/plain", "application/json", "application/xml", "text/xml");

  private static final ObjectMapper JSON = new ObjectMapper();

  private BulkResponseBody() {}

  /**
   * swob's {@code Accept.best_match}: the first offered type that the client's media ranges (by
   * descending quality) allow; the first offered when there is no Accept header; empty when nothing
   * is acceptable.
   */
  public static Optional<String> bestMatch(Optional<String> accept) {
    if (accept.isEmpty() || accept.get().isBlank()) {
      return Optional.of(ACCEPTABLE_FORMATS.get(0));
    }
    record Range(String type, double q, int order) {}
    List<Range> ranges = new ArrayList<>();
    String[] parts = accept.get().split(",");
    for (int i = 0; i < parts.length; i++) {
      String[] params = parts[i].trim().split(";");
      double q = 1.0;
      for (int p = 1; p < params.length; p++) {
        String param = params[p].trim();
        if (param.startsWith("q=")) {
          try {
            q = Double.parseDouble(param.substring(2));
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      ranges.add(new Range(params[0].trim().toLowerCase(Locale.ROOT), q, i));
    }
    ranges.sort(
        (a, b) ->
            a.q() != b.q() ? Double.compare(b.q(), a.q()) : Integer.compare(a.order(), b.order()));
    for (Range r : ranges) {
      if (r.q() <= 0) {
        continue;
      }
      for (String option : ACCEPTABLE_FORMATS) {
        if (r.type().equals("*/*")
            || r.type().equals(option)
            || (r.type().endsWith("/*")
                && option.startsWith(r.type().substring(0, r.type().length() - 1)))) {
          return Optional.of(option);
        }
      }
    }
    return Optional.empty();
  }

  public static ContentType.NonBinary contentType(String format) {
    return switch (format) {
      case "application/json" -> ContentTypes.APPLICATION_JSON;
      case "application/xml" -> MediaTypes.APPLICATION_XML.toContentType(HttpCharsets.UTF_8);
      case "text/xml" -> MediaTypes.TEXT_XML.toContentType(HttpCharsets.UTF_8);
      default -> ContentTypes.TEXT_PLAIN_UTF8;
    };
  }

  /**
   * The body: {@code fields} (e.g. "Response Status"), then the errors, each a name and a status.
   *
   * @param rootTag the XML root element ({@code delete} or {@code upload})
   */
  public static String render(
      String format, Map<String, Object> fields, List<String[]> errors, String rootTag) {
    Map<String, Object> sorted = new TreeMap<>(fields);
    if (format.equals("application/json")) {
      ObjectNode root = JSON.createObjectNode();
      fields.forEach(
          (k, v) -> {
            if (v instanceof Number n) {
              root.put(k, n.longValue());
            } else {
              root.put(k, String.valueOf(v));
            }
          });
      ArrayNode list = root.putArray("Errors");
      errors.forEach(e -> list.addArray().add(e[0]).add(e[1]));
      return root.toString();
    }
    StringBuilder sb = new StringBuilder();
    if (format.endsWith("/xml")) {
      sb.append('<').append(rootTag).append(">\n");
      sorted.forEach(
          (k, v) -> {
            String tag = k.replace(' ', '_').toLowerCase(Locale.ROOT);
            sb.append('<')
                .append(tag)
                .append('>')
                .append(ListingRenderer.xml(String.valueOf(v)))
                .append("</")
                .append(tag)
                .append(">\n");
          });
      sb.append("<errors>\n");
      errors.forEach(
          e ->
              sb.append("<object><name>")
                  .append(ListingRenderer.xml(e[0]))
                  .append("</name><status>")
                  .append(ListingRenderer.xml(e[1]))
                  .append("</status></object>\n"));
      sb.append("</errors>\n</").append(rootTag).append(">\n");
      return sb.toString();
    }
    sorted.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
    sb.append("Errors:\n");
    errors.forEach(e -> sb.append(e[0]).append(", ").append(e[1]).append('\n'));
    return sb.toString();
  }
}
