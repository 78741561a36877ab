package io.archipelago.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server process the harness started: its command, log file and PID. It is stopped by that PID
 * only (TERM, then KILL after a few seconds), never by name.
 */
public final class ManagedProcess {

  private final String name;
  private final List<String> command;
  private final Path log;
  private volatile Process process;

  public ManagedProcess(String name, List<String> command, Path log) {
    this.name = name;
    this.command = List.copyOf(command);
    this.log = log;
  }

  /** Where the PID of a process whose log is {@code log} is recorded while it runs. */
  static Path pidFile(Path log) {
    return log.resolveSibling(log.getFileName() + ".pid");
  }

  public synchronized ManagedProcess start() {
    if (process != null && process.isAlive()) {
      return this;
    }
    try {
      Files.createDirectories(log.getParent());
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      process.getOutputStream().close();
      Files.writeString(pidFile(log), Long.toString(process.pid()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + command, e);
    }
    return this;
  }

  public boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  public Optional<Long> pid() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.pid());
  }

  /** TERM to the recorded PID, KILL after five seconds; waits until it is gone. */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    if (p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    process = null;
    try {
      Files.deleteIfExists(pidFile(log));
    } catch (IOException ignored) {
      // the directory goes away with the server
    }
  }

  /**
   * Stops what a test JVM that died without its shutdown hook (kill -9) left behind under {@code
   * dir}: every PID recorded there whose process still runs with {@code dir} on its command line
   * (so a reused PID is never touched).
   */
  public static void stopRecorded(Path dir) {
    try (var files = Files.walk(dir)) {
      files
          .filter(f -> f.getFileName().toString().endsWith(".log.pid"))
          .forEach(
              f -> {
                try {
                  long pid = Long.parseLong(Files.readString(f).trim());
                  ProcessHandle.of(pid)
                      .filter(
                          h ->
                              h.info()
                                  .commandLine()
                                  .map(c -> c.contains(dir.toString()))
                                  .orElse(false))
                      .ifPresent(
                          h -> {
                            h.destroy();
                            try {
                              h.onExit().get(5, TimeUnit.SECONDS);
                            } catch (Exception e) {
                              h.destroyForcibly();
                            }
                          });
                } catch (IOException | NumberFormatException ignored) {
                  // not a PID file of ours
                }
              });
    } catch (IOException ignored) {
      // nothing left
    }
  }

  /** Fails with the log's end when the process has died. */
  public void requireAlive() {
    if (!alive()) {
      throw new IllegalStateException(name + " is not running\n" + logTail(40));
    }
  }

  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log " + log + ")";
    }
  }

  public String name() {
    return name;
  }
}
