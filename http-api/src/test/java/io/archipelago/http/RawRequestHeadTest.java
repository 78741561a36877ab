package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.s3.SigV4;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.testing.Net;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What Swift clients send that Akka HTTP's parser would refuse or alter, over raw sockets to a real
 * listener: raw UTF-8 and other bytes in the request line, Host with its case and boto 2's {@code
 * host:port:port} (also signed, on the S3 listener), pipelined requests with bodies that look like
 * heads, the internal headers a client must not set, and Swift's 411 for a PUT without length.
 */
class RawRequestHeadTest {

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
  private static final int S3_PORT = Net.freePort();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.s3.port",
              S3_PORT,
              "archipelago.http.domain-remap.storage-domain",
              List.of("example.net")));

  static SwiftClient tester;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/raw").statusCode());
  }

  @Test
  void rawUtf8AndOtherBytesSwiftTakesInTheRequestLineNameTheObject() throws IOException {
    String created =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw/caf\u00c3\u00a9-{x}|\"y\"^`<z>[1]%zz HTTP/1.1\r\nHost: a\r\n"
                + "X-Auth-Token: "
                + tester.token()
                + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    assertEquals(List.of(201), statuses(created), created);
    assertEquals(
        "ok",
        tester.call("GET", "/raw/caf%C3%A9-%7Bx%7D%7C%22y%22%5E%60%3Cz%3E%5B1%5D%25zz").body());

    String listed =
        exchange(
            port(),
            "GET /v1/AUTH_test/raw?prefix=caf\u00c3\u00a9 HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(200), statuses(listed), listed);
    assertTrue(
        listed.contains("caf\u00c3\u00a9-{x}|\"y\"^`<z>[1]%zz"), "listing of the name: " + listed);
  }

  @Test
  void rawInvalidUtf8InThePathIs412AsInSwift() throws IOException {
    String answer =
        exchange(
            port(),
            "GET /v1/AUTH_test/raw/\u00ff\u00fe HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(412), statuses(answer), answer);
    assertTrue(answer.contains("Invalid UTF8 or contains NULL"), answer);
  }

  @Test
  void pipelinedRequestsWithBodiesKeepTheirBodiesAsSent() throws IOException {
    // a body that looks like a head the guard would rewrite: it must pass byte for byte
    String lookalike =
        "GET /v1/AUTH_test/\u00c3\u00a9 HTTP/1.1\r\nHost: Upper.Example\r\n"
            + ClientHead.RAW_HOST
            + ": spoof\r\nX-Archipelago-Raw-Host: spoof\r\n\r\n";
    String token = tester.token();
    String answer =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw/pipe-\u00c3\u00a41 HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + token
                + "\r\nContent-Length: "
                + lookalike.length()
                + "\r\n\r\n"
                + lookalike
                + "PUT /v1/AUTH_test/raw/pipe-\u00c3\u00a42 HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + token
                + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n"
                + Integer.toHexString(lookalike.length())
                + "\r\n"
                + lookalike
                + "\r\n0\r\nX-Trailer: t\r\n\r\n"
                + "PUT /v1/AUTH_test/raw/pipe-\u00c3\u00a43 HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + token
                + "\r\nContent-Length: 0\r\n\r\n"
                + "GET /v1/AUTH_test/raw/pipe-\u00c3\u00a41 HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + token
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(201, 201, 201, 200), statuses(answer), answer);
    assertTrue(answer.endsWith("\r\n\r\n" + lookalike), answer);
    assertEquals(lookalike, iso(tester.bytes("GET", "/raw/pipe-%C3%A41", Map.of(), null).body()));
    assertEquals(
        "hello" + lookalike, iso(tester.bytes("GET", "/raw/pipe-%C3%A42", Map.of(), null).body()));
    assertEquals(200, tester.call("HEAD", "/raw/pipe-%C3%A43").statusCode());
  }

  @Test
  void hostKeepsTheCaseTheClientSent() throws IOException {
    String auth =
        exchange(
            port(),
            "GET /auth/v1.0 HTTP/1.1\r\nHost: Gateway.Example:1234\r\nX-Auth-User: test:tester\r\n"
                + "X-Auth-Key: testing\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(200), statuses(auth), auth);
    assertTrue(auth.contains("X-Storage-Url: http://Gateway.Example:1234/v1/AUTH_test\r\n"), auth);

    // domain_remap names the container as the Host spells it
    assertEquals(201, tester.call("PUT", "/Photos").statusCode());
    assertEquals(201, tester.call("PUT", "/Photos/cat", Map.of(), "meow").statusCode());
    String remapped =
        exchange(
            port(),
            "GET /cat HTTP/1.1\r\nHost: Photos.AUTH_test.example.net\r\nX-Auth-Token: "
                + tester.token()
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(200), statuses(remapped), remapped);
    assertTrue(remapped.endsWith("\r\n\r\nmeow"), remapped);

    // a UTF-8 container name sent raw in the Host (Akka refuses such a Host)
    assertEquals(201, tester.call("PUT", "/Caf%C3%A9").statusCode());
    assertEquals(201, tester.call("PUT", "/Caf%C3%A9/cat", Map.of(), "purr").statusCode());
    String utf8 =
        exchange(
            port(),
            "GET /cat HTTP/1.1\r\nHost: Caf\u00c3\u00a9.AUTH_test.example.net:8080\r\n"
                + "X-Auth-Token: "
                + tester.token()
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(200), statuses(utf8), utf8);
    assertTrue(utf8.endsWith("\r\n\r\npurr"), utf8);
  }

  @Test
  void aLongHostIsCheckedWithoutDeepRecursion() throws IOException {
    for (String host :
        List.of("a".repeat(12_000), "a".repeat(12_000) + ":1:1", "%41".repeat(4_000))) {
      String answer =
          exchange(port(), "GET /info HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
      assertEquals(List.of(200), statuses(answer), answer);
    }
    assertEquals(200, tester.call("HEAD", "/raw").statusCode() / 100 * 100);
  }

  @Test
  void aClientCannotSetTheInternalHeaders() throws IOException {
    for (String name :
        List.of(ClientHead.RAW_HOST, "X-Archipelago-Raw-Host", "x-archipelago-raw-host")) {
      String auth =
          exchange(
              port(),
              "GET /auth/v1.0 HTTP/1.1\r\nHost: 127.0.0.1:1234\r\n"
                  + name
                  + ": Evil.Example\r\n  folded\r\nX-Auth-User: test:tester\r\n"
                  + "X-Auth-Key: testing\r\nConnection: close\r\n\r\n");
      assertEquals(List.of(200), statuses(auth), name + ": " + auth);
      assertTrue(auth.contains("X-Storage-Url: http://127.0.0.1:1234/v1/AUTH_test\r\n"), auth);
    }
    String put =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw/marked HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\n"
                + ClientHead.LENGTH_MISSING
                + ": PUT\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    assertEquals(List.of(201), statuses(put), put);
    assertEquals("abc", tester.call("GET", "/raw/marked").body());
  }

  @Test
  void aPutWithoutLengthIs411AndAnUnknownTransferCoding501AsInSwift() throws IOException {
    String answer =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw/nolength HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\n\r\ntesting");
    assertEquals(List.of(411), statuses(answer), answer);
    assertTrue(answer.contains("Connection: close\r\n"), answer);
    assertTrue(answer.endsWith("Missing Content-Length header."), answer);
    assertEquals(404, tester.call("HEAD", "/raw/nolength").statusCode());

    String gzip =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw/gzip HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\nTransfer-Encoding: gzip,chunked\r\n\r\ntesting");
    assertEquals(List.of(501), statuses(gzip), gzip);

    // a container PUT needs no body, and the connection stays open after it
    String container =
        exchange(
            port(),
            "PUT /v1/AUTH_test/raw-nolength HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\n\r\n"
                + "HEAD /v1/AUTH_test/raw-nolength HTTP/1.1\r\nHost: a\r\nX-Auth-Token: "
                + tester.token()
                + "\r\nConnection: close\r\n\r\n");
    assertEquals(List.of(201, 204), statuses(container), container);
  }

  @Test
  void boto2sHostWithThePortTwiceIsServedAndSignedAsSent() throws IOException {
    String host = "127.0.0.1:" + S3_PORT + ":" + S3_PORT;
    String signedAsSent = exchange(S3_PORT, listBuckets(host, host));
    assertEquals(List.of(200), statuses(signedAsSent), signedAsSent);
    assertTrue(signedAsSent.contains("<Name>raw</Name>"), signedAsSent);

    // signed over the Host Akka is given instead: not what the client sent
    String signedAsAltered = exchange(S3_PORT, listBuckets(host, "127.0.0.1:" + S3_PORT));
    assertEquals(List.of(403), statuses(signedAsAltered), signedAsAltered);
    assertTrue(signedAsAltered.contains("SignatureDoesNotMatch"), signedAsAltered);
  }

  /** A ListBuckets request sent with Host {@code host}, its signature made over {@code signed}. */
  private static String listBuckets(String host, String signed) {
    String amzDate =
        ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    SigV4.Credential credential =
        new SigV4.Credential("test:tester", amzDate.substring(0, 8), "us-east-1", "s3");
    Map<String, String> headers = new TreeMap<>();
    headers.put("host", signed);
    headers.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
    headers.put("x-amz-date", amzDate);
    List<String> signedHeaders = List.copyOf(headers.keySet());
    String canonical =
        SigV4.canonicalRequest(
            "GET",
            "/",
            SigV4.canonicalQuery("", Set.of()),
            signedHeaders,
            headers,
            SigV4.EMPTY_SHA256);
    String signature =
        SigV4.signature(
            SigV4.signingKey("testing", credential),
            SigV4.stringToSign(amzDate, credential.scope(), canonical));
    return "GET / HTTP/1.1\r\nHost: "
        + host
        + "\r\nX-Amz-Date: "
        + amzDate
        + "\r\nX-Amz-Content-SHA256: "
        + SigV4.EMPTY_SHA256
        + "\r\nAuthorization: "
        + SigV4.ALGORITHM
        + " Credential=test:tester/"
        + credential.scope()
        + ", SignedHeaders="
        + String.join(";", signedHeaders)
        + ", Signature="
        + signature
        + "\r\nConnection: close\r\n\r\n";
  }

  private static int port() {
    return URI.create(gateway.baseUrl()).getPort();
  }

  private static String iso(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /** The statuses of the responses in what a connection answered, in order. */
  private static List<Integer> statuses(String answer) {
    List<Integer> statuses = new ArrayList<>();
    Matcher m = STATUS_LINE.matcher(answer);
    while (m.find()) {
      statuses.add(Integer.parseInt(m.group(1)));
    }
    return statuses;
  }

  /**
   * Writes {@code request} (ISO-8859-1: each char one byte, so UTF-8 goes as its bytes) on a fresh
   * connection and reads until the server closes it.
   */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      try {
        while ((n = in.read(buffer)) > 0) {
          all.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // reset after the answer
      }
      assertFalse(all.size() == 0, "no answer to " + request);
      return all.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
