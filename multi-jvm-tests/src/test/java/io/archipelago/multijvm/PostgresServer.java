package io.archipelago.multijvm;

import io.archipelago.testing.Net;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server from Debian's packages, on 127.0.0.1 and a free port, with its own
 * data directory; bin/run-tests installs the packages. Started once per test JVM and stopped by the
 * data directory it created. PostgreSQL refuses to run as root, so as root the server runs as the
 * {@code postgres} system user.
 */
public final class PostgresServer implements AutoCloseable {

  private static PostgresServer shared;

  private final Path dir;
  private final Path bin;
  private final int port;

  private PostgresServer(Path dir, Path bin, int port) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
  }

  /** The JVM's server, started on first use. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  private static PostgresServer start() {
    try {
      Path bin = findBin();
      Path dir = Files.createTempDirectory("archipelago-pg");
      int port = Net.freePort();
      boolean root = runsAsRoot();
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
        run(List.of("chmod", "755", dir.getParent().toString()), false);
      }
      Path data = dir.resolve("data");
      run(
          asUser(
              root,
              List.of(
                  bin.resolve("initdb").toString(),
                  "-D",
                  data.toString(),
                  "-A",
                  "trust",
                  "-U",
                  "postgres",
                  "-E",
                  "UTF8")),
          true);
      PostgresServer server = new PostgresServer(dir, bin, port);
      server.startServer();
      run(
          List.of(
              bin.resolve("createdb").toString(),
              "-h",
              "127.0.0.1",
              "-p",
              Integer.toString(port),
              "-U",
              "postgres",
              "archipelago"),
          true);
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start PostgreSQL", e);
    }
  }

  /** Starts the server on its port and data directory (again, after {@link #stopServer()}). */
  public void startServer() {
    run(
        asUser(
            runsAsRoot(),
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-w",
                "-t",
                "60",
                "-l",
                dir.resolve("postgres.log").toString(),
                "-o",
                "-p "
                    + port
                    + " -c listen_addresses=127.0.0.1 -k "
                    + dir
                    + " -c max_connections=200 -c fsync=off -c synchronous_commit=off",
                "start")),
        true);
  }

  /**
   * Stops the server as an operator restarting it does ({@code pg_ctl stop -m fast}: open sessions
   * are ended, what was committed stays); {@link #startServer()} brings it back.
   */
  public void stopServer() {
    run(
        asUser(
            runsAsRoot(),
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-m",
                "fast",
                "-w",
                "stop")),
        true);
  }

  private static boolean runsAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/archipelago";
  }

  public String user() {
    return "postgres";
  }

  @Override
  public void close() {
    boolean root = runsAsRoot();
    try {
      run(
          asUser(
              root,
              List.of(
                  bin.resolve("pg_ctl").toString(),
                  "-D",
                  dir.resolve("data").toString(),
                  "-m",
                  "immediate",
                  "-w",
                  "stop")),
          false);
    } catch (RuntimeException e) {
      // best effort at exit
    }
  }

  private static List<String> asUser(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> result = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    result.addAll(command);
    return result;
  }

  private static Path findBin() throws IOException {
    Path base = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      throw new IllegalStateException("PostgreSQL is not installed (bin/run-tests installs it)");
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(Path::toString))
          .orElseThrow(() -> new IllegalStateException("no initdb under " + base));
    }
  }

  private static void run(List<String> command, boolean check) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      if (check && p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed:\n" + new String(out));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
