package io.archipelago.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real all-in-one OpenStack Swift cluster from Debian's packages on loopback: memcached plus
 * account, container, object and proxy servers, one process each ({@code workers = 0}), one device
 * on tmpfs (/dev/shm: xattrs fit and it is fast), rings with one replica. Each cluster has its own
 * directory, swift.conf (read through {@code testing/swift/launch.py}), hash prefix and suffix,
 * ports and memcached, so two of them are independent.
 *
 * <p>TempAuth users: {@code gw:service}/{@code secret} (the gateway's service account) and {@code
 * test:tester}/{@code testing}, both admins of their accounts.
 */
public final class SwiftCluster implements AutoCloseable {

  public static final String SERVICE_USER = "gw:service";
  public static final String SERVICE_KEY = "secret";

  /** The container-sync realm every test cluster trusts (container-sync-realms.conf). */
  public static final String SYNC_REALM = "ARCHIPELAGO";

  public static final String SYNC_REALM_KEY = "realm-secret";
  private static final String PYTHON = "/usr/bin/python3";
  private static final List<String> STORAGE_SERVERS =
      List.of("account-server", "container-server", "object-server");

  private final String name;
  private final Path dir;
  private final Path repoRoot;
  private final int proxyPort = Net.freePort();
  private final int accountPort = Net.freePort();
  private final int containerPort = Net.freePort();
  private final int objectPort = Net.freePort();
  private final int memcachedPort = Net.freePort();
  private final List<ManagedProcess> storage = new ArrayList<>();
  private ManagedProcess memcached;
  private ManagedProcess proxy;
  private ManagedProcess tlsProxy;
  private int tlsProxyPort;

  private SwiftCluster(String name, Path repoRoot) {
    this.name = name;
    this.repoRoot = repoRoot;
    this.dir =
        Path.of("/dev/shm", "archipelago-swift-" + name + "-" + ProcessHandle.current().pid());
  }

  /** Writes the cluster's configuration and rings and starts its five daemons. */
  public static SwiftCluster start(String name, Path repoRoot) {
    requireInstalled();
    SwiftCluster cluster = new SwiftCluster(name, repoRoot);
    try {
      cluster.configure();
      cluster.launch();
      return cluster;
    } catch (RuntimeException | IOException e) {
      cluster.close();
      throw new IllegalStateException("Swift cluster " + name + " did not start", e);
    }
  }

  private static void requireInstalled() {
    for (String f :
        List.of(
            "/usr/bin/swift-proxy-server",
            "/usr/bin/swift-object-server",
            "/usr/bin/memcached",
            "/usr/bin/swift")) {
      if (!Files.isExecutable(Path.of(f))) {
        throw new IllegalStateException(
            f
                + " is missing: install Debian's swift, swift-proxy, "
                + "swift-account, swift-container, swift-object, python3-swiftclient and memcached "
                + "(bin/run-tests and bin/archipelago bench do so)");
      }
    }
  }

