package io.archipelago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
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
}
