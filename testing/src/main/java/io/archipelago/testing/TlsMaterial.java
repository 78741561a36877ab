package io.archipelago.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 made with openssl and keytool: PEM files for Swift's
 * proxy, a PKCS12 key store for S3Proxy and a PKCS12 trust store holding only that certificate, for
 * the drivers' {@code tls.trust-store}.
 */
public record TlsMaterial(
    Path certPem, Path keyPem, Path keyStore, Path trustStore, String password) {

  public static TlsMaterial create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path cert = dir.resolve("cert.pem");
      Path key = dir.resolve("key.pem");
      Path keyStore = dir.resolve("server.p12");
      Path trustStore = dir.resolve("trust.p12");
      String password = "changeit";
      run(
          List.of(
              "openssl",
              "req",
              "-x509",
              "-newkey",
              "rsa:2048",
              "-nodes",
              "-days",
              "2",
              "-subj",
              "/CN=127.0.0.1",
              "-addext",
              "subjectAltName=IP:127.0.0.1",
              "-keyout",
              key.toString(),
              "-out",
              cert.toString()));
      run(
          List.of(
              "openssl",
              "pkcs12",
              "-export",
              "-in",
              cert.toString(),
              "-inkey",
              key.toString(),
              "-name",
              "server",
              "-out",
              keyStore.toString(),
              "-passout",
              "pass:" + password));
      run(
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
              "-importcert",
              "-noprompt",
              "-alias",
              "test-ca",
              "-file",
              cert.toString(),
              "-keystore",
              trustStore.toString(),
              "-storetype",
              "PKCS12",
              "-storepass",
              password));
      return new TlsMaterial(cert, key, keyStore, trustStore, password);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed:\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
