package io.archipelago.engine.testing;

import io.archipelago.testing.ManagedProcess;
import io.archipelago.testing.SwiftCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The real servers the backend tests run against, started once per test JVM on first use and shared
 * by every test in it: two independent OpenStack Swift clusters ("a" and "b") and one S3Proxy. They
 * start in parallel (about 5 s); a shutdown hook stops them by their PIDs, and {@link #close()}
 * does so explicitly. A test that stops a server must start it again. A second S3Proxy, on jclouds'
 * in-memory provider, starts on first use ({@link #s3Transient()}).
 */
public final class RealBackends implements AutoCloseable {

  private static RealBackends instance;

  private final SwiftCluster swiftA;
  private final SwiftCluster swiftB;
  private final S3ProxyServer s3;
  private S3ProxyServer s3Transient;

  private RealBackends(SwiftCluster swiftA, SwiftCluster swiftB, S3ProxyServer s3) {
    this.swiftA = swiftA;
    this.swiftB = swiftB;
    this.s3 = s3;
  }

  public static synchronized RealBackends get() {
    if (instance == null) {
      long started = System.nanoTime();
      Path root = repoRoot();
      reapOrphans();
      CompletableFuture<SwiftCluster> a =
          CompletableFuture.supplyAsync(() -> SwiftCluster.start("a", root));
      CompletableFuture<SwiftCluster> b =
          CompletableFuture.supplyAsync(() -> SwiftCluster.start("b", root));
      CompletableFuture<S3ProxyServer> s3 =
          CompletableFuture.supplyAsync(() -> S3ProxyServer.start(s3ProxyJar(root)));
      // Wait for all three, also when one fails, so that nothing starts after we gave up.
      CompletableFuture.allOf(a, b, s3).exceptionally(e -> null).join();
      if (a.isCompletedExceptionally()
          || b.isCompletedExceptionally()
          || s3.isCompletedExceptionally()) {
        a.thenAccept(SwiftCluster::close);
        b.thenAccept(SwiftCluster::close);
        s3.thenAccept(S3ProxyServer::close);
        Stream.of(a, b, s3)
            .filter(CompletableFuture::isCompletedExceptionally)
            .findFirst()
            .orElseThrow()
            .join();
      }
      instance = new RealBackends(a.join(), b.join(), s3.join());
      Runtime.getRuntime()
          .addShutdownHook(new Thread(RealBackends::shutdown, "real-backends-stop"));
      System.out.printf(
          "real backends up in %.1f s: swift a %s, swift b %s, s3 %s%n",
          (System.nanoTime() - started) / 1e9,
          instance.swiftA.proxyUrl(),
          instance.swiftB.proxyUrl(),
          instance.s3.endpoint());
    }
    return instance;
  }

  /**
   * Stops servers of test JVMs that are gone (killed before their shutdown hook ran): their
   * directories carry the dead JVM's PID and the PIDs of the servers it started.
   */
  private static void reapOrphans() {
    List<Path> candidates = new ArrayList<>();
    for (Path parent :
        List.of(Path.of("/dev/shm"), Path.of(System.getProperty("java.io.tmpdir")))) {
      try (Stream<Path> dirs = Files.list(parent)) {
        dirs.filter(
                d ->
                    d.getFileName()
                        .toString()
                        .matches("archipelago-(swift-[a-z]+|s3proxy(-transient)?)-[0-9]+"))
            .forEach(candidates::add);
      } catch (IOException ignored) {
        // nothing to reap there
      }
    }
    for (Path dir : candidates) {
      String name = dir.getFileName().toString();
      long owner = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
      if (owner != ProcessHandle.current().pid()
          && ProcessHandle.of(owner).map(h -> !h.isAlive()).orElse(true)) {
        ManagedProcess.stopRecorded(dir);
        SwiftCluster.deleteTree(dir);
      }
    }
  }

  /** Stops the servers now (also done by the shutdown hook). */
  public static synchronized void shutdown() {
    if (instance != null) {
      instance.close();
      instance = null;
    }
  }

  public SwiftCluster swiftA() {
    return swiftA;
  }

  public SwiftCluster swiftB() {
    return swiftB;
  }

  public S3ProxyServer s3() {
    return s3;
  }

  /**
   * S3Proxy on jclouds' transient (in-memory) provider, started on first use: it keeps keys as S3
   * does (any string), where the filesystem provider of {@link #s3()} keeps them as file paths.
   */
  public synchronized S3ProxyServer s3Transient() {
    if (s3Transient == null) {
      s3Transient = S3ProxyServer.start(s3ProxyJar(repoRoot()), S3ProxyServer.Provider.TRANSIENT);
    }
    return s3Transient;
  }

  @Override
  public void close() {
    swiftA.close();
    swiftB.close();
    s3.close();
    synchronized (this) {
      if (s3Transient != null) {
        s3Transient.close();
      }
    }
  }

  /** The checkout: {@code archipelago.repo.root} (set by the build), else found upwards. */
  public static Path repoRoot() {
    String configured = System.getProperty("archipelago.repo.root");
    if (configured != null && Files.isRegularFile(Path.of(configured, "testing/swift/launch.py"))) {
      return Path.of(configured);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("testing/swift/launch.py"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no testing/swift/launch.py above " + Path.of("").toAbsolutePath());
  }

  private static Path s3ProxyJar(Path root) {
    String configured = System.getProperty("archipelago.s3proxy.jar");
    return configured != null
        ? Path.of(configured)
        : root.resolve("engine/target/s3proxy/s3proxy.jar");
  }
}
