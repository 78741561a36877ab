package io.archipelago.http.middleware.slo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.util.ByteString;
import io.archipelago.http.middleware.slo.SloManifest.Input;
import io.archipelago.http.middleware.slo.SloManifest.Segment;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The SLO manifest formats without any I/O: PUT parsing and its errors, stored and raw rendering.
 */
class SloManifestTest {

  private static final byte[] INLINE = "inline bytes".getBytes(StandardCharsets.UTF_8);

  private static List<Input> parse(String json) {
    return SloManifest.parseInput(ByteString.fromString(json), "c", "manifest");
  }

  private static SwiftException refused(String json) {
    return assertThrows(SwiftException.class, () -> parse(json));
  }

  private static List<Segment> segments() {
    return List.of(
        new Segment(
            "/segs/one",
            10,
            "aa11",
            "text/plain",
            "2024-01-02T03:04:05.000000",
            Optional.empty(),
            false,
            Optional.empty()),
        new Segment(
            "/segs/two",
            20,
            "bb22",
            "application/octet-stream",
            "2024-01-02T03:04:06.000000",
            Optional.of("5-9"),
            false,
            Optional.empty()),
        new Segment("", INLINE.length, "", "", "", Optional.empty(), false, Optional.of(INLINE)),
        new Segment(
            "/segs/sub",
            30,
            "cc33",
            "text/plain;swift_bytes=30",
            "2024-01-02T03:04:07.000000",
            Optional.empty(),
            true,
            Optional.empty()));
  }

