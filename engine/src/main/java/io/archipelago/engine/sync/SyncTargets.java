package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.ClientTransport;
import akka.http.javadsl.settings.ClientConnectionSettings;
import akka.http.javadsl.settings.ConnectionPoolSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@code X-Container-Sync-To} may send a container's objects, decided as Swift's {@code
 * validate_sync_to} decides: a realm target {@code //realm/cluster/account/container} must name a
 * realm with a key and one of its clusters in {@code archipelago.sync.container-sync-realms}; a
 * full http(s) URL must have no params, query or fragment and its host (or host:port) listed in
 * {@code archipelago.sync.allowed-sync-hosts} (empty by default: full URLs are refused). On top of
 * Swift, no target may be a port of this gateway itself (HTTP, Akka Management, Artery) on a local
 * address, however the realms are configured: the check runs when a client sets the header, again
 * before each send (the config may have changed since), and once more on the address each
 * connection actually resolves to.
 */
public final class SyncTargets {

  private static final Logger log = LoggerFactory.getLogger(SyncTargets.class);

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /**
   * A remote container and the user key. {@code realm} is set for realm targets, whose requests are
   * signed with the realm key ({@code X-Container-Sync-Auth}, what current Swift accepts); a full
   * URL target sends the key itself ({@code X-Container-Sync-Key}).
   */
  record Target(String url, String key, String realm, String realmKey) {}

  /** Why a value of X-Container-Sync-To is refused; {@code values} fill Swift's message. */
  public record Rejection(Reason reason, List<String> values) {

    public enum Reason {
      /** A realm value that is not {@code //realm/cluster/account/container}: the value. */
      INVALID_FORMAT,
      /** An unknown realm or one without key: the realm. */
      NO_REALM_KEY,
      /** A cluster its realm does not list (or lists with an unusable URL): realm, cluster. */
      NO_CLUSTER_ENDPOINT,
      /** Neither {@code //} nor http(s): the scheme. */
      INVALID_SCHEME,
      PATH_REQUIRED,
      PARAMS_NOT_ALLOWED,
      /** A host (and port) not in allowed-sync-hosts: the host. */
      INVALID_HOST,
      /** A port of this gateway on a local address. */
      GATEWAY_ITSELF
    }

    Rejection(Reason reason, String... values) {
      this(reason, List.of(values));
    }

    /** For logs; the HTTP layer words it as Swift does. */
    @Override
    public String toString() {
      return reason + " " + values;
    }
  }

  /** A target to send to, or why there is none. */
  sealed interface Resolution permits Resolved, Refused {}

  record Resolved(Target target) implements Resolution {}

  record Refused(Rejection rejection) implements Resolution {}

  /** A realm of container-sync-realms; cluster names upper-cased as Swift does. */
  private record Realm(String key, Map<String, String> clusters) {}

  /** An allowed-sync-hosts entry: a host, with a port or any port (-1). */
  private record AllowedHost(String host, int port) {}

  private final Map<String, Realm> realms;
  private final List<AllowedHost> allowedHosts;
  private final Set<Integer> gatewayPorts = ConcurrentHashMap.newKeySet();
  private final Set<String> gatewayHostNames;
  private final Set<InetAddress> interfaceAddresses;

  SyncTargets(Config config) {
    this.realms = realms(config.getConfig("archipelago.sync.container-sync-realms"));
    this.allowedHosts =
        config.getStringList("archipelago.sync.allowed-sync-hosts").stream()
            .map(SyncTargets::allowedHost)
            .toList();
    for (String path :
        List.of(
            "archipelago.http.port",
            "akka.management.http.port",
            "akka.management.http.bind-port",
            "akka.remote.artery.canonical.port",
            "akka.remote.artery.bind.port")) {
      port(config, path).ifPresent(gatewayPorts::add);
    }
    Set<String> names = new HashSet<>();
    for (String path :
        List.of(
            "archipelago.http.host",
            "akka.management.http.hostname",
            "akka.management.http.bind-hostname",
            "akka.remote.artery.canonical.hostname",
            "akka.remote.artery.bind.hostname")) {
      if (config.hasPath(path) && config.getValue(path).valueType() == ConfigValueType.STRING) {
        String name = config.getString(path).trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !name.startsWith("<")) {
          names.add(name);
        }
      }
    }
    this.gatewayHostNames = Set.copyOf(names);
    this.interfaceAddresses = interfaceAddresses();
  }

  /** The checker of a running node: its Artery port is the one actually bound. */
  static SyncTargets of(ActorSystem<?> system) {
    SyncTargets targets = new SyncTargets(system.settings().config());
    Cluster.get(system).selfMember().address().getPort().ifPresent(targets::addGatewayPort);
    return targets;
  }

  /** Registers a port this node listens on (a listener bound to port 0 learns its port late). */
  public void addGatewayPort(int port) {
    if (port > 0) {
      gatewayPorts.add(port);
    }
  }

  /** Why a client's X-Container-Sync-To is refused, if it is; an empty value clears the sync. */
  public Optional<Rejection> check(String syncTo) {
    if (syncTo == null || stripTrailingSlashes(syncTo).isEmpty()) {
      return Optional.empty();
    }
    return resolve(syncTo, "") instanceof Refused r ? Optional.of(r.rejection()) : Optional.empty();
  }

  /** The target of a container's sync metadata, checked against the current config. */
  Optional<Resolution> resolveMetadata(Map<String, String> metadata) {
    String to = metadata.getOrDefault(ExternalSync.SYNC_TO, "");
    if (stripTrailingSlashes(to).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(resolve(to, metadata.getOrDefault(ExternalSync.SYNC_KEY, "")));
  }

  Resolution resolve(String value, String key) {
    String trimmed = stripTrailingSlashes(value);
    if (trimmed.isEmpty()) {
      return new Refused(new Rejection(Rejection.Reason.INVALID_FORMAT, value));
    }
    if (trimmed.startsWith("//")) {
      return resolveRealm(value, trimmed.substring(2), key);
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      return new Refused(new Rejection(Rejection.Reason.INVALID_FORMAT, value));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return new Refused(new Rejection(Rejection.Reason.INVALID_SCHEME, scheme));
    }
    if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
      return new Refused(new Rejection(Rejection.Reason.PATH_REQUIRED));
    }
    if (uri.getRawPath().contains(";")
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      return new Refused(new Rejection(Rejection.Reason.PARAMS_NOT_ALLOWED));
    }
    String host = host(uri);
    if (host.isEmpty() || !allowed(host, port(uri))) {
      return new Refused(new Rejection(Rejection.Reason.INVALID_HOST, host));
    }
    if (namesGateway(host, port(uri))) {
      return new Refused(new Rejection(Rejection.Reason.GATEWAY_ITSELF));
    }
    return new Resolved(new Target(trimmed, key, "", ""));
  }

  private Resolution resolveRealm(String value, String path, String key) {
    String[] parts = path.split("/", -1);
    if (parts.length != 4) {
      return new Refused(new Rejection(Rejection.Reason.INVALID_FORMAT, value));
    }
    // Swift passes account and container into the URL as they are; parts that would change
    // the URL's meaning (a query, a fragment, dot segments, an empty segment) are refused here.
    for (int i = 2; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty()
          || part.equals(".")
          || part.equals("..")
          || part.chars()
              .anyMatch(c -> c == '?' || c == '#' || c == ';' || c <= ' ' || c == 0x7f)) {
        return new Refused(new Rejection(Rejection.Reason.INVALID_FORMAT, value));
      }
    }
    Realm realm = realms.get(parts[0].toUpperCase(Locale.ROOT));
    if (realm == null || realm.key().isEmpty()) {
      return new Refused(new Rejection(Rejection.Reason.NO_REALM_KEY, parts[0]));
    }
    String endpoint = realm.clusters().get(parts[1].toUpperCase(Locale.ROOT));
    Rejection noEndpoint = new Rejection(Rejection.Reason.NO_CLUSTER_ENDPOINT, parts[0], parts[1]);
    if (endpoint == null || endpoint.isEmpty()) {
      return new Refused(noEndpoint);
    }
    String url = stripTrailingSlashes(endpoint) + "/" + parts[2] + "/" + parts[3];
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return new Refused(noEndpoint);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("http") && !scheme.equals("https"))
        || host(uri).isEmpty()
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      return new Refused(noEndpoint);
    }
    if (namesGateway(host(uri), port(uri))) {
      return new Refused(new Rejection(Rejection.Reason.GATEWAY_ITSELF));
    }
    return new Resolved(new Target(url, key, parts[0].toUpperCase(Locale.ROOT), realm.key()));
  }

  /**
   * Connection settings for the sends: each connection resolves its host on the blocking dispatcher
   * and is refused when the address is this gateway's (a name that resolves to loopback, or
   * resolves differently since the header was checked).
   */
  ConnectionPoolSettings connectionSettings(ActorSystem<?> system) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ClientTransport transport =
        ClientTransport.withCustomResolver(
            (host, port) ->
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        InetAddress address = InetAddress.getAllByName(host)[0];
                        if (gatewayPorts.contains((Integer) port)
                            && isLocal(address, interfaceAddresses())) {
                          throw new IllegalStateException(
                              "container sync refuses "
                                  + host
                                  + ":"
                                  + port
                                  + " ("
                                  + address.getHostAddress()
                                  + "): a port of the gateway itself");
                        }
                        return new InetSocketAddress(address, (Integer) port);
                      } catch (UnknownHostException e) {
                        throw new IllegalStateException("container sync: unknown host " + host, e);
                      }
                    },
                    blocking));
    akka.actor.ActorSystem classic = Adapter.toClassic(system);
    return ConnectionPoolSettings.create(classic)
        .withConnectionSettings(ClientConnectionSettings.create(classic).withTransport(transport));
  }

  /** Whether host:port, as written (no DNS), is one of this gateway's own listeners. */
  private boolean namesGateway(String host, int port) {
    if (!gatewayPorts.contains(port)) {
      return false;
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (name.equals("localhost")
        || name.endsWith(".localhost")
        || gatewayHostNames.contains(name)) {
      return true;
    }
    if (IPV4.matcher(name).matches() || name.contains(":")) {
      try {
        // An IP literal: no lookup happens.
        return isLocal(InetAddress.getByName(name), interfaceAddresses);
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private boolean allowed(String host, int port) {
    String name = host.toLowerCase(Locale.ROOT);
    return allowedHosts.stream()
        .anyMatch(a -> a.host().equals(name) && (a.port() < 0 || a.port() == port));
  }

  private static boolean isLocal(InetAddress address, Set<InetAddress> interfaces) {
    return address.isLoopbackAddress()
        || address.isAnyLocalAddress()
        || interfaces.contains(address);
  }

  private static Set<InetAddress> interfaceAddresses() {
    Set<InetAddress> result = new HashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        result.addAll(Collections.list(nic.getInetAddresses()));
      }
    } catch (SocketException e) {
      log.warn("container sync: cannot list the network interfaces: {}", e.getMessage());
    }
    return Set.copyOf(result);
  }

  /** The host without IPv6 brackets, lower case; empty when the URL has none. */
  private static String host(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return "";
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host.toLowerCase(Locale.ROOT);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String stripTrailingSlashes(String value) {
    int end = value.length();
    while (end > 0 && value.charAt(end - 1) == '/') {
      end--;
    }
    return value.substring(0, end);
  }

  /** {@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port} or a bare IPv6 address. */
  private static AllowedHost allowedHost(String entry) {
    String e = entry.trim().toLowerCase(Locale.ROOT);
    try {
      if (e.startsWith("[")) {
        int close = e.indexOf(']');
        String host = e.substring(1, close);
        return new AllowedHost(
            host, close + 1 < e.length() ? Integer.parseInt(e.substring(close + 2)) : -1);
      }
      int colon = e.indexOf(':');
      if (colon > 0 && colon == e.lastIndexOf(':')) {
        return new AllowedHost(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)));
      }
      return new AllowedHost(e, -1);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException(
          "archipelago.sync.allowed-sync-hosts: bad entry '" + entry + "'", ex);
    }
  }

  private static Map<String, Realm> realms(Config config) {
    Map<String, Realm> result = new HashMap<>();
    for (String name : config.root().keySet()) {
      try {
        Config realm = config.getConfig("\"" + name + "\"");
        Map<String, String> clusters = new HashMap<>();
        if (realm.hasPath("clusters")) {
          Config c = realm.getConfig("clusters");
          for (String cluster : c.root().keySet()) {
            clusters.put(cluster.toUpperCase(Locale.ROOT), c.getString("\"" + cluster + "\""));
          }
        }
        String key = realm.hasPath("key") ? realm.getString("key") : "";
        result.put(name.toUpperCase(Locale.ROOT), new Realm(key, Map.copyOf(clusters)));
      } catch (ConfigException e) {
        log.warn("archipelago.sync.container-sync-realms.{} ignored: {}", name, e.getMessage());
      }
    }
    return Map.copyOf(result);
  }

  private static Optional<Integer> port(Config config, String path) {
    if (!config.hasPath(path)) {
      return Optional.empty();
    }
    try {
      int port = Integer.parseInt(config.getValue(path).unwrapped().toString().trim());
      return port > 0 ? Optional.of(port) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
