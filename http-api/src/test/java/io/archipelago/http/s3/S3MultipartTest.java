package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Multipart uploads with the AWS SDK v2 against a gateway in this JVM (parts of at least 1 byte,
 * {@code archipelago.s3.min-part-size}, so that many parts stay small): S3's multipart ETag in
 * HEAD, GET and both listings (and Swift's {@code s3_etag}), more parts than SLO's own 1000,
 * ListParts and ListMultipartUploads page by page, UploadPartCopy with ranges, and Abort.
 */
class S3MultipartTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static TestGateway gateway;
  static SwiftClient swift;
  static S3AsyncClient sdk;
  static int s3Port;

  @BeforeAll
  static void start() throws Exception {
    int port = Net.freePort();
    s3Port = port;
    gateway =
        TestGateway.start(
            work.resolve("data"),
            Map.of("archipelago.s3.port", port, "archipelago.s3.min-part-size", 1));
    swift = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    sdk =
        S3AsyncClient.builder()
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("test:tester", "testing")))
            .build();
    get(sdk.createBucket(b -> b.bucket("mpu")));
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void theMultipartEtagShowsInHeadGetBothListingsAndSwiftsListing() throws Exception {
    List<byte[]> parts = List.of(bytes(1000, 1), bytes(2000, 2), bytes(10, 3));
    String etag = upload("etag/object", parts);
    assertEquals("\"" + s3Etag(parts) + "\"", etag);
    assertEquals(etag, get(sdk.headObject(b -> b.bucket("mpu").key("etag/object"))).eTag());
    var got =
        get(
            sdk.getObject(
                b -> b.bucket("mpu").key("etag/object"), AsyncResponseTransformer.toBytes()));
    assertEquals(etag, got.response().eTag());
    assertArrayEquals(concat(parts), got.asByteArray());
    // the aws CLI's ranged GETs name the ETag they saw in If-Match
    var ranged =
        get(
            sdk.getObject(
                b -> b.bucket("mpu").key("etag/object").range("bytes=1000-2999").ifMatch(etag),
                AsyncResponseTransformer.toBytes()));
    assertArrayEquals(parts.get(1), ranged.asByteArray());
    S3Exception changed =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.getObject(
                        b ->
                            b.bucket("mpu")
                                .key("etag/object")
                                .ifMatch("\"0123456789abcdef0123456789abcdef-3\""),
                        AsyncResponseTransformer.toBytes())));
    assertEquals(412, changed.statusCode());
    S3Exception notModified =
        assertThrows(
            S3Exception.class,
            () -> get(sdk.headObject(b -> b.bucket("mpu").key("etag/object").ifNoneMatch(etag))));
    assertEquals(304, notModified.statusCode());
    S3Object v2 = get(sdk.listObjectsV2(b -> b.bucket("mpu").prefix("etag/"))).contents().get(0);
    assertEquals(etag, v2.eTag());
    assertEquals(3010L, v2.size());
    S3Object v1 = get(sdk.listObjects(b -> b.bucket("mpu").prefix("etag/"))).contents().get(0);
    assertEquals(etag, v1.eTag());

    JsonNode listed =
        JSON.readTree(swift.call("GET", "/mpu?format=json&prefix=etag/").body()).get(0);
    assertEquals(etag, listed.path("s3_etag").asText());
    assertFalse(listed.path("content_type").asText().contains("s3_etag"), listed.toString());
    HttpResponse<String> head = swift.call("HEAD", "/mpu/etag/object");
    assertFalse(head.headers().firstValue("Etag").orElseThrow().contains("-"), head.toString());
    assertTrue(
        head.headers().map().keySet().stream().noneMatch(h -> h.toLowerCase().contains("s3")),
        head.headers().toString());
  }

  @Test
  void moreThanAThousandPartsListPageByPageCompleteAndDeleteWithTheirSegments() throws Exception {
    String key = "many/parts";
    String uploadId = get(sdk.createMultipartUpload(b -> b.bucket("mpu").key(key))).uploadId();
    int count = 1003;
    List<CompletableFuture<String>> etags = new ArrayList<>();
    for (int n = 1; n <= count; n++) {
      int number = n;
      etags.add(
          sdk.uploadPart(
                  b -> b.bucket("mpu").key(key).uploadId(uploadId).partNumber(number),
                  AsyncRequestBody.fromBytes(new byte[] {(byte) number}))
              .thenApply(r -> r.eTag()));
      if (n % 50 == 0) {
        CompletableFuture.allOf(etags.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
    }
    List<CompletedPart> completed = new ArrayList<>();
    for (int n = 1; n <= count; n++) {
      completed.add(CompletedPart.builder().partNumber(n).eTag(get(etags.get(n - 1))).build());
    }

    ListPartsResponse first = get(sdk.listParts(b -> b.bucket("mpu").key(key).uploadId(uploadId)));
    assertEquals(1000, first.parts().size());
    assertTrue(first.isTruncated());
    assertEquals(1000, first.nextPartNumberMarker());
    ListPartsResponse second =
        get(sdk.listParts(b -> b.bucket("mpu").key(key).uploadId(uploadId).partNumberMarker(1000)));
    assertEquals(
        List.of(1001, 1002, 1003), second.parts().stream().map(p -> p.partNumber()).toList());
    assertFalse(second.isTruncated());
    ListPartsResponse small =
        get(
            sdk.listParts(
                b -> b.bucket("mpu").key(key).uploadId(uploadId).partNumberMarker(10).maxParts(2)));
    assertEquals(List.of(11, 12), small.parts().stream().map(p -> p.partNumber()).toList());
    assertEquals(12, small.nextPartNumberMarker());

    String etag =
        get(sdk.completeMultipartUpload(
                b ->
                    b.bucket("mpu")
                        .key(key)
                        .uploadId(uploadId)
                        .multipartUpload(m -> m.parts(completed))))
            .eTag();
    assertTrue(etag.endsWith("-1003\""), etag);
    byte[] body =
        get(sdk.getObject(b -> b.bucket("mpu").key(key), AsyncResponseTransformer.toBytes()))
            .asByteArray();
    assertEquals(count, body.length);
    for (int n = 1; n <= count; n++) {
      assertEquals((byte) n, body[n - 1]);
    }
    assertEquals(etag, get(sdk.headObject(b -> b.bucket("mpu").key(key))).eTag());

    get(sdk.deleteObject(b -> b.bucket("mpu").key(key)));
    assertEquals(
        "[]",
        swift.call("GET", "/mpu+segments?format=json&prefix=many/").body().replaceAll("\\s", ""));
  }

  @Test
  void listMultipartUploadsPagesByKeyAndUploadIdAndAbortRemovesEveryPart() throws Exception {
    get(sdk.createBucket(b -> b.bucket("uploads")));
    List<String> ids = new ArrayList<>();
    for (String key : List.of("a", "b", "b", "c/d", "e")) {
      ids.add(get(sdk.createMultipartUpload(b -> b.bucket("uploads").key(key))).uploadId());
    }
    String bId = ids.get(1);
    for (int n = 1; n <= 3; n++) {
      int number = n;
      get(
          sdk.uploadPart(
              b -> b.bucket("uploads").key("b").uploadId(bId).partNumber(number),
              AsyncRequestBody.fromBytes(bytes(100, number))));
    }
    List<String> seen = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    for (int page = 0; page < 10; page++) {
      String k = keyMarker;
      String i = idMarker;
      ListMultipartUploadsResponse r =
          get(
              sdk.listMultipartUploads(
                  b -> b.bucket("uploads").maxUploads(2).keyMarker(k).uploadIdMarker(i)));
      for (MultipartUpload u : r.uploads()) {
        seen.add(u.key() + "/" + u.uploadId());
      }
      if (!r.isTruncated()) {
        break;
      }
      assertEquals(2, r.uploads().size());
      keyMarker = r.nextKeyMarker();
      idMarker = r.nextUploadIdMarker();
    }
    List<String> bIds = ids.subList(1, 3).stream().sorted().toList();
    assertEquals(
        List.of(
            "a/" + ids.get(0),
            "b/" + bIds.get(0),
            "b/" + bIds.get(1),
            "c/d/" + ids.get(3),
            "e/" + ids.get(4)),
        seen);
    assertEquals(
        List.of("c/d"),
        get(sdk.listMultipartUploads(b -> b.bucket("uploads").prefix("c/"))).uploads().stream()
            .map(MultipartUpload::key)
            .toList());

    get(sdk.abortMultipartUpload(b -> b.bucket("uploads").key("b").uploadId(bId)));
    assertEquals(
        "[]",
        swift
            .call("GET", "/uploads+segments?format=json&prefix=b/" + bId)
            .body()
            .replaceAll("\\s", ""));
    S3Exception gone =
        assertThrows(
            S3Exception.class,
            () -> get(sdk.listParts(b -> b.bucket("uploads").key("b").uploadId(bId))));
    assertEquals("NoSuchUpload", gone.awsErrorDetails().errorCode());
  }

  @Test
  void uploadPartCopyCopiesRangesAndWholeObjectsAndChecksItsSource() throws Exception {
    get(sdk.createBucket(b -> b.bucket("copy-source")));
    byte[] source = bytes(10_000, 9);
    get(
        sdk.putObject(
            b -> b.bucket("copy-source").key("src/obj ect"), AsyncRequestBody.fromBytes(source)));
    String key = "copied";
    String uploadId = get(sdk.createMultipartUpload(b -> b.bucket("mpu").key(key))).uploadId();
    var ranged =
        get(
            sdk.uploadPartCopy(
                b ->
                    b.sourceBucket("copy-source")
                        .sourceKey("src/obj ect")
                        .destinationBucket("mpu")
                        .destinationKey(key)
                        .uploadId(uploadId)
                        .partNumber(1)
                        .copySourceRange("bytes=100-4099")));
    byte[] firstPart = Arrays.copyOfRange(source, 100, 4100);
    assertEquals("\"" + md5Hex(firstPart) + "\"", ranged.copyPartResult().eTag());
    var whole =
        get(
            sdk.uploadPartCopy(
                b ->
                    b.sourceBucket("copy-source")
                        .sourceKey("src/obj ect")
                        .destinationBucket("mpu")
                        .destinationKey(key)
                        .uploadId(uploadId)
                        .partNumber(2)));
    assertEquals("\"" + md5Hex(source) + "\"", whole.copyPartResult().eTag());

    S3Exception outside =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.uploadPartCopy(
                        b ->
                            b.sourceBucket("copy-source")
                                .sourceKey("src/obj ect")
                                .destinationBucket("mpu")
                                .destinationKey(key)
                                .uploadId(uploadId)
                                .partNumber(3)
                                .copySourceRange("bytes=20000-20001"))));
    assertEquals("InvalidArgument", outside.awsErrorDetails().errorCode());
    S3Exception changed =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.uploadPartCopy(
                        b ->
                            b.sourceBucket("copy-source")
                                .sourceKey("src/obj ect")
                                .destinationBucket("mpu")
                                .destinationKey(key)
                                .uploadId(uploadId)
                                .partNumber(3)
                                .copySourceIfMatch("\"0123\""))));
    assertEquals(412, changed.statusCode());
    S3Exception missing =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.uploadPartCopy(
                        b ->
                            b.sourceBucket("copy-source")
                                .sourceKey("nothing")
                                .destinationBucket("mpu")
                                .destinationKey(key)
                                .uploadId(uploadId)
                                .partNumber(3))));
    assertEquals("NoSuchKey", missing.awsErrorDetails().errorCode());

    get(
        sdk.completeMultipartUpload(
            b ->
                b.bucket("mpu")
                    .key(key)
                    .uploadId(uploadId)
                    .multipartUpload(
                        m ->
                            m.parts(
                                CompletedPart.builder()
                                    .partNumber(1)
                                    .eTag(ranged.copyPartResult().eTag())
                                    .build(),
                                CompletedPart.builder()
                                    .partNumber(2)
                                    .eTag(whole.copyPartResult().eTag())
                                    .build()))));
    assertArrayEquals(
        concat(List.of(firstPart, source)),
        get(sdk.getObject(b -> b.bucket("mpu").key(key), AsyncResponseTransformer.toBytes()))
            .asByteArray());
  }

  @Test
  void aRetriedCompleteAnswersAsTheFirstAndAnotherUploadsRetryDoesNot() throws Exception {
    String key = "retry/obj\u2603";
    List<byte[]> parts = List.of(bytes(100, 7), bytes(50, 8));
    String uploadId = get(sdk.createMultipartUpload(b -> b.bucket("mpu").key(key))).uploadId();
    List<CompletedPart> completed = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      int number = i + 1;
      var part =
          get(
              sdk.uploadPart(
                  b -> b.bucket("mpu").key(key).uploadId(uploadId).partNumber(number),
                  AsyncRequestBody.fromBytes(parts.get(number - 1))));
      completed.add(CompletedPart.builder().partNumber(number).eTag(part.eTag()).build());
    }
    var first =
        get(
            sdk.completeMultipartUpload(
                b ->
                    b.bucket("mpu")
                        .key(key)
                        .uploadId(uploadId)
                        .multipartUpload(m -> m.parts(completed))));
    assertEquals("\"" + s3Etag(parts) + "\"", first.eTag());
    assertEquals("http://127.0.0.1:" + s3Port + "/mpu/retry/obj%E2%98%83", first.location());
    // the client did not see the answer and completes again: the same result
    var again =
        get(
            sdk.completeMultipartUpload(
                b ->
                    b.bucket("mpu")
                        .key(key)
                        .uploadId(uploadId)
                        .multipartUpload(m -> m.parts(completed))));
    assertEquals(first.eTag(), again.eTag());
    assertArrayEquals(
        concat(parts),
        get(sdk.getObject(b -> b.bucket("mpu").key(key), AsyncResponseTransformer.toBytes()))
            .asByteArray());
    // an upload id that never became this object is still NoSuchUpload
    S3Exception unknown =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.completeMultipartUpload(
                        b ->
                            b.bucket("mpu")
                                .key(key)
                                .uploadId("0123456789abcdef0123456789abcdef")
                                .multipartUpload(m -> m.parts(completed)))));
    assertEquals("NoSuchUpload", unknown.awsErrorDetails().errorCode());
  }

  @Test
  void aHeadWithOneRangeAnswers206WithTheRangesLength() throws Exception {
    get(
        sdk.putObject(
            b -> b.bucket("mpu").key("ranged"), AsyncRequestBody.fromBytes(bytes(10, 9))));
    var head = get(sdk.headObject(b -> b.bucket("mpu").key("ranged").range("bytes=1-5")));
    assertEquals(5L, head.contentLength());
    assertEquals("bytes 1-5/10", head.contentRange());
    assertEquals(
        3L,
        get(sdk.headObject(b -> b.bucket("mpu").key("ranged").range("bytes=-3"))).contentLength());
    assertEquals(10L, get(sdk.headObject(b -> b.bucket("mpu").key("ranged"))).contentLength());
    // swob's rules: an unsatisfiable range is InvalidRange (416)
    S3Exception invalid =
        assertThrows(
            S3Exception.class,
            () -> get(sdk.headObject(b -> b.bucket("mpu").key("ranged").range("bytes=20-30"))));
    assertEquals(416, invalid.statusCode());
  }

  private static String upload(String key, List<byte[]> parts) throws Exception {
    String uploadId = get(sdk.createMultipartUpload(b -> b.bucket("mpu").key(key))).uploadId();
    List<CompletedPart> completed = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      int number = i + 1;
      String etag =
          get(sdk.uploadPart(
                  b -> b.bucket("mpu").key(key).uploadId(uploadId).partNumber(number),
                  AsyncRequestBody.fromBytes(parts.get(number - 1))))
              .eTag();
      completed.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
    }
    return get(sdk.completeMultipartUpload(
            b ->
                b.bucket("mpu")
                    .key(key)
                    .uploadId(uploadId)
                    .multipartUpload(m -> m.parts(completed))))
        .eTag();
  }

  private static String s3Etag(List<byte[]> parts) throws Exception {
    MessageDigest md5s = MessageDigest.getInstance("MD5");
    for (byte[] p : parts) {
      md5s.update(MessageDigest.getInstance("MD5").digest(p));
    }
    return HexFormat.of().formatHex(md5s.digest()) + "-" + parts.size();
  }

  private static String md5Hex(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
