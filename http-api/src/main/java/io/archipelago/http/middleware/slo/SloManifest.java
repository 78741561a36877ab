package io.archipelago.http.middleware.slo;

import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.middleware.dlo.DynamicLargeObjects;
import io.archipelago.http.protocol.Constraints;
import io.archipelago.http.protocol.RangeHeader;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Swift's SLO manifest formats, pure (no I/O): the PUT format a client sends ({@code path}, {@code
 * etag}, {@code size_bytes}, {@code range}, or inline {@code data}), checked as {@code
 * parse_and_validate_input} checks it; the stored format ({@code name}, {@code bytes}, {@code
 * hash}, {@code content_type}, {@code last_modified}, {@code range}, {@code sub_slo}); the raw
 * format of {@code ?multipart-manifest=get&format=raw}; and the SLO's size and ETag computed from
 * its segments.
 */
public final class SloManifest {

  public static final int MAX_MANIFEST_SEGMENTS = 1000;
  public static final int MAX_MANIFEST_SIZE = 8 * 1024 * 1024;
  public static final int MIN_SEGMENT_SIZE = 1;
  public static final int MAX_RECURSION_DEPTH = 10;
  public static final String HEADER = SwiftHeaders.STATIC_LARGE_OBJECT;
  public static final String SYSMETA_ETAG = "x-object-sysmeta-slo-etag";
  public static final String SYSMETA_SIZE = "x-object-sysmeta-slo-size";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One entry of a stored manifest: an object-backed segment ({@code name} is {@code
   * /container/object}) or inline data.
   */
  public record Segment(
      String name,
      long bytes,
      String hash,
      String contentType,
      String lastModified,
      Optional<String> range,
      boolean subSlo,
      Optional<byte[]> data) {

    long rangeStart() {
      return range.map(r -> Long.parseLong(r.substring(0, r.indexOf('-')))).orElse(0L);
    }

    long rangeEnd() {
      return range.map(r -> Long.parseLong(r.substring(r.indexOf('-') + 1))).orElse(bytes - 1);
    }

    /** The bytes this segment contributes. */
    long length() {
      if (data.isPresent()) {
        return data.get().length;
      }
      return range.isPresent() ? rangeEnd() - rangeStart() + 1 : bytes;
    }

    /** What the segment adds to the SLO's ETag. */
    String etagPart() {
      if (data.isPresent()) {
        return HexFormat.of().formatHex(DynamicLargeObjects.md5().digest(data.get()));
      }
      return range.isPresent() ? hash + ":" + range.get() + ";" : hash;
    }

    String container() {
      String path = name.replaceFirst("^/+", "");
      return path.substring(0, path.indexOf('/'));
    }

    String object() {
      String path = name.replaceFirst("^/+", "");
      return path.substring(path.indexOf('/') + 1);
    }
  }

  private SloManifest() {}

  public static boolean isSlo(ObjectInfo info) {
    return SwiftHeaders.isTrue(info.metadata().get(HEADER));
  }

