package io.archipelago.engine.store.fs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Reads and durably writes {@link StoredObject} JSON documents. All methods block. */
final class MetadataFile {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private MetadataFile() {}

  /** The document at {@code file}, or empty when there is none. */
  static Optional<StoredObject> read(Path file) throws IOException {
    byte[] json;
    if (!Files.exists(file)) {
      return Optional.empty(); // the common case for a new name: no exception to build
    }
    try {
      json = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(MAPPER.readValue(json, StoredObject.class));
  }

  /** Writes the document to a new file in {@code tmpDir} and forces it to disk; answers its path. */
  static Path writeTemp(StoredObject object, Path tmpDir) throws IOException {
    Path temp = tmpDir.resolve("meta-" + NameCodec.token() + ".json");
    ByteBuffer json = ByteBuffer.wrap(MAPPER.writeValueAsBytes(object));
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (json.hasRemaining()) {
        channel.write(json);
      }
      channel.force(false); // bytes and size; the rename into place is synced with its directory
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return temp;
  }
}
