package io.archipelago.engine.integrity;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the scrubber is in its pass over one backend, kept in a small file under {@code
 * <data-dir>/integrity/} so that a restart resumes the pass instead of starting over.
 *
 * @param container the container (entity id) being scrubbed; empty before the first
 * @param marker the last object of that container checked
 * @param passStartedAt when the current pass started; empty between passes
 */
record ScrubCheckpoint(
    Optional<String> container,
    Optional<String> marker,
    Optional<Instant> passStartedAt,
    Optional<Instant> lastPassCompletedAt,
    long passesCompleted) {

  static final ScrubCheckpoint NONE =
      new ScrubCheckpoint(
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0);

  ScrubCheckpoint at(String container, Optional<String> marker) {
    return new ScrubCheckpoint(
        Optional.of(container), marker, passStartedAt, lastPassCompletedAt, passesCompleted);
  }

  ScrubCheckpoint started(Instant now) {
    return new ScrubCheckpoint(
        Optional.empty(), Optional.empty(), Optional.of(now), lastPassCompletedAt, passesCompleted);
  }

  ScrubCheckpoint completed(Instant now) {
    return new ScrubCheckpoint(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.of(now),
        passesCompleted + 1);
  }

  static Path file(Path dir, String backend) {
    return dir.resolve(
        "scrub-" + URLEncoder.encode(backend, StandardCharsets.UTF_8) + ".properties");
  }

  /** Blocking: call on an IO thread. */
  static ScrubCheckpoint load(Path dir, String backend) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file(dir, backend), StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return NONE;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ScrubCheckpoint(
        Optional.ofNullable(p.getProperty("container")),
        Optional.ofNullable(p.getProperty("marker")),
        Optional.ofNullable(p.getProperty("pass-started-at")).map(Instant::parse),
        Optional.ofNullable(p.getProperty("last-pass-completed-at")).map(Instant::parse),
        Long.parseLong(p.getProperty("passes-completed", "0")));
  }

  /** Blocking: call on an IO thread. Written to a temp file and renamed into place. */
  void save(Path dir, String backend) {
    Properties p = new Properties();
    container.ifPresent(c -> p.setProperty("container", c));
    marker.ifPresent(m -> p.setProperty("marker", m));
    passStartedAt.ifPresent(t -> p.setProperty("pass-started-at", t.toString()));
    lastPassCompletedAt.ifPresent(t -> p.setProperty("last-pass-completed-at", t.toString()));
    p.setProperty("passes-completed", Long.toString(passesCompleted));
    try {
      Files.createDirectories(dir);
      StringWriter text = new StringWriter();
      p.store(text, "scrubber checkpoint of backend " + backend);
      Path target = file(dir, backend);
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.writeString(temp, text.toString(), StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
