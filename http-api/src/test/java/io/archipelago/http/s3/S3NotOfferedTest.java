package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.Grant;
import software.amazon.awssdk.services.s3.model.Permission;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Type;

/**
 * What the S3 API does not offer answers S3's XML error 501 NotImplemented, never a silent success:
 * bucket policy, website, notification, lifecycle, tagging, versioning with MFA delete (bucket
 * versioning itself is S3VersioningTest's), an ACL PUT with a body, object tagging; GET ?acl
 * answers the owner's FULL_CONTROL (as Swift's s3api without S3 ACLs).
 */
class S3NotOfferedTest {

  @TempDir static Path work;
  static TestGateway gateway;
  static S3AsyncClient sdk;

  @BeforeAll
  static void start() throws Exception {
    int port = Net.freePort();
    gateway = TestGateway.start(work.resolve("data"), Map.of("archipelago.s3.port", port));
    sdk =
        S3AsyncClient.builder()
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("test:tester", "testing")))
            .build();
    sdk.createBucket(b -> b.bucket("plain")).get(60, TimeUnit.SECONDS);
    sdk.putObject(b -> b.bucket("plain").key("k"), AsyncRequestBody.fromString("v"))
        .get(60, TimeUnit.SECONDS);
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
  void everyConfigurationThatIsNotOfferedAnswers501NotImplemented() {
    Map<String, Supplier<CompletableFuture<?>>> calls =
        Map.ofEntries(
            Map.entry(
                "PutBucketPolicy",
                () -> sdk.putBucketPolicy(b -> b.bucket("plain").policy("{\"Statement\":[]}"))),
            Map.entry("GetBucketPolicy", () -> sdk.getBucketPolicy(b -> b.bucket("plain"))),
            Map.entry(
                "PutBucketWebsite",
                () ->
                    sdk.putBucketWebsite(
                        b ->
                            b.bucket("plain")
                                .websiteConfiguration(
                                    w -> w.indexDocument(i -> i.suffix("index.html"))))),
            Map.entry(
                "PutBucketNotificationConfiguration",
                () ->
                    sdk.putBucketNotificationConfiguration(
                        b -> b.bucket("plain").notificationConfiguration(n -> {}))),
            Map.entry(
                "PutBucketLifecycleConfiguration",
                () ->
                    sdk.putBucketLifecycleConfiguration(
                        b ->
                            b.bucket("plain")
                                .lifecycleConfiguration(
                                    BucketLifecycleConfiguration.builder()
                                        .rules(
                                            r ->
                                                r.id("expire")
                                                    .status(ExpirationStatus.ENABLED)
                                                    .filter(f -> f.prefix(""))
                                                    .expiration(e -> e.days(1)))
                                        .build()))),
            Map.entry(
                "PutBucketTagging",
                () ->
                    sdk.putBucketTagging(
                        b ->
                            b.bucket("plain")
                                .tagging(
                                    t -> t.tagSet(Tag.builder().key("a").value("b").build())))),
            Map.entry(
                "PutBucketVersioning with MFA delete",
                () ->
                    sdk.putBucketVersioning(
                        b ->
                            b.bucket("plain")
                                .versioningConfiguration(
                                    v -> v.status("Enabled").mfaDelete("Enabled")))),
            Map.entry(
                "PutBucketAcl with a body",
                () ->
                    sdk.putBucketAcl(
                        b ->
                            b.bucket("plain")
                                .accessControlPolicy(
                                    p ->
                                        p.owner(o -> o.id("test:tester"))
                                            .grants(
                                                Grant.builder()
                                                    .grantee(
                                                        g ->
                                                            g.type(Type.CANONICAL_USER)
                                                                .id("someone"))
                                                    .permission(Permission.READ)
                                                    .build())))),
            Map.entry(
                "PutObjectTagging",
                () ->
                    sdk.putObjectTagging(
                        b ->
                            b.bucket("plain")
                                .key("k")
                                .tagging(
                                    t -> t.tagSet(Tag.builder().key("a").value("b").build())))));
    calls.forEach(
        (name, call) -> {
          S3Exception refused =
              assertThrows(S3Exception.class, () -> unwrap(call.get()), name + " refused");
          assertEquals(501, refused.statusCode(), name);
          assertEquals("NotImplemented", refused.awsErrorDetails().errorCode(), name);
        });
  }

  @Test
  void getAclAnswersTheOwnersFullControlAndMissingOnesTheirError() throws Exception {
    var bucketAcl = sdk.getBucketAcl(b -> b.bucket("plain")).get(60, TimeUnit.SECONDS);
    assertEquals("test:tester", bucketAcl.owner().id());
    assertEquals(
        List.of(Permission.FULL_CONTROL),
        bucketAcl.grants().stream().map(Grant::permission).toList());
    var objectAcl = sdk.getObjectAcl(b -> b.bucket("plain").key("k")).get(60, TimeUnit.SECONDS);
    assertEquals("test:tester", objectAcl.grants().get(0).grantee().id());
    S3Exception missing =
        assertThrows(
            S3Exception.class, () -> unwrap(sdk.getObjectAcl(b -> b.bucket("plain").key("none"))));
    assertEquals("NoSuchKey", missing.awsErrorDetails().errorCode());
    S3Exception noBucket =
        assertThrows(S3Exception.class, () -> unwrap(sdk.getBucketAcl(b -> b.bucket("nobucket"))));
    assertTrue(noBucket.statusCode() == 404, noBucket.toString());
  }

  private static void unwrap(CompletableFuture<?> f) throws Throwable {
    try {
      f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }
}
