package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.AwsCli;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * The S3 API with the real clients a user runs (Debian's aws CLI and boto3) against a gateway in
 * this JVM: mb, cp of a tree up and down, ls, sync, presign + curl, rm, rb --force, a wrong secret,
 * and objects crossing between the S3 and Swift APIs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3ClientsTest {

  private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

  @TempDir static Path work;
  static TestGateway gateway;
  static String endpoint;
  static SwiftClient swift;
  static Path upload;
  static AwsCli cli;

  @BeforeAll
  static void start() throws IOException {
    Assumptions.assumeTrue(AwsCli.available(), "awscli is installed by bin/archipelago test");
    int port = Net.freePort();
    gateway = TestGateway.start(work.resolve("data"), Map.of("archipelago.s3.port", port));
    endpoint = "http://127.0.0.1:" + port;
    cli = new AwsCli(endpoint, work);
    swift = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    upload = work.resolve("upload");
    Random random = new Random(21);
    write(upload.resolve("top.txt"), 10, random);
    write(upload.resolve("photos/2024/cat.jpg"), 200_000, random);
    write(upload.resolve("photos/2024/with space+plus.bin"), 1_000, random);
    write(upload.resolve("docs/ünïcødé/日本.txt"), 5_000, random);
    write(upload.resolve("docs/empty"), 0, random);
    write(upload.resolve("big/five-mib.bin"), 5 * 1024 * 1024 + 3, random);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @Order(1)
  void mbCopyATreeUpListItAndCopyItBackByteForByte() throws IOException {
    aws("s3", "mb", "s3://tree").assertOk();
    aws("s3", "cp", "--recursive", upload.toString(), "s3://tree/").assertOk();
    String listing = aws("s3", "ls", "--recursive", "s3://tree").assertOk().output();
    for (String key :
        List.of(
            "top.txt",
            "photos/2024/cat.jpg",
            "photos/2024/with space+plus.bin",
            "docs/ünïcødé/日本.txt",
            "docs/empty",
            "big/five-mib.bin")) {
      assertTrue(listing.contains(key), key + " in\n" + listing);
    }
    String top = aws("s3", "ls", "s3://tree/").assertOk().output();
    assertTrue(top.contains("PRE photos/") && top.contains("top.txt"), top);
    Path download = work.resolve("download");
    aws("s3", "cp", "--recursive", "s3://tree/", download.toString()).assertOk();
    assertSameTree(upload, download);
    assertTrue(aws("s3", "ls").assertOk().output().contains("tree"));
  }

  @Test
  @Order(2)
  void syncUploadsOnlyWhatChanged() throws IOException {
    String again = aws("s3", "sync", upload.toString(), "s3://tree/").assertOk().output();
    assertFalse(again.contains("upload:"), again);
    Files.writeString(upload.resolve("docs/new.txt"), "new file\n");
    String changed = aws("s3", "sync", upload.toString(), "s3://tree/").assertOk().output();
    assertTrue(changed.contains("docs/new.txt") && !changed.contains("cat.jpg"), changed);
  }

  @Test
  @Order(3)
  void aPresignedUrlDownloadsWithCurlAndATamperedOneIsRefusedInS3Xml() throws Exception {
    String url =
        aws("s3", "presign", "s3://tree/photos/2024/cat.jpg", "--expires-in", "300")
            .assertOk()
            .output()
            .strip();
    Path got = work.resolve("presigned.jpg");
    AwsCli.Result curl = run(List.of("curl", "-sS", "-f", "-o", got.toString(), url), Map.of());
    curl.assertOk();
    assertArrayEquals(
        Files.readAllBytes(upload.resolve("photos/2024/cat.jpg")), Files.readAllBytes(got));
    String tampered = url.replaceAll("X-Amz-Signature=[0-9a-f]", "X-Amz-Signature=x");
    HttpResponse<String> refused =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(tampered)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(403, refused.statusCode());
    assertTrue(
        refused.body().contains("<Code>SignatureDoesNotMatch</Code>")
            && refused.body().contains("<StringToSign>AWS4-HMAC-SHA256\n"),
        refused.body());
    assertTrue(refused.headers().firstValue("x-amz-request-id").isPresent());
  }

  @Test
  @Order(4)
  void aWrongSecretIsSignatureDoesNotMatch() {
    AwsCli.Result wrong =
        run(
            awsCommand("s3api", "list-objects-v2", "--bucket", "tree"),
            Map.of("AWS_SECRET_ACCESS_KEY", "not-the-key"));
    assertTrue(
        wrong.exitCode() != 0 && wrong.output().contains("SignatureDoesNotMatch"), wrong.output());
    AwsCli.Result unknown = run(awsCommand("s3", "ls"), Map.of("AWS_ACCESS_KEY_ID", "nobody:none"));
    assertTrue(
        unknown.exitCode() != 0 && unknown.output().contains("InvalidAccessKeyId"),
        unknown.output());
  }

  @Test
  @Order(5)
  void anObjectWrittenThroughS3IsReadThroughSwiftWithItsMetadata() throws IOException {
    aws(
            "s3",
            "cp",
            upload.resolve("docs/ünïcødé/日本.txt").toString(),
            "s3://tree/cross/from-s3.txt",
            "--metadata",
            "color=blue",
            "--content-type",
            "text/x-archipelago")
        .assertOk();
    HttpResponse<byte[]> read = swift.bytes("GET", "/tree/cross/from-s3.txt", Map.of(), null);
    assertEquals(200, read.statusCode());
    assertArrayEquals(Files.readAllBytes(upload.resolve("docs/ünïcødé/日本.txt")), read.body());
    assertEquals("blue", read.headers().firstValue("X-Object-Meta-Color").orElse(null));
    assertEquals("text/x-archipelago", read.headers().firstValue("Content-Type").orElse(null));
  }

  @Test
  @Order(6)
  void anObjectWrittenThroughSwiftIsReadThroughS3WithItsMetadata() throws IOException {
    byte[] body = "written by a Swift client\n".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> put =
        swift.bytes(
            "PUT", "/tree/cross/from-swift.txt", Map.of("X-Object-Meta-Shape", "round"), body);
    assertEquals(201, put.statusCode());
    String head =
        aws("s3api", "head-object", "--bucket", "tree", "--key", "cross/from-swift.txt")
            .assertOk()
            .output();
    assertTrue(
        head.contains("\"shape\": \"round\"") && head.contains("\"ContentLength\": 26"), head);
    Path got = work.resolve("from-swift.txt");
    aws("s3", "cp", "s3://tree/cross/from-swift.txt", got.toString()).assertOk();
    assertArrayEquals(body, Files.readAllBytes(got));
  }

  @Test
  @Order(7)
  void boto3Flows() throws IOException {
    Assumptions.assumeTrue(DEBIAN_PYTHON.toFile().canExecute());
    Path script = work.resolve("flows.py");
    Files.writeString(script, BOTO3_FLOWS);
    AwsCli.Result result =
        run(List.of(DEBIAN_PYTHON.toString(), script.toString(), endpoint), Map.of());
    result.assertOk();
    assertTrue(result.output().contains("all flows passed"), result.output());
    // the bucket created with a LocationConstraint is a container placed by that policy
    HttpResponse<String> placed = swift.call("HEAD", "/boto-archive");
    assertEquals("archive", placed.headers().firstValue("X-Storage-Policy").orElse(null));
  }

  /**
   * A current boto3 (when one is installed besides Debian's) sends uploads aws-chunked with a
   * trailing CRC32 checksum by default: the same flows pass.
   */
  @Test
  @Order(8)
  void currentBoto3WithTrailingChecksums() throws IOException {
    Path python = Path.of(System.getProperty("user.home"), ".pyenv/shims/python3");
    Assumptions.assumeTrue(
        python.toFile().canExecute()
            && run(List.of(python.toString(), "-c", "import boto3"), Map.of()).exitCode() == 0);
    Path script = work.resolve("flows-current.py");
    Files.writeString(script, BOTO3_FLOWS.replace("\"boto", "\"cur"));
    AwsCli.Result result = run(List.of(python.toString(), script.toString(), endpoint), Map.of());
    result.assertOk();
    assertTrue(result.output().contains("all flows passed"), result.output());
  }

  /**
   * The AWS SDK for Java v2 signs each chunk of an upload over plain HTTP
   * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) and sends a signed trailing checksum.
   */
  @Test
  @Order(9)
  void awsJavaSdkSignedChunkedUploadsWithChecksums() throws Exception {
    try (S3AsyncClient sdk =
        S3AsyncClient.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("test:tester", "testing")))
            .build()) {
      sdk.createBucket(b -> b.bucket("sdk")).get(30, TimeUnit.SECONDS);
      // the aws CLI v2 with no region configured asks for the pseudo-region aws-global: the
      // default placement, as us-east-1
      sdk.createBucket(
              b ->
                  b.bucket("no-region")
                      .createBucketConfiguration(c -> c.locationConstraint("aws-global")))
          .get(30, TimeUnit.SECONDS);
      assertEquals(
          swift.call("HEAD", "/sdk").headers().firstValue("X-Storage-Policy").orElse(null),
          swift.call("HEAD", "/no-region").headers().firstValue("X-Storage-Policy").orElse(null));
      byte[] body = new byte[3 * 1024 * 1024 + 17];
      new Random(7).nextBytes(body);
      for (ChecksumAlgorithm algorithm :
          List.of(
              ChecksumAlgorithm.CRC32,
              ChecksumAlgorithm.CRC32_C,
              ChecksumAlgorithm.SHA1,
              ChecksumAlgorithm.SHA256)) {
        String key = "blob-" + algorithm;
        sdk.putObject(
                b -> b.bucket("sdk").key(key).checksumAlgorithm(algorithm),
                AsyncRequestBody.fromBytes(body))
            .get(60, TimeUnit.SECONDS);
        byte[] back =
            sdk.getObject(b -> b.bucket("sdk").key(key), AsyncResponseTransformer.toBytes())
                .get(60, TimeUnit.SECONDS)
                .asByteArray();
        assertArrayEquals(body, back, key);
        assertArrayEquals(body, swift.bytes("GET", "/sdk/" + key, Map.of(), null).body(), key);
      }
    }
  }

  /**
   * The aws CLI uploads a file past its 8 MiB threshold as a multipart upload: it becomes a static
   * large object that Swift clients read too, downloads whole (in ranges), and goes with its
   * segments.
   */
  @Test
  @Order(9)
  void aLargeFileIsAMultipartUploadThatSwiftReadsToo() throws IOException {
    Path big = work.resolve("big.bin");
    write(big, 26 * 1024 * 1024 + 5, new Random(300));
    aws("s3", "mb", "s3://multi").assertOk();
    aws("s3", "cp", big.toString(), "s3://multi/big.bin").assertOk();
    HttpResponse<byte[]> viaSwift = swift.bytes("GET", "/multi/big.bin", Map.of(), null);
    assertEquals("True", viaSwift.headers().firstValue("X-Static-Large-Object").orElse(null));
    assertArrayEquals(Files.readAllBytes(big), viaSwift.body());
    Path back = work.resolve("big-back.bin");
    aws("s3", "cp", "s3://multi/big.bin", back.toString()).assertOk();
    assertArrayEquals(Files.readAllBytes(big), Files.readAllBytes(back));
    assertTrue(
        aws("s3", "ls", "s3://multi/")
            .assertOk()
            .output()
            .contains(Long.toString(Files.size(big))));
    aws("s3", "rb", "--force", "s3://multi").assertOk();
    assertEquals(404, swift.call("HEAD", "/multi").statusCode());
    assertEquals(404, swift.call("HEAD", "/multi+segments").statusCode());
  }

  /** s3cmd (Signature V4, path style): mb, put, ls, get, del, rb. */
  @Test
  @Order(9)
  void s3cmdFlows() throws IOException {
    Path s3cmd = Path.of("/usr/bin/s3cmd");
    Assumptions.assumeTrue(
        s3cmd.toFile().canExecute(), "s3cmd is installed by bin/archipelago test");
    String host = endpoint.substring("http://".length());
    List<String> base =
        List.of(
            s3cmd.toString(),
            "--config=/dev/null",
            "--access_key=test:tester",
            "--secret_key=testing",
            "--host=" + host,
            "--host-bucket=" + host,
            "--no-ssl",
            "--region=us-east-1");
    Function<List<String>, AwsCli.Result> s3cmdRun =
        args -> {
          List<String> command = new ArrayList<>(base);
          command.addAll(args);
          return run(command, Map.of());
        };
    s3cmdRun.apply(List.of("mb", "s3://viacmd")).assertOk();
    Path file = upload.resolve("photos/2024/cat.jpg");
    s3cmdRun.apply(List.of("put", file.toString(), "s3://viacmd/cat.jpg")).assertOk();
    assertTrue(
        s3cmdRun
            .apply(List.of("ls", "s3://viacmd"))
            .assertOk()
            .output()
            .contains("s3://viacmd/cat.jpg"));
    Path got = work.resolve("cmd-cat.jpg");
    s3cmdRun.apply(List.of("get", "s3://viacmd/cat.jpg", got.toString())).assertOk();
    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(got));
    s3cmdRun.apply(List.of("del", "s3://viacmd/cat.jpg")).assertOk();
    s3cmdRun.apply(List.of("rb", "s3://viacmd")).assertOk();
    assertEquals(404, swift.call("HEAD", "/viacmd").statusCode());
  }

  @Test
  @Order(10)
  void rmAndRbForceRemoveTheBucketForBothApis() {
    aws("s3", "rm", "s3://tree/top.txt").assertOk();
    assertEquals(404, swift.call("HEAD", "/tree/top.txt").statusCode());
    AwsCli.Result notEmpty = aws("s3", "rb", "s3://tree");
    assertTrue(
        notEmpty.exitCode() != 0 && notEmpty.output().contains("BucketNotEmpty"),
        notEmpty.output());
    aws("s3", "rb", "--force", "s3://tree").assertOk();
    assertEquals(404, swift.call("HEAD", "/tree").statusCode());
    assertFalse(aws("s3", "ls").assertOk().output().contains(" tree"));
  }

  /** boto3 calls a script makes, each checked; the last line says all passed. */
  static final String BOTO3_FLOWS =
      """
      import sys, hashlib, base64
      import boto3
      from botocore.config import Config
      from botocore.exceptions import ClientError

      s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="test:tester",
                        aws_secret_access_key="testing", region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

      def code(call, **kw):
          try:
              call(**kw)
          except ClientError as e:
              return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
          raise AssertionError("no error from %s" % call)

      s3.create_bucket(Bucket="boto-archive", CreateBucketConfiguration={"LocationConstraint": "archive"})
      assert s3.get_bucket_location(Bucket="boto-archive")["LocationConstraint"] == "archive"
      assert code(s3.create_bucket, Bucket="boto-archive") == ("BucketAlreadyOwnedByYou", 409)
      assert code(s3.create_bucket, Bucket="boto-nowhere",
                  CreateBucketConfiguration={"LocationConstraint": "no-such-policy"})[0] == "InvalidLocationConstraint"
      s3.create_bucket(Bucket="boto")
      s3.head_bucket(Bucket="boto")
      assert code(s3.head_bucket, Bucket="boto-missing")[1] == 404

      data = bytes(range(256)) * 40
      md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
      put = s3.put_object(Bucket="boto", Key="dir/obj.bin", Body=data, ContentMD5=md5,
                          Metadata={"owner": "boto"}, ContentType="application/x-test")
      assert put["ETag"] == '"%s"' % hashlib.md5(data).hexdigest(), put["ETag"]
      bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
      assert code(s3.put_object, Bucket="boto", Key="bad", Body=data, ContentMD5=bad) == ("BadDigest", 400)
      assert code(s3.put_object, Bucket="boto-missing", Key="k", Body=b"x")[0] == "NoSuchBucket"

      got = s3.get_object(Bucket="boto", Key="dir/obj.bin")
      assert got["Body"].read() == data and got["Metadata"] == {"owner": "boto"}, got["Metadata"]
      assert got["ContentType"] == "application/x-test"
      part = s3.get_object(Bucket="boto", Key="dir/obj.bin", Range="bytes=10-19")
      assert part["Body"].read() == data[10:20] and part["ContentRange"] == "bytes 10-19/%d" % len(data)
      assert code(s3.get_object, Bucket="boto", Key="dir/obj.bin", Range="bytes=999999-")[0] == "InvalidRange"
      assert code(s3.get_object, Bucket="boto", Key="dir/obj.bin", IfMatch='"0000"') == ("PreconditionFailed", 412)
      assert code(s3.head_object, Bucket="boto", Key="dir/obj.bin", IfNoneMatch=put["ETag"])[1] == 304
      assert code(s3.get_object, Bucket="boto", Key="nope") == ("NoSuchKey", 404)
      assert code(s3.get_object, Bucket="boto-missing", Key="nope") == ("NoSuchBucket", 404)
      head = s3.head_object(Bucket="boto", Key="dir/obj.bin")
      assert head["ContentLength"] == len(data) and head["ETag"] == put["ETag"]

      for i in range(5):
          s3.put_object(Bucket="boto", Key="list/k%d" % i, Body=b"v")
      s3.put_object(Bucket="boto", Key="list/sub/deep", Body=b"v")
      keys, token = [], None
      while True:
          kw = {"ContinuationToken": token} if token else {}
          page = s3.list_objects_v2(Bucket="boto", Prefix="list/", MaxKeys=2, **kw)
          keys += [o["Key"] for o in page.get("Contents", [])]
          if not page["IsTruncated"]:
              break
          token = page["NextContinuationToken"]
      assert keys == ["list/k%d" % i for i in range(5)] + ["list/sub/deep"], keys
      tree = s3.list_objects_v2(Bucket="boto", Prefix="list/", Delimiter="/")
      assert [p["Prefix"] for p in tree["CommonPrefixes"]] == ["list/sub/"], tree
      assert tree["KeyCount"] == 6
      v1 = s3.list_objects(Bucket="boto", Prefix="list/", Delimiter="/", MaxKeys=5)
      assert v1["IsTruncated"] and v1["NextMarker"] == "list/k4", v1
      rest = s3.list_objects(Bucket="boto", Prefix="list/", Delimiter="/", Marker=v1["NextMarker"])
      assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["list/sub/"] and not rest.get("Contents"), rest
      odd = s3.list_objects_v2(Bucket="boto", Prefix="list/", EncodingType="url")
      assert odd["KeyCount"] == 6

      copied = s3.copy_object(Bucket="boto-archive", Key="copy.bin", CopySource={"Bucket": "boto", "Key": "dir/obj.bin"})
      assert copied["CopyObjectResult"]["ETag"] == put["ETag"]
      assert s3.head_object(Bucket="boto-archive", Key="copy.bin")["Metadata"] == {"owner": "boto"}
      s3.copy_object(Bucket="boto-archive", Key="copy2.bin", CopySource="boto/dir/obj.bin",
                     MetadataDirective="REPLACE", Metadata={"fresh": "yes"}, ContentType="text/plain")
      replaced = s3.head_object(Bucket="boto-archive", Key="copy2.bin")
      assert replaced["Metadata"] == {"fresh": "yes"} and replaced["ContentType"] == "text/plain", replaced
      assert code(s3.copy_object, Bucket="boto", Key="dir/obj.bin", CopySource="boto/dir/obj.bin")[0] == "InvalidRequest"

      deleted = s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": "list/k%d" % i} for i in range(5)] + [{"Key": "never"}]})
      assert sorted(d["Key"] for d in deleted["Deleted"]) == sorted(["list/k%d" % i for i in range(5)] + ["never"])
      s3.delete_object(Bucket="boto", Key="list/sub/deep")
      s3.delete_object(Bucket="boto", Key="list/sub/deep")
      assert code(s3.delete_object, Bucket="boto-missing", Key="x")[0] == "NoSuchBucket"

      assert code(s3.put_bucket_policy, Bucket="boto", Policy="{}") == ("NotImplemented", 501)
      mp = s3.create_multipart_upload(Bucket="boto", Key="mp/obj", ContentType="application/x-parts",
                                      Metadata={"kind": "multipart"})["UploadId"]
      p1 = bytes([1]) * (5 * 1024 * 1024)
      p2 = b"tail" * 256
      e1 = s3.upload_part(Bucket="boto", Key="mp/obj", UploadId=mp, PartNumber=1, Body=p1)["ETag"]
      e2 = s3.upload_part(Bucket="boto", Key="mp/obj", UploadId=mp, PartNumber=2, Body=p2)["ETag"]
      assert code(s3.complete_multipart_upload, Bucket="boto", Key="mp/obj", UploadId=mp,
                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e2}, {"PartNumber": 2, "ETag": e2}]})[0] == "InvalidPart"
      done = s3.complete_multipart_upload(Bucket="boto", Key="mp/obj", UploadId=mp,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
      md5s = hashlib.md5(bytes.fromhex(e1.strip('"')) + bytes.fromhex(e2.strip('"'))).hexdigest()
      assert done["ETag"] == '"%s-2"' % md5s, done["ETag"]
      whole = s3.get_object(Bucket="boto", Key="mp/obj")
      assert whole["Body"].read() == p1 + p2 and whole["Metadata"] == {"kind": "multipart"}
      assert whole["ContentType"] == "application/x-parts", whole["ContentType"]
      assert code(s3.upload_part, Bucket="boto", Key="mp/obj", UploadId=mp, PartNumber=3, Body=b"x")[0] == "NoSuchUpload"
      small = s3.create_multipart_upload(Bucket="boto", Key="mp/small")["UploadId"]
      s1 = s3.upload_part(Bucket="boto", Key="mp/small", UploadId=small, PartNumber=1, Body=b"a")["ETag"]
      s2 = s3.upload_part(Bucket="boto", Key="mp/small", UploadId=small, PartNumber=2, Body=b"b")["ETag"]
      assert code(s3.complete_multipart_upload, Bucket="boto", Key="mp/small", UploadId=small,
                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": s1}, {"PartNumber": 2, "ETag": s2}]})[0] == "EntityTooSmall"
      listed = s3.list_parts(Bucket="boto", Key="mp/small", UploadId=small, MaxParts=1)
      assert [p["PartNumber"] for p in listed["Parts"]] == [1] and listed["IsTruncated"], listed
      assert listed["Parts"][0]["ETag"] == s1 and listed["Parts"][0]["Size"] == 1
      rest = s3.list_parts(Bucket="boto", Key="mp/small", UploadId=small, PartNumberMarker=1)
      assert [p["PartNumber"] for p in rest["Parts"]] == [2] and not rest["IsTruncated"], rest
      assert [(u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket="boto")["Uploads"]] == [("mp/small", small)]
      s3.abort_multipart_upload(Bucket="boto", Key="mp/small", UploadId=small)
      assert not s3.list_multipart_uploads(Bucket="boto").get("Uploads")
      assert code(s3.abort_multipart_upload, Bucket="boto", Key="mp/small", UploadId=small)[0] == "NoSuchUpload"
      s3.delete_object(Bucket="boto", Key="mp/obj")
      assert code(s3.get_bucket_policy, Bucket="boto") == ("NotImplemented", 501)
      assert code(s3.put_object_acl, Bucket="boto", Key="dir/obj.bin", ACL="public-read") == ("NotImplemented", 501)
      assert code(s3.delete_bucket, Bucket="boto") == ("BucketNotEmpty", 409)
      s3.delete_object(Bucket="boto", Key="dir/obj.bin")
      s3.delete_bucket(Bucket="boto")
      assert "boto" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
      import urllib.request, urllib.error
      v4 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="test:tester",
                        aws_secret_access_key="testing", region_name="us-east-1",
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
      url = v4.generate_presigned_url("get_object", Params={"Bucket": "boto-archive", "Key": "copy.bin"}, ExpiresIn=60)
      assert urllib.request.urlopen(url).read() == data
      v2 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="test:tester",
                        aws_secret_access_key="testing", region_name="us-east-1",
                        config=Config(signature_version="s3", s3={"addressing_style": "path"}))
      url = v2.generate_presigned_url("get_object", Params={"Bucket": "boto-archive", "Key": "copy.bin"}, ExpiresIn=60)
      assert urllib.request.urlopen(url).read() == data
      assert v2.get_object(Bucket="boto-archive", Key="copy.bin")["Body"].read() == data
      v2.put_object(Bucket="boto-archive", Key="v2.txt", Body=b"signed with version 2", ContentType="text/plain")
      assert s3.get_object(Bucket="boto-archive", Key="v2.txt")["Body"].read() == b"signed with version 2"
      try:
          urllib.request.urlopen(url.replace("Signature=", "Signature=x"))
          raise AssertionError("a forged version 2 signature was accepted")
      except urllib.error.HTTPError as e:
          assert e.code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in e.read()
      print("all flows passed")
      """;

  private static AwsCli.Result aws(String... args) {
    return cli.aws(args);
  }

  private static AwsCli.Result run(List<String> command, Map<String, String> env) {
    return cli.run(command, env);
  }

  private static List<String> awsCommand(String... args) {
    return cli.command(args);
  }

  private static void write(Path file, int size, Random random) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    Files.write(file, bytes);
  }

  private static void assertSameTree(Path expected, Path actual) throws IOException {
    try (Stream<Path> files = Files.walk(expected)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path other = actual.resolve(expected.relativize(file).toString());
        assertTrue(Files.exists(other), "missing " + other);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(other), file.toString());
      }
    }
  }
}
