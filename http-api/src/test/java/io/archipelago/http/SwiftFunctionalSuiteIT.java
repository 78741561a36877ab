package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.archipelago.engine.testing.RealBackends;
import io.archipelago.http.testkit.FederatedBackends;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * OpenStack Swift 2.30.1's own functional test suite ({@code test/functional}, run by pytest with
 * Debian's python3-swift) against three packaged gateways on loopback ports: one on the embedded
 * defaults of the root application.conf, one whose default policy places containers on a real Swift
 * cluster and one on S3Proxy (the harness's servers; S3Proxy on jclouds' in-memory provider, whose
 * keys are any string as on S3, where the filesystem provider keeps them as file paths).
 *
 * <p>Every test that fails or errors must be listed in {@code
 * swift-functests-expected-failures.txt} (one pytest node id a line, with a {@code # reason}); a
 * listed test that passes fails the run too, so that the list only shrinks. The per-file table and
 * both lists go to {@code target/swift-functests/<placement>/report.txt}.
 *
 * <p>The suite comes from Debian's source package ({@code apt-get source swift}) into {@code
 * ~/.cache/archipelago/swift-2.30.1} (or {@code $ARCHIPELAGO_SWIFT_SRC}), fetched by {@code
 * bin/lib/packages.sh} when it is missing; the Python packages are installed by {@code
 * bin/archipelago test}.
 */
class SwiftFunctionalSuiteIT {

  static final String SWIFT_VERSION = "2.30.1";
  static final String EXPECTED_FAILURES = "/swift-functests-expected-failures.txt";
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Duration PER_TEST_TIMEOUT = Duration.ofSeconds(120);
  static final Duration SUITE_TIMEOUT = Duration.ofMinutes(45);

  /**
   * Where the default policy places containers: the embedded defaults (the filesystem), a real
   * Swift cluster and S3Proxy from the harness. Each placement has its own list of expected
   * failures on top of the common one ({@code swift-functests-expected-failures-<name>.txt}).
   *
   * <p>S3Proxy runs on jclouds' transient provider ({@link RealBackends#s3Transient()}): S3 keeps
   * any key, but the filesystem provider maps keys to file paths ({@code //} collapses, an object
   * cannot also be a "directory", 255-byte names), limits no real S3 has; each of its refusals is a
   * 500 that the suite's client retries for 20 s.
   */
  enum Placement {
    // In the order they start: the longest first (measured in CI, side by side: Swift 568 s,
    // S3Proxy 359, embedded 324 all at niceness 0; 391, 312 and 228 with 0, 5 and 5).
    SWIFT("swift", FederatedBackends.Kind.SWIFT_A, 0),
    S3PROXY("s3proxy", FederatedBackends.Kind.S3, 5),
    EMBEDDED("embedded", null, 10);

    final String label;
    final FederatedBackends.Kind backend;

    /**
     * The niceness of the placement's pytest. Each suite is one client waiting on round trips, so
     * the Swift placement (its requests cost a Swift cluster's CPU besides the gateway's) ran its
     * last 200 s alone on about one core: the shorter ones give way to it so that all end closer
     * together.
     */
    final int niceness;

    Placement(String label, FederatedBackends.Kind backend, int niceness) {
      this.label = label;
      this.backend = backend;
      this.niceness = niceness;
    }
  }

  static final List<GatewayProcess> gateways = new CopyOnWriteArrayList<>();

  /** How one test ended. */
  enum Outcome {
    PASSED,
    FAILED,
    SKIPPED
  }

  /** One test case of the JUnit XML. */
  record Result(String id, String file, Outcome outcome, double seconds) {}

  @AfterAll
  static void stop() {
    for (GatewayProcess gateway : gateways) {
      gateway.stop();
      gateway.close();
    }
  }

  /**
   * The three placements run at once, each suite against its own gateway: one suite is a single
   * client waiting on round trips, so three side by side share the cores. Each gateway stops when
   * its suite is done. pytest-xdist would not help: the suite's modules share accounts (each
   * module's teardown deletes every container of the account, TestAccount counts them).
   */
  @Test
  void onlyTheRecordedTestsFail() throws Exception {
    Assumptions.assumeTrue(
        pythonHas("swift", "swiftclient", "pytest", "mock", "pytest_timeout"),
        "python3-swift, python3-pytest, python3-mock and python3-pytest-timeout are installed by"
            + " bin/archipelago test");
    Path repo = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath();
    Path source = swiftSource(repo);
    Path root = repo.resolve("http-api/target/swift-functests");
    deleteTree(root);
    Files.createDirectories(root);
    // the harness's Swift clusters and S3Proxy only when a placement needs them
    FederatedBackends backends =
        selected().stream().anyMatch(p -> p.backend != null)
            ? new FederatedBackends(RealBackends.get())
            : null;

    ExecutorService runs = Executors.newFixedThreadPool(Placement.values().length);
    try {
      Map<Placement, Future<PlacementRun>> done = new LinkedHashMap<>();
      for (Placement placement : selected()) {
        // started one after the other: three JVMs starting at once on two cores overrun the
        // start timeout
        GatewayProcess gateway = start(placement, backends, root);
        done.put(placement, runs.submit(() -> run(placement, gateway, source, root)));
      }
      StringBuilder all = new StringBuilder();
      StringBuilder tables = new StringBuilder();
      for (var entry : done.entrySet()) {
        PlacementRun finished =
            entry.getValue().get(SUITE_TIMEOUT.toMinutes() + 5, TimeUnit.MINUTES);
        tables.append(finished.table()).append('\n');
        if (!finished.problems().isEmpty()) {
          all.append("\n[").append(entry.getKey().label).append("] ").append(finished.problems());
        }
      }
      // the per-file tables of every placement together, after the interleaved reports
      System.out.println("\nSwift " + SWIFT_VERSION + " functional tests by placement:\n" + tables);
      if (all.length() > 0) {
        fail(all.toString());
      }
    } finally {
      runs.shutdownNow();
    }
  }

  /**
   * The placements named in {@code -Dswift.functests.placements=...} ({@code bin/archipelago test
   * -Dswift.functests.placements=embedded} for the embedded one only); by default all three.
   */
  private static List<Placement> selected() {
    List<String> names =
        List.of(
            System.getProperty("swift.functests.placements", "embedded,swift,s3proxy").split(","));
    return Stream.of(Placement.values()).filter(p -> names.contains(p.label)).toList();
  }

  /** The placement's gateway, started and answering logins. */
  private static GatewayProcess start(Placement placement, FederatedBackends backends, Path root)
      throws IOException {
    Path out = Files.createDirectories(root.resolve(placement.label));
    GatewayProcess gateway;
    if (placement.backend == null) {
      gateway = new GatewayProcess(out.resolve("gateway-data"), List.of("-Xmx512m"));
    } else {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("archipelago.placement.default-policy", placement.backend.policy());
      // Every placement's s3 backend on the transient provider: the suite's cross-policy tests
      // pick a random other policy, and on the filesystem provider's key limits (see above) a
      // DLO segment PUT answered 500 (CI: test_versioning_dlo on the Swift placement).
      extra.putAll(FederatedBackends.s3BackendOn(backends.servers().s3Transient()));
      gateway =
          new GatewayProcess(
              out.resolve("gateway-data"),
              List.of("-Xmx512m"),
              backends.writeConfigFile(out.resolve("gateway.conf"), extra));
    }
    gateways.add(gateway);
    gateway.start();
    // the suite's first step; a clear failure here beats 800 failing tests
    SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
    return gateway;
  }

  /** One placement's finished run: its per-file table and what is wrong with it (or nothing). */
  record PlacementRun(String table, String problems) {}

  /** One placement's run. */
  private static PlacementRun run(
      Placement placement, GatewayProcess gateway, Path source, Path root) throws Exception {
    Path out = root.resolve(placement.label);
    Path config = writeConfig(out.resolve("test.conf"), gateway.authUrl());
    long started = System.nanoTime();
    int exit;
    try {
      exit = runPytest(source, out, config, placement.niceness);
    } finally {
      // killed at once: its CPU goes to the placements still running, its data is thrown away
      gateway.close();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    Path junit = out.resolve("junit.xml");
    String label = placement.label;
    if (!Files.isRegularFile(junit)) {
      return new PlacementRun(
          label + ": no JUnit XML",
          "pytest (exit " + exit + ") wrote no JUnit XML; see " + out.resolve("pytest.log"));
    }
    List<Result> results = parse(junit);
    if (exit != 0 && exit != 1) {
      return new PlacementRun(
          table(label, results, took),
          "pytest exited with " + exit + " (not a test failure); see " + out.resolve("pytest.log"));
    }
    if (results.isEmpty()) {
      return new PlacementRun(
          label + ": no test", "pytest ran no test; see " + out.resolve("pytest.log"));
    }

    Map<String, String> expected = expectedFailures(placement);
    List<String> unexpected = new ArrayList<>();
    List<String> fixed = new ArrayList<>();
    Map<String, Result> byId = new LinkedHashMap<>();
    for (Result r : results) {
      byId.put(r.id(), r);
      if (r.outcome() == Outcome.FAILED && !expected.containsKey(r.id())) {
        unexpected.add(r.id());
      }
      if (r.outcome() == Outcome.PASSED && expected.containsKey(r.id())) {
        fixed.add(r.id());
      }
    }
    List<String> notRun =
        expected.keySet().stream()
            .filter(id -> !byId.containsKey(id) || byId.get(id).outcome() == Outcome.SKIPPED)
            .toList();

    String report = report(placement.label, results, took, unexpected, fixed, notRun, expected);
    Files.writeString(out.resolve("report.txt"), report);
    System.out.println(report);

    StringBuilder problems = new StringBuilder();
    if (!unexpected.isEmpty()) {
      problems.append("\nFailed, and not in the expected failures:\n");
      unexpected.forEach(id -> problems.append("  ").append(id).append('\n'));
    }
    if (!fixed.isEmpty()) {
      problems.append("\nPassed now: remove these entries from the expected failures:\n");
      fixed.forEach(id -> problems.append("  ").append(id).append('\n'));
    }
    return new PlacementRun(
        table(label, results, took),
        problems.length() == 0
            ? ""
            : summary(label, results, took)
                + problems
                + "(report: "
                + out.resolve("report.txt")
                + ")");
  }

  /** The Swift source tree whose test/functional is run, fetched when missing. */
  static Path swiftSource(Path repo) throws IOException, InterruptedException {
    Path dir =
        Optional.ofNullable(System.getenv("ARCHIPELAGO_SWIFT_SRC"))
            .map(Path::of)
            .orElse(
                Path.of(System.getProperty("user.home"), ".cache", "archipelago")
                    .resolve("swift-" + SWIFT_VERSION));
    if (!Files.isRegularFile(dir.resolve("test/functional/__init__.py"))) {
      ProcessBuilder install =
          new ProcessBuilder(
                  "bash",
                  "-c",
                  ". \"$1/bin/lib/packages.sh\" && swift_functests_install \"$2\"",
                  "SwiftFunctionalSuiteIT",
                  repo.toString(),
                  dir.toString())
              .inheritIO();
      Process p = install.start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("fetching Swift's source into " + dir + " did not finish in 10 minutes");
      }
      assertTrue(
          p.exitValue() == 0 && Files.isRegularFile(dir.resolve("test/functional/__init__.py")),
          "could not fetch Swift's source into " + dir + " (bin/lib/packages.sh)");
    }
    return dir;
  }

  /** The suite's [func_test] section: Swift's all-in-one users and the SERVICE_ prefix. */
  private static Path writeConfig(Path file, String authUrl) throws IOException {
    String text =
        String.join(
            "\n",
            "[func_test]",
            "auth_uri = " + authUrl,
            "auth_version = 1",
            "account = test",
            "username = tester",
            "password = testing",
            "account2 = test2",
            "username2 = tester2",
            "password2 = testing2",
            "username3 = tester3",
            "password3 = testing3",
            "account5 = test5",
            "username5 = tester5",
            "password5 = testing5",
            "service_prefix = SERVICE",
            "collate = C",
            "insecure = no",
            // domain_remap: root application.conf has archipelago.http.domain-remap.storage-domain
            "storage_domain = example.net",
            "");
    return Files.writeString(file, text);
  }

  /**
   * pytest on tests.py and test_*.py, from a directory that holds only a link to the source's
   * {@code test} package, so that {@code import swift} finds Debian's python3-swift.
   */
  private static int runPytest(Path source, Path out, Path config, int niceness)
      throws IOException, InterruptedException {
    Path shim = Files.createDirectories(out.resolve("shim"));
    Files.createSymbolicLink(shim.resolve("test"), source.resolve("test"));
    List<String> command =
        new ArrayList<>(
            List.of(
                "nice",
                "-n",
                Integer.toString(niceness),
                PYTHON.toString(),
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-rfEs",
                "--junitxml=" + out.resolve("junit.xml"),
                "-o",
                "junit_family=xunit1",
                "--timeout",
                Long.toString(PER_TEST_TIMEOUT.toSeconds())));
    command.add("test/functional/tests.py");
    try (Stream<Path> files = Files.list(source.resolve("test/functional"))) {
      files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith("test_") && n.endsWith(".py"))
          .sorted()
          .forEach(n -> command.add("test/functional/" + n));
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(shim.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.resolve("pytest.log").toFile());
    builder.environment().put("SWIFT_TEST_CONFIG_FILE", config.toString());
    builder.environment().put("SWIFT_TEST_IN_PROCESS", "0");
    builder.environment().put("COLUMNS", "250");
    builder.environment().put("no_proxy", "127.0.0.1,localhost");
    Process p = builder.start();
    p.getOutputStream().close();
    if (!p.waitFor(SUITE_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("Swift's functional tests did not finish in " + SUITE_TIMEOUT);
    }
    return p.exitValue();
  }

  /**
   * The test cases of pytest's xunit1 JUnit XML, each named by its pytest node id ({@code
   * test/functional/tests.py::TestAccount::testNoAuthToken}).
   */
  static List<Result> parse(Path junit) throws Exception {
    var factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    NodeList cases =
        factory.newDocumentBuilder().parse(junit.toFile()).getElementsByTagName("testcase");
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < cases.getLength(); i++) {
      Element c = (Element) cases.item(i);
      String file = c.getAttribute("file");
      String classname = c.getAttribute("classname");
      String module = file.endsWith(".py") ? file.substring(0, file.length() - 3) : file;
      module = module.replace('/', '.');
      String id =
          classname.startsWith(module + ".")
              ? file
                  + "::"
                  + classname.substring(module.length() + 1)
                  + "::"
                  + c.getAttribute("name")
              : file + "::" + c.getAttribute("name");
      Outcome outcome =
          has(c, "failure") || has(c, "error")
              ? Outcome.FAILED
              : has(c, "skipped") ? Outcome.SKIPPED : Outcome.PASSED;
      String time = c.getAttribute("time");
      results.add(new Result(id, file, outcome, time.isEmpty() ? 0 : Double.parseDouble(time)));
    }
    return results;
  }

  private static boolean has(Element testcase, String child) {
    return testcase.getElementsByTagName(child).getLength() > 0;
  }

  /** The checked-in lists (common and the placement's own): node id to reason. */
  static Map<String, String> expectedFailures(Placement placement) throws IOException {
    Map<String, String> expected = new TreeMap<>();
    read(EXPECTED_FAILURES, expected, true);
    read(
        EXPECTED_FAILURES.replace(".txt", "-" + placement.label + ".txt"),
        expected,
        placement != Placement.EMBEDDED);
    return expected;
  }

  /** A checked-in list of expected failures (a resource): node id to reason. */
  static Map<String, String> expectedFailures(String resource) throws IOException {
    Map<String, String> expected = new TreeMap<>();
    read(resource, expected, true);
    return expected;
  }

  /** One list; every entry must give a reason. */
  private static void read(String resource, Map<String, String> into, boolean required)
      throws IOException {
    try (InputStream in = SwiftFunctionalSuiteIT.class.getResourceAsStream(resource)) {
      if (in == null) {
        if (required) {
          fail("no " + resource + " on the test classpath");
        }
        return;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
          continue;
        }
        int hash = trimmed.indexOf(" #");
        if (hash < 0 || trimmed.substring(hash + 2).isBlank()) {
          fail(resource + ": every entry needs a '# reason': " + trimmed);
        }
        into.put(trimmed.substring(0, hash).strip(), trimmed.substring(hash + 2).strip());
      }
    }
  }

  static String summary(String label, List<Result> results, Duration took) {
    long passed = results.stream().filter(r -> r.outcome() == Outcome.PASSED).count();
    long failed = results.stream().filter(r -> r.outcome() == Outcome.FAILED).count();
    long skipped = results.stream().filter(r -> r.outcome() == Outcome.SKIPPED).count();
    return String.format(
        "Swift %s functional tests, %s: %d passed, %d failed, %d skipped in %d s%n",
        SWIFT_VERSION, label, passed, failed, skipped, took.toSeconds());
  }

  static String report(
      String label,
      List<Result> results,
      Duration took,
      List<String> unexpected,
      List<String> fixed,
      List<String> notRun,
      Map<String, String> expected) {
    StringBuilder sb = new StringBuilder(table(label, results, took));
    sb.append("\nFailed (expected, with the recorded reason):\n");
    results.stream()
        .filter(r -> r.outcome() == Outcome.FAILED && expected.containsKey(r.id()))
        .map(Result::id)
        .sorted(Comparator.naturalOrder())
        .forEach(
            id -> sb.append("  ").append(id).append("  # ").append(expected.get(id)).append('\n'));
    sb.append("\nFailed (NOT expected):\n");
    unexpected.forEach(id -> sb.append("  ").append(id).append('\n'));
    sb.append("\nListed but passed (remove from the list):\n");
    fixed.forEach(id -> sb.append("  ").append(id).append('\n'));
    sb.append("\nListed but skipped or not run:\n");
    notRun.forEach(id -> sb.append("  ").append(id).append('\n'));
    return sb.toString();
  }

  /** Passed, failed and skipped tests per file, and the totals. */
  static String table(String label, List<Result> results, Duration took) {
    Map<String, long[]> perFile = new TreeMap<>();
    Map<String, Double> seconds = new TreeMap<>();
    for (Result r : results) {
      perFile.computeIfAbsent(r.file(), f -> new long[3])[r.outcome().ordinal()]++;
      seconds.merge(r.file(), r.seconds(), Double::sum);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-40s %6s %6s %6s %8s%n", "file", "pass", "fail", "skip", "time_s"));
    perFile.forEach(
        (file, n) ->
            sb.append(
                String.format(
                    "%-40s %6d %6d %6d %8.1f%n", file, n[0], n[1], n[2], seconds.get(file))));
    sb.append(summary(label, results, took));
    return sb.toString();
  }

  static boolean pythonHas(String... modules) {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    try {
      Process p =
          new ProcessBuilder(PYTHON.toString(), "-c", "import " + String.join(", ", modules))
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
