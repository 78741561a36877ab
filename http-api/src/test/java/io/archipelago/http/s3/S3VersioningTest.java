package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bucket versioning over the gateway's object versioning: PutBucketVersioning and
 * GetBucketVersioning, version ids on writes, reads and deletes of a version, delete markers,
 * ListObjectVersions with its paging, CopyObject of a version, and the same versions seen through
 * Swift's {@code ?versions}.
 */
class S3VersioningTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static TestGateway gateway;
  static S3AsyncClient sdk;
  static SwiftClient swift;

  @BeforeAll
  static void start() throws Exception {
    int port = Net.freePort();
    gateway = TestGateway.start(work.resolve("data"), Map.of("archipelago.s3.port", port));
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
  void versioningIsUnsetThenEnabledThenSuspendedAndSwiftSeesIt() throws Exception {
    get(sdk.createBucket(b -> b.bucket("config")));
    assertNull(get(sdk.getBucketVersioning(b -> b.bucket("config"))).status());
    enable("config", BucketVersioningStatus.ENABLED);
    assertEquals(
        BucketVersioningStatus.ENABLED,
        get(sdk.getBucketVersioning(b -> b.bucket("config"))).status());
    assertEquals(
        "True",
        swift.call("HEAD", "/config").headers().firstValue("X-Versions-Enabled").orElseThrow());
    enable("config", BucketVersioningStatus.SUSPENDED);
    assertEquals(
        BucketVersioningStatus.SUSPENDED,
        get(sdk.getBucketVersioning(b -> b.bucket("config"))).status());
    S3Exception missing =
        assertThrows(
            S3Exception.class, () -> get(sdk.getBucketVersioning(b -> b.bucket("no-such"))));
    assertEquals("NoSuchBucket", missing.awsErrorDetails().errorCode());
  }

  @Test
  void aMalformedVersioningConfigurationIsMalformedXml() throws Exception {
    get(sdk.createBucket(b -> b.bucket("malformed")));
    S3Exception refused =
        assertThrows(
            S3Exception.class,
            () ->
                get(
                    sdk.putBucketVersioning(
                        b ->
                            b.bucket("malformed")
                                .versioningConfiguration(v -> v.status("Sometimes")))));
    assertEquals(400, refused.statusCode());
    assertEquals("MalformedXML", refused.awsErrorDetails().errorCode());
  }

  @Test
  void versionsAreKeptReadDeletedAndListed() throws Exception {
    get(sdk.createBucket(b -> b.bucket("kept")));
    enable("kept", BucketVersioningStatus.ENABLED);
    String v1 = put("kept", "doc", "one");
    String v2 = put("kept", "doc", "two");
    assertNotNull(v1);
    assertNotEquals(v1, v2);
    assertEquals("two", read("kept", "doc", null));
    assertEquals("one", read("kept", "doc", v1));
    assertEquals(
        v1, get(sdk.headObject(b -> b.bucket("kept").key("doc").versionId(v1))).versionId());

    // a delete leaves a delete marker; the key is gone, its versions stay
    var deleted = get(sdk.deleteObject(b -> b.bucket("kept").key("doc")));
    assertTrue(deleted.deleteMarker());
    String marker = deleted.versionId();
    assertNotNull(marker);
    S3Exception gone = assertThrows(S3Exception.class, () -> read("kept", "doc", null));
    assertEquals(404, gone.statusCode());
    S3Exception onMarker = assertThrows(S3Exception.class, () -> read("kept", "doc", marker));
    assertEquals(405, onMarker.statusCode());
    assertEquals("two", read("kept", "doc", v2));

    ListObjectVersionsResponse listing =
        get(sdk.listObjectVersions(b -> b.bucket("kept").prefix("doc")));
    assertEquals(
        List.of(v2, v1), listing.versions().stream().map(ObjectVersion::versionId).toList());
    assertFalse(listing.versions().get(0).isLatest());
    assertEquals(
        List.of(marker),
        listing.deleteMarkers().stream().map(DeleteMarkerEntry::versionId).toList());
    assertTrue(listing.deleteMarkers().get(0).isLatest());

    // Swift's ?versions lists the same versions under the same ids
    JsonNode swiftVersions = JSON.readTree(swift.call("GET", "/kept?versions&format=json").body());
    List<String> ids = new ArrayList<>();
    swiftVersions.forEach(v -> ids.add(v.path("version_id").asText()));
    assertEquals(List.of(marker, v2, v1), ids);

    // deleting the marker brings the newest version back; deleting a version removes it
    var unmarked = get(sdk.deleteObject(b -> b.bucket("kept").key("doc").versionId(marker)));
    assertTrue(unmarked.deleteMarker());
    assertEquals(marker, unmarked.versionId());
    assertEquals("two", read("kept", "doc", null));
    get(sdk.deleteObject(b -> b.bucket("kept").key("doc").versionId(v1)));
    S3Exception noVersion = assertThrows(S3Exception.class, () -> read("kept", "doc", v1));
    assertEquals("NoSuchVersion", noVersion.awsErrorDetails().errorCode());
  }

  @Test
  void listObjectVersionsPagesByKeyAndVersionMarkers() throws Exception {
    get(sdk.createBucket(b -> b.bucket("paged")));
    enable("paged", BucketVersioningStatus.ENABLED);
    List<String> expected = new ArrayList<>();
    for (String key : List.of("a", "b")) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(0, key + ":" + put("paged", key, key + i));
      }
      expected.addAll(ids);
    }
    List<String> seen = new ArrayList<>();
    String keyMarker = null;
    String versionMarker = null;
    int pages = 0;
    while (true) {
      String km = keyMarker;
      String vm = versionMarker;
      ListObjectVersionsResponse page =
          get(
              sdk.listObjectVersions(
                  b -> b.bucket("paged").maxKeys(2).keyMarker(km).versionIdMarker(vm)));
      page.versions().forEach(v -> seen.add(v.key() + ":" + v.versionId()));
      pages++;
      if (!page.isTruncated()) {
        break;
      }
      keyMarker = page.nextKeyMarker();
      versionMarker = page.nextVersionIdMarker();
    }
    assertEquals(expected, seen);
    assertEquals(3, pages);
    S3Exception noKeyMarker =
        assertThrows(
            S3Exception.class,
            () -> get(sdk.listObjectVersions(b -> b.bucket("paged").versionIdMarker("1.0"))));
    assertEquals("InvalidArgument", noKeyMarker.awsErrorDetails().errorCode());
  }

  @Test
  void aVersionCopiesAndMultiDeleteTakesVersionIds() throws Exception {
    get(sdk.createBucket(b -> b.bucket("copies")));
    enable("copies", BucketVersioningStatus.ENABLED);
    String v1 = put("copies", "src", "first");
    put("copies", "src", "second");
    var copied =
        get(
            sdk.copyObject(
                b ->
                    b.sourceBucket("copies")
                        .sourceKey("src")
                        .sourceVersionId(v1)
                        .destinationBucket("copies")
                        .destinationKey("dst")));
    assertEquals(v1, copied.copySourceVersionId());
    assertNotNull(copied.versionId());
    assertEquals("first", read("copies", "dst", null));

    var multi =
        get(
            sdk.deleteObjects(
                b ->
                    b.bucket("copies")
                        .delete(
                            d ->
                                d.objects(
                                    ObjectIdentifier.builder().key("src").versionId(v1).build(),
                                    ObjectIdentifier.builder().key("dst").build()))));
    assertEquals(2, multi.deleted().size(), multi.toString());
    assertTrue(
        multi.deleted().stream().anyMatch(d -> d.key().equals("dst") && d.deleteMarker()),
        multi.toString());
    S3Exception noVersion = assertThrows(S3Exception.class, () -> read("copies", "src", v1));
    assertEquals("NoSuchVersion", noVersion.awsErrorDetails().errorCode());
  }

  @Test
  void aBucketWithoutVersioningHasNoSuchVersionButItsNullOne() throws Exception {
    get(sdk.createBucket(b -> b.bucket("plain-versions")));
    assertNull(put("plain-versions", "k", "v"));
    assertEquals("v", read("plain-versions", "k", "null"));
    S3Exception missing =
        assertThrows(S3Exception.class, () -> read("plain-versions", "k", "1700000000.00000"));
    assertEquals("NoSuchVersion", missing.awsErrorDetails().errorCode());
    S3Exception invalid =
        assertThrows(S3Exception.class, () -> read("plain-versions", "k", "not-a-version"));
    assertEquals(400, invalid.statusCode());
    ListObjectVersionsResponse listing =
        get(sdk.listObjectVersions(b -> b.bucket("plain-versions")));
    assertEquals("null", listing.versions().get(0).versionId());
    assertTrue(listing.versions().get(0).isLatest());
  }

  private static void enable(String bucket, BucketVersioningStatus status) throws Exception {
    get(
        sdk.putBucketVersioning(
            b -> b.bucket(bucket).versioningConfiguration(v -> v.status(status))));
  }

  private static String put(String bucket, String key, String body) throws Exception {
    return get(sdk.putObject(b -> b.bucket(bucket).key(key), AsyncRequestBody.fromString(body)))
        .versionId();
  }

  private static String read(String bucket, String key, String versionId) throws Exception {
    return get(sdk.getObject(
            b -> b.bucket(bucket).key(key).versionId(versionId),
            AsyncResponseTransformer.toBytes()))
        .asString(StandardCharsets.UTF_8);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
