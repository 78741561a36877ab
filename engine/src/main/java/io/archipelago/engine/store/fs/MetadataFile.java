package io.archipelago.engine.store.fs;

import akka.util.ByteString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads and durably writes metadata files. A metadata file holds the {@link StoredObject} as one
 * line of JSON; a small object's bytes follow that line in the same file (an inline object), so
 * that storing it costs one durable file instead of two. Files written before inline objects
 * existed hold the JSON alone, without a newline. All methods block.
 */
final class MetadataFile {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Ends the JSON line; compact JSON escapes every newline inside strings. */
  private static final byte END_OF_JSON = '\n';

  private static final int FIRST_READ_BYTES = 4096;

  private MetadataFile() {}

  /** A metadata file's document, and where an inline object's bytes start in it. */
  record Header(StoredObject object, long dataOffset) {}

  /** The document at {@code file}, or empty when there is none; inline bytes are not read. */
  static Optional<StoredObject> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty(); // the common case for a new name: no exception to build
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return Optional.of(readHeader(channel).object());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** The document at the start of {@code channel}. */
  static Header readHeader(FileChannel channel) throws IOException {
    byte[] buffer = new byte[FIRST_READ_BYTES];
    int filled = 0;
    int searched = 0;
    while (true) {
      int read = channel.read(ByteBuffer.wrap(buffer, filled, buffer.length - filled), filled);
      if (read < 0) { // the JSON alone: a file without inline bytes
        return new Header(MAPPER.readValue(buffer, 0, filled, StoredObject.class), -1);
      }
      filled += read;
      for (; searched < filled; searched++) {
        if (buffer[searched] == END_OF_JSON) {
          StoredObject object = MAPPER.readValue(buffer, 0, searched, StoredObject.class);
          return new Header(object, object.inline() ? searched + 1 : -1);
        }
      }
      if (filled == buffer.length) {
        buffer = Arrays.copyOf(buffer, buffer.length * 2);
      }
    }
  }

  /** The inline bytes of the object {@code header} was read from {@code channel}. */
  static ByteString readInline(FileChannel channel, Header header, long first, long length)
      throws IOException {
    if (header.dataOffset() < 0 || channel.size() != header.dataOffset() + header.object().size()) {
      throw new IOException("inline object of the wrong size");
    }
    ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(length));
    long position = header.dataOffset() + first;
    while (bytes.hasRemaining()) {
      int read = channel.read(bytes, position + bytes.position());
      if (read < 0) {
        throw new IOException("inline object cut short");
      }
    }
    bytes.flip();
    return ByteString.fromByteBuffer(bytes);
  }

  /**
   * The inline bytes a metadata file of {@code fileSize} bytes holds, read from its first line only
   * (no JSON parsing): for counting the bytes a store holds.
   */
  static long inlineBytes(Path file, long fileSize) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(FIRST_READ_BYTES);
      long position = 0;
      while (channel.read(buffer, position) > 0) {
        buffer.flip();
        for (int i = 0; i < buffer.limit(); i++) {
          if (buffer.get(i) == END_OF_JSON) {
            return fileSize - (position + i + 1);
          }
        }
        position += buffer.limit();
        buffer.clear();
      }
      return 0;
    }
  }

  /**
   * Writes the document, followed by {@code inline} bytes when the object is inline, to a new file
   * in {@code tmpDir} and forces it to disk; answers its path.
   */
  static Path writeTemp(StoredObject object, ByteString inline, Path tmpDir) throws IOException {
    Path temp = tmpDir.resolve("meta-" + NameCodec.token() + ".json");
    byte[] json = MAPPER.writeValueAsBytes(object);
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer header = ByteBuffer.allocate(json.length + 1).put(json);
      if (object.inline()) {
        header.put(END_OF_JSON);
      }
      header.flip();
      ByteBuffer[] buffers = object.inline() ? withHead(header, inline) : new ByteBuffer[] {header};
      long remaining = Arrays.stream(buffers).mapToLong(ByteBuffer::remaining).sum();
      while (remaining > 0) {
        remaining -= channel.write(buffers);
      }
      channel.force(false); // bytes and size; the rename into place is synced with its directory
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return temp;
  }

  private static ByteBuffer[] withHead(ByteBuffer head, ByteString rest) {
    List<ByteBuffer> all = new ArrayList<>();
    all.add(head);
    rest.getByteBuffers().forEach(all::add);
    return all.toArray(new ByteBuffer[0]);
  }
}
