package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.RawExchange;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input against a real gateway listener (in-process node, real sockets): malformed request
 * lines, headers, paths, bodies and chunked framing, absurd ranges, bad SLO/DLO manifests and
 * loops, bad JSON to every admin endpoint, bad query strings. Every category runs with a fixed
 * seed; one more property mixes all of them with the run's random seed (jqwik prints it). Each case
 * is one connection; the assertions: no answer of 500 or more (the filesystem backends never fail),
 * every request answered or its connection closed within a bound, and after all of it the node
 * serves, nothing was written outside the node's directory and no temp file is left in a backend.
 */
class HostileInputFuzzTest {

  private static final Duration BOUND = Duration.ofSeconds(8);
  private static final Duration GIVE_UP = Duration.ofMillis(300);
  private static final String SEED = "20261204";

  /** -Dfuzz.survey: print every finding instead of stopping at the first (for fixing). */
  private static final boolean SURVEY = Boolean.getBoolean("fuzz.survey");

  /** An object no generated request names (the fuzzing may delete anything else). */
  private static final String CANARY = "/canary-" + UUID.randomUUID() + "/object";

  private static Path sandbox;
  private static Path dataDir;
  private static TestGateway gateway;
  private static String token;
  private static String adminToken;
  private static final Map<String, Map<String, AtomicInteger>> statusesByCategory =
      new ConcurrentHashMap<>();

  /** One request's bytes; {@code complete} is false when they promise more than they hold. */
  record Case(String category, byte[] bytes, boolean complete) {
    @Override
    public String toString() {
      String text = new String(bytes, StandardCharsets.ISO_8859_1);
      return category
          + (complete ? "" : " (incomplete)")
          + ": "
          + (text.length() > 600 ? text.substring(0, 600) + "...[" + text.length() + "]" : text)
              .replace("\r\n", "\\r\\n");
    }
  }

  @BeforeContainer
  static void start() {
    try {
      sandbox = Files.createTempDirectory("archipelago-fuzz");
      dataDir = Files.createDirectory(sandbox.resolve("data"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    gateway =
        TestGateway.start(
            dataDir,
            Map.of(
                "akka.http.server.idle-timeout",
                "20s",
                "archipelago.http.max-object-size",
                1_048_576));
    SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    token = tester.token();
    adminToken = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin").token();
    assertEquals(201, tester.call("PUT", "/fuzz").statusCode());
    assertEquals(
        201, tester.call("PUT", CANARY.substring(0, CANARY.lastIndexOf('/'))).statusCode());
    assertEquals(201, tester.call("PUT", "/fuzz/obj", Map.of(), "0123456789abcdef").statusCode());
    assertEquals(201, tester.call("PUT", CANARY, Map.of(), "still here").statusCode());
    assertEquals(201, tester.call("PUT", "/fuzz/seg1", Map.of(), "segment one").statusCode());
    assertEquals(201, tester.call("PUT", "/fuzz/seg2", Map.of(), "segment two").statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/fuzz/slo?multipart-manifest=put",
                Map.of(),
                "[{\"path\": \"/fuzz/seg1\"}, {\"path\": \"/fuzz/seg2\"}]")
            .statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/fuzz/dlo", Map.of("X-Object-Manifest", "fuzz/seg"), "").statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/fuzz/link", Map.of("X-Symlink-Target", "fuzz/slo"), "").statusCode());
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      // the node still serves, and nothing of the fuzzing lingers
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals("still here", tester.call("GET", CANARY).body());
      assertEquals(
          "OK",
          tester
              .send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/healthcheck")).build())
              .body());
      try (Stream<Path> outside = Files.list(sandbox)) {
        List<Path> strays = outside.filter(p -> !p.equals(dataDir)).toList();
        assertTrue(strays.isEmpty(), "written outside the node's directory: " + strays);
      }
      assertNoTempFilesLeft();
      System.out.println("HostileInputFuzzTest statuses by category: " + report());
    } finally {
      gateway.close();
      deleteTree(sandbox);
    }
  }

