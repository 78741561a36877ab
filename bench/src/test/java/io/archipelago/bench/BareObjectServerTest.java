package io.archipelago.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's bare HTTP server stores each PUT body as one file before answering 201. */
class BareObjectServerTest {

  @Test
  void storesEachPutAsOneFile(@TempDir Path dir) throws Exception {
    try (BareObjectServer server = new BareObjectServer(dir.resolve("objects"), 4)) {
      SwiftHttp client = SwiftHttp.unauthenticated(server.url());
      byte[] body = "four kibibytes, or fewer".getBytes();
      assertEquals(
          201,
          client.send(
              client.request("/a").PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build()));
      assertEquals(
          201,
          client.send(
              client.request("/b").PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build()));
      assertEquals(405, client.send(client.request("/a").GET().build()));
      List<Path> files;
      try (Stream<Path> listed = Files.list(dir.resolve("objects"))) {
        files = listed.sorted().toList();
      }
      assertEquals(2, files.size(), files.toString());
      for (Path f : files) {
        assertArrayEquals(body, Files.readAllBytes(f));
      }
    }
  }
}