  public static Optional<Long> storedSize(ObjectInfo info) {
    try {
      return Optional.ofNullable(info.metadata().get(SYSMETA_SIZE)).map(Long::parseLong);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public static Optional<String> storedEtag(ObjectInfo info) {
    return Optional.ofNullable(info.metadata().get(SYSMETA_ETAG)).filter(e -> !e.isEmpty());
  }

  public static long size(List<Segment> segments) {
    return segments.stream().mapToLong(Segment::length).sum();
  }

  public static String etag(List<Segment> segments) {
    MessageDigest md5 = DynamicLargeObjects.md5();
    segments.forEach(s -> md5.update(s.etagPart().getBytes(StandardCharsets.US_ASCII)));
    return HexFormat.of().formatHex(md5.digest());
  }

  public static List<Segment> parseStored(ByteString json) {
    try {
      JsonNode root = JSON.readTree(json.toArray());
      if (!root.isArray()) {
        throw new IllegalArgumentException("not a list");
      }
      List<Segment> segments = new ArrayList<>();
      for (JsonNode n : root) {
        if (n.has("data")) {
          byte[] data = Base64.getDecoder().decode(n.get("data").asText());
          segments.add(
              new Segment("", data.length, "", "", "", Optional.empty(), false, Optional.of(data)));
          continue;
        }
        segments.add(
            new Segment(
                n.get("name").asText(),
                n.get("bytes").asLong(),
                n.path("hash").asText(""),
                n.path("content_type").asText(""),
                n.path("last_modified").asText(""),
                n.hasNonNull("range") ? Optional.of(n.get("range").asText()) : Optional.empty(),
                SwiftHeaders.isTrue(n.path("sub_slo").asText("false")),
                Optional.empty()));
      }
      return segments;
    } catch (IOException | RuntimeException e) {
      throw new SwiftException(SwiftError.INTERNAL_ERROR, "Unable to load SLO manifest");
    }
  }

  /** {@code ?multipart-manifest=get&format=raw}: the manifest as it was PUT. */
  public static ByteString rawFormat(List<Segment> segments) {
    ArrayNode list = JSON.createArrayNode();
    for (Segment s : segments) {
      ObjectNode n = list.addObject();
      if (s.data().isPresent()) {
        n.put("data", Base64.getEncoder().encodeToString(s.data().get()));
        continue;
      }
      n.put("etag", s.hash());
      n.put("path", s.name());
      s.range().ifPresent(r -> n.put("range", r));
      n.put("size_bytes", s.bytes());
    }
    return ByteString.fromString(list.toString());
  }

  /** One segment of a PUT manifest, as parsed and checked by {@code parse_and_validate_input}. */
  public record Input(
      int index,
      String path,
      Optional<String> etag,
      OptionalLong sizeBytes,
      Optional<List<RangeHeader.Spec>> range,
      Optional<byte[]> data) {}

  /** {@code parse_and_validate_input}: 400 with one line per problem. */
  public static List<Input> parseInput(ByteString body, String container, String name) {
    JsonNode root;
    try {
      root = JSON.readTree(body.toArray());
    } catch (JsonProcessingException e) {
      throw Constraints.plainBadRequest("Manifest must be valid JSON.\n");
    } catch (IOException e) {
      throw Constraints.plainBadRequest("Manifest must be valid JSON.\n");
    }
    if (root == null || !root.isArray()) {
      throw Constraints.plainBadRequest("Manifest must be a list.\n");
    }
    List<String> errors = new ArrayList<>();
    List<Input> inputs = new ArrayList<>();
    int count = root.size();
    for (int i = 0; i < count; i++) {
      JsonNode seg = root.get(i);
      if (!seg.isObject()) {
        errors.add("Index " + i + ": not a JSON object");
        continue;
      }
      String type = seg.has("data") ? "data" : seg.has("path") ? "path" : null;
      if (type == null) {
        errors.add("Index " + i + ": expected keys to include one of 'data' or 'path'");
        continue;
      }
      List<String> allowed =
          type.equals("data") ? List.of("data") : List.of("path", "range", "etag", "size_bytes");
      List<String> extraneous = new ArrayList<>();
      seg.fieldNames()
          .forEachRemaining(
              k -> {
                if (!allowed.contains(k)) {
                  extraneous.add(k);
                }
              });
      if (!extraneous.isEmpty()) {
        extraneous.sort(null);
        errors.add(
            "Index "
                + i
                + ": extraneous keys "
                + String.join(", ", extraneous.stream().map(k -> "\"" + k + "\"").toList()));
        continue;
      }
      if (type.equals("data")) {
        byte[] data;
        try {
          data = Base64.getDecoder().decode(seg.get("data").asText().trim());
        } catch (IllegalArgumentException e) {
          errors.add("Index " + i + ": data must be valid base64");
          continue;
        }
        if (!seg.get("data").isTextual()) {
          errors.add("Index " + i + ": data must be valid base64");
          continue;
        }
        if (data.length < 1) {
          errors.add("Index " + i + ": too small; each segment must be at least 1 byte.");
          continue;
        }
        inputs.add(
            new Input(
                i,
                "",
                Optional.empty(),
                OptionalLong.empty(),
                Optional.empty(),
                Optional.of(data)));
        continue;
      }
      if (!seg.get("path").isTextual()) {
        errors.add("Index " + i + ": \"path\" must be a string");
        continue;
      }
      JsonNode etagNode = seg.get("etag");
      if (etagNode != null && !etagNode.isNull() && !etagNode.isTextual()) {
        errors.add("Index " + i + ": \"etag\" must be a string or null (if provided)");
        continue;
      }
      String path = seg.get("path").asText();
      if (!strip(path, '/').contains("/")) {
        errors.add(
            "Index "
                + i
                + ": path does not refer to an object. Path must be of the form /container/object.");
        continue;
      }
      OptionalLong size = OptionalLong.empty();
      JsonNode sizeNode = seg.get("size_bytes");
      if (sizeNode != null && !sizeNode.isNull()) {
        try {
          size =
              OptionalLong.of(
                  sizeNode.isIntegralNumber()
                      ? sizeNode.asLong()
                      : Long.parseLong(sizeNode.asText().trim()));
        } catch (NumberFormatException e) {
          errors.add("Index " + i + ": invalid size_bytes");
          continue;
        }
        if (!sizeNode.isIntegralNumber() && !sizeNode.isTextual()) {
          errors.add("Index " + i + ": invalid size_bytes");
          continue;
        }
        if (size.getAsLong() < 1 && i != count - 1) {
          errors.add("Index " + i + ": too small; each segment must be at least 1 byte.");
          continue;
        }
      }
      String relative = path.replaceFirst("^/+", "");
      if (relative.equals(container + "/" + name)) {
        errors.add("Index " + i + ": manifest must not include itself as a segment");
        continue;
      }
      Optional<List<RangeHeader.Spec>> range = Optional.empty();
      JsonNode rangeNode = seg.get("range");
      if (rangeNode != null && !rangeNode.isNull() && !rangeNode.asText().isEmpty()) {
        range = RangeHeader.parse(Optional.of("bytes=" + rangeNode.asText()));
        if (range.isEmpty()) {
          errors.add("Index " + i + ": invalid range");
          continue;
        }
        if (range.get().size() > 1) {
          errors.add("Index " + i + ": multiple ranges (only one allowed)");
          continue;
        }
        if (size.isPresent() && RangeHeader.resolve(range.get(), size.getAsLong()).size() != 1) {
          errors.add("Index " + i + ": unsatisfiable range");
          continue;
        }
      }
      Optional<String> etag =
          etagNode == null || etagNode.isNull() ? Optional.empty() : Optional.of(etagNode.asText());
      inputs.add(new Input(i, path, etag, size, range, Optional.empty()));
    }
    if (!inputs.isEmpty()
        && inputs.stream().allMatch(in -> in.data().isPresent())
        && errors.isEmpty()) {
      errors.add("Inline data segments require at least one object-backed segment.");
    }
    if (!errors.isEmpty()) {
      throw Constraints.plainBadRequest(
          String.join("", errors.stream().map(e -> e + "\n").toList()));
    }
    return inputs;
  }

  private static String strip(String s, char c) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == c) {
      start++;
    }
    while (end > start && s.charAt(end - 1) == c) {
      end--;
    }
    return s.substring(start, end);
  }

  /** Swift's stored manifest: name, bytes, hash, content_type, last_modified, range, sub_slo. */
  public static ByteString storedFormat(List<Segment> segments) {
    ArrayNode list = JSON.createArrayNode();
    for (Segment s : segments) {
      ObjectNode n = list.addObject();
      if (s.data().isPresent()) {
        n.put("data", Base64.getEncoder().encodeToString(s.data().get()));
        continue;
      }
      n.put("name", s.name());
      n.put("bytes", s.bytes());
      n.put("hash", s.hash());
      n.put("content_type", s.contentType());
      n.put("last_modified", s.lastModified());
      s.range().ifPresent(r -> n.put("range", r));
      if (s.subSlo()) {
        n.put("sub_slo", true);
      }
    }
    return ByteString.fromString(list.toString());
  }
}
