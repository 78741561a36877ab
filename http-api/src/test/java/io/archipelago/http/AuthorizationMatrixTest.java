package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.access.TempUrl;
import io.archipelago.http.admin.AdminRoute;
import io.archipelago.http.auth.TokenCodec;
import io.archipelago.http.protocol.Principal;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every route of the gateway against every kind of caller, from one table: each route names the
 * right it needs, each caller the rights it holds, and the expected answer follows (a caller with
 * the right is not refused; one without it gets 401 when it is not authenticated, else 403). The
 * admin API's rows come from {@link AdminRoute}, the list {@code AdminController} serves from, so a
 * new admin route is in the matrix as soon as it exists.
 *
 * <p>Each caller works on a container of its own in {@code AUTH_test} ({@code m-<caller>}), set up
 * again by the owner before every row that changes something.
 */
class AuthorizationMatrixTest {

  private static final String SECRET = "matrix-token-secret";

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.auth.token-secret", SECRET,
              "archipelago.auth.users.\"acl:cread\"", "cread",
              "archipelago.auth.users.\"acl:cwrite\"", "cwrite",
              "archipelago.auth.users.\"acl:aro\"", "aro",
              "archipelago.auth.users.\"acl:arw\"", "arw",
              "archipelago.auth.users.\"acl:aadm\"", "aadm"));

  /** What a route needs. */
  enum Right {
    PUBLIC,
    ACCOUNT_READ,
    ACCOUNT_MODIFY,
    CONTAINER_MODIFY,
    READ,
    WRITE_OBJECT,
    READ_AND_WRITE,
    ADMIN_API,
    /** refused to everyone (the auth endpoint without credentials) */
    NOBODY
  }

  /** Who calls, with the rights it holds on its container in AUTH_test. */
  enum Caller {
    NO_TOKEN(false, EnumSet.of(Right.PUBLIC)),
    EXPIRED_TOKEN(false, EnumSet.of(Right.PUBLIC)),
    FORGED_TOKEN(false, EnumSet.of(Right.PUBLIC)),
    SERVICE_TOKEN_ONLY(false, EnumSet.of(Right.PUBLIC)),
    OTHER_ACCOUNT(true, EnumSet.of(Right.PUBLIC)),
    CONTAINER_READ_ACL(true, EnumSet.of(Right.PUBLIC, Right.READ)),
    CONTAINER_WRITE_ACL(true, EnumSet.of(Right.PUBLIC, Right.WRITE_OBJECT)),
    ACCOUNT_READ_ONLY(true, EnumSet.of(Right.PUBLIC, Right.READ, Right.ACCOUNT_READ)),
    ACCOUNT_READ_WRITE(
        true,
        EnumSet.of(
            Right.PUBLIC,
            Right.READ,
            Right.ACCOUNT_READ,
            Right.WRITE_OBJECT,
            Right.READ_AND_WRITE,
            Right.CONTAINER_MODIFY)),
    ACCOUNT_ADMIN(true, EnumSet.complementOf(EnumSet.of(Right.ADMIN_API, Right.NOBODY))),
    OWNER(true, EnumSet.complementOf(EnumSet.of(Right.ADMIN_API, Right.NOBODY))),
    RESELLER_ADMIN(true, EnumSet.complementOf(EnumSet.of(Right.NOBODY)));

    final boolean authenticated;
    final Set<Right> rights;

    Caller(boolean authenticated, Set<Right> rights) {
      this.authenticated = authenticated;
      this.rights = rights;
    }

    String container() {
      return "m-" + name().toLowerCase().replace('_', '-');
    }
  }

  /** One request of a route, built for a caller's container. */
  record Call(String method, String path, Map<String, String> headers, String body) {}

  /**
   * One row: a route, the right it needs, and the request for a container. {@code mutates} rows get
   * their fixtures back first; {@code effect} (optional) tells from the owner's view whether the
   * request took effect, for answers that are 200 either way (bulk delete).
   */
  record Row(
      String route,
      Right right,
      boolean mutates,
      Function<String, Call> call,
      Function<String, Boolean> effect) {}

  static SwiftClient owner;
  static final Map<Caller, Map<String, String>> credentials = new HashMap<>();

  @BeforeAll
  static void setUp() {
    owner = gateway.login("test:tester", "testing");
    String reseller = gateway.login("admin:admin", "admin").token();
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    Principal tester = new Principal("test:tester", "AUTH_test", Set.of(Principal.ADMIN));
    String expired =
        new TokenCodec(secret, Duration.ofSeconds(-60), Clock.systemUTC()).issue(tester).value();
    String forged =
        new TokenCodec(
                "another-secret".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1),
                Clock.systemUTC())
            .issue(tester)
            .value();
    credentials.put(Caller.NO_TOKEN, Map.of());
    credentials.put(Caller.EXPIRED_TOKEN, Map.of("X-Auth-Token", expired));
    credentials.put(Caller.FORGED_TOKEN, Map.of("X-Auth-Token", forged));
    credentials.put(
        Caller.SERVICE_TOKEN_ONLY,
        Map.of("X-Service-Token", gateway.login("test5:tester5", "testing5").token()));
    credentials.put(Caller.OTHER_ACCOUNT, token("test2:tester2", "testing2"));
    credentials.put(Caller.CONTAINER_READ_ACL, token("acl:cread", "cread"));
    credentials.put(Caller.CONTAINER_WRITE_ACL, token("acl:cwrite", "cwrite"));
    credentials.put(Caller.ACCOUNT_READ_ONLY, token("acl:aro", "aro"));
    credentials.put(Caller.ACCOUNT_READ_WRITE, token("acl:arw", "arw"));
    credentials.put(Caller.ACCOUNT_ADMIN, token("acl:aadm", "aadm"));
    credentials.put(Caller.OWNER, Map.of("X-Auth-Token", owner.token()));
    credentials.put(Caller.RESELLER_ADMIN, Map.of("X-Auth-Token", reseller));
    assertEquals(
        204,
        owner
            .call(
                "POST",
                "",
                Map.of(
                    "X-Account-Access-Control",
                    "{\"read-only\":[\"acl:aro\"],\"read-write\":[\"acl:arw\"],"
                        + "\"admin\":[\"acl:aadm\"]}",
                    "X-Account-Meta-Temp-URL-Key",
                    "matrixkey"),
                null)
            .statusCode());
    for (Caller caller : Caller.values()) {
      fixtures(caller.container());
    }
  }

  private static Map<String, String> token(String user, String key) {
    return Map.of("X-Auth-Token", gateway.login(user, key).token());
  }

  /** The owner's container of a caller with an object, a large object of each kind and a link. */
  private static void fixtures(String c) {
    Map<String, String> acl = new HashMap<>();
    if (c.equals(Caller.CONTAINER_READ_ACL.container())) {
      acl.put("X-Container-Read", "acl:cread");
    }
    if (c.equals(Caller.CONTAINER_WRITE_ACL.container())) {
      acl.put("X-Container-Write", "acl:cwrite");
    }
    assertTrue(owner.call("PUT", "/" + c, acl, null).statusCode() / 100 == 2);
    // the versions row archives into it
    assertTrue(owner.call("PUT", "/" + c + "-v").statusCode() / 100 == 2);
    // a delete must not bring back an archived version
    assertEquals(
        204,
        owner.call("POST", "/" + c, Map.of("X-Remove-Versions-Location", "x"), null).statusCode());
    assertEquals(201, owner.call("PUT", "/" + c + "/o", Map.of(), "object").statusCode());
    assertEquals(201, owner.call("PUT", "/" + c + "/seg", Map.of(), "segment").statusCode());
    assertEquals(
        201,
        owner
            .call(
                "PUT",
                "/" + c + "/slo?multipart-manifest=put",
                Map.of(),
                "[{\"path\": \"/" + c + "/seg\"}]")
            .statusCode());
    assertEquals(
        201,
        owner
            .call("PUT", "/" + c + "/dlo", Map.of("X-Object-Manifest", c + "/seg"), "")
            .statusCode());
    assertEquals(
        201,
        owner
            .call("PUT", "/" + c + "/link", Map.of("X-Symlink-Target", c + "/o"), "")
            .statusCode());
  }

  private static Call call(String method, String path) {
    return new Call(method, path, Map.of(), null);
  }

  private static Call call(String method, String path, Map<String, String> headers, String body) {
    return new Call(method, path, headers, body);
  }

  /** The table: every route of the gateway. */
  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    String a = "/v1/AUTH_test";
    // top level
    rows.add(new Row("GET /info", Right.PUBLIC, false, c -> call("GET", "/info"), null));
    rows.add(
        new Row("GET /healthcheck", Right.PUBLIC, false, c -> call("GET", "/healthcheck"), null));
    rows.add(new Row("GET /metrics", Right.PUBLIC, false, c -> call("GET", "/metrics"), null));
    rows.add(
        new Row(
            "GET /auth/v1.0 (no key)", Right.NOBODY, false, c -> call("GET", "/auth/v1.0"), null));
    // account
    rows.add(new Row("GET account", Right.ACCOUNT_READ, false, c -> call("GET", a), null));
    rows.add(new Row("HEAD account", Right.ACCOUNT_READ, false, c -> call("HEAD", a), null));
    rows.add(
        new Row(
            "POST account",
            Right.ACCOUNT_MODIFY,
            true,
            c -> call("POST", a, Map.of("X-Account-Meta-Matrix", c), null),
            null));
    // container
    rows.add(new Row("GET container", Right.READ, false, c -> call("GET", a + "/" + c), null));
    rows.add(
        new Row(
            "GET container json",
            Right.READ,
            false,
            c -> call("GET", a + "/" + c + "?format=json"),
            null));
    rows.add(new Row("HEAD container", Right.READ, false, c -> call("HEAD", a + "/" + c), null));
    rows.add(
        new Row(
            "GET container (staticweb X-Web-Mode)",
            Right.READ,
            false,
            c -> call("GET", a + "/" + c + "/", Map.of("X-Web-Mode", "true"), null),
            null));
    rows.add(
        new Row(
            "POST container",
            Right.CONTAINER_MODIFY,
            true,
            c -> call("POST", a + "/" + c, Map.of("X-Container-Meta-Matrix", "1"), null),
            null));
    rows.add(
        new Row(
            "POST container (versions)",
            Right.CONTAINER_MODIFY,
            true,
            c -> call("POST", a + "/" + c, Map.of("X-Versions-Location", c + "-v"), null),
            null));
    rows.add(
        new Row(
            "PUT container",
            Right.CONTAINER_MODIFY,
            true,
            c -> call("PUT", a + "/" + c + "-new"),
            null));
    rows.add(
        new Row(
            "DELETE container",
            Right.CONTAINER_MODIFY,
            true,
            c -> call("DELETE", a + "/" + c),
            null));
    // objects
    rows.add(new Row("GET object", Right.READ, false, c -> call("GET", a + "/" + c + "/o"), null));
    rows.add(
        new Row("HEAD object", Right.READ, false, c -> call("HEAD", a + "/" + c + "/o"), null));
    rows.add(
        new Row(
            "GET object (range)",
            Right.READ,
            false,
            c -> call("GET", a + "/" + c + "/o", Map.of("Range", "bytes=0-1"), null),
            null));
    rows.add(new Row("GET SLO", Right.READ, false, c -> call("GET", a + "/" + c + "/slo"), null));
    rows.add(
        new Row(
            "GET SLO manifest",
            Right.READ,
            false,
            c -> call("GET", a + "/" + c + "/slo?multipart-manifest=get"),
            null));
    rows.add(new Row("GET DLO", Right.READ, false, c -> call("GET", a + "/" + c + "/dlo"), null));
    rows.add(
        new Row("GET symlink", Right.READ, false, c -> call("GET", a + "/" + c + "/link"), null));
    rows.add(
        new Row(
            "GET symlink itself",
            Right.READ,
            false,
            c -> call("GET", a + "/" + c + "/link?symlink=get"),
            null));
    rows.add(
        new Row(
            "PUT object",
            Right.WRITE_OBJECT,
            true,
            c -> call("PUT", a + "/" + c + "/new", Map.of(), "x"),
            null));
    rows.add(
        new Row(
            "POST object",
            Right.WRITE_OBJECT,
            true,
            c -> call("POST", a + "/" + c + "/o", Map.of("X-Object-Meta-M", "1"), null),
            null));
    rows.add(
        new Row(
            "DELETE object",
            Right.WRITE_OBJECT,
            true,
            c -> call("DELETE", a + "/" + c + "/o"),
            null));
    rows.add(
        new Row(
            "PUT symlink",
            Right.WRITE_OBJECT,
            true,
            c -> call("PUT", a + "/" + c + "/link2", Map.of("X-Symlink-Target", c + "/o"), ""),
            null));
    rows.add(
        new Row(
            "DELETE SLO with segments",
            Right.WRITE_OBJECT,
            true,
            c -> call("DELETE", a + "/" + c + "/slo?multipart-manifest=delete"),
            null));
    rows.add(
        new Row(
            "COPY object",
            Right.READ_AND_WRITE,
            true,
            c -> call("COPY", a + "/" + c + "/o", Map.of("Destination", c + "/copy"), null),
            null));
    rows.add(
        new Row(
            "PUT object X-Copy-From",
            Right.READ_AND_WRITE,
            true,
            c -> call("PUT", a + "/" + c + "/copy", Map.of("X-Copy-From", c + "/o"), ""),
            null));
    rows.add(
        new Row(
            "PUT SLO manifest",
            Right.READ_AND_WRITE,
            true,
            c ->
                call(
                    "PUT",
                    a + "/" + c + "/slo2?multipart-manifest=put",
                    Map.of(),
                    "[{\"path\": \"/" + c + "/seg\"}]"),
            null));
    rows.add(
        new Row(
            "POST account ?bulk-delete",
            Right.WRITE_OBJECT,
            true,
            c ->
                call(
                    "POST",
                    a + "?bulk-delete",
                    Map.of("Content-Type", "text/plain", "Accept", "application/json"),
                    c + "/o\n"),
            c -> owner.call("HEAD", "/" + c + "/o").statusCode() == 404));
    rows.add(
        new Row(
            "GET object with a TempURL",
            Right.PUBLIC,
            false,
            c -> {
              String path = a + "/" + c + "/o";
              long expires = Instant.now().getEpochSecond() + 300;
              String sig =
                  TempUrl.hmac("sha256", "matrixkey", "GET", expires, path, Optional.empty());
              return call("GET", path + "?temp_url_sig=" + sig + "&temp_url_expires=" + expires);
            },
            null));
    // the admin API: every declared route
    for (AdminRoute route : AdminRoute.values()) {
      rows.add(
          new Row(
              "admin " + route,
              Right.ADMIN_API,
              route.method().name().equals("POST") || route.method().name().equals("DELETE"),
              c ->
                  call(
                      route.method().name(),
                      "/admin/" + route.pattern().replaceFirst("\\*", "AUTH_test").replace("*", c),
                      Map.of("Content-Type", "application/json"),
                      route.method().name().equals("POST") ? "{}" : null),
              null));
    }
    return rows;
  }

  @Test
  void everyRouteAnswersEveryCallerAsTheTableSays() {
    List<String> wrong = new ArrayList<>();
    Map<String, String> table = new LinkedHashMap<>();
    for (Row row : rows()) {
      StringBuilder line = new StringBuilder();
      for (Caller caller : Caller.values()) {
        String c = caller.container();
        if (row.mutates()) {
          fixtures(c);
        }
        Call call = row.call().apply(c);
        Map<String, String> headers = new HashMap<>(call.headers());
        headers.putAll(credentials.get(caller));
        HttpResponse<String> r =
            PlainHttp.send(call.method(), gateway.baseUrl() + call.path(), headers, call.body());
        int status = r.statusCode();
        line.append(caller).append('=').append(status).append(' ');
        boolean allowed = caller.rights.contains(row.right());
        // an SLO manifest naming segments the caller cannot read: Swift's 400 lists them
        boolean refused =
            status == 401 || status == 403 || (row.route().startsWith("PUT SLO") && status == 400);
        if (row.effect() != null && status < 500) {
          refused = !row.effect().apply(c);
        }
        if (status >= 500) {
          wrong.add(row.route() + " as " + caller + ": " + status + " " + r.body());
        } else if (allowed && refused) {
          wrong.add(row.route() + " as " + caller + ": refused with " + status);
        } else if (!allowed && !refused) {
          wrong.add(row.route() + " as " + caller + ": allowed with " + status);
        } else if (!allowed
            && row.effect() == null
            && status != 400
            && status != (caller.authenticated && row.right() != Right.NOBODY ? 403 : 401)) {
          wrong.add(row.route() + " as " + caller + ": refused with " + status);
        }
      }
      table.put(row.route(), line.toString());
    }
    table.forEach((route, line) -> System.out.println("MATRIX " + route + ": " + line));
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  @Test
  void everyAdminRouteIsInTheTable() {
    List<String> routes = rows().stream().map(Row::route).toList();
    for (AdminRoute route : AdminRoute.values()) {
      assertTrue(routes.contains("admin " + route), "no row for " + route);
    }
  }
}