  private void configure() throws IOException {
    deleteTree(dir);
    Files.createDirectories(dir.resolve("devices/d1"));
    Files.createDirectories(dir.resolve("run"));
    Files.writeString(
        dir.resolve("swift.conf"),
        String.join(
            "\n",
            "[swift-hash]",
            "swift_hash_path_prefix = " + UUID.randomUUID(),
            "swift_hash_path_suffix = " + UUID.randomUUID(),
            "",
            // A gateway's backend holds a client's metadata at Swift's limits (90 items, 4096
            // bytes, 128-byte names) plus the gateway's own facts and escapes (README, "Swift
            // backends"): room for them, as an operator gives a cluster behind a gateway. Values:
            // what Swift keeps as system metadata (a symlink's URL-quoted target, up to a 256-byte
            // container and a 1024-byte object name) is user metadata on the backend.
            "[swift-constraints]",
            "max_meta_count = 128",
            "max_meta_overall_size = 8192",
            "max_meta_name_length = 160",
            "max_meta_value_length = 4096",
            "",
            "[storage-policy:0]",
            "name = gold",
            "default = yes",
            ""));
    String common =
        String.join(
            "\n",
            "[DEFAULT]",
            "bind_ip = 127.0.0.1",
            "workers = 0",
            "swift_dir = " + dir,
            "devices = " + dir.resolve("devices"),
            "mount_check = false",
            "log_level = INFO",
            "log_name = " + name,
            "");
    Files.writeString(
        dir.resolve("account-server.conf"),
        common
            + String.join(
                "\n",
                "bind_port = " + accountPort,
                "",
                "[pipeline:main]",
                "pipeline = account-server",
                "",
                "[app:account-server]",
                "use = egg:swift#account",
                ""));
    Files.writeString(
        dir.resolve("container-server.conf"),
        common
            + String.join(
                "\n",
                "bind_port = " + containerPort,
                "",
                "[pipeline:main]",
                "pipeline = container-server",
                "",
                "[app:container-server]",
                "use = egg:swift#container",
                ""));
    Files.writeString(
        dir.resolve("object-server.conf"),
        common
            + String.join(
                "\n",
                "bind_port = " + objectPort,
                "",
                "[pipeline:main]",
                "pipeline = object-server",
                "",
                "[app:object-server]",
                "use = egg:swift#object",
                ""));
    Files.writeString(
        dir.resolve("container-sync-realms.conf"),
        String.join("\n", "[" + SYNC_REALM + "]", "key = " + SYNC_REALM_KEY, ""));
    Files.writeString(
        dir.resolve("proxy-server.conf"),
        common
            + String.join(
                "\n",
                "bind_port = " + proxyPort,
                "",
                "[pipeline:main]",
                "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats"
                    + " container_sync tempauth copy proxy-logging proxy-server",
                "",
                "[app:proxy-server]",
                "use = egg:swift#proxy",
                "account_autocreate = true",
                "allow_account_management = true",
                "",
                "[filter:container_sync]",
                "use = egg:swift#container_sync",
                "",
                "[filter:tempauth]",
                "use = egg:swift#tempauth",
                "user_gw_service = " + SERVICE_KEY + " .admin",
                "user_test_tester = testing .admin",
                "token_life = 86400",
                "",
                "[filter:cache]",
                "use = egg:swift#memcache",
                "memcache_servers = 127.0.0.1:" + memcachedPort,
                "",
                "[filter:catch_errors]",
                "use = egg:swift#catch_errors",
                "",
                "[filter:gatekeeper]",
                "use = egg:swift#gatekeeper",
                "",
                "[filter:healthcheck]",
                "use = egg:swift#healthcheck",
                "",
                "[filter:proxy-logging]",
                "use = egg:swift#proxy_logging",
                "",
                "[filter:listing_formats]",
                "use = egg:swift#listing_formats",
                "",
                "[filter:copy]",
                "use = egg:swift#copy",
                ""));
    run(
        List.of(
            PYTHON,
            repoRoot.resolve("testing/swift/make_rings.py").toString(),
            dir.toString(),
            Integer.toString(accountPort),
            Integer.toString(containerPort),
            Integer.toString(objectPort)));
  }

  private void launch() {
    List<String> memcachedCommand =
        new ArrayList<>(
            List.of(
                "/usr/bin/memcached",
                "-l",
                "127.0.0.1",
                "-p",
                Integer.toString(memcachedPort),
                "-U",
                "0",
                "-m",
                "32",
                "-t",
                "1",
                // only written with -d; named so that the command line shows which cluster it
                // serves
                "-P",
                dir.resolve("run/memcached.pid").toString()));
    if ("root".equals(System.getProperty("user.name"))) {
      memcachedCommand.addAll(List.of("-u", "nobody"));
    }
    memcached =
        new ManagedProcess(name + "-memcached", memcachedCommand, dir.resolve("logs/memcached.log"))
            .start();
    for (String server : STORAGE_SERVERS) {
      storage.add(daemon(server).start());
    }
    proxy = daemon("proxy-server").start();
    awaitReady(Duration.ofSeconds(180)); // generous: the machine may be busy
  }

  private ManagedProcess daemon(String server) {
    return new ManagedProcess(
        name + "-" + server,
        List.of(
            PYTHON,
            repoRoot.resolve("testing/swift/launch.py").toString(),
            dir.toString(),
            dir.resolve(server + ".conf").toString(),
            server),
        dir.resolve("logs/" + server + ".log"));
  }

