package io.archipelago.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The least an HTTP object store can do for a small PUT on this machine: the JDK's built-in HTTP
 * server, one thread per connection, storing each body as one durable file (temp file, fsync,
 * rename) before answering 201. No authentication, no metadata, no journal, no container. Figure 7
 * measures it next to the gateway, so that the target can be read against what HTTP plus one
 * durable write cost here at all.
 */
final class BareObjectServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService threads;
  private final Path dir;
  private final AtomicLong next = new AtomicLong();

  BareObjectServer(Path dir, int threadCount) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.threads = Executors.newFixedThreadPool(threadCount);
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (!"PUT".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      writeDurably(dir, "o-" + next.getAndIncrement(), body);
      exchange.sendResponseHeaders(201, -1);
    }
  }

  /**
   * One durable small-file write, as figure 7's direct baseline does it too: a temp file, fsync,
   * then an atomic rename to {@code name}.
   */
  static void writeDurably(Path dir, String name, byte[] body) throws IOException {
    Path temp = dir.resolve(".tmp-" + name);
    try (FileChannel ch =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(body));
      ch.force(true);
    }
    Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
