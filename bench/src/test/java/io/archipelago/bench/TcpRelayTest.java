package io.archipelago.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bench's TCP relay passes every byte both ways and forwards the end of each direction. */
class TcpRelayTest {

  @Test
  void relaysBothWaysUntilEachSideIsDone() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        TcpRelay relay =
            new TcpRelay(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getLocalPort()))) {
      // The upstream answers each byte it gets with that byte plus one, until end of stream.
      Thread server =
          new Thread(
              () -> {
                try (Socket s = upstream.accept();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                  byte[] buffer = new byte[8192];
                  int n;
                  while ((n = in.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                      buffer[i]++;
                    }
                    out.write(buffer, 0, n);
                  }
                  out.write("end".getBytes());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      server.start();
      byte[] sent = new byte[3 << 20];
      new Random(1).nextBytes(sent);
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
        Thread writer =
            new Thread(
                () -> {
                  try {
                    client.getOutputStream().write(sent);
                    client.shutdownOutput();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        writer.start();
        byte[] received = client.getInputStream().readAllBytes();
        writer.join();
        assertEquals(sent.length + 3, received.length);
        byte[] expected = new byte[sent.length];
        for (int i = 0; i < sent.length; i++) {
          expected[i] = (byte) (sent[i] + 1);
        }
        assertArrayEquals(expected, java.util.Arrays.copyOf(received, sent.length));
        assertEquals("end", new String(received, sent.length, 3));
      }
      server.join();
      assertTrue(relay.cpuMillis() >= 0);
    }
  }
}
