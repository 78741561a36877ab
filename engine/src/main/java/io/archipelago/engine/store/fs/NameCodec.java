package io.archipelago.engine.store.fs;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns names into file names and back (the layout is described in {@code package-info.java}).
 * Encoding is canonical: {@link #decode} accepts exactly what {@link #encode} produces, so every
 * file name stands for at most one name and foreign files are recognised and skipped.
 */
final class NameCodec {

  /** Raw bytes of one chunk; a final component holds at most this many, a directory one less. */
  static final int CHUNK_BYTES = 80;

  static final String META_SUFFIX = "%m";
  static final String CHUNK_SUFFIX = "%+";
  static final String DATA_MARK = "%v";
  static final String EMPTY_SEGMENT = "%_";

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  private static final String TOKEN_ALPHABET = "0123456789abcdefghijklmnopqrstuv";
  private static final int TOKEN_CHARS = 12;

  /** What a directory entry of a container tree is. */
  enum Kind {
    /** A directory for a segment followed by a slash. */
    SLASH_DIR,
    /** A directory for a chunk of a long segment, not followed by a slash. */
    CHUNK_DIR,
    /** The metadata file of the object whose name ends here. */
    META,
    /** A data file. */
    DATA
  }

  /**
   * A decoded directory entry.
   *
   * @param key the bytes this entry appends to the name of its directory (a slash directory's key
   *     ends with '/')
   */
  record Entry(byte[] key, Kind kind, String fileName) {}

  /** Where an object's files live: {@code dir/stem%m} and {@code dir/stem%v<token>}. */
  record ObjectLocation(Path dir, String stem) {
    Path metaFile() {
      return dir.resolve(stem + META_SUFFIX);
    }

    String newDataFileName() {
      return stem + DATA_MARK + token();
    }
  }

  private NameCodec() {}

  /** The directory of a container below the store's root. */
  static Path containerDir(Path root, byte[] account, byte[] container) {
    return opaqueName(opaqueName(root, account), container);
  }

  /** The location of an object in its container directory. */
  static ObjectLocation locate(Path containerDir, byte[] name) {
    Path dir = containerDir;
    int segmentStart = 0;
    for (int i = 0; i < name.length; i++) {
      if (name[i] == '/') {
        int p = segmentStart;
        while (i - p >= CHUNK_BYTES) {
          dir = dir.resolve(encode(name, p, p + CHUNK_BYTES) + CHUNK_SUFFIX);
          p += CHUNK_BYTES;
        }
        dir = dir.resolve(encode(name, p, i));
        segmentStart = i + 1;
      }
    }
    int p = segmentStart;
    while (name.length - p > CHUNK_BYTES) {
      dir = dir.resolve(encode(name, p, p + CHUNK_BYTES) + CHUNK_SUFFIX);
      p += CHUNK_BYTES;
    }
    return new ObjectLocation(dir, encode(name, p, name.length));
  }

  /** A name without structure (account, container) as nested directories. */
  private static Path opaqueName(Path parent, byte[] name) {
    Path dir = parent;
    int p = 0;
    while (name.length - p > CHUNK_BYTES) {
      dir = dir.resolve(encode(name, p, p + CHUNK_BYTES) + CHUNK_SUFFIX);
      p += CHUNK_BYTES;
    }
    return dir.resolve(encode(name, p, name.length));
  }

  /** Escapes {@code bytes[from, to)} as one file name component. */
  static String encode(byte[] bytes, int from, int to) {
    if (from == to) {
      return EMPTY_SEGMENT;
    }
    StringBuilder out = new StringBuilder((to - from) * 3 / 2);
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (mustEscape(b, i == from)) {
        out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
      } else {
        out.append((char) b);
      }
    }
    return out.toString();
  }

  /** The bytes an encoded component stands for, or null if it is not a canonical encoding. */
  static byte[] decode(String encoded) {
    if (encoded.equals(EMPTY_SEGMENT)) {
      return new byte[0];
    }
    if (encoded.isEmpty()) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      boolean first = out.size() == 0;
      if (c == '%') {
        if (i + 2 >= encoded.length()) {
          return null;
        }
        int hi = hexValue(encoded.charAt(i + 1));
        int lo = hexValue(encoded.charAt(i + 2));
        if (hi < 0 || lo < 0) {
          return null;
        }
        byte b = (byte) (hi << 4 | lo);
        if (!mustEscape(b, first)) {
          return null;
        }
        out.write(b);
        i += 2;
      } else {
        if (c > 0x7E || mustEscape((byte) c, first)) {
          return null;
        }
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  /**
   * Decodes one directory entry of a container tree; null for anything this store did not write.
   */
  static Entry parse(String fileName) {
    Kind kind;
    String encoded;
    int dataMark = fileName.indexOf(DATA_MARK);
    if (fileName.endsWith(META_SUFFIX)) {
      kind = Kind.META;
      encoded = fileName.substring(0, fileName.length() - META_SUFFIX.length());
    } else if (fileName.endsWith(CHUNK_SUFFIX)) {
      kind = Kind.CHUNK_DIR;
      encoded = fileName.substring(0, fileName.length() - CHUNK_SUFFIX.length());
    } else if (dataMark >= 0) {
      kind = Kind.DATA;
      encoded = fileName.substring(0, dataMark);
    } else {
      kind = Kind.SLASH_DIR;
      encoded = fileName;
    }
    byte[] raw = decode(encoded);
    if (raw == null) {
      return null;
    }
    boolean lengthOk =
        switch (kind) {
          case META, DATA -> raw.length <= CHUNK_BYTES;
          case CHUNK_DIR -> raw.length == CHUNK_BYTES;
          case SLASH_DIR -> raw.length < CHUNK_BYTES;
        };
    if (!lengthOk) {
      return null;
    }
    byte[] key = kind == Kind.SLASH_DIR ? Utf8Keys.concat(raw, new byte[] {'/'}) : raw;
    return new Entry(key, kind, fileName);
  }

  /** A random token for unique file names: 60 bits in 12 lower-case base-32 digits. */
  static String token() {
    long bits = ThreadLocalRandom.current().nextLong();
    char[] out = new char[TOKEN_CHARS];
    for (int i = 0; i < TOKEN_CHARS; i++) {
      out[i] = TOKEN_ALPHABET.charAt((int) (bits & 31));
      bits >>>= 5;
    }
    return new String(out);
  }

  private static boolean mustEscape(byte b, boolean first) {
    int u = b & 0xFF;
    return u < 0x20 || u >= 0x7F || b == '%' || b == '/' || (first && b == '.');
  }

  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
