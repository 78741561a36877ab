package io.archipelago.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/** Loopback ports and waiting. */
public final class Net {

  private Net() {}

  /** Ports handed out by this JVM, never handed out twice. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A loopback port free now, for a server started later (often in another process). Taken below
   * the kernel's ephemeral range: a port from that range (what binding port 0 gives) can be taken
   * by any outgoing connection before the server binds it, which made a gateway node of a cluster
   * test fail with "Address already in use".
   */
  public static int freePort() {
    int[] ephemeral = ephemeralRange();
    int[] slice = forkSlice(10_000, ephemeral[0] - 1);
    int low = slice[0];
    int high = slice[1];
    if (high - low >= 1_000) {
      for (int attempt = 0; attempt < 500; attempt++) {
        int port = ThreadLocalRandom.current().nextInt(low, high + 1);
        if (HANDED_OUT.add(port) && bindable(port)) {
          return port;
        }
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HANDED_OUT.add(socket.getLocalPort());
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The part of [low, high] this test JVM takes ports from. Test JVMs that run side by side
   * (surefire's forkCount, numbered by archipelago.test.fork from 1 to archipelago.test.forks) each
   * take their own part, so that two of them never hand out the same port before its server binds
   * it.
   */
  static int[] forkSlice(int low, int high) {
    int forks = Integer.getInteger("archipelago.test.forks", 1);
    int fork = Integer.getInteger("archipelago.test.fork", 1);
    if (forks <= 1 || fork < 1 || fork > forks) {
      return new int[] {low, high};
    }
    int size = (high - low + 1) / forks;
    int from = low + (fork - 1) * size;
    return new int[] {from, from + size - 1};
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Linux's ephemeral port range; its default when it cannot be read. (Files.readString reads only
   * the first byte of this procfs file on JDK 17; reading lines works.)
   */
  private static int[] ephemeralRange() {
    try {
      String[] range =
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
              .get(0)
              .trim()
              .split("\\s+");
      return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {32768, 60999};
    }
  }

  public static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Polls {@code condition} every 50 ms until it holds; false after {@code timeout}. */
  public static boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }
}
