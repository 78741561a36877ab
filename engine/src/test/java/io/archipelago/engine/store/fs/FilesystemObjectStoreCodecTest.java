package io.archipelago.engine.store.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The file name encoding of the filesystem store. */
class FilesystemObjectStoreCodecTest {

  @Test
  void encodingRoundTripsAnyBytes() {
    Random random = new Random(1);
    for (int i = 0; i < 5000; i++) {
      byte[] raw = new byte[1 + random.nextInt(NameCodec.CHUNK_BYTES)];
      random.nextBytes(raw);
      if (i % 3 == 0) {
        raw[0] = '.';
      }
      String encoded = NameCodec.encode(raw, 0, raw.length);
      assertArrayEquals(raw, NameCodec.decode(encoded));
      assertTrue(encoded.length() <= 3 * raw.length);
      assertFalse(encoded.startsWith("."));
      assertTrue(encoded.chars().allMatch(c -> c >= 0x20 && c < 0x7F && c != '/'), encoded);
    }
    assertEquals("%_", NameCodec.encode(new byte[0], 0, 0));
    assertArrayEquals(new byte[0], NameCodec.decode("%_"));
    assertEquals("%2E.", NameCodec.encode(utf8(".."), 0, 2));
    assertEquals("a.b%25c%2F%C3%BC", NameCodec.encode(utf8("a.b%c/ü"), 0, utf8("a.b%c/ü").length));
  }

  @Test
  void decodingAcceptsOnlyCanonicalText() {
    for (String bad :
        List.of(
            "", "%", "%2", "%2e", "%41", "%zz", ".", "..", ".a", "ü", "a%_", "%_a", "a\tb", "%m")) {
      assertNull(NameCodec.decode(bad), bad);
    }
    assertArrayEquals(utf8("a.b"), NameCodec.decode("a.b"));
    assertArrayEquals(utf8(".a"), NameCodec.decode("%2Ea"));
  }

  @Test
  void parsesDirectoryEntries() {
    String x80 = "x".repeat(80);
    assertEntry("x%m", NameCodec.Kind.META, "x");
    assertEntry("%_%m", NameCodec.Kind.META, "");
    assertEntry("a", NameCodec.Kind.SLASH_DIR, "a/");
    assertEntry("%_", NameCodec.Kind.SLASH_DIR, "/");
    assertEntry(x80 + "%+", NameCodec.Kind.CHUNK_DIR, x80);
    assertEntry("x%v0123456789ab", NameCodec.Kind.DATA, "x");
    for (String foreign :
        List.of(
            ".tmp", "x".repeat(79) + "%+", x80, "x%vq%m", "%m", "%+", "a%2e%m", "lost+found%x")) {
      assertNull(NameCodec.parse(foreign), foreign);
    }
  }

  @Test
  void pathsSpellTheNameBack() {
    Random random = new Random(2);
    String[] alphabet = {"a", "/", "/", ".", "%", "ü", "日", "\u0001", "x", "-"};
    Path container = Path.of("/store/acct/cont");
    for (int i = 0; i < 3000; i++) {
      int length = 1 + random.nextInt(i % 10 == 0 ? 400 : 30);
      StringBuilder name = new StringBuilder();
      for (int k = 0; k < length; k++) {
        name.append(alphabet[random.nextInt(alphabet.length)]);
      }
      byte[] raw = utf8(name.toString());
      NameCodec.ObjectLocation location = NameCodec.locate(container, raw);
      ByteArrayOutputStream spelled = new ByteArrayOutputStream();
      for (Path component : container.relativize(location.metaFile())) {
        String fileName = component.toString();
        assertTrue(fileName.length() <= 255 - 14, fileName);
        NameCodec.Entry entry = NameCodec.parse(fileName);
        assertNotNull(entry, fileName);
        spelled.writeBytes(entry.key());
      }
      assertArrayEquals(raw, spelled.toByteArray(), name.toString());
      NameCodec.Entry data = NameCodec.parse(location.newDataFileName());
      assertEquals(NameCodec.Kind.DATA, data.kind());
      assertTrue(location.newDataFileName().length() <= 255);
    }
  }

  @Test
  void successorBoundsPrefixes() {
    assertArrayEquals(utf8("b"), Utf8Keys.successor(utf8("a")));
    assertArrayEquals(new byte[] {'a', 1}, Utf8Keys.successor(new byte[] {'a', 0, (byte) 0xFF}));
    assertNull(Utf8Keys.successor(new byte[0]));
    assertNull(Utf8Keys.successor(new byte[] {(byte) 0xFF}));
  }

  private static void assertEntry(String fileName, NameCodec.Kind kind, String key) {
    NameCodec.Entry entry = NameCodec.parse(fileName);
    assertNotNull(entry, fileName);
    assertEquals(kind, entry.kind());
    assertArrayEquals(utf8(key), entry.key());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
