package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.AwsCli;
import io.archipelago.http.testkit.GatewayProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aws s3 cp} of a 300 MiB file up (a multipart upload of 8 MiB parts) and down again,
 * through a packaged gateway whose heap is capped at 160 MiB: the bytes stream through, and the
 * file comes back with the same SHA-256; the object is one S3 multipart object (ETag "-N") that a
 * Swift client reads as a static large object.
 */
class S3LargeCopyIT {

  private static final long SIZE = 300L * 1024 * 1024;

  @TempDir static Path work;
  static GatewayProcess gateway;

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  @Test
  void awsS3CpOf300MibStreamsUpAndDownThroughASmallHeap() throws Exception {
    Assumptions.assumeTrue(AwsCli.available(), "awscli is installed by bin/archipelago test");
    gateway = new GatewayProcess(work.resolve("gateway-data"), List.of("-Xmx160m")).start();
    AwsCli cli = new AwsCli("http://127.0.0.1:" + gateway.s3Port(), work);
    Path upload = work.resolve("big.bin");
    String sent = writeRandom(upload, SIZE);

    cli.aws("s3", "mb", "s3://large").assertOk();
    cli.aws("s3", "cp", upload.toString(), "s3://large/big.bin").assertOk();
    String head =
        cli.aws("s3api", "head-object", "--bucket", "large", "--key", "big.bin")
            .assertOk()
            .output();
    assertTrue(head.contains("\"ContentLength\": " + SIZE), head);
    assertTrue(head.matches("(?s).*\"ETag\": \"\\\\\"[0-9a-f]{32}-\\d+\\\\\"\".*"), head);

    Path download = work.resolve("back.bin");
    cli.aws("s3", "cp", "s3://large/big.bin", download.toString()).assertOk();
    assertEquals(SIZE, Files.size(download));
    assertEquals(sent, sha256(download));
    assertTrue(gateway.isAlive(), "the gateway outlived the copies with its 160 MiB heap");
    Files.delete(download);
    Files.delete(upload);
  }

  private static String writeRandom(Path file, long size) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random random = new Random(300);
    byte[] chunk = new byte[1024 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
        sha.update(chunk);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[1024 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
