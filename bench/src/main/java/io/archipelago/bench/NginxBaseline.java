package io.archipelago.bench;

import io.archipelago.testing.Net;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Figure 4's baseline: nginx from Debian's package ({@code bin/lib/packages.sh} installs it), run
 * by the bench with its own config on a loopback port, as a plain file server is set up for speed:
 * GET {@code /get} answers one given file with {@code sendfile on} (the kernel copies page cache to
 * the socket); PUT {@code /put/NAME} is the DAV module storing the body as {@code put/NAME} (nginx
 * spools the body to a temp file and renames it into place; the bench fsyncs that file before it
 * stops the clock, since the gateway's 201 means the bytes are on disk and nginx never fsyncs).
 */
final class NginxBaseline implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/sbin/nginx");

  private final Path dir;
  private final int port = Net.freePort();
  private final Process process;

  /** Starts nginx in {@code dir} (config, logs, temp and PUT files), serving {@code getFile}. */
  NginxBaseline(Path dir, Path getFile) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY
              + " is missing: bin/archipelago bench installs Debian's nginx (bin/lib/packages.sh)");
    }
    this.dir = Files.createDirectories(dir);
    Files.createDirectories(dir.resolve("put"));
    Files.createDirectories(dir.resolve("body"));
    // the workers of a master started as root would run as nobody, who cannot read the bench's
    // private temp directory
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    String config =
        user
            + "worker_processes 1;\n"
            + "pid "
            + dir.resolve("nginx.pid")
            + ";\n"
            + "error_log "
            + dir.resolve("error.log")
            + " warn;\n"
            + "events { worker_connections 64; }\n"
            + "http {\n"
            + "  access_log off;\n"
            + "  sendfile on;\n"
            + "  tcp_nopush on;\n"
            + "  client_max_body_size 0;\n"
            + "  client_body_temp_path "
            + dir.resolve("body")
            + ";\n"
            + "  proxy_temp_path "
            + dir.resolve("proxy")
            + ";\n"
            + "  fastcgi_temp_path "
            + dir.resolve("fastcgi")
            + ";\n"
            + "  uwsgi_temp_path "
            + dir.resolve("uwsgi")
            + ";\n"
            + "  scgi_temp_path "
            + dir.resolve("scgi")
            + ";\n"
            + "  server {\n"
            + "    listen 127.0.0.1:"
            + port
            + ";\n"
            + "    location = /get {\n"
            + "      default_type application/octet-stream;\n"
            + "      alias "
            + getFile
            + ";\n"
            + "    }\n"
            + "    location /put/ {\n"
            + "      root "
            + dir
            + ";\n"
            + "      dav_methods PUT DELETE;\n"
            + "      client_body_in_file_only on;\n"
            + "    }\n"
            + "  }\n"
            + "}\n";
    Path conf = Files.writeString(dir.resolve("nginx.conf"), config);
    process =
        new ProcessBuilder(
                List.of(
                    BINARY.toString(),
                    "-p",
                    dir.toString(),
                    "-c",
                    conf.toString(),
                    "-e",
                    dir.resolve("error.log").toString(),
                    "-g",
                    "daemon off;"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()))
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          close();
          throw new IllegalStateException(
              "nginx did not start: " + Files.readString(dir.resolve("out.log")) + log());
        }
        Thread.sleep(20);
      }
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("error.log"));
    } catch (IOException e) {
      return "";
    }
  }

  String getUrl() {
    return "http://127.0.0.1:" + port + "/get";
  }

  String putUrl(String name) {
    return "http://127.0.0.1:" + port + "/put/" + name;
  }

  /** Where a PUT of {@code name} is stored. */
  Path putFile(String name) {
    return dir.resolve("put").resolve(name);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }
}
