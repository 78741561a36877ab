package io.archipelago.http.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Looks at a filesystem backend's files directly, as an operator would: an object's bytes are in
 * its data file ({@code <name>%v<token>}) or, for a small one, after the first line of its metadata
 * file ({@code <name>%m}).
 */
public final class FsObjectFiles {

  private FsObjectFiles() {}

  /**
   * Whether some object under {@code root} holds exactly {@code body}. A walk that a concurrent
   * delete disturbed (a file listed, gone before the walk read its attributes) is walked again.
   */
  public static boolean holds(Path root, byte[] body) {
    for (int attempt = 1; ; attempt++) {
      if (!Files.isDirectory(root)) {
        return false;
      }
      try (Stream<Path> files = Files.walk(root)) {
        return files
            .filter(Files::isRegularFile)
            .filter(p -> !p.toString().contains("/.tmp/"))
            .map(FsObjectFiles::objectBytes)
            .anyMatch(bytes -> bytes.isPresent() && Arrays.equals(bytes.get(), body));
      } catch (UncheckedIOException e) {
        if (!(e.getCause() instanceof NoSuchFileException) || attempt >= 10) {
          throw e;
        }
      } catch (IOException e) {
        return false;
      }
    }
  }

  /** The object bytes a file holds, if it is a data file or a metadata file with inline bytes. */
  static Optional<byte[]> objectBytes(Path file) {
    String name = file.getFileName().toString();
    try {
      if (name.contains("%v")) {
        return Optional.of(Files.readAllBytes(file));
      }
      if (name.endsWith("%m")) {
        byte[] all = Files.readAllBytes(file);
        for (int i = 0; i < all.length; i++) {
          if (all[i] == '\n') {
            return Optional.of(Arrays.copyOfRange(all, i + 1, all.length));
          }
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // deleted meanwhile
    }
  }
}
