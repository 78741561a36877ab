package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.AwsCli;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.FederatedBackends.Kind;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Buckets made with the aws CLI on each kind of backend (two real Swift clusters, S3Proxy, the
 * filesystem), placed by their LocationConstraint as a Swift container is by its storage policy:
 * objects land on that backend (checked with the backend's own client), read back through Swift,
 * and copy with CopyObject to a bucket on another backend.
 */
class FederatedS3ApiTest {

  @TempDir static Path dataDir;
  @TempDir static Path work;
  static FederatedBackends backends;
  static TestGateway gateway;
  static SwiftClient swift;
  static AwsCli cli;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(AwsCli.available(), "awscli is installed by bin/archipelago test");
    backends = new FederatedBackends(RealBackends.get());
    int port = Net.freePort();
    Map<String, Object> config = new HashMap<>(backends.config());
    config.put("archipelago.s3.port", port);
    gateway = TestGateway.start(dataDir, config);
    swift = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    cli = new AwsCli("http://127.0.0.1:" + port, work);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aBucketIsPlacedByItsLocationConstraintAndCopiesAcrossBackends(Kind kind) throws IOException {
    String bucket = "placed-" + kind.policy();
    cli.aws(
            "s3api",
            "create-bucket",
            "--bucket",
            bucket,
            "--create-bucket-configuration",
            "LocationConstraint=" + kind.policy())
        .assertOk();
    assertEquals(
        kind.policy(),
        swift.call("HEAD", "/" + bucket).headers().firstValue("X-Storage-Policy").orElseThrow());
    byte[] body = ("stored on " + kind + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    Path file = work.resolve("where-" + kind + ".txt");
    Files.write(file, body);
    cli.aws("s3", "cp", file.toString(), "s3://" + bucket + "/dir/where.txt").assertOk();
    for (Kind other : Kind.values()) {
      assertEquals(
          other == kind,
          backends.storedOn(other, dataDir, bucket, "dir/where.txt", body),
          other + " for " + kind);
    }
    assertArrayEquals(
        body, swift.bytes("GET", "/" + bucket + "/dir/where.txt", Map.of(), null).body());

    Kind next = Kind.values()[(kind.ordinal() + 1) % Kind.values().length];
    String target = "copy-" + kind.policy() + "-to-" + next.policy();
    cli.aws(
            "s3api",
            "create-bucket",
            "--bucket",
            target,
            "--create-bucket-configuration",
            "LocationConstraint=" + next.policy())
        .assertOk();
    cli.aws("s3", "cp", "s3://" + bucket + "/dir/where.txt", "s3://" + target + "/copied.txt")
        .assertOk();
    assertTrue(backends.storedOn(next, dataDir, target, "copied.txt", body), "copy on " + next);
    Path back = work.resolve("back-" + kind + ".txt");
    cli.aws("s3", "cp", "s3://" + target + "/copied.txt", back.toString()).assertOk();
    assertArrayEquals(body, Files.readAllBytes(back));

    for (String b : List.of(bucket, target)) {
      cli.aws("s3", "rb", "--force", "s3://" + b).assertOk();
      assertEquals(404, swift.call("HEAD", "/" + b).statusCode());
    }
    assertFalse(backends.storedOn(kind, dataDir, bucket, "dir/where.txt", body));
  }
}
