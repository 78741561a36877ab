package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.Host;
import akka.http.javadsl.model.headers.RawHeader;
import com.typesafe.config.ConfigFactory;
import io.archipelago.http.auth.S3AccessKeys;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Signature Version 4 against the examples AWS publishes in "Authenticating Requests: Using the
 * Authorization Header" and "Using Query Parameters" of the S3 API reference (same key, date and
 * expected signatures).
 */
class SigV4Test {

  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String AMZ_DATE = "20130524T000000Z";
  static final SigV4.Credential CREDENTIAL =
      new SigV4.Credential(ACCESS_KEY, "20130524", "us-east-1", "s3");
  static final Instant SIGNED_AT = Instant.parse("2013-05-24T00:00:00Z");

  private static String sign(
      String method, String uri, String query, Map<String, String> headers, String payload) {
    List<String> signed = headers.keySet().stream().sorted().toList();
    String canonical =
        SigV4.canonicalRequest(
            method, uri, SigV4.canonicalQuery(query, Set.of()), signed, headers, payload);
    return SigV4.signature(
        SigV4.signingKey(SECRET, CREDENTIAL),
        SigV4.stringToSign(AMZ_DATE, CREDENTIAL.scope(), canonical));
  }

  @Test
  void getObjectExample() {
    assertEquals(
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        sign(
            "GET",
            "/test.txt",
            "",
            Map.of(
                "host",
                "examplebucket.s3.amazonaws.com",
                "range",
                "bytes=0-9",
                "x-amz-content-sha256",
                SigV4.EMPTY_SHA256,
                "x-amz-date",
                AMZ_DATE),
            SigV4.EMPTY_SHA256));
  }

  @Test
  void putObjectExample() {
    String payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    assertEquals(
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        sign(
            "PUT",
            SigV4.uriEncode("/test$file.text", true),
            "",
            Map.of(
                "date",
                "Fri, 24 May 2013 00:00:00 GMT",
                "host",
                "examplebucket.s3.amazonaws.com",
                "x-amz-content-sha256",
                payload,
                "x-amz-date",
                AMZ_DATE,
                "x-amz-storage-class",
                "REDUCED_REDUNDANCY"),
            payload));
  }

  @Test
  void getBucketLifecycleExample() {
    assertEquals(
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        sign(
            "GET",
            "/",
            "lifecycle",
            Map.of(
                "host",
                "examplebucket.s3.amazonaws.com",
                "x-amz-content-sha256",
                SigV4.EMPTY_SHA256,
                "x-amz-date",
                AMZ_DATE),
            SigV4.EMPTY_SHA256));
  }

  @Test
  void listObjectsExample() {
    assertEquals(
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        sign(
            "GET",
            "/",
            "max-keys=2&prefix=J",
            Map.of(
                "host",
                "examplebucket.s3.amazonaws.com",
                "x-amz-content-sha256",
                SigV4.EMPTY_SHA256,
                "x-amz-date",
                AMZ_DATE),
            SigV4.EMPTY_SHA256));
  }

  @Test
  void canonicalQuerySortsAndEncodes() {
    assertEquals("a=%20b&b=1&b=2&c=", SigV4.canonicalQuery("b=2&c&a=%20b&b=1", Set.of()));
    assertEquals(
        "prefix=a%2Fb%2B",
        SigV4.canonicalQuery("prefix=a/b%2B&X-Amz-Signature=x", Set.of("X-Amz-Signature")));
    assertEquals("/a%20b/%C3%A9~", SigV4.uriEncode("/a b/é~", true));
  }

  private static S3Authenticator authenticator() {
    return new S3Authenticator(
        S3AccessKeys.fromConfig(
            ConfigFactory.parseString(
                "archipelago.auth.reseller-prefix = AUTH_\n"
                    + "archipelago.auth.users { \"test:tester\" = \"testing .admin\" }\n"
                    + "archipelago.s3.tempauth-keys = on\n"
                    + "archipelago.s3.keys { \""
                    + ACCESS_KEY
                    + "\" = \"test:tester "
                    + SECRET
                    + "\" }\n")));
  }

