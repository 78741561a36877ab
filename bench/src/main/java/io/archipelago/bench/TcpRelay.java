package io.archipelago.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The least any proxy in front of Swift can cost on this machine: a TCP relay that copies each
 * connection's bytes both ways through one direct buffer per direction and does nothing else (no
 * HTTP parsing, no authentication, no second request). Measured next to the gateway in the same
 * run, it tells how much of the gateway's distance from direct access is the extra hop itself,
 * which no gateway can avoid, and how much is the gateway's own work.
 */
final class TcpRelay implements AutoCloseable {

  private static final int BUFFER = 64 << 10;

  private final ServerSocketChannel server;
  private final InetSocketAddress target;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> pumps = ConcurrentHashMap.newKeySet();

  /** CPU time of pump threads that have ended. */
  private final AtomicLong endedCpuNanos = new AtomicLong();

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

  TcpRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server =
        ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    Thread acceptor = new Thread(this::acceptLoop, "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return ((InetSocketAddress) localAddress()).getPort();
  }

  /** CPU used by the relay's copying threads so far (user and kernel), in milliseconds. */
  long cpuMillis() {
    long total = endedCpuNanos.get();
    for (Thread pump : pumps) {
      long t = threads.getThreadCpuTime(pump.getId());
      total += Math.max(0, t);
    }
    return total / 1_000_000;
  }

  private SocketAddress localAddress() {
    try {
      return server.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      try {
        SocketChannel upstream = SocketChannel.open(target);
        for (SocketChannel c : new SocketChannel[] {client, upstream}) {
          c.setOption(StandardSocketOptions.TCP_NODELAY, true);
          open.add(c);
        }
        AtomicInteger running = new AtomicInteger(2);
        pump(client, upstream, running);
        pump(upstream, client, running);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  /** Copies one direction until end of stream, then half-closes the other side. */
  private void pump(SocketChannel from, SocketChannel to, AtomicInteger running) {
    Thread pump =
        new Thread(
            () -> {
              ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
              try {
                while (from.read(buffer) >= 0) {
                  buffer.flip();
                  while (buffer.hasRemaining()) {
                    to.write(buffer);
                  }
                  buffer.clear();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                // A reset on one side ends the connection on both.
                closeQuietly(from);
                closeQuietly(to);
              } finally {
                endedCpuNanos.addAndGet(Math.max(0, threads.getCurrentThreadCpuTime()));
                pumps.remove(Thread.currentThread());
                if (running.decrementAndGet() == 0) {
                  closeQuietly(from);
                  closeQuietly(to);
                }
              }
            },
            "relay-pump");
    pump.setDaemon(true);
    pumps.add(pump);
    pump.start();
  }

  private void closeQuietly(SocketChannel channel) {
    open.remove(channel);
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (SocketChannel c : open) {
      closeQuietly(c);
    }
  }
}
