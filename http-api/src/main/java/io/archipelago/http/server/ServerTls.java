package io.archipelago.http.server;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS of a listener ({@code archipelago.http.tls}, {@code archipelago.s3.tls}): the certificate and
 * key from a PKCS12 key store or PEM files, TLS 1.3 and 1.2 only, and for 1.2 only forward-secret
 * AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305; no CBC, no RSA key exchange).
 *
 * <p>Each connection gets its engine from the current {@link SSLContext}; a watcher reads the files
 * every {@code reload-interval} and, when their content changed, swaps in a context of the renewed
 * certificate: new connections get it, open ones keep theirs. A renewal that does not load (a
 * half-written file, a key that does not match) is logged and the previous certificate stays.
 */
public final class ServerTls {

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  /** The protocols a listener may offer; older ones are refused at start. */
  static final Set<String> MODERN_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  private final Settings settings;
  private final AtomicReference<Loaded> current;

  /**
   * A listener's TLS settings.
   *
   * @param certificate a PKCS12 key store ({@code .p12}/{@code .pfx}, or any file when {@code
   *     privateKey} is empty), or PEM certificates (the server's first, then its chain)
   * @param privateKey the PEM private key (PKCS#8, PKCS#1 or SEC1; encrypted ones with {@code
   *     password}), when {@code certificate} is PEM
   * @param password the key store's password, or the PEM key's
   */
  public record Settings(
      Path certificate,
      Optional<Path> privateKey,
      String password,
      List<String> protocols,
      Duration reloadInterval) {}

  /** A loaded context and the digest of the files it came from. */
  private record Loaded(SSLContext context, byte[] digest, X509Certificate certificate) {}

  private ServerTls(Settings settings, Loaded loaded) {
    this.settings = settings;
    this.current = new AtomicReference<>(loaded);
  }

  /** The Swift listener's TLS ({@code archipelago.http.tls}), when enabled. */
  public static Optional<ServerTls> swift(Config config) {
    return fromConfig(config.getConfig("archipelago.http.tls"), "archipelago.http.tls");
  }

  /**
   * The S3 listener's TLS: {@code archipelago.s3.tls} over {@code archipelago.http.tls}, when
   * enabled.
   */
  public static Optional<ServerTls> s3(Config config) {
    return fromConfig(
        config
            .getConfig("archipelago.s3.tls")
            .withFallback(config.getConfig("archipelago.http.tls")),
        "archipelago.s3.tls");
  }

