package io.archipelago.engine.testing;

import io.archipelago.testing.ManagedProcess;
import io.archipelago.testing.Net;
import io.archipelago.testing.SwiftCluster;
import io.archipelago.testing.TlsMaterial;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real S3 endpoint: S3Proxy (the jar Maven copied into target/s3proxy) on loopback, AWS signature
 * v2/v4 with fixed test credentials, with jclouds' filesystem provider unless another is asked for
 * (see {@link Provider}).
 */
public final class S3ProxyServer implements AutoCloseable {

  public static final String ACCESS_KEY = "archipelago-test";
  public static final String SECRET_KEY = "archipelago-test-secret";

  /** Where S3Proxy keeps objects (its jclouds provider). */
  public enum Provider {
    /**
     * Files under a directory: each key is a file path, so keys with {@code //}, a key that is also
     * the "directory" of other keys, and path segments over 255 bytes cannot be stored.
     */
    FILESYSTEM("filesystem", "archipelago-s3proxy-"),
    /**
     * jclouds' in-memory store: a map from key to blob, so keys are arbitrary strings as on S3
     * itself (the nio2 providers keep paths too, on jimfs).
     */
    TRANSIENT("transient", "archipelago-s3proxy-transient-");

    private final String jclouds;
    private final String dirPrefix;

    Provider(String jclouds, String dirPrefix) {
      this.jclouds = jclouds;
      this.dirPrefix = dirPrefix;
    }
  }

  private final Path dir;
  private final Provider provider;
  private final int port = Net.freePort();
  private final int tlsPort = Net.freePort();
  private final TlsMaterial tls;
  private final ManagedProcess process;

  private S3ProxyServer(Path jar, Path dir, Provider provider) throws IOException {
    this.dir = dir;
    this.provider = provider;
    SwiftCluster.deleteTree(dir);
    Files.createDirectories(dir.resolve("data"));
    this.tls = TlsMaterial.create(dir.resolve("tls"));
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.secure-endpoint=https://127.0.0.1:" + tlsPort,
            "s3proxy.keystore-path=" + tls.keyStore(),
            "s3proxy.keystore-password=" + tls.password(),
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=" + provider.jclouds,
            "jclouds.filesystem.basedir=" + dir.resolve("data"),
            ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.process =
        new ManagedProcess(
            provider == Provider.FILESYSTEM ? "s3proxy" : "s3proxy-" + provider.jclouds,
            List.of(
                java,
                // a test's S3Proxy serves a few thousand requests: C2's compiling costs more CPU
                // than its code saves in that time (measured with the gateway, see GatewayProcess)
                "-XX:TieredStopAtLevel=1",
                // the transient provider holds every object in its heap
                provider == Provider.TRANSIENT ? "-Xmx512m" : "-Xmx256m",
                "-jar",
                jar.toString(),
                "--properties",
                properties.toString()),
            dir.resolve("s3proxy.log"));
  }

  public static S3ProxyServer start(Path jar) {
    return start(jar, Provider.FILESYSTEM);
  }

  public static S3ProxyServer start(Path jar, Provider provider) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no S3Proxy jar at "
              + jar
              + " (mvn generate-test-resources copies it from Maven Central)");
    }
    try {
      S3ProxyServer server =
          new S3ProxyServer(
              jar,
              Path.of(
                  System.getProperty("java.io.tmpdir"),
                  provider.dirPrefix + ProcessHandle.current().pid()),
              provider);
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void startProcess() {
    process.start();
    if (!Net.await(
        Duration.ofSeconds(180),
        () -> {
          process.requireAlive();
          return answers();
        })) {
      throw new IllegalStateException("S3Proxy not ready\n" + process.logTail(30));
    }
  }

  private boolean answers() {
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(endpoint() + "/"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return r.statusCode() > 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The same server over HTTPS, with a self-signed certificate (see {@link #tls()}). */
  public String secureEndpoint() {
    return "https://127.0.0.1:" + tlsPort;
  }

  /** The certificate of {@link #secureEndpoint()} and a trust store that trusts it. */
  public TlsMaterial tls() {
    return tls;
  }

  /**
   * Driver settings for this server, with S3Proxy's quirks set: Jetty alters Content-Type
   * parameters (which breaks signatures) and the filesystem provider lists directories as keys.
   */
  public Map<String, String> driverSettings(String mode, String bucketOrPrefix) {
    return Map.of(
        "plain-content-type",
        "on",
        "skip-directory-markers",
        provider == Provider.FILESYSTEM ? "on" : "off",
        "endpoint",
        endpoint(),
        "region",
        "us-east-1",
        "access-key",
        ACCESS_KEY,
        "secret-key",
        SECRET_KEY,
        "mode",
        mode,
        mode.equals("prefix") ? "bucket" : "bucket-prefix",
        bucketOrPrefix);
  }

  /** A plain S3 client of this server, for tests that look at what is stored directly. */
  public software.amazon.awssdk.services.s3.S3AsyncClient client() {
    return software.amazon.awssdk.services.s3.S3AsyncClient.builder()
        .endpointOverride(URI.create(endpoint()))
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                    ACCESS_KEY, SECRET_KEY)))
        .requestChecksumCalculation(
            software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(
            software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  /** Stops the server (an outage); {@link #restart()} brings it back on the same port. */
  public void stop() {
    process.stop();
  }

  public void restart() {
    startProcess();
  }

  @Override
  public void close() {
    process.stop();
    SwiftCluster.deleteTree(dir);
  }
}