  private static void assertSameSegments(List<Segment> expected, List<Segment> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      Segment e = expected.get(i);
      Segment a = actual.get(i);
      assertEquals(e.data().isPresent(), a.data().isPresent(), "segment " + i);
      if (e.data().isPresent()) {
        assertArrayEquals(e.data().get(), a.data().get(), "segment " + i);
        assertEquals(e.bytes(), a.bytes(), "segment " + i);
        continue;
      }
      assertEquals(
          e,
          new Segment(
              a.name(),
              a.bytes(),
              a.hash(),
              a.contentType(),
              a.lastModified(),
              a.range(),
              a.subSlo(),
              e.data()),
          "segment " + i);
    }
  }

  @Test
  void putFormatParsesEverySegmentKind() {
    List<Input> inputs =
        parse(
            "[{\"path\": \"/segs/one\", \"etag\": \"aa11\", \"size_bytes\": 10},"
                + " {\"path\": \"segs/two\", \"etag\": null, \"size_bytes\": \"20\", \"range\": \"5-9\"},"
                + " {\"data\": \"aW5saW5lIGJ5dGVz\"}]");
    assertEquals(3, inputs.size());
    assertEquals("/segs/one", inputs.get(0).path());
    assertEquals(Optional.of("aa11"), inputs.get(0).etag());
    assertEquals(OptionalLong.of(10), inputs.get(0).sizeBytes());
    assertEquals("segs/two", inputs.get(1).path());
    assertEquals(Optional.empty(), inputs.get(1).etag());
    assertEquals(OptionalLong.of(20), inputs.get(1).sizeBytes());
    assertEquals(1, inputs.get(1).range().orElseThrow().size());
    assertArrayEquals(INLINE, inputs.get(2).data().orElseThrow());
    assertEquals(2, inputs.get(2).index());
  }

  @Test
  void putFormatErrorsAreSwiftsPlainTextLines() {
    SwiftException notJson = refused("{not json");
    assertEquals(SwiftError.BAD_REQUEST, notJson.error());
    assertTrue(notJson.plainText());
    assertEquals("Manifest must be valid JSON.\n", notJson.body());
    assertEquals("Manifest must be a list.\n", refused("{\"path\": \"/a/b\"}").body());

    SwiftException many =
        refused(
            "[\"text\","
                + " {\"etag\": \"x\"},"
                + " {\"path\": \"/a/b\", \"color\": \"red\", \"blue\": 1},"
                + " {\"data\": \"***\"},"
                + " {\"path\": \"nocontainer\"},"
                + " {\"path\": \"/c/manifest\"},"
                + " {\"path\": \"/a/b\", \"range\": \"x-y\"},"
                + " {\"path\": \"/a/b\", \"range\": \"1-2,4-5\"},"
                + " {\"path\": \"/a/b\", \"size_bytes\": 0},"
                + " {\"path\": \"/a/b\", \"size_bytes\": \"many\"},"
                + " {\"path\": 7},"
                + " {\"path\": \"/a/b\", \"etag\": 5},"
                + " {\"path\": \"/a/b\", \"size_bytes\": 4, \"range\": \"10-20\"},"
                + " {\"path\": \"/a/last\"}]");
    assertEquals(SwiftError.BAD_REQUEST, many.error());
    assertEquals(
        String.join(
                "\n",
                "Index 0: not a JSON object",
                "Index 1: expected keys to include one of 'data' or 'path'",
                "Index 2: extraneous keys \"blue\", \"color\"",
                "Index 3: data must be valid base64",
                "Index 4: path does not refer to an object. Path must be of the form /container/object.",
                "Index 5: manifest must not include itself as a segment",
                "Index 6: invalid range",
                "Index 7: multiple ranges (only one allowed)",
                "Index 8: too small; each segment must be at least 1 byte.",
                "Index 9: invalid size_bytes",
                "Index 10: \"path\" must be a string",
                "Index 11: \"etag\" must be a string or null (if provided)",
                "Index 12: unsatisfiable range")
            + "\n",
        many.body());

    assertEquals(
        "Inline data segments require at least one object-backed segment.\n",
        refused("[{\"data\": \"aW5saW5lIGJ5dGVz\"}]").body());
  }

  @Test
  void storedFormatRoundTrips() {
    List<Segment> segments = segments();
    ByteString stored = SloManifest.storedFormat(segments);
    assertSameSegments(segments, SloManifest.parseStored(stored));
    assertEquals(stored, SloManifest.storedFormat(SloManifest.parseStored(stored)));
    assertTrue(
        stored
            .utf8String()
            .startsWith(
                "[{\"name\":\"/segs/one\",\"bytes\":10,\"hash\":\"aa11\","
                    + "\"content_type\":\"text/plain\",\"last_modified\":\"2024-01-02T03:04:05.000000\"}"));
  }

  @Test
  void rawFormatIsWhatThePutParserReads() {
    List<Segment> segments = segments();
    List<Input> inputs = SloManifest.parseInput(SloManifest.rawFormat(segments), "c", "manifest");
    assertEquals(segments.size(), inputs.size());
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      Input in = inputs.get(i);
      if (s.data().isPresent()) {
        assertArrayEquals(s.data().get(), in.data().orElseThrow());
        continue;
      }
      assertEquals(s.name(), in.path());
      assertEquals(Optional.of(s.hash()), in.etag());
      assertEquals(OptionalLong.of(s.bytes()), in.sizeBytes());
      assertEquals(s.range().isPresent(), in.range().isPresent());
    }
  }

  @Test
  void sizeAndEtagFollowTheSegments() throws Exception {
    List<Segment> segments = segments();
    assertEquals(10 + 5 + INLINE.length + 30, SloManifest.size(segments));
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    String inlineMd5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(INLINE));
    md5.update(("aa11" + "bb22:5-9;" + inlineMd5 + "cc33").getBytes(StandardCharsets.US_ASCII));
    assertEquals(HexFormat.of().formatHex(md5.digest()), SloManifest.etag(segments));
  }

  @Test
  void anUnreadableStoredManifestIsAServerError() {
    for (String broken :
        List.of("not json", "{\"name\": \"/a/b\"}", "[{\"bytes\": 1}]", "[{\"data\": \"***\"}]")) {
      SwiftException e =
          assertThrows(
              SwiftException.class,
              () -> SloManifest.parseStored(ByteString.fromString(broken)),
              broken);
      assertEquals(SwiftError.INTERNAL_ERROR, e.error());
      assertEquals("Unable to load SLO manifest", e.body());
    }
  }
}