  private static void assertNoTempFilesLeft() throws Exception {
    Path backends = dataDir.resolve("backends");
    List<Path> temps = List.of();
    for (int i = 0; i < 100; i++) {
      try (Stream<Path> all = Files.walk(backends)) {
        temps =
            all.filter(Files::isRegularFile)
                .filter(p -> backends.relativize(p).toString().contains(".tmp/"))
                .toList();
      }
      if (temps.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("temp files left in the backends: " + temps);
  }

  private static String report() {
    return new TreeMap<>(statusesByCategory)
        .entrySet().stream()
            .map(
                e ->
                    e.getKey()
                        + "="
                        + e.getValue().values().stream().mapToInt(AtomicInteger::get).sum()
                        + new TreeMap<>(e.getValue()))
            .collect(Collectors.joining(", "));
  }

  // ---------------------------------------------------------------------------------------------
  // properties: one per category with a fixed seed, one over all with the run's random seed

  @Property(tries = 500, seed = SEED, shrinking = ShrinkingMode.OFF)
  void requestLines(@ForAll("requestLineCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 500, seed = SEED, shrinking = ShrinkingMode.OFF)
  void headers(@ForAll("headerCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 500, seed = SEED, shrinking = ShrinkingMode.OFF)
  void paths(@ForAll("pathCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 200, seed = SEED, shrinking = ShrinkingMode.OFF)
  void bodies(@ForAll("bodyCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 300, seed = SEED, shrinking = ShrinkingMode.OFF)
  void ranges(@ForAll("rangeCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 300, seed = SEED, shrinking = ShrinkingMode.OFF)
  void manifests(@ForAll("manifestCases") List<Case> steps) throws IOException {
    for (Case c : steps) {
      check(c);
    }
  }

  @Property(tries = 400, seed = SEED, shrinking = ShrinkingMode.OFF)
  void adminJson(@ForAll("adminCases") Case c) throws IOException {
    check(c);
  }

  @Property(tries = 500, seed = SEED, shrinking = ShrinkingMode.OFF)
  void queryStrings(@ForAll("queryCases") Case c) throws IOException {
    check(c);
  }

  /** All categories at once, with a seed of this run's own (printed by jqwik in its report). */
  @Property(tries = 600, shrinking = ShrinkingMode.OFF)
  void anyCategoryWithARandomSeed(@ForAll("anyCase") Case c) throws IOException {
    check(c);
  }

  private static void check(Case c) throws IOException {
    RawExchange.Outcome outcome =
        RawExchange.send(gateway.baseUrl(), c.bytes(), c.complete(), GIVE_UP, BOUND);
    statusesByCategory
        .computeIfAbsent(c.category(), k -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            outcome.answered() ? String.valueOf(outcome.statuses().get(0)) : "closed",
            k -> new AtomicInteger())
        .incrementAndGet();
    if (SURVEY && (outcome.hung() || !outcome.serverErrors().isEmpty())) {
      System.out.println("FUZZ FINDING " + outcome + " <- " + c);
      return;
    }
    assertTrue(!outcome.hung(), "no answer and no close within " + BOUND + ": " + c);
    assertTrue(outcome.serverErrors().isEmpty(), "a server error for " + c + " -> " + outcome);
  }

  // ---------------------------------------------------------------------------------------------
  // generators

  /** Pieces of hostile names and values, as raw bytes on the wire (ISO-8859-1 strings). */
  private static Arbitrary<String> hostilePiece() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "..",
            ".",
            "%2e%2e",
            "%2E%2e",
            ".%2e",
            "%2e.",
            "%00",
            "\u0000",
            "%ff",
            "%c3",
            "%c3%28",
            "%e2%82",
            "%f0%9f%98",
            "\u00c3",
            "\u00e2\u0082",
            "\u00ff\u00fe",
            "%",
            "%z",
            "%zz",
            "%%",
            "//",
            "/",
            ";",
            "#",
            "~",
            "%2f",
            "%2F..%2F",
            "\\",
            "..\\..\\",
            "%5c",
            "AUTH_test",
            "AUTH_test2",
            "fuzz",
            "obj",
            "seg1",
            "\u00c3\u00a9",
            "%C3%A9",
            "%0d%0a",
            "\t",
            "+",
            "%20",
            "*",
            "?",
            "&",
            "="),
        Arbitraries.strings().withCharRange('!', '~').ofMaxLength(12),
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(6),
        Arbitraries.integers().between(250, 10_240).map("n"::repeat));
  }

  private static Arbitrary<String> hostileText(int maxPieces) {
    return hostilePiece().list().ofMaxSize(maxPieces).map(l -> String.join("", l));
  }

  private static final List<String> METHODS =
      List.of("GET", "HEAD", "PUT", "POST", "DELETE", "COPY", "OPTIONS");

  private static Arbitrary<String> method() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(METHODS)),
        Tuple.of(
            1,
            Arbitraries.of(
                "PATCH",
                "TRACE",
                "CONNECT",
                "get",
                "G ET",
                "",
                "PROPFIND",
                "MKCOL",
                "X".repeat(40))),
        Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(8)));
  }

  private static String request(String method, String target, Map<String, String> headers) {
    StringBuilder b = new StringBuilder();
    b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    b.append("Host: 127.0.0.1\r\n");
    // the fuzzed headers come last: a bad last header line is what hung Akka's parser
    b.append("Connection: close\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    b.append("\r\n");
    return b.toString();
  }

  private static byte[] wire(String isoText) {
    return isoText.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String utf8AsWire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  @Provide
  Arbitrary<Case> requestLineCases() {
    Arbitrary<String> prefix =
        Arbitraries.of(
            "/v1/AUTH_test/fuzz/",
            "/v1/AUTH_test/",
            "/v1/",
            "/",
            "",
            "*",
            "http://127.0.0.1/v1/AUTH_test/fuzz/",
            "//v1/AUTH_test/",
            "/admin/",
            "/auth/v1.0",
            "/info",
            "/healthcheck",
            "/metrics");
    Arbitrary<String> version =
        Arbitraries.of(
            "HTTP/1.1",
            "HTTP/1.1",
            "HTTP/1.1",
            "HTTP/1.0",
            "HTTP/2.0",
            "HTTP/1.1x",
            "",
            "HTTP/9.9",
            "http/1.1",
            "HTTP/1.1 extra");
    Arbitrary<String> separator = Arbitraries.of(" ", " ", " ", "  ", "\t", "");
    Arbitrary<Boolean> withToken = Arbitraries.of(true, false);
    return Combinators.combine(method(), separator, prefix, hostileText(6), version, withToken)
        .as(
            (m, sep, p, rest, v, auth) ->
                new Case(
                    "request-line",
                    wire(
                        m
                            + sep
                            + p
                            + rest
                            + (v.isEmpty() ? "" : " " + v)
                            + "\r\nHost: x\r\n"
                            + (auth ? "X-Auth-Token: " + token + "\r\n" : "")
                            + "Connection: close\r\n\r\n"),
                    true));
  }

  private static final List<String> HEADER_NAMES =
      List.of(
          "Range",
          "If-Match",
          "If-None-Match",
          "If-Modified-Since",
          "If-Unmodified-Since",
          "X-Copy-From",
          "X-Copy-From-Account",
          "Destination",
          "Destination-Account",
          "X-Object-Manifest",
          "X-Symlink-Target",
          "X-Symlink-Target-Account",
          "X-Symlink-Target-Etag",
          "X-Delete-At",
          "X-Delete-After",
          "X-Object-Meta-Color",
          "X-Container-Read",
          "X-Container-Write",
          "X-Versions-Location",
          "X-History-Location",
          "X-Container-Meta-Web-Index",
          "X-Container-Meta-Temp-URL-Key",
          "X-Account-Access-Control",
          "X-Account-Meta-Temp-URL-Key",
          "X-Storage-Policy",
          "X-Static-Large-Object",
          "X-Container-Sync-To",
          "X-Container-Sync-Key",
          "Content-Type",
          "Content-Encoding",
          "Content-Disposition",
          "Content-MD5",
          "ETag",
          "Expect",
          "X-Timestamp",
          "X-Auth-Token",
          "X-Storage-Token",
          "X-Service-Token",
          "X-Auth-User",
          "X-Auth-Key",
          "Accept",
          "Origin",
          "Access-Control-Request-Method",
          "X-Web-Mode",
          "X-Newest",
          "X-Fresh-Metadata",
          "X-Detect-Content-Type",
          "Authorization",
          "Referer",
          "Connection",
          "Host");

  private static Arbitrary<String> headerValue() {
    return Arbitraries.oneOf(
        hostileText(5),
        Arbitraries.of(
            "bytes=0-0",
            "bytes=-1",
            "bytes=99999999999999999999-",
            "bytes=5-2",
            "fuzz/obj",
            "/fuzz/obj",
            "fuzz/seg",
            "AUTH_test2",
            "*",
            "\"*\"",
            "-1",
            "9223372036854775807",
            "99999999999999999999999",
            "0",
            "1e9",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "{}",
            "{\"admin\":[\"*\"]}",
            "{\"read-only\": 5}",
            ".r:*,.rlistings",
            ".r:-x",
            "100-continue",
            "text/plain;swift_bytes=-5",
            "application/json;charset=\u00ff",
            "gzip",
            "//127.0.0.1/x"),
        // a UTF-8 sequence cut before the line's end
        Arbitraries.of("\u00c3", "\u00e2\u0082", "\u00f0\u009f\u0098", "abc\u00c3", "\u00ff")
            .map(cut -> cut));
  }

  @Provide
  Arbitrary<Case> headerCases() {
    Arbitrary<String> name =
        Arbitraries.oneOf(
            Arbitraries.of(HEADER_NAMES),
            Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20),
            Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMinLength(1).ofMaxLength(6),
            Arbitraries.integers().between(100, 9000).map(n -> "X-Object-Meta-" + "k".repeat(n)));
    Arbitrary<Map<String, String>> headers = Arbitraries.maps(name, headerValue()).ofMaxSize(5);
    Arbitrary<String> target =
        Arbitraries.of(
            "/v1/AUTH_test/fuzz/obj",
            "/v1/AUTH_test/fuzz/h",
            "/v1/AUTH_test/fuzz",
            "/v1/AUTH_test",
            "/v1/AUTH_test2/fuzz/obj",
            "/auth/v1.0",
            "/info",
            "/admin/backends");
    return Combinators.combine(method(), target, headers, Arbitraries.of(true, true, false))
        .as(
            (m, t, h, auth) -> {
              Map<String, String> all = new TreeMap<>(h);
              if (auth) {
                all.putIfAbsent("X-Auth-Token", token);
              }
              if (m.equals("PUT") || m.equals("POST")) {
                all.putIfAbsent("Content-Length", "0");
              }
              boolean framingTouched =
                  h.keySet().stream()
                      .anyMatch(
                          k ->
                              k.equalsIgnoreCase("Transfer-Encoding")
                                  || k.equalsIgnoreCase("Content-Length"));
              boolean lineBreaks =
                  h.entrySet().stream()
                      .anyMatch(
                          e ->
                              (e.getKey() + e.getValue()).contains("\r")
                                  || (e.getKey() + e.getValue()).contains("\n"));
              return new Case("headers", wire(request(m, t, all)), !framingTouched && !lineBreaks);
            });
  }

  @Provide
  Arbitrary<Case> pathCases() {
    Arbitrary<String> segment = hostileText(4);
    return Combinators.combine(
            Arbitraries.of(METHODS),
            Arbitraries.of("AUTH_test", "AUTH_test", "AUTH_test2", "AUTH_", ""),
            segment,
            segment.list().ofMaxSize(3),
            Arbitraries.of(true, true, false))
        .as(
            (m, account, container, objectParts, auth) -> {
              String target =
                  "/v1/"
                      + account
                      + "/"
                      + container
                      + (objectParts.isEmpty() ? "" : "/" + String.join("/", objectParts));
              Map<String, String> headers = new TreeMap<>();
              if (auth) {
                headers.put("X-Auth-Token", token);
              }
              byte[] body = new byte[0];
              if (m.equals("PUT") || m.equals("POST")) {
                body = wire("fuzz body");
                headers.put("Content-Length", String.valueOf(body.length));
              }
              return new Case("paths", concat(wire(request(m, target, headers)), body), true);
            });
  }

  @Provide
  Arbitrary<Case> bodyCases() {
    Arbitrary<Integer> actual = Arbitraries.integers().between(0, 70_000);
    Arbitrary<String> declared =
        Arbitraries.oneOf(
            Arbitraries.of(
                "-1",
                "-0",
                "abc",
                "",
                " ",
                "1 2",
                "0x10",
                "99999999999999999999",
                "9223372036854775807",
                "1e3",
                "+5",
                "5,5"),
            Arbitraries.integers().between(0, 80_000).map(String::valueOf));
    Arbitrary<String> framing = Arbitraries.of("length", "chunked", "both", "chunked-bad", "none");
    Arbitrary<String> target =
        Arbitraries.of(
            "/v1/AUTH_test/fuzz/body",
            "/v1/AUTH_test/fuzz/obj",
            "/v1/AUTH_test/fuzz/body?multipart-manifest=put",
            "/v1/AUTH_test/fuzz?bulk-delete",
            "/v1/AUTH_test/fuzz",
            "/admin/backends");
    Arbitrary<String> chunkGarbage =
        Arbitraries.of(
            "zz\r\nab\r\n0\r\n\r\n",
            "-5\r\nabc\r\n0\r\n\r\n",
            "5\r\nab",
            "5\r\nabcdefgh\r\n0\r\n\r\n",
            "3;ext=\u00ff\r\nabc\r\n0\r\n\r\n",
            "ffffffffffffffffffff\r\n",
            "3\r\nabc",
            "3\r\nabc\r\n",
            "0\r\nTrailer: \u00c3\r\n\r\n",
            "1\nx\n0\n\n",
            "3\r\nabc\r\n0\r\n");
    return Combinators.combine(
            Arbitraries.of("PUT", "PUT", "POST", "DELETE"),
            target,
            actual,
            declared,
            framing,
            chunkGarbage,
            Arbitraries.of(true, false))
        .as(
            (m, t, n, cl, f, garbage, auth) -> {
              byte[] payload = new byte[n];
              for (int i = 0; i < n; i++) {
                payload[i] = (byte) ('a' + i % 26);
              }
              String head = m + " " + t + " HTTP/1.1\r\nHost: x\r\n";
              head +=
                  "X-Auth-Token: "
                      + (t.startsWith("/admin") ? adminToken : auth ? token : "x")
                      + "\r\n";
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              boolean complete;
              switch (f) {
                case "length" -> {
                  head += "Content-Length: " + cl + "\r\n";
                  complete =
                      !cl.matches("\\d+") || Long.parseLong(cl.length() > 18 ? "0" : cl) <= n;
                }
                case "chunked" -> {
                  head += "Transfer-Encoding: chunked\r\n";
                  complete = true;
                }
                case "both" -> {
                  head += "Content-Length: " + cl + "\r\nTransfer-Encoding: chunked\r\n";
                  complete = false;
                }
                case "chunked-bad" -> {
                  head += "Transfer-Encoding: chunked\r\n";
                  complete = false;
                }
                default -> complete = true;
              }
              head += "Connection: close\r\n\r\n";
              out.writeBytes(wire(head));
              switch (f) {
                case "chunked" -> {
                  if (n > 0) {
                    out.writeBytes(wire(Integer.toHexString(n) + "\r\n"));
                    out.writeBytes(payload);
                    out.writeBytes(wire("\r\n"));
                  }
                  out.writeBytes(wire("0\r\n\r\n"));
                }
                case "chunked-bad" -> out.writeBytes(wire(garbage));
                case "none" -> {}
                default -> out.writeBytes(payload);
              }
              return new Case("bodies", out.toByteArray(), complete);
            });
  }

  @Provide
  Arbitrary<Case> rangeCases() {
    Arbitrary<String> bound =
        Arbitraries.oneOf(
            Arbitraries.of(
                "",
                "0",
                "-1",
                "-0",
                "15",
                "16",
                "17",
                "99999999999999999999",
                "9223372036854775807",
                "9223372036854775808",
                "abc",
                " 3"),
            Arbitraries.longs().between(-5, 40).map(String::valueOf));
    Arbitrary<String> spec =
        Combinators.combine(bound, bound)
            .as((a, b) -> a + "-" + b)
            .list()
            .ofMinSize(1)
            .ofMaxSize(60)
            .map(l -> String.join(",", l));
    Arbitrary<String> unit = Arbitraries.of("bytes=", "bytes=", "bytes =", "items=", "", "BYTES=");
    Arbitrary<String> target =
        Arbitraries.of(
            "/v1/AUTH_test/fuzz/obj",
            "/v1/AUTH_test/fuzz/slo",
            "/v1/AUTH_test/fuzz/dlo",
            "/v1/AUTH_test/fuzz/link",
            "/v1/AUTH_test/fuzz/m0",
            "/v1/AUTH_test/fuzz/obj?multipart-manifest=get");
    return Combinators.combine(Arbitraries.of("GET", "HEAD", "COPY"), target, unit, spec)
        .as(
            (m, t, u, s) -> {
              Map<String, String> headers = new TreeMap<>();
              headers.put("X-Auth-Token", token);
              headers.put("Range", u + s);
              if (m.equals("COPY")) {
                headers.put("Destination", "fuzz/copied");
              }
              return new Case("ranges", wire(request(m, t, headers)), true);
            });
  }

  /** Segment descriptions of an SLO manifest, some naming manifests of the same case (loops). */
  private static Arbitrary<String> sloManifest() {
    Arbitrary<String> path =
        Arbitraries.of(
            "/fuzz/seg1",
            "/fuzz/seg2",
            "/fuzz/m0",
            "/fuzz/m1",
            "/fuzz/m2",
            "/fuzz/dlo",
            "/fuzz/link",
            "fuzz/seg1",
            "/fuzz/",
            "/",
            "",
            "//",
            "/fuzz",
            "/nonexistent/x",
            "/fuzz/%2e%2e/seg1",
            "/fuzz/../seg1",
            "/fuzz/seg1\u0000",
            "/" + "p".repeat(10_240));
    Arbitrary<String> etag =
        Arbitraries.of(
            "null", "\"\"", "\"0123\"", "5", "[]", "{}", "\"" + "e".repeat(32) + "\"", "absent");
    Arbitrary<String> size =
        Arbitraries.of(
            "null",
            "-1",
            "0",
            "1",
            "11",
            "9223372036854775807",
            "99999999999999999999",
            "\"11\"",
            "1.5",
            "absent",
            "[]");
    Arbitrary<String> range =
        Arbitraries.of(
            "absent", "\"0-0\"", "\"-1\"", "\"abc\"", "\"5-2\"", "\"0-99999999999\"", "3");
    Arbitrary<String> segment =
        Combinators.combine(path, etag, size, range)
            .as(
                (p, e, s, r) -> {
                  List<String> fields = new ArrayList<>();
                  fields.add("\"path\": \"" + p.replace("\u0000", "\\u0000") + "\"");
                  if (!e.equals("absent")) {
                    fields.add("\"etag\": " + e);
                  }
                  if (!s.equals("absent")) {
                    fields.add("\"size_bytes\": " + s);
                  }
                  if (!r.equals("absent")) {
                    fields.add("\"range\": " + r);
                  }
                  return "{" + String.join(", ", fields) + "}";
                });
    return Arbitraries.oneOf(
        segment.list().ofMaxSize(4).map(l -> "[" + String.join(", ", l) + "]"),
        Arbitraries.of(
            "",
            "[",
            "{}",
            "null",
            "[null]",
            "[[]]",
            "[1,2]",
            "\"x\"",
            "[{\"path\": 5}]",
            "[{\"data\": \"not base64!\"}]",
            "[{\"data\": \"QUJD\"}]",
            "[{\"sub_slo\": true}]"),
        hostileText(4));
  }

  @Provide
  Arbitrary<List<Case>> manifestCases() {
    Arbitrary<String> name = Arbitraries.of("m0", "m1", "m2", "seg1", "slo", "dlo");
    Arbitrary<Case> put =
        Combinators.combine(name, sloManifest(), Arbitraries.of("put", "put", "get", ""))
            .as(
                (n, manifest, mode) -> {
                  byte[] body = manifest.getBytes(StandardCharsets.UTF_8);
                  Map<String, String> headers = new TreeMap<>();
                  headers.put("X-Auth-Token", token);
                  headers.put("Content-Length", String.valueOf(body.length));
                  String query = mode.isEmpty() ? "" : "?multipart-manifest=" + mode;
                  return new Case(
                      "manifests",
                      concat(
                          wire(request("PUT", "/v1/AUTH_test/fuzz/" + n + query, headers)), body),
                      true);
                });
    Arbitrary<Case> dlo =
        Combinators.combine(
                name,
                Arbitraries.of(
                    "fuzz/m",
                    "fuzz/",
                    "fuzz/dlo",
                    "fuzz",
                    "/fuzz/m",
                    "fuzz/../fuzz/m",
                    "other/x",
                    "fuzz/%00",
                    utf8AsWire("fuzz/é"),
                    "\u00c3",
                    ""))
            .as(
                (n, prefix) -> {
                  Map<String, String> headers = new TreeMap<>();
                  headers.put("X-Auth-Token", token);
                  headers.put("X-Object-Manifest", prefix);
                  headers.put("Content-Length", "0");
                  return new Case(
                      "manifests", wire(request("PUT", "/v1/AUTH_test/fuzz/" + n, headers)), true);
                });
    Arbitrary<Case> link =
        Combinators.combine(name, Arbitraries.of("fuzz/m0", "fuzz/link", "fuzz/dlo", "x", "fuzz/"))
            .as(
                (n, target) -> {
                  Map<String, String> headers = new TreeMap<>();
                  headers.put("X-Auth-Token", token);
                  headers.put("X-Symlink-Target", target);
                  headers.put("Content-Length", "0");
                  String to = n.equals("m0") ? "link" : n;
                  return new Case(
                      "manifests", wire(request("PUT", "/v1/AUTH_test/fuzz/" + to, headers)), true);
                });
    Arbitrary<Case> read =
        Combinators.combine(
                Arbitraries.of("GET", "HEAD", "DELETE", "COPY"),
                Arbitraries.of("m0", "m1", "m2", "slo", "dlo", "link", "seg1"),
                Arbitraries.of(
                    "",
                    "?multipart-manifest=get",
                    "?multipart-manifest=delete",
                    "?multipart-manifest=get&format=raw",
                    "?symlink=get",
                    "?multipart-manifest=x"),
                Arbitraries.of("", "bytes=0-3", "bytes=-1", "bytes=5-"))
            .as(
                (m, n, q, r) -> {
                  Map<String, String> headers = new TreeMap<>();
                  headers.put("X-Auth-Token", token);
                  if (!r.isEmpty()) {
                    headers.put("Range", r);
                  }
                  if (m.equals("COPY")) {
                    headers.put("Destination", "fuzz/copied");
                  }
                  return new Case(
                      "manifests", wire(request(m, "/v1/AUTH_test/fuzz/" + n + q, headers)), true);
                });
    return Arbitraries.oneOf(put, put, dlo, link, read, read).list().ofMinSize(1).ofMaxSize(6);
  }

  /** A JSON-ish document: valid JSON of odd shapes, or near-JSON, or garbage. */
  private static Arbitrary<String> jsonish() {
    Arbitrary<String> scalar =
        Arbitraries.of(
            "null",
            "true",
            "0",
            "-1",
            "1e999",
            "9223372036854775808",
            "\"\"",
            "\"x\"",
            "\"local-standard\"",
            "\"filesystem\"",
            "\"draining\"",
            "\"down\"",
            "\"active\"",
            "\"" + "x".repeat(5000) + "\"",
            "\"\\u0000\"",
            "\"..\"",
            "\"../escape\"",
            "[]",
            "{}");
    Arbitrary<String> key =
        Arbitraries.of(
            "id",
            "kind",
            "tiers",
            "site",
            "root",
            "capacity",
            "state",
            "sequenceNr",
            "endpoint",
            "target",
            "backend",
            "",
            "\\u0000");
    Arbitrary<String> object =
        Combinators.combine(key, scalar)
            .as((k, v) -> "\"" + k + "\": " + v)
            .list()
            .ofMaxSize(6)
            .map(l -> "{" + String.join(", ", l) + "}");
    return Arbitraries.oneOf(
        object,
        object.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]"),
        scalar,
        Arbitraries.of(
            "", "{", "{\"id\":", "[[[[[[[[[[[[[[[[[[[[", "{\"a\":1}{", "\u00ff\u00fe", "nul"),
        Arbitraries.integers().between(1, 2000).map(n -> "[".repeat(n)),
        hostileText(3));
  }

  @Provide
  Arbitrary<Case> adminCases() {
    Arbitrary<String> name =
        Arbitraries.oneOf(
            Arbitraries.of(
                "AUTH_test", "fuzz", "local-standard", "nope", "", "%00", "%ff", "..", "%2e%2e"),
            hostileText(2));
    Arbitrary<String> path =
        Combinators.combine(
                Arbitraries.of(
                    "backends",
                    "backends/{a}",
                    "backends/{a}/state",
                    "containers/{a}/{b}",
                    "containers/{a}/{b}/history",
                    "containers/{a}/{b}/reconcile",
                    "containers/{a}/{b}/skip-event",
                    "containers/{a}/{b}/migrate",
                    "audit",
                    "cluster",
                    "metrics",
                    "{a}",
                    ""),
                name,
                name)
            .as((p, a, b) -> p.replace("{a}", a).replace("{b}", b));
    Arbitrary<String> query =
        Arbitraries.of(
            "",
            "",
            "?account=AUTH_test",
            "?since=x",
            "?since=-1&until=99999999999999999999",
            "?limit=-5",
            "?at=notadate",
            "?principal=%ff",
            "?container=%00",
            "?from=1e9");
    return Combinators.combine(
            Arbitraries.of("GET", "POST", "PUT", "DELETE", "POST", "HEAD"),
            path,
            query,
            jsonish(),
            Arbitraries.of(
                "application/json", "text/plain", "", "application/json; charset=\u00ff"))
        .as(
            (m, p, q, body, type) -> {
              byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
              Map<String, String> headers = new TreeMap<>();
              headers.put("X-Auth-Token", adminToken);
              headers.put("Content-Length", String.valueOf(bytes.length));
              if (!type.isEmpty()) {
                headers.put("Content-Type", type);
              }
              return new Case(
                  "admin-json", concat(wire(request(m, "/admin/" + p + q, headers)), bytes), true);
            });
  }

  @Provide
  Arbitrary<Case> queryCases() {
    Arbitrary<String> key =
        Arbitraries.of(
            "limit",
            "marker",
            "end_marker",
            "prefix",
            "delimiter",
            "path",
            "format",
            "reverse",
            "multipart-manifest",
            "symlink",
            "temp_url_sig",
            "temp_url_expires",
            "temp_url_prefix",
            "filename",
            "inline",
            "bulk-delete",
            "extract-archive",
            "heartbeat",
            "version-id",
            "versions",
            "states",
            "");
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of(
                "",
                "-1",
                "0",
                "10001",
                "99999999999999999999",
                "json",
                "xml",
                "plain",
                "txt",
                "true",
                "%ff",
                "%00",
                "%c3",
                "\u00c3",
                "a%",
                "%zz",
                "=",
                "&&",
                "/",
                "..",
                "x".repeat(10_240)),
            hostileText(3));
    Arbitrary<String> pair =
        Combinators.combine(key, value, Arbitraries.of("=", "=", "", "=="))
            .as((k, v, eq) -> k + eq + v);
    Arbitrary<String> query = pair.list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("&", l));
    Arbitrary<String> target =
        Arbitraries.of(
            "/v1/AUTH_test",
            "/v1/AUTH_test/fuzz",
            "/v1/AUTH_test/fuzz/obj",
            "/v1/AUTH_test/fuzz/slo",
            "/info",
            "/auth/v1.0",
            "/v1/AUTH_test2/fuzz/obj");
    return Combinators.combine(
            Arbitraries.of(METHODS), target, query, Arbitraries.of(true, true, false))
        .as(
            (m, t, q, auth) -> {
              Map<String, String> headers = new TreeMap<>();
              if (auth) {
                headers.put("X-Auth-Token", token);
              }
              if (m.equals("PUT") || m.equals("POST")) {
                headers.put("Content-Length", "0");
              }
              return new Case("query", wire(request(m, t + "?" + q, headers)), true);
            });
  }

  @Provide
  Arbitrary<Case> anyCase() {
    return Arbitraries.oneOf(
        requestLineCases(),
        headerCases(),
        pathCases(),
        bodyCases(),
        rangeCases(),
        manifestCases().map(l -> l.get(l.size() - 1)),
        adminCases(),
        queryCases());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