  /**
   * The TLS of a listener when its section is enabled; a missing or unreadable certificate or key,
   * or an old protocol, fails here with the setting's name.
   */
  static Optional<ServerTls> fromConfig(Config tls, String path) {
    if (!tls.getBoolean("enabled")) {
      return Optional.empty();
    }
    String certificate = tls.getString("certificate").trim();
    if (certificate.isEmpty()) {
      throw new IllegalArgumentException(path + ".certificate: set it to a PEM or PKCS12 file");
    }
    String key = tls.getString("private-key").trim();
    List<String> protocols = tls.getStringList("protocols");
    for (String protocol : protocols) {
      if (!MODERN_PROTOCOLS.contains(protocol)) {
        throw new IllegalArgumentException(
            path + ".protocols: " + protocol + " is not allowed (only TLSv1.3 and TLSv1.2)");
      }
    }
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException(path + ".protocols: name TLSv1.3 and/or TLSv1.2");
    }
    Settings settings =
        new Settings(
            Path.of(certificate),
            key.isEmpty() ? Optional.empty() : Optional.of(Path.of(key)),
            tls.getString("keystore-password"),
            List.copyOf(protocols),
            tls.getDuration("reload-interval"));
    try {
      return Optional.of(new ServerTls(settings, load(settings)));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          path + ": cannot load " + settings.certificate() + ": " + e.getMessage(), e);
    }
  }

  /** Starts the watcher that swaps in a renewed certificate; stops with the actor system. */
  public void watch(ActorSystem<?> system) {
    Duration every = settings.reloadInterval();
    if (every.isZero() || every.isNegative()) {
      return;
    }
    // Reading the files blocks: the blocking dispatcher runs the check.
    Cancellable watcher =
        system
            .scheduler()
            .scheduleWithFixedDelay(
                every,
                every,
                this::reloadIfChanged,
                system.dispatchers().lookup(DispatcherSelector.blocking()));
    system.getWhenTerminated().thenRun(watcher::cancel);
  }

  /** A server engine of the current certificate, with the allowed protocols and suites. */
  public SSLEngine newEngine() {
    SSLEngine engine = current.get().context().createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(settings.protocols().toArray(String[]::new));
    parameters.setCipherSuites(modernSuites(engine.getSupportedCipherSuites()));
    parameters.setUseCipherSuitesOrder(true);
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** The certificate new connections are served (the first of the chain). */
  public X509Certificate certificate() {
    return current.get().certificate();
  }

  /** Loads the files again when their content changed; true when a new certificate is in use. */
  boolean reloadIfChanged() {
    try {
      byte[] digest = digest(settings);
      if (Arrays.equals(digest, current.get().digest())) {
        return false;
      }
      Loaded loaded = load(settings);
      current.set(loaded);
      log.info(
          "TLS certificate reloaded from {}: {} (valid until {})",
          settings.certificate(),
          loaded.certificate().getSubjectX500Principal(),
          loaded.certificate().getNotAfter().toInstant());
      return true;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      log.warn(
          "TLS certificate {} changed but does not load, keeping the previous one: {}",
          settings.certificate(),
          e.toString());
      return false;
    }
  }

  /**
   * TLS 1.3's suites (all AEAD, all forward secret) and TLS 1.2's ECDHE suites with GCM or
   * ChaCha20-Poly1305, in the JDK's order of preference.
   */
  static String[] modernSuites(String[] supported) {
    return Arrays.stream(supported)
        .filter(
            s ->
                s.startsWith("TLS_AES_")
                    || s.startsWith("TLS_CHACHA20_")
                    || (s.startsWith("TLS_ECDHE_")
                        && (s.contains("_GCM_") || s.endsWith("_CHACHA20_POLY1305_SHA256"))))
        .toArray(String[]::new);
  }

  private static Loaded load(Settings settings) throws IOException, GeneralSecurityException {
    byte[] digest = digest(settings);
    char[] password = settings.password().toCharArray();
    KeyStore keys;
    if (settings.privateKey().isEmpty()) {
      keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(settings.certificate())) {
        keys.load(in, password);
      }
    } else {
      List<X509Certificate> chain = pemCertificates(settings.certificate());
      PrivateKey key = pemKey(settings.privateKey().get(), password);
      requireMatch(key, chain.get(0));
      keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("server", key, password, chain.toArray(Certificate[]::new));
    }
    X509Certificate first = firstCertificate(keys);
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    return new Loaded(context, digest, first);
  }

  /**
   * A renewal replaces two files, which a reload may catch half done: a key that does not sign for
   * the certificate is refused instead of serving handshakes that all fail.
   */
  private static void requireMatch(PrivateKey key, X509Certificate certificate)
      throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    byte[] probe = "archipelago-tls-key-check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate");
    }
  }

  private static X509Certificate firstCertificate(KeyStore keys) throws GeneralSecurityException {
    for (String alias : Collections.list(keys.aliases())) {
      if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate c) {
        return c;
      }
    }
    throw new GeneralSecurityException("no private key entry with an X.509 certificate");
  }

  private static List<X509Certificate> pemCertificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (chain.isEmpty()) {
        throw new GeneralSecurityException("no PEM certificate in " + file);
      }
      return chain;
    }
  }

  private static PrivateKey pemKey(Path file, char[] password)
      throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (item instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        if (item instanceof PEMEncryptedKeyPair encrypted) {
          return converter
              .getKeyPair(
                  encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().build(password)))
              .getPrivate();
        }
        if (item instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
          try {
            return converter.getPrivateKey(
                encrypted.decryptPrivateKeyInfo(
                    new JceOpenSSLPKCS8DecryptorProviderBuilder().build(password)));
          } catch (OperatorCreationException | PKCSException e) {
            throw new GeneralSecurityException("cannot decrypt the key: " + e.getMessage(), e);
          }
        }
      }
    }
    throw new GeneralSecurityException("no PEM private key in " + file);
  }

  private static byte[] digest(Settings settings) throws IOException, GeneralSecurityException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(Files.readAllBytes(settings.certificate()));
    if (settings.privateKey().isPresent()) {
      sha.update(Files.readAllBytes(settings.privateKey().get()));
    }
    return sha.digest();
  }

  /** "https" or "http", for banners. */
  public static String scheme(Optional<ServerTls> tls) {
    return tls.isPresent() ? "https" : "http";
  }
}
