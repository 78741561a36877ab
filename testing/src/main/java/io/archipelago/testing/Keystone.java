package io.archipelago.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OpenStack Keystone (Debian's {@code keystone} package) on loopback: SQLite in a temporary
 * directory, Fernet tokens, bootstrapped with an {@code admin} user and project, served by the
 * package's {@code keystone-wsgi-public} (Python's wsgiref). One per test JVM ({@link #shared()}),
 * stopped by a shutdown hook; its set-up takes a minute or two, most of it {@code keystone-manage}.
 *
 * <p>Users, projects and roles are made through Keystone's own v3 API as the admin.
 */
public final class Keystone {

  public static final String ADMIN_PASSWORD = "keystone-admin";
  private static final Pattern ID = Pattern.compile("\"id\": \"([^\"]+)\"");

  private static Keystone shared;

  private final Path dir;
  private final int port;
  private final ManagedProcess server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Duration startup;
  private String adminToken;
  private final Map<String, String> roles = new HashMap<>();

  private Keystone(Path dir, int port, ManagedProcess server, Duration startup) {
    this.dir = dir;
    this.port = port;
    this.server = server;
    this.startup = startup;
  }

  /** Whether Debian's keystone is installed ({@code bin/archipelago test} installs it). */
  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/keystone-manage"))
        && Files.isExecutable(Path.of("/usr/bin/keystone-wsgi-public"));
  }

  /** The Keystone of this JVM, started on first use. */
  public static synchronized Keystone shared() {
    if (shared == null) {
      shared = start();
      Keystone started = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "keystone-stop"));
    }
    return shared;
  }

  private static Keystone start() {
    long began = System.nanoTime();
    try {
      Path dir = Files.createTempDirectory("archipelago-keystone");
      int port = Net.freePort();
      Path conf = dir.resolve("keystone.conf");
      Files.writeString(
          conf,
          String.join(
              "\n",
              "[DEFAULT]",
              "use_stderr = true",
              "[database]",
              // SQLite's busy timeout: a write waits for a reader's lock instead of failing
              "connection = sqlite:///" + dir.resolve("keystone.db") + "?timeout=30",
              "[token]",
              "provider = fernet",
              "expiration = 3600",
              "[fernet_tokens]",
              "key_repository = " + dir.resolve("fernet-keys"),
              "[fernet_receipts]",
              "key_repository = " + dir.resolve("fernet-receipts"),
              "[credential]",
              "key_repository = " + dir.resolve("credential-keys"),
              ""));
      String url = "http://127.0.0.1:" + port + "/v3/";
      manage(dir, conf, "db_sync");
      // WAL: a reader that keystone leaves holding its SQLite read lock (seen after a GET of
      // /v3/roles) no longer makes every later write fail with "database is locked"
      run(
          dir,
          List.of(
              "/usr/bin/python3",
              "-c",
              "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')",
              dir.resolve("keystone.db").toString()));
      manage(dir, conf, "fernet_setup", "--keystone-user", "root", "--keystone-group", "root");
      manage(dir, conf, "credential_setup", "--keystone-user", "root", "--keystone-group", "root");
      manage(
          dir,
          conf,
          "bootstrap",
          "--bootstrap-password",
          ADMIN_PASSWORD,
          "--bootstrap-admin-url",
          url,
          "--bootstrap-public-url",
          url,
          "--bootstrap-internal-url",
          url,
          "--bootstrap-region-id",
          "RegionOne");
      ManagedProcess server =
          new ManagedProcess(
              "keystone",
              List.of(
                  "/usr/bin/env",
                  "OS_KEYSTONE_CONFIG_FILES=" + conf,
                  "/usr/bin/keystone-wsgi-public",
                  "--host",
                  "127.0.0.1",
                  "--port",
                  Integer.toString(port)),
              dir.resolve("keystone.log"));
      server.start();
      if (!Net.await(Duration.ofSeconds(180), () -> Net.listening(port))) {
        server.stop();
        throw new IllegalStateException(
            "keystone did not listen on " + port + ":\n" + tail(dir.resolve("keystone.log")));
      }
      Keystone keystone =
          new Keystone(dir, port, server, Duration.ofNanos(System.nanoTime() - began));
      keystone.adminToken();
      System.out.println("keystone: up on port " + port + " in " + keystone.startup);
      return keystone;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start keystone", e);
    }
  }

  private static void manage(Path dir, Path conf, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/keystone-manage", "--config-file"));
    command.add(conf.toString());
    command.addAll(List.of(args));
    run(dir, command);
  }

  private static void run(Path dir, List<String> command) throws IOException {
    Path log = dir.resolve("keystone-manage.log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    p.getOutputStream().close();
    try {
      if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(command + " failed:\n" + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public void stop() {
    server.stop();
  }

  /** The identity API's root, {@code http://127.0.0.1:<port>/v3}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/v3";
  }

  /** How long this Keystone took from nothing to answering tokens. */
  public Duration startup() {
    return startup;
  }

  public Path dir() {
    return dir;
  }

  /** A project-scoped token of the bootstrap admin (role admin on project admin). */
  public synchronized String adminToken() {
    if (adminToken == null) {
      adminToken = token("admin", ADMIN_PASSWORD, "admin");
    }
    return adminToken;
  }

  /** A token of {@code user} (Default domain, password method) scoped to {@code project}. */
  public String token(String user, String password, String project) {
    String body =
        "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": "
            + "{\"name\": \""
            + user
            + "\", \"domain\": {\"id\": \"default\"}, \"password\": \""
            + password
            + "\"}}}, \"scope\": {\"project\": {\"name\": \""
            + project
            + "\", \"domain\": {\"id\": \"default\"}}}}}";
    HttpResponse<String> response = send("POST", "/auth/tokens", null, body);
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "keystone refused a token for "
              + user
              + ": "
              + response.statusCode()
              + " "
              + response.body());
    }
    return response.headers().firstValue("X-Subject-Token").orElseThrow();
  }

  /** Revokes a token (DELETE /v3/auth/tokens). */
  public void revoke(String token) {
    HttpResponse<String> response =
        send(
            "DELETE",
            "/auth/tokens",
            List.of(
                "X-Auth-Token", token("admin", ADMIN_PASSWORD, "admin"), "X-Subject-Token", token),
            null);
    if (response.statusCode() != 204) {
      throw new IllegalStateException("revoke: " + response.statusCode() + " " + response.body());
    }
  }

  /** Creates a project in the Default domain; answers its id. */
  public String createProject(String name) {
    return create(
        "/projects", "{\"project\": {\"name\": \"" + name + "\", \"domain_id\": \"default\"}}");
  }

  /** Creates a role, or finds it (bootstrap made admin, member and reader); answers its id. */
  public synchronized String role(String name) {
    String known = roles.get(name);
    if (known != null) {
      return known;
    }
    HttpResponse<String> created =
        send(
            "POST",
            "/roles",
            List.of("X-Auth-Token", adminToken()),
            "{\"role\": {\"name\": \"" + name + "\"}}");
    if (created.statusCode() != 201) {
      created = send("GET", "/roles?name=" + name, List.of("X-Auth-Token", adminToken()), null);
    }
    Matcher m = ID.matcher(created.body());
    if (!m.find()) {
      throw new IllegalStateException(
          "role " + name + ": " + created.statusCode() + " " + created.body());
    }
    roles.put(name, m.group(1));
    return m.group(1);
  }

  /** Creates a user with a password in the Default domain; answers its id. */
  public String createUser(String name, String password) {
    return create(
        "/users",
        "{\"user\": {\"name\": \""
            + name
            + "\", \"password\": \""
            + password
            + "\", \"domain_id\": \"default\"}}");
  }

  /** Grants {@code role} to a user on a project. */
  public void grant(String projectId, String userId, String roleName) {
    HttpResponse<String> response =
        send(
            "PUT",
            "/projects/" + projectId + "/users/" + userId + "/roles/" + role(roleName),
            List.of("X-Auth-Token", adminToken()),
            "");
    if (response.statusCode() != 204) {
      throw new IllegalStateException("grant: " + response.statusCode() + " " + response.body());
    }
  }

  private String create(String path, String body) {
    HttpResponse<String> response = send("POST", path, List.of("X-Auth-Token", adminToken()), body);
    Matcher m = ID.matcher(response.body());
    if (response.statusCode() != 201 || !m.find()) {
      throw new IllegalStateException(
          "POST " + path + ": " + response.statusCode() + " " + response.body());
    }
    return m.group(1);
  }

  private HttpResponse<String> send(String method, String path, List<String> headers, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (headers != null) {
      for (int i = 0; i < headers.size(); i += 2) {
        request.header(headers.get(i), headers.get(i + 1));
      }
    }
    // A request that repeats harmlessly is sent again when its connection closed before any
    // answer (CI: a role grant's PUT got "header parser received no bytes" once): Keystone's
    // wsgiref server answers one request at a time, and the test JVM must not fail on its socket.
    int attempts = repeatable(method, path) ? 3 : 1;
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (attempt >= attempts) {
          throw new IllegalStateException(method + " " + path + " to keystone failed", e);
        }
        pause(200L * attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Idempotent requests, and token requests (a second token harms nothing). */
  private static boolean repeatable(String method, String path) {
    return !method.equals("POST") || path.endsWith("/auth/tokens");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
