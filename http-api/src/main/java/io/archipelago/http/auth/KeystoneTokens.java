package io.archipelago.http.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.archipelago.http.protocol.Principal;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keystone v3 tokens of clients ({@code archipelago.auth.keystone}), as keystonemiddleware's
 * auth_token and Swift's keystoneauth take them: a token is validated with {@code GET
 * /v3/auth/tokens} ({@code X-Subject-Token}) under the gateway's own service token, and the answer
 * is kept until the token expires or {@code cache-ttl} passes, whichever comes first (a revoked
 * token therefore works at most that long).
 *
 * <p>A project-scoped token acts for account {@code <reseller prefix><project id>}: a role of
 * {@code operator-roles} owns it ({@code .admin}), {@code reseller-admin-role} owns every account
 * ({@code .reseller_admin}). ACLs name users as {@code <project id>:<user id>} or {@code <project
 * name>:<user name>}. The roles of an {@code X-Service-Token} that are among {@code service-roles}
 * are the groups it adds, which accounts under a prefix of {@code archipelago.auth.require-groups}
 * need (keystoneauth's {@code <PREFIX>_service_roles}).
 */
public final class KeystoneTokens {

  private static final Logger log = LoggerFactory.getLogger(KeystoneTokens.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CACHED = 10_000;
  private static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
  private static final Pattern TOKEN_SHAPE = Pattern.compile("[A-Za-z0-9_=.+/-]{1,8192}");

  /** Keystone could not answer (down, or refusing the gateway's own credentials). */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What a valid token says: who, in which project, with which roles, until when. */
  public record Validated(
      String userId,
      String userName,
      Optional<String> projectId,
      Optional<String> projectName,
      Set<String> roles,
      Instant expires) {}

  private record Cached(Optional<Validated> token, Instant until) {}

  private final Settings settings;
  private final String resellerPrefix;
  private final Clock clock;
  private final HttpClient http;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private volatile CompletableFuture<ServiceToken> serviceToken;

  private record ServiceToken(String value, Instant expires) {}

  /** {@code archipelago.auth.keystone}. */
  public record Settings(
      URI url,
      String serviceUser,
      String servicePassword,
      String serviceProject,
      String userDomain,
      String projectDomain,
      Set<String> operatorRoles,
      String resellerAdminRole,
      Set<String> serviceRoles,
      Duration cacheTtl,
      Duration timeout) {}

  public KeystoneTokens(Settings settings, String resellerPrefix, Clock clock) {
    this.settings = settings;
    this.resellerPrefix = resellerPrefix;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
  }

  /** Keystone for clients when {@code archipelago.auth.keystone.enabled}. */
  public static Optional<KeystoneTokens> fromConfig(Config config, Clock clock) {
    Config k = config.getConfig("archipelago.auth.keystone");
    if (!k.getBoolean("enabled")) {
      return Optional.empty();
    }
    String url = k.getString("url").trim();
    if (url.isEmpty()) {
      throw new IllegalArgumentException(
          "archipelago.auth.keystone.url: set it to Keystone's v3 API, e.g."
              + " http://keystone:5000/v3");
    }
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (!base.endsWith("/v3")) {
      base = base + "/v3";
    }
    return Optional.of(
        new KeystoneTokens(
            new Settings(
                URI.create(base),
                k.getString("service-user"),
                k.getString("service-password"),
                k.getString("service-project"),
                k.getString("user-domain"),
                k.getString("project-domain"),
                lower(k.getStringList("operator-roles")),
                k.getString("reseller-admin-role").toLowerCase(Locale.ROOT),
                lower(k.getStringList("service-roles")),
                k.getDuration("cache-ttl"),
                k.getDuration("timeout")),
            config.getString("archipelago.auth.reseller-prefix"),
            clock));
  }

  private static Set<String> lower(List<String> roles) {
    Set<String> result = new TreeSet<>();
    roles.forEach(r -> result.add(r.toLowerCase(Locale.ROOT)));
    return result;
  }

  /** The principal of a user's token, or empty when Keystone does not accept it. */
  public CompletionStage<Optional<Principal>> principal(String token) {
    return validate(token).thenApply(v -> v.map(this::userPrincipal));
  }

  /**
   * The principal of an {@code X-Service-Token}: its groups are its roles among {@code
   * service-roles} only, never ownership.
   */
  public CompletionStage<Optional<Principal>> servicePrincipal(String token) {
    return validate(token)
        .thenApply(
            v ->
                v.map(
                    t -> {
                      Set<String> groups = new TreeSet<>(t.roles());
                      groups.retainAll(settings.serviceRoles());
                      return new Principal(user(t), account(t), groups);
                    }));
  }

  private Principal userPrincipal(Validated t) {
    Set<String> groups = new HashSet<>();
    if (t.projectId().isPresent()
        && t.roles().stream().anyMatch(settings.operatorRoles()::contains)) {
      groups.add(Principal.ADMIN);
    }
    if (t.roles().contains(settings.resellerAdminRole())) {
      groups.add(Principal.RESELLER_ADMIN);
    }
    // keystoneauth's ACL spellings: ids, and names for the Default domain
    t.projectName().ifPresent(name -> groups.add(name + ":" + t.userName()));
    return new Principal(user(t), account(t), Set.copyOf(groups));
  }

  private static String user(Validated t) {
    return t.projectId().orElse("") + ":" + t.userId();
  }

  private String account(Validated t) {
    return t.projectId().map(p -> resellerPrefix + p).orElse("");
  }

  /** A token's validation, from the cache while it holds. */
  CompletionStage<Optional<Validated>> validate(String token) {
    if (!TOKEN_SHAPE.matcher(token).matches()) {
      // no Keystone token (Fernet, JWS, UUID) looks otherwise; not worth a round trip
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Instant now = clock.instant();
    Cached cached = cache.get(token);
    if (cached != null && now.isBefore(cached.until())) {
      return CompletableFuture.completedFuture(cached.token());
    }
    return ask(token, true)
        .thenApply(
            validated -> {
              Instant until =
                  validated
                      .map(
                          v -> {
                            Instant bound = clock.instant().plus(settings.cacheTtl());
                            return v.expires().isBefore(bound) ? v.expires() : bound;
                          })
                      .orElseGet(() -> clock.instant().plus(NEGATIVE_TTL));
              if (cache.size() >= MAX_CACHED) {
                Instant at = clock.instant();
                cache.values().removeIf(c -> !at.isBefore(c.until()));
                if (cache.size() >= MAX_CACHED) {
                  cache.clear();
                }
              }
              cache.put(token, new Cached(validated, until));
              return validated;
            });
  }

  private CompletionStage<Optional<Validated>> ask(String token, boolean retry) {
    return serviceToken()
        .thenCompose(
            service ->
                http.sendAsync(
                        HttpRequest.newBuilder(URI.create(settings.url() + "/auth/tokens"))
                            .timeout(settings.timeout())
                            .header("X-Auth-Token", service.value())
                            .header("X-Subject-Token", token)
                            .header("Accept", "application/json")
                            .GET()
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .handle(
                        (response, failure) -> {
                          if (failure != null) {
                            throw new Unavailable(
                                "keystone at " + settings.url() + " did not answer", failure);
                          }
                          return response;
                        }))
        .thenCompose(
            response -> {
              int status = response.statusCode();
              if (status == 200) {
                return CompletableFuture.completedFuture(parse(response.body()));
              }
              if (status == 404) {
                return CompletableFuture.completedFuture(Optional.<Validated>empty());
              }
              if (status == 401 && retry) {
                // our service token expired or was revoked: a new one, once
                serviceToken = null;
                return ask(token, false);
              }
              throw new Unavailable(
                  "keystone answered " + status + " to a token validation: " + response.body(),
                  null);
            });
  }

  private CompletionStage<ServiceToken> serviceToken() {
    CompletableFuture<ServiceToken> current = serviceToken;
    if (current != null
        && (!current.isDone()
            || (!current.isCompletedExceptionally()
                && clock.instant().plusSeconds(60).isBefore(current.join().expires())))) {
      return current;
    }
    synchronized (this) {
      if (serviceToken == current) {
        serviceToken = issueServiceToken();
      }
      return serviceToken;
    }
  }

  private CompletableFuture<ServiceToken> issueServiceToken() {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode identity = body.putObject("auth").putObject("identity");
    identity.putArray("methods").add("password");
    ObjectNode user = identity.putObject("password").putObject("user");
    user.put("name", settings.serviceUser());
    user.putObject("domain").put("name", settings.userDomain());
    user.put("password", settings.servicePassword());
    ObjectNode project = ((ObjectNode) body.get("auth")).putObject("scope").putObject("project");
    project.put("name", settings.serviceProject());
    project.putObject("domain").put("name", settings.projectDomain());
    return http.sendAsync(
            HttpRequest.newBuilder(URI.create(settings.url() + "/auth/tokens"))
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, failure) -> {
              if (failure != null) {
                throw new Unavailable("keystone at " + settings.url() + " did not answer", failure);
              }
              if (response.statusCode() != 201) {
                log.error(
                    "keystone refused the gateway's service user {}: {}",
                    settings.serviceUser(),
                    response.statusCode());
                throw new Unavailable(
                    "keystone refused the service user (archipelago.auth.keystone.service-user): "
                        + response.statusCode(),
                    null);
              }
              String value = response.headers().firstValue("X-Subject-Token").orElseThrow();
              Instant expires =
                  parse(response.body())
                      .map(Validated::expires)
                      .orElse(clock.instant().plusSeconds(300));
              return new ServiceToken(value, expires);
            });
  }

  private static Optional<Validated> parse(String body) {
    try {
      JsonNode token = JSON.readTree(body).path("token");
      Set<String> roles = new TreeSet<>();
      token.path("roles").forEach(r -> roles.add(r.path("name").asText().toLowerCase(Locale.ROOT)));
      JsonNode project = token.path("project");
      return Optional.of(
          new Validated(
              token.path("user").path("id").asText(),
              token.path("user").path("name").asText(),
              project.has("id") ? Optional.of(project.path("id").asText()) : Optional.empty(),
              project.has("name") ? Optional.of(project.path("name").asText()) : Optional.empty(),
              roles,
              Instant.parse(token.path("expires_at").asText())));
    } catch (IOException | DateTimeParseException e) {
      throw new CompletionException(
          new Unavailable("keystone's token answer does not parse: " + e.getMessage(), e));
    }
  }
}
