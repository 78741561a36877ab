package io.archipelago.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP relay to a server that can be told to drop a connection: the one that carries the
 * next request with a given method ({@link #dropNext}) is closed 100 ms later, and nothing of that
 * request reaches the server. To the client that is a keep-alive connection the server closed just
 * as a request went out on it. {@link #dropNextReused} drops only a connection that carried a
 * request before: a server can only close a connection under a request if it kept it alive from an
 * earlier one. Threads per connection: for tests only.
 */
public final class DroppingProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final int targetPort;
  private final AtomicReference<String> toDrop = new AtomicReference<>();
  private final AtomicReference<String> reusedToDrop = new AtomicReference<>();
  private final AtomicInteger dropped = new AtomicInteger();

  public DroppingProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread acceptor = new Thread(this::accept, "dropping-proxy-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Drops the connection of the next request with this method (GET, PUT, HEAD...). */
  public void dropNext(String method) {
    toDrop.set(method + " ");
  }

  /**
   * Drops the connection of the next request with this method that goes out on a connection which
   * carried a request before (a kept-alive one); requests on new connections pass.
   */
  public void dropNextReused(String method) {
    reusedToDrop.set(method + " ");
  }

  /** Forgets the drops asked for and not done. */
  public void dropNothing() {
    toDrop.set(null);
    reusedToDrop.set(null);
  }

  /** How many connections were dropped so far. */
  public int dropped() {
    return dropped.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        pump(client, server, true);
        pump(server, client, false);
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection end
      }
    }
  }

  private void pump(Socket from, Socket to, boolean fromClient) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 * 1024];
              boolean carriedRequest = false;
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  String drop = toDrop.get();
                  String reusedDrop = reusedToDrop.get();
                  if (fromClient
                      && ((drop != null
                              && startsWith(buffer, n, drop)
                              && toDrop.compareAndSet(drop, null))
                          || (carriedRequest
                              && reusedDrop != null
                              && startsWith(buffer, n, reusedDrop)
                              && reusedToDrop.compareAndSet(reusedDrop, null)))) {
                    // Once the request is out and awaits its answer: what a server's close looks
                    // like
                    // when it crosses a request on a keep-alive connection.
                    dropped.incrementAndGet();
                    sleepQuietly(100);
                    return;
                  }
                  carriedRequest = true;
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // either side went away
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "dropping-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static boolean startsWith(byte[] buffer, int length, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (buffer[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
