package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.Host;
import akka.http.javadsl.model.headers.RawHeader;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.auth.S3AccessKeys;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftRequest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Signature Version 2 against the examples of AWS's "Signing and Authenticating REST Requests"
 * (bucket johnsmith, here path style), through the authenticator as a client sends them.
 */
class SigV2Test {

  private static final String SECRET = SigV4Test.SECRET;

  @Test
  void objectGetListAndAclExamples() {
    assertEquals(
        "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        SigV2.signature(
            SECRET,
            SigV2.stringToSign(
                "GET",
                "",
                "",
                "Tue, 27 Mar 2007 19:36:42 +0000",
                Map.of("host", "s3.amazonaws.com"),
                "/johnsmith/photos/puppy.jpg",
                Map.of())));
    assertEquals(
        "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
        SigV2.signature(
            SECRET,
            SigV2.stringToSign(
                "PUT",
                "",
                "image/jpeg",
                "Tue, 27 Mar 2007 21:15:45 +0000",
                Map.of(),
                "/johnsmith/photos/puppy.jpg",
                Map.of())));
    assertEquals(
        "htDYFYduRNen8P9ZfE/s9SuKy0U=",
        SigV2.signature(
            SECRET,
            SigV2.stringToSign(
                "GET",
                "",
                "",
                "Tue, 27 Mar 2007 19:42:41 +0000",
                Map.of(),
                "/johnsmith/",
                Map.of("prefix", "photos", "max-keys", "50", "marker", "puppy"))));
    assertEquals(
        "c2WLPFtWHVgbEmeEG93a4cG37dM=",
        SigV2.signature(
            SECRET,
            SigV2.stringToSign(
                "GET",
                "",
                "",
                "Tue, 27 Mar 2007 19:44:46 +0000",
                Map.of(),
                "/johnsmith/",
                Map.of("acl", ""))));
  }

  private static S3Authenticator authenticator() {
    return new S3Authenticator(
        S3AccessKeys.fromConfig(
            ConfigFactory.parseString(
                "archipelago.auth.reseller-prefix = AUTH_\n"
                    + "archipelago.auth.users { \"test:tester\" = \"testing .admin\" }\n"
                    + "archipelago.s3.tempauth-keys = on\n"
                    + "archipelago.s3.keys { \""
                    + SigV4Test.ACCESS_KEY
                    + "\" = \"test:tester "
                    + SECRET
                    + "\" }\n")));
  }

  private static S3Authenticator.Authenticated authenticate(HttpRequest request, Instant now) {
    String uri = request.getUri().toString();
    int q = uri.indexOf('?');
    String rawQuery = q < 0 ? "" : uri.substring(q + 1);
    return authenticator()
        .authenticate(
            request,
            q < 0 ? uri : uri.substring(0, q),
            rawQuery,
            SwiftRequest.headersOf(request),
            RequestPath.parseQuery(rawQuery),
            now);
  }

  @Test
  void headerAndPresignedQueryAuthenticate() {
    Instant signedAt = Instant.parse("2007-03-27T19:36:42Z");
    HttpRequest request =
        HttpRequest.GET("/johnsmith/photos/puppy.jpg")
            .addHeader(Host.create("s3.amazonaws.com"))
            .addHeader(RawHeader.create("Date", "Tue, 27 Mar 2007 19:36:42 +0000"))
            .addHeader(
                RawHeader.create(
                    "Authorization",
                    "AWS " + SigV4Test.ACCESS_KEY + ":bWq2s1WEIj+Ydj0vQ697zp+IXMU="));
    assertEquals(
        "AUTH_test",
        authenticate(request, signedAt.plusSeconds(5)).key().orElseThrow().principal().account());
    HttpRequest forged =
        request
            .removeHeader("Authorization")
            .addHeader(
                RawHeader.create(
                    "Authorization",
                    "AWS " + SigV4Test.ACCESS_KEY + ":AAAAs1WEIj+Ydj0vQ697zp+IXMU="));
    assertEquals(
        S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        assertThrows(S3Exception.class, () -> authenticate(forged, signedAt)).code());
    assertEquals(
        S3ErrorCode.REQUEST_TIME_TOO_SKEWED,
        assertThrows(S3Exception.class, () -> authenticate(request, signedAt.plusSeconds(3600)))
            .code());

    long expires = signedAt.getEpochSecond() + 60;
    String signature =
        SigV2.signature(SECRET, "GET\n\n\n" + expires + "\n/johnsmith/photos/puppy.jpg");
    HttpRequest presigned =
        HttpRequest.GET(
            "/johnsmith/photos/puppy.jpg?AWSAccessKeyId="
                + SigV4Test.ACCESS_KEY
                + "&Expires="
                + expires
                + "&Signature="
                + SigV4.uriEncode(signature, false));
    assertEquals(
        "AUTH_test", authenticate(presigned, signedAt).key().orElseThrow().principal().account());
    assertEquals(
        S3ErrorCode.ACCESS_DENIED,
        assertThrows(S3Exception.class, () -> authenticate(presigned, signedAt.plusSeconds(61)))
            .code());
  }
}