  private static S3Authenticator.Authenticated authenticate(
      S3Authenticator authenticator, HttpRequest request) {
    String uri = request.getUri().toString();
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String rawQuery = q < 0 ? "" : uri.substring(q + 1);
    return authenticator.authenticate(
        request,
        rawPath,
        rawQuery,
        SwiftRequest.headersOf(request),
        RequestPath.parseQuery(rawQuery),
        SIGNED_AT.plusSeconds(60));
  }

  private static HttpRequest getObjectExample(String signature) {
    return HttpRequest.GET("/test.txt")
        .addHeader(Host.create("examplebucket.s3.amazonaws.com"))
        .addHeader(RawHeader.create("Range", "bytes=0-9"))
        .addHeader(RawHeader.create("x-amz-content-sha256", SigV4.EMPTY_SHA256))
        .addHeader(RawHeader.create("x-amz-date", AMZ_DATE))
        .addHeader(
            RawHeader.create(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential="
                    + ACCESS_KEY
                    + "/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
                    + signature));
  }

  @Test
  void authorizationHeaderOfTheExampleAuthenticatesItsUser() {
    var auth =
        authenticate(
            authenticator(),
            getObjectExample("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
    assertEquals("AUTH_test", auth.key().orElseThrow().principal().account());
  }

  @Test
  void aWrongSignatureIsSignatureDoesNotMatchWithTheStringToSign() {
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () ->
                authenticate(
                    authenticator(),
                    getObjectExample(
                        "0000bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
    assertEquals(
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            + "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
        e.details().get("StringToSign"));
  }

  @Test
  void anUnknownKeyIsInvalidAccessKeyId() {
    HttpRequest request =
        getObjectExample("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    HttpRequest unknown =
        request.withHeaders(
            List.of(
                request.getHeader("Host").orElseThrow(),
                RawHeader.create("x-amz-content-sha256", SigV4.EMPTY_SHA256),
                RawHeader.create("x-amz-date", AMZ_DATE),
                RawHeader.create(
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=NOPE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=00")));
    assertEquals(
        S3ErrorCode.INVALID_ACCESS_KEY_ID,
        assertThrows(S3Exception.class, () -> authenticate(authenticator(), unknown)).code());
  }

  @Test
  void presignedUrlExample() {
    String query =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    HttpRequest request =
        HttpRequest.GET("/test.txt?" + query)
            .addHeader(Host.create("examplebucket.s3.amazonaws.com"));
    assertTrue(authenticate(authenticator(), request).key().isPresent());
    HttpRequest tampered =
        HttpRequest.GET("/other.txt?" + query)
            .addHeader(Host.create("examplebucket.s3.amazonaws.com"));
    assertEquals(
        S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        assertThrows(S3Exception.class, () -> authenticate(authenticator(), tampered)).code());
    S3Exception expired =
        assertThrows(
            S3Exception.class,
            () ->
                authenticator()
                    .authenticate(
                        request,
                        "/test.txt",
                        query,
                        SwiftRequest.headersOf(request),
                        RequestPath.parseQuery(query),
                        SIGNED_AT.plusSeconds(86401)));
    assertEquals(S3ErrorCode.ACCESS_DENIED, expired.code());
  }

  @Test
  void streamingSeedSignatureExample() {
    Map<String, String> headers =
        Map.of(
            "content-encoding",
            "aws-chunked",
            "content-length",
            "66824",
            "host",
            "s3.amazonaws.com",
            "x-amz-content-sha256",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "x-amz-date",
            AMZ_DATE,
            "x-amz-decoded-content-length",
            "66560",
            "x-amz-storage-class",
            "REDUCED_REDUNDANCY");
    assertEquals(
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        sign(
            "PUT",
            "/examplebucket/chunkObject.txt",
            "",
            headers,
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
  }
}
