package io.archipelago.http.testkit;

import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import io.archipelago.testing.SwiftCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A gateway configuration with one backend of each kind on the harness's real servers, each with
 * its own tier and a placement policy of the same name: {@code swift-a} and {@code swift-b} (two
 * independent Swift clusters), {@code s3} (S3Proxy, prefix mode) and {@code fs} (a filesystem
 * backend under the gateway's data directory). It also answers, with each server's own client and
 * not through the gateway, whether an object is stored there.
 */
public final class FederatedBackends {

  /** The backends, by the policy that places containers on them. */
  public enum Kind {
    SWIFT_A("swift-a"),
    SWIFT_B("swift-b"),
    S3("s3"),
    FS("fs");

    private final String policy;

    Kind(String policy) {
      this.policy = policy;
    }

    public String policy() {
      return policy;
    }
  }

  public static final String SWIFT_PREFIX = "gw_";
  public static final String S3_BUCKET = "gateway-objects";

  private final RealBackends servers;

  public FederatedBackends(RealBackends servers) {
    this.servers = servers;
  }

  public RealBackends servers() {
    return servers;
  }

  /** Backend and policy settings, as dotted config paths. */
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    backend(c, "swift-a", "swift", servers.swiftA().driverSettings(SWIFT_PREFIX));
    backend(c, "swift-b", "swift", servers.swiftB().driverSettings(SWIFT_PREFIX));
    backend(c, "s3", "s3", servers.s3().driverSettings("prefix", S3_BUCKET));
    backend(c, "fs", "filesystem", Map.of("root", "backends/fs"));
    return c;
  }

  /**
   * Settings (for {@link #writeConfigFile}'s {@code extra}) that put the {@code s3} backend on
   * another S3Proxy than the harness's default one, e.g. {@link RealBackends#s3Transient()}.
   */
  public static Map<String, Object> s3BackendOn(S3ProxyServer server) {
    Map<String, Object> c = new LinkedHashMap<>();
    server
        .driverSettings("prefix", S3_BUCKET)
        .forEach((k, v) -> c.put("archipelago.backends.\"s3\"." + k, v));
    return c;
  }

  /** The same as a HOCON file that includes the root application.conf. */
  public Path writeConfigFile(Path file, Map<String, Object> extra) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("include file(\"").append(TestGateway.rootApplicationConf()).append("\")\n");
    Map<String, Object> all = new LinkedHashMap<>(config());
    all.putAll(extra);
    all.forEach((path, value) -> text.append(path).append(" = ").append(hocon(value)).append('\n'));
    Files.writeString(file, text);
    return file;
  }

  private static String hocon(Object value) {
    if (value instanceof List<?> list) {
      return list.stream()
          .map(FederatedBackends::hocon)
          .reduce((a, b) -> a + ", " + b)
          .map(s -> "[" + s + "]")
          .orElse("[]");
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    return "\"" + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void backend(
      Map<String, Object> c, String id, String kind, Map<String, String> settings) {
    String b = "archipelago.backends.\"" + id + "\".";
    c.put(b + "kind", kind);
    c.put(b + "tiers", List.of(id));
    c.put(b + "site", id);
    settings.forEach((k, v) -> c.put(b + k, v));
    c.put("archipelago.placement.policies.\"" + id + "\".tier", id);
    c.put("archipelago.placement.policies.\"" + id + "\".replicas", 0);
  }

  public SwiftCluster swift(Kind kind) {
    return kind == Kind.SWIFT_A ? servers.swiftA() : servers.swiftB();
  }

  /** The Swift backend container of a gateway container of account AUTH_test. */
  public static String swiftContainer(String container) {
    return SWIFT_PREFIX + "AUTH_test~" + container;
  }

  /**
   * Whether the object (of account AUTH_test) with these bytes is stored on the backend of {@code
   * kind}, asked directly: Swift's command line client, an S3 client, the file tree.
   */
  public boolean storedOn(
      Kind kind, Path gatewayDataDir, String container, String object, byte[] body) {
    switch (kind) {
      case SWIFT_A, SWIFT_B -> {
        try {
          String stat = swift(kind).swiftCli("stat", swiftContainer(container), object);
          return stat.contains("Content Length: " + body.length);
        } catch (IllegalStateException notThere) {
          return false;
        }
      }
      case S3 -> {
        try (S3AsyncClient s3 = servers.s3().client()) {
          return s3.headObject(
                  b -> b.bucket(S3_BUCKET).key("AUTH_test/" + container + "/" + object))
              .handle((r, e) -> e == null && r.contentLength() == body.length)
              .join();
        }
      }
      default -> {
        return FsObjectFiles.holds(gatewayDataDir.resolve("backends/fs"), body);
      }
    }
  }
}
