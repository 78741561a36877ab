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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The S3 flows a user runs (the aws CLI, s3cmd, boto3) against buckets placed on each kind of
 * backend by their LocationConstraint: the filesystem, a real Swift cluster and S3Proxy (whose
 * filesystem provider cannot keep a name that is both an object and a prefix of others: multipart
 * parts go beside their upload's marker), all started once by the harness. On each: mb, cp of a
 * directory tree, cp of a 300 MiB file as a multipart upload, sync, ls, presign + curl, rb --force;
 * s3cmd mb/put/get/ls/del; a boto3 script; an object written through S3 read through Swift and the
 * other way round. The objects land on the backend of the placement (asked with the backend's own
 * client).
 */
class S3RealBackendsClientsIT {

  private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");
  private static final Path S3CMD = Path.of("/usr/bin/s3cmd");
  private static final long LARGE = 300L * 1024 * 1024 + 7;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  static FederatedBackends backends;
  static TestGateway gateway;
  static SwiftClient swift;
  static AwsCli cli;
  static int port;
  static Path tree;
  static Path large;

  @BeforeAll
  static void start() throws IOException {
    Assumptions.assumeTrue(AwsCli.available(), "awscli is installed by bin/archipelago test");
    backends = new FederatedBackends(RealBackends.get());
    port = Net.freePort();
    Map<String, Object> config = new HashMap<>(backends.config());
    config.put("archipelago.s3.port", port);
    gateway = TestGateway.start(dataDir, config);
    swift = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    cli = new AwsCli("http://127.0.0.1:" + port, work);
    Random random = new Random(21);
    tree = work.resolve("tree");
    write(tree.resolve("top.txt"), 10, random);
    write(tree.resolve("photos/2024/cat.jpg"), 200_000, random);
    write(tree.resolve("photos/2024/with space+plus.bin"), 1_000, random);
    write(tree.resolve("docs/ünïcødé/日本.txt"), 5_000, random);
    write(tree.resolve("docs/empty"), 0, random);
    large = work.resolve("large.bin");
    try (OutputStream out = Files.newOutputStream(large)) {
      byte[] chunk = new byte[1024 * 1024];
      for (long left = LARGE; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
    Files.writeString(
        work.resolve("s3cfg"),
        String.join(
            "\n",
            "[default]",
            "access_key = test:tester",
            "secret_key = testing",
            "host_base = 127.0.0.1:" + port,
            "host_bucket = 127.0.0.1:" + port,
            "use_https = False",
            "check_ssl_certificate = False",
            ""));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"FS", "SWIFT_A", "S3"})
  void awsCliFlowsOnEachPlacement(Kind kind) throws Exception {
    String bucket = "cli-" + kind.policy();
    cli.aws("s3", "mb", "s3://" + bucket, "--region", kind.policy()).assertOk();
    assertEquals(
        kind.policy(),
        swift.call("HEAD", "/" + bucket).headers().firstValue("X-Storage-Policy").orElseThrow());

    cli.aws("s3", "cp", "--recursive", tree.toString(), "s3://" + bucket + "/tree/").assertOk();
    byte[] cat = Files.readAllBytes(tree.resolve("photos/2024/cat.jpg"));
    assertTrue(
        backends.storedOn(kind, dataDir, bucket, "tree/photos/2024/cat.jpg", cat), "on " + kind);
    String listing = cli.aws("s3", "ls", "--recursive", "s3://" + bucket).assertOk().output();
    for (String key :
        List.of("tree/top.txt", "tree/photos/2024/with space+plus.bin", "tree/docs/empty")) {
      assertTrue(listing.contains(key), key + " in\n" + listing);
    }
    Path down = work.resolve("down-" + kind);
    cli.aws("s3", "cp", "--recursive", "s3://" + bucket + "/tree/", down.toString()).assertOk();
    assertArrayEquals(
        Files.readAllBytes(tree.resolve("docs/ünïcødé/日本.txt")),
        Files.readAllBytes(down.resolve("docs/ünïcødé/日本.txt")));

    String again =
        cli.aws("s3", "sync", tree.toString(), "s3://" + bucket + "/tree/").assertOk().output();
    assertFalse(again.contains("upload:"), again);
    Path synced = work.resolve("sync-" + kind);
    Files.createDirectories(synced);
    Files.writeString(synced.resolve("new.txt"), "new on " + kind);
    String changed =
        cli.aws("s3", "sync", synced.toString(), "s3://" + bucket + "/tree/").assertOk().output();
    assertTrue(changed.contains("new.txt") && !changed.contains("cat.jpg"), changed);

    // a file past the CLI's 8 MiB threshold goes as a multipart upload
    cli.aws("s3", "cp", large.toString(), "s3://" + bucket + "/large.bin").assertOk();
    HttpResponse<String> head = swift.call("HEAD", "/" + bucket + "/large.bin");
    assertEquals("True", head.headers().firstValue("X-Static-Large-Object").orElse(null));
    Path largeBack = work.resolve("large-back-" + kind);
    cli.aws("s3", "cp", "s3://" + bucket + "/large.bin", largeBack.toString()).assertOk();
    assertEquals(sha256(large), sha256(largeBack));
    Files.delete(largeBack);

    String url =
        cli.aws("s3", "presign", "s3://" + bucket + "/tree/photos/2024/cat.jpg")
            .assertOk()
            .output()
            .strip();
    Path presigned = work.resolve("presigned-" + kind);
    cli.run(List.of("curl", "-sS", "-f", "-o", presigned.toString(), url), Map.of()).assertOk();
    assertArrayEquals(cat, Files.readAllBytes(presigned));

    // across the APIs, both ways
    byte[] fromSwift = ("from swift on " + kind).getBytes(StandardCharsets.UTF_8);
    assertEquals(
        201,
        swift
            .bytes(
                "PUT",
                "/" + bucket + "/swift.txt",
                Map.of("X-Object-Meta-Shape", "round"),
                fromSwift)
            .statusCode());
    String meta =
        cli.aws("s3api", "head-object", "--bucket", bucket, "--key", "swift.txt")
            .assertOk()
            .output();
    assertTrue(meta.contains("\"shape\": \"round\""), meta);
    Path viaS3 = work.resolve("swift-via-s3-" + kind);
    cli.aws("s3", "cp", "s3://" + bucket + "/swift.txt", viaS3.toString()).assertOk();
    assertArrayEquals(fromSwift, Files.readAllBytes(viaS3));
    assertArrayEquals(
        Files.readAllBytes(tree.resolve("top.txt")),
        swift.bytes("GET", "/" + bucket + "/tree/top.txt", Map.of(), null).body());

    cli.aws("s3", "rb", "--force", "s3://" + bucket).assertOk();
    assertEquals(404, swift.call("HEAD", "/" + bucket).statusCode());
    assertFalse(backends.storedOn(kind, dataDir, bucket, "tree/photos/2024/cat.jpg", cat));
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"FS", "SWIFT_A", "S3"})
  void s3cmdFlowsOnEachPlacement(Kind kind) throws Exception {
    Assumptions.assumeTrue(
        S3CMD.toFile().canExecute(), "s3cmd is installed by bin/archipelago test");
    String bucket = "s3cmd-" + kind.policy();
    s3cmd("mb", "s3://" + bucket, "--bucket-location=" + kind.policy());
    assertEquals(
        kind.policy(),
        swift.call("HEAD", "/" + bucket).headers().firstValue("X-Storage-Policy").orElseThrow());
    Path file = tree.resolve("photos/2024/cat.jpg");
    s3cmd("put", file.toString(), "s3://" + bucket + "/dir/cat.jpg");
    assertTrue(
        backends.storedOn(kind, dataDir, bucket, "dir/cat.jpg", Files.readAllBytes(file)),
        "on " + kind);
    String ls = s3cmd("ls", "s3://" + bucket + "/dir/");
    assertTrue(ls.contains("s3://" + bucket + "/dir/cat.jpg"), ls);
    Path got = work.resolve("s3cmd-" + kind + ".jpg");
    s3cmd("get", "s3://" + bucket + "/dir/cat.jpg", got.toString());
    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(got));
    s3cmd("del", "s3://" + bucket + "/dir/cat.jpg");
    assertEquals(404, swift.call("HEAD", "/" + bucket + "/dir/cat.jpg").statusCode());
    s3cmd("rb", "s3://" + bucket);
    assertEquals(404, swift.call("HEAD", "/" + bucket).statusCode());
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"FS", "SWIFT_A", "S3"})
  void boto3FlowsOnEachPlacement(Kind kind) throws Exception {
    Assumptions.assumeTrue(DEBIAN_PYTHON.toFile().canExecute());
    Path script = work.resolve("boto3-flows.py");
    Files.writeString(script, BOTO3_FLOWS);
    String bucket = "boto-" + kind.policy();
    AwsCli.Result result =
        cli.run(
            List.of(
                DEBIAN_PYTHON.toString(),
                script.toString(),
                "http://127.0.0.1:" + port,
                bucket,
                kind.policy()),
            Map.of());
    result.assertOk();
    assertTrue(result.output().contains("boto3 flows passed"), result.output());
    assertEquals(404, swift.call("HEAD", "/" + bucket).statusCode());
  }

  /** boto3: create (placed), put, head, get, list, copy, multipart upload_file, delete. */
  private static final String BOTO3_FLOWS =
      """
      import sys, boto3
      from boto3.s3.transfer import TransferConfig
      endpoint, bucket, policy = sys.argv[1], sys.argv[2], sys.argv[3]
      s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                        aws_access_key_id='test:tester', aws_secret_access_key='testing')
      s3.create_bucket(Bucket=bucket,
                       CreateBucketConfiguration={'LocationConstraint': policy})
      assert s3.get_bucket_location(Bucket=bucket)['LocationConstraint'] == policy
      s3.put_object(Bucket=bucket, Key='a/one.txt', Body=b'one', Metadata={'k': 'v'})
      head = s3.head_object(Bucket=bucket, Key='a/one.txt')
      assert head['Metadata'] == {'k': 'v'}, head
      assert s3.get_object(Bucket=bucket, Key='a/one.txt')['Body'].read() == b'one'
      s3.copy_object(Bucket=bucket, Key='b/two.txt',
                     CopySource={'Bucket': bucket, 'Key': 'a/one.txt'})
      body = bytes(range(256)) * (24 * 1024)
      with open('boto3-multipart.bin', 'wb') as f:
          f.write(body)
      s3.upload_file('boto3-multipart.bin', bucket, 'c/multi.bin',
                     Config=TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                           multipart_chunksize=5 * 1024 * 1024))
      got = s3.get_object(Bucket=bucket, Key='c/multi.bin')
      assert got['Body'].read() == body
      assert got['ETag'].endswith('-2"'), got['ETag']
      keys = [o['Key'] for o in s3.list_objects_v2(Bucket=bucket)['Contents']]
      assert keys == ['a/one.txt', 'b/two.txt', 'c/multi.bin'], keys
      prefixes = s3.list_objects_v2(Bucket=bucket, Delimiter='/')['CommonPrefixes']
      assert [p['Prefix'] for p in prefixes] == ['a/', 'b/', 'c/'], prefixes
      s3.delete_objects(Bucket=bucket, Delete={'Objects': [{'Key': k} for k in keys]})
      assert s3.list_objects_v2(Bucket=bucket)['KeyCount'] == 0
      s3.delete_bucket(Bucket=bucket)
      print('boto3 flows passed')
      """;

  private static String s3cmd(String... args) {
    List<String> command =
        new ArrayList<>(List.of(S3CMD.toString(), "-c", work.resolve("s3cfg").toString()));
    command.addAll(List.of(args));
    return cli.run(command, Map.of("HOME", work.toString())).assertOk().output();
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void write(Path file, int size, Random random) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    Files.write(file, bytes);
  }
}
