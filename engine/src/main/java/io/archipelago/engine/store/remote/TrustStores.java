package io.archipelago.engine.store.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS trust for connections to a backend. Settings of the backend's block:
 *
 * <pre>
 * tls.trust-store = "/etc/archipelago/swift-ca.p12"   # PKCS12 or JKS with the CA certificates
 * tls.trust-store-password = ${?SWIFT_TRUST_PASSWORD}  # optional
 * tls.trust-store-type = PKCS12                       # default PKCS12
 * </pre>
 *
 * Without {@code tls.trust-store} the JVM's default trust (cacerts) applies.
 */
public final class TrustStores {

  private TrustStores() {}

  /** The trust managers of the configured trust store; empty means the JVM default. */
  public static Optional<TrustManager[]> trustManagers(DriverSettings settings) {
    Optional<String> path = settings.optional("tls.trust-store");
    if (path.isEmpty()) {
      return Optional.empty();
    }
    String type = settings.string("tls.trust-store-type", "PKCS12");
    char[] password =
        settings.optional("tls.trust-store-password").map(String::toCharArray).orElse(null);
    try (InputStream in = Files.newInputStream(Path.of(path.get()))) {
      KeyStore store = KeyStore.getInstance(type);
      store.load(in, password);
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return Optional.of(factory.getTrustManagers());
    } catch (IOException | GeneralSecurityException e) {
      throw settings.invalid("tls.trust-store", "cannot be read (" + e + ")");
    }
  }

  /** An SSL context trusting the configured store, or the JVM's default context. */
  public static SSLContext sslContext(DriverSettings settings) {
    try {
      Optional<TrustManager[]> trust = trustManagers(settings);
      if (trust.isEmpty()) {
        return SSLContext.getDefault();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.get(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JVM", e);
    }
  }
}