  private void awaitReady(Duration timeout) {
    List<Integer> ports = List.of(memcachedPort, accountPort, containerPort, objectPort, proxyPort);
    boolean up =
        Net.await(
            timeout,
            () -> {
              allProcesses().forEach(ManagedProcess::requireAlive);
              return ports.stream().allMatch(Net::listening) && healthy();
            });
    if (!up) {
      throw new IllegalStateException(
          "Swift cluster " + name + " not ready after " + timeout + "\n" + proxy.logTail(30));
    }
  }

  private boolean healthy() {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(proxyUrl() + "/healthcheck"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private List<ManagedProcess> allProcesses() {
    List<ManagedProcess> all = new ArrayList<>(storage);
    if (memcached != null) {
      all.add(memcached);
    }
    if (proxy != null) {
      all.add(proxy);
    }
    return all;
  }

  public String name() {
    return name;
  }

  public String proxyUrl() {
    return "http://127.0.0.1:" + proxyPort;
  }

  public String authUrl() {
    return proxyUrl() + "/auth/v1.0";
  }

  public int proxyPort() {
    return proxyPort;
  }

  /** Driver settings for the gateway's service account on this cluster. */
  public Map<String, String> driverSettings(String containerPrefix) {
    return Map.of(
        "auth-url", authUrl(),
        "user", SERVICE_USER,
        "key", SERVICE_KEY,
        "container-prefix", containerPrefix);
  }

  /**
   * Starts (once) a second proxy server of this cluster that speaks HTTPS with the given
   * certificate (Swift's cert_file/key_file), and answers its auth URL.
   */
  public synchronized String startTlsProxy(TlsMaterial tls) {
    if (tlsProxy == null) {
      tlsProxyPort = Net.freePort();
      try {
        String conf =
            Files.readString(dir.resolve("proxy-server.conf"))
                .replace(
                    "bind_port = " + proxyPort,
                    "bind_port = "
                        + tlsProxyPort
                        + "\ncert_file = "
                        + tls.certPem()
                        + "\nkey_file = "
                        + tls.keyPem());
        Files.writeString(dir.resolve("proxy-server-tls.conf"), conf);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      tlsProxy =
          new ManagedProcess(
                  name + "-proxy-tls",
                  List.of(
                      PYTHON,
                      repoRoot.resolve("testing/swift/launch.py").toString(),
                      dir.toString(),
                      dir.resolve("proxy-server-tls.conf").toString(),
                      "proxy-server"),
                  dir.resolve("logs/proxy-server-tls.log"))
              .start();
      if (!Net.await(
          Duration.ofSeconds(120),
          () -> {
            tlsProxy.requireAlive();
            return Net.listening(tlsProxyPort);
          })) {
        throw new IllegalStateException(
            "TLS proxy of " + name + " did not start\n" + tlsProxy.logTail(30));
      }
    }
    return "https://127.0.0.1:" + tlsProxyPort + "/auth/v1.0";
  }

  /** Stops the proxy server only: clients then get connection refused, as in an outage. */
  public void stopProxy() {
    proxy.stop();
  }

  /** Starts the proxy server again on the same port. */
  public void startProxy() {
    proxy.start();
    if (!Net.await(Duration.ofSeconds(120), () -> Net.listening(proxyPort) && healthy())) {
      throw new IllegalStateException(
          "proxy of " + name + " did not come back\n" + proxy.logTail(30));
    }
  }

  /** Forgets every token this cluster issued (TempAuth keeps them in memcached only). */
  public void flushTokens() {
    try (Socket socket = new Socket("127.0.0.1", memcachedPort)) {
      OutputStream out = socket.getOutputStream();
      out.write("flush_all\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] answer = new byte[16];
      int n = socket.getInputStream().read(answer);
      String text = new String(answer, 0, Math.max(0, n), StandardCharsets.US_ASCII);
      if (!text.startsWith("OK")) {
        throw new IllegalStateException("memcached answered " + text);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs Swift's own command line client against this cluster as the gateway's service account and
   * returns its output; fails when it exits non-zero.
   */
  public String swiftCli(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of("/usr/bin/swift", "-A", authUrl(), "-U", SERVICE_USER, "-K", SERVICE_KEY));
    command.addAll(List.of(args));
    return run(command);
  }

  private String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed:\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.stop();
    }
    if (tlsProxy != null) {
      tlsProxy.stop();
    }
    storage.forEach(ManagedProcess::stop);
    if (memcached != null) {
      memcached.stop();
    }
    deleteTree(dir);
  }

  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
