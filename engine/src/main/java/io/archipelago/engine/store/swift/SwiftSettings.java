package io.archipelago.engine.store.swift;

import io.archipelago.engine.store.remote.DriverSettings;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of a {@code kind = swift} backend (its block in {@code archipelago.backends}).
 *
 * @param authUrl TempAuth: {@code http://host:8080/auth/v1.0}; Keystone: {@code
 *     https://host:5000/v3}
 * @param authVersion 1 (TempAuth and compatible v1 auth) or 3 (Keystone v3 password)
 * @param user v1: {@code account:user}; v3: the user name
 * @param key v1: the key; v3: the password
 * @param project v3: the project (tenant) name to scope the token to
 * @param userDomain v3: the user's domain name
 * @param projectDomain v3: the project's domain name
 * @param region v3: the region of the object-store endpoint in the catalog (any if empty)
 * @param endpointInterface v3: public, internal or admin
 * @param storageUrl use this storage URL instead of the one auth answers (for example when the
 *     cluster announces a host name the gateway cannot reach)
 * @param containerPrefix prepended to every backend container name (see {@link
 *     SwiftContainerNames})
 * @param separator between account and container in backend container names
 * @param requestTimeout how long a request may wait for the response headers (for a PUT: after the
 *     last body byte was sent)
 * @param connectTimeout TCP (and TLS) connection set-up
 * @param idleTimeout a connection with no traffic for this long is closed (stalled transfers)
 * @param maxConnections per backend (its own connection pool)
 * @param gatewayMd5 compute the MD5 of streamed uploads in the gateway and compare it with Swift's
 *     ETag, instead of taking Swift's (small bodies are always checked in the gateway)
 */
record SwiftSettings(
    String authUrl,
    int authVersion,
    String user,
    String key,
    Optional<String> project,
    String userDomain,
    String projectDomain,
    Optional<String> region,
    String endpointInterface,
    Optional<String> storageUrl,
    String containerPrefix,
    String separator,
    Duration requestTimeout,
    Duration connectTimeout,
    Duration idleTimeout,
    int maxConnections,
    boolean gatewayMd5) {

  static SwiftSettings of(DriverSettings s) {
    int version = s.integer("auth-version", 1);
    if (version != 1 && version != 3) {
      throw s.invalid("auth-version", "must be 1 (TempAuth) or 3 (Keystone v3)");
    }
    SwiftSettings settings =
        new SwiftSettings(
            stripTrailingSlash(s.required("auth-url")),
            version,
            s.required("user"),
            s.required("key"),
            s.optional("project"),
            s.string("user-domain", "Default"),
            s.string("project-domain", "Default"),
            s.optional("region"),
            s.string("interface", "public"),
            s.optional("storage-url").map(SwiftSettings::stripTrailingSlash),
            s.raw("container-prefix", "archipelago_"),
            s.string("container-separator", "~"),
            s.duration("request-timeout", Duration.ofSeconds(30)),
            s.duration("connect-timeout", Duration.ofSeconds(5)),
            s.duration("idle-timeout", Duration.ofSeconds(60)),
            s.integer("max-connections", 32),
            s.bool("gateway-md5", false));
    if (version == 3 && settings.project().isEmpty()) {
      throw s.invalid("project", "is required with auth-version = 3");
    }
    return settings;
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
