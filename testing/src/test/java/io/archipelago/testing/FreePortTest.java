package io.archipelago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ports for servers started later come from below the kernel's ephemeral range, where no outgoing
 * connection can take them in the meantime, are never handed out twice, and bind.
 */
class FreePortTest {

  @Test
  void portsAreDistinctBindableAndOutsideTheEphemeralRange() throws Exception {
    String[] range =
        Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
            .get(0)
            .trim()
            .split("\\s+");
    int ephemeralLow = Integer.parseInt(range[0]);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      int port = Net.freePort();
      assertTrue(port < ephemeralLow, port + " is in the ephemeral range from " + ephemeralLow);
      assertTrue(seen.add(port), "handed out twice: " + port);
    }
    int port = Net.freePort();
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertEquals(port, socket.getLocalPort());
    }
  }

  @Test
  void testJvmsSideBySideTakePortsFromDisjointSlices() {
    assertEquals(List.of(10_000, 32_767), slice(null, null));
    assertEquals(List.of(10_000, 21_383), slice("1", "2"));
    assertEquals(List.of(21_384, 32_767), slice("2", "2"));
    assertEquals(List.of(10_000, 32_767), slice("3", "2"));
  }

  private static List<Integer> slice(String fork, String forks) {
    String oldFork = System.getProperty("archipelago.test.fork");
    String oldForks = System.getProperty("archipelago.test.forks");
    try {
      set("archipelago.test.fork", fork);
      set("archipelago.test.forks", forks);
      int[] slice = Net.forkSlice(10_000, 32_767);
      return List.of(slice[0], slice[1]);
    } finally {
      set("archipelago.test.fork", oldFork);
      set("archipelago.test.forks", oldForks);
    }
  }

  private static void set(String name, String value) {
    if (value == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, value);
    }
  }
}
