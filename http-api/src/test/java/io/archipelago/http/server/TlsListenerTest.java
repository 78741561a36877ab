package io.archipelago.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.AwsCli;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.testing.Net;
import io.archipelago.testing.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both listeners with real clients: the Swift port from PEM files that are renewed on disk
 * while the node runs, the S3 port from a PKCS12 key store. Java's HttpClient, the swift CLI,
 * openssl s_client and the aws CLI check certificates against the test's own CA file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsListenerTest {

  @TempDir static Path work;
  static TlsMaterial first;
  static TlsMaterial renewed;
  static Path liveCert;
  static Path liveKey;
  static TestGateway gateway;
  static int port;
  static int s3Port;

  @BeforeAll
  static void start() throws IOException {
    first = TlsMaterial.create(work.resolve("first"));
    renewed = TlsMaterial.create(work.resolve("renewed"));
    liveCert = work.resolve("live/cert.pem");
    liveKey = work.resolve("live/key.pem");
    Files.createDirectories(liveCert.getParent());
    Files.copy(first.certPem(), liveCert);
    Files.copy(first.keyPem(), liveKey);
    port = Net.freePort();
    s3Port = Net.freePort();
    gateway =
        TestGateway.start(
            work.resolve("data"),
            Map.of(
                "archipelago.http.port",
                port,
                "archipelago.http.tls.enabled",
                true,
                "archipelago.http.tls.certificate",
                liveCert.toString(),
                "archipelago.http.tls.private-key",
                liveKey.toString(),
                "archipelago.http.tls.reload-interval",
                "200ms",
                "archipelago.s3.port",
                s3Port,
                "archipelago.s3.tls.certificate",
                first.keyStore().toString(),
                "archipelago.s3.tls.private-key",
                "",
                "archipelago.s3.tls.keystore-password",
                first.password()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @Order(1)
  void swiftAuthAndObjectsOverTls() throws Exception {
    HttpClient client = client(first.certPem());
    String base = "https://127.0.0.1:" + port;
    HttpResponse<String> auth =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/auth/v1.0"))
                .header("X-Auth-User", "test:tester")
                .header("X-Auth-Key", "testing")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, auth.statusCode(), auth.body());
    String storage = auth.headers().firstValue("X-Storage-Url").orElseThrow();
    assertTrue(storage.startsWith(base + "/v1/AUTH_test"), storage);
    String token = auth.headers().firstValue("X-Auth-Token").orElseThrow();
    assertEquals(201, send(client, put(storage + "/secure", token, "")).statusCode());
    assertEquals(
        201, send(client, put(storage + "/secure/hello.txt", token, "over tls")).statusCode());
    HttpResponse<String> got =
        send(
            client,
            HttpRequest.newBuilder(URI.create(storage + "/secure/hello.txt"))
                .header("X-Auth-Token", token)
                .build());
    assertEquals(200, got.statusCode());
    assertEquals("over tls", got.body());
    assertEquals("TLSv1.3", got.sslSession().orElseThrow().getProtocol());
  }

  @Test
  @Order(2)
  void swiftCliChecksTheCertificate() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/swift")), "python3-swiftclient");
    String authUrl = "https://127.0.0.1:" + port + "/auth/v1.0";
    Path upload = work.resolve("cli.txt");
    Files.writeString(upload, "from the swift CLI");
    Result uploaded =
        run(
            work,
            "/usr/bin/swift",
            "--os-cacert",
            first.certPem().toString(),
            "-A",
            authUrl,
            "-U",
            "test:tester",
            "-K",
            "testing",
            "upload",
            "--object-name",
            "cli.txt",
            "secure",
            upload.toString());
    assertEquals(0, uploaded.exit(), uploaded.output());
    Result listed =
        run(
            work,
            "/usr/bin/swift",
            "--os-cacert",
            first.certPem().toString(),
            "-A",
            authUrl,
            "-U",
            "test:tester",
            "-K",
            "testing",
            "list",
            "secure");
    assertEquals(0, listed.exit(), listed.output());
    assertTrue(listed.output().contains("cli.txt"), listed.output());
    // a CA that did not sign the gateway's certificate is refused by the client
    Result untrusted =
        run(
            work,
            "/usr/bin/swift",
            "--os-cacert",
            renewed.certPem().toString(),
            "-A",
            authUrl,
            "-U",
            "test:tester",
            "-K",
            "testing",
            "list");
    assertNotEquals(0, untrusted.exit(), untrusted.output());
  }

  @Test
  @Order(3)
  void oldProtocolsAndWeakSuitesAreRefused() throws Exception {
    String target = "127.0.0.1:" + port;
    // SECLEVEL=0 lets openssl offer what the server must refuse
    Result tls11 =
        run(
            work,
            "openssl",
            "s_client",
            "-connect",
            target,
            "-tls1_1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0");
    assertNotEquals(0, tls11.exit(), tls11.output());
    assertFalse(tls11.output().contains("BEGIN CERTIFICATE"), tls11.output());
    Result cbc =
        run(
            work,
            "openssl",
            "s_client",
            "-connect",
            target,
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:AES128-GCM-SHA256:@SECLEVEL=0");
    assertNotEquals(0, cbc.exit(), cbc.output());
    Result gcm =
        run(
            work,
            "openssl",
            "s_client",
            "-connect",
            target,
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256");
    assertEquals(0, gcm.exit(), gcm.output());
    assertTrue(gcm.output().contains("ECDHE-RSA-AES128-GCM-SHA256"), gcm.output());
    // the JDK's own client, limited to TLS 1.1, does not get a session either
    SSLContext context = trusting(first.certPem());
    SSLParameters old = new SSLParameters();
    old.setProtocols(new String[] {"TLSv1.1"});
    HttpClient client = HttpClient.newBuilder().sslContext(context).sslParameters(old).build();
    assertThrows(
        IOException.class,
        () ->
            client.send(
                HttpRequest.newBuilder(URI.create("https://" + target + "/info")).build(),
                HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  @Order(4)
  void aRenewedCertificateServesNewConnectionsWithoutRestart() throws Exception {
    X509Certificate before = served(List.of(first.certPem(), renewed.certPem()));
    assertEquals(pem(first.certPem()), before);
    // the renewal lands as certbot's does: each file replaced whole
    replace(renewed.keyPem(), liveKey);
    replace(renewed.certPem(), liveCert);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    X509Certificate now = before;
    while (!now.equals(pem(renewed.certPem())) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      now = served(List.of(first.certPem(), renewed.certPem()));
    }
    assertEquals(pem(renewed.certPem()), now);
    // and a client that trusts only the new certificate talks to the node
    HttpResponse<String> info =
        client(renewed.certPem())
            .send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/info")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, info.statusCode());
    assertThrows(
        SSLHandshakeException.class,
        () ->
            client(first.certPem())
                .send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/info"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  @Order(5)
  void s3OverTlsWithTheAwsCli() throws Exception {
    Assumptions.assumeTrue(AwsCli.available(), "awscli is installed by bin/archipelago test");
    AwsCli cli = new AwsCli("https://127.0.0.1:" + s3Port, work);
    String ca = first.certPem().toString();
    cli.aws("--ca-bundle", ca, "s3", "mb", "s3://tls-bucket").assertOk();
    Path file = work.resolve("s3.txt");
    Files.writeString(file, "s3 over tls");
    cli.aws("--ca-bundle", ca, "s3", "cp", file.toString(), "s3://tls-bucket/s3.txt").assertOk();
    AwsCli.Result listed = cli.aws("--ca-bundle", ca, "s3", "ls", "s3://tls-bucket");
    listed.assertOk();
    assertTrue(listed.output().contains("s3.txt"), listed.output());
    Path back = work.resolve("s3-back.txt");
    cli.aws("--ca-bundle", ca, "s3", "cp", "s3://tls-bucket/s3.txt", back.toString()).assertOk();
    assertEquals("s3 over tls", Files.readString(back));
    // without the CA file the CLI refuses the self-signed certificate
    AwsCli.Result untrusted = cli.aws("s3", "ls");
    assertNotEquals(0, untrusted.exitCode(), untrusted.output());
  }

  private static void replace(Path source, Path target) throws IOException {
    Path temporary = target.resolveSibling(target.getFileName() + ".new");
    Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
    Files.move(
        temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The certificate a new connection is served (a new client: no pooled connection). */
  private static X509Certificate served(List<Path> trusted) throws Exception {
    HttpResponse<String> response =
        client(trusted.toArray(Path[]::new))
            .send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/info")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static HttpClient client(Path... trusted) throws GeneralSecurityException, IOException {
    return HttpClient.newBuilder()
        .sslContext(trusting(trusted))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static SSLContext trusting(Path... certificates)
      throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (Path certificate : certificates) {
      trust.setCertificateEntry("ca" + i++, pem(certificate));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static X509Certificate pem(Path file) throws GeneralSecurityException, IOException {
    try (InputStream in = Files.newInputStream(file)) {
      Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
      return (X509Certificate) c;
    }
  }

  private static HttpRequest put(String url, String token, String body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("X-Auth-Token", token)
        .PUT(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request)
      throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + List.of(command));
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
