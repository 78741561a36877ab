package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.archipelago.http.SwiftFunctionalSuiteIT.Outcome;
import io.archipelago.http.SwiftFunctionalSuiteIT.Result;
import io.archipelago.http.testkit.GatewayProcess;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * OpenStack Swift 2.30.1's own s3api functional tests ({@code test/functional/s3api}: boto 2, boto3
 * and its s3_test_client) against one packaged gateway on the embedded defaults, its S3 port as
 * {@code s3_storage_url} and the TempAuth users as access keys, as Swift's in-process functional
 * setup has them.
 *
 * <p>As {@link SwiftFunctionalSuiteIT}: every test that fails must be listed in {@code
 * s3api-functests-expected-failures.txt} with a reason, and a listed test that passes fails the
 * run, so that the list only shrinks; the report goes to {@code target/s3api-functests/}.
 */
class S3ApiFunctionalSuiteIT {

  static final String EXPECTED_FAILURES = "/s3api-functests-expected-failures.txt";
  static final Duration SUITE_TIMEOUT = Duration.ofMinutes(20);

  static GatewayProcess gateway;

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
      gateway.close();
    }
  }

  @Test
  void onlyTheRecordedTestsFail() throws Exception {
    Assumptions.assumeTrue(
        SwiftFunctionalSuiteIT.pythonHas(
            "swift", "pytest", "mock", "pytest_timeout", "boto", "boto3", "requests"),
        "python3-swift, python3-pytest, python3-mock, python3-pytest-timeout, python3-boto and"
            + " python3-boto3 are installed by bin/archipelago test");
    Path repo = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath();
    Path source = SwiftFunctionalSuiteIT.swiftSource(repo);
    Path out = repo.resolve("http-api/target/s3api-functests");
    SwiftFunctionalSuiteIT.deleteTree(out);
    Files.createDirectories(out);

    gateway = new GatewayProcess(out.resolve("gateway-data"), List.of("-Xmx512m")).start();
    SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");

    Path config =
        writeConfig(
            out.resolve("test.conf"), gateway.authUrl(), "http://127.0.0.1:" + gateway.s3Port());
    long started = System.nanoTime();
    int exit = runPytest(source, out, config);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    Path junit = out.resolve("junit.xml");
    if (!Files.isRegularFile(junit)) {
      fail("pytest (exit " + exit + ") wrote no JUnit XML; see " + out.resolve("pytest.log"));
    }
    List<Result> results = SwiftFunctionalSuiteIT.parse(junit);
    assertTrue(
        exit == 0 || exit == 1,
        "pytest exited with " + exit + " (not a test failure); see " + out.resolve("pytest.log"));
    assertTrue(!results.isEmpty(), "pytest ran no test; see " + out.resolve("pytest.log"));

    Map<String, String> expected = SwiftFunctionalSuiteIT.expectedFailures(EXPECTED_FAILURES);
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
    String report =
        SwiftFunctionalSuiteIT.report("s3api", results, took, unexpected, fixed, notRun, expected);
    Files.writeString(out.resolve("report.txt"), report);
    System.out.println(report);

    StringBuilder problems = new StringBuilder();
    if (!unexpected.isEmpty()) {
      problems.append("\nFailed, and not in ").append(EXPECTED_FAILURES).append(":\n");
      unexpected.forEach(id -> problems.append("  ").append(id).append('\n'));
    }
    if (!fixed.isEmpty()) {
      problems
          .append("\nPassed now: remove these entries from ")
          .append(EXPECTED_FAILURES)
          .append(":\n");
      fixed.forEach(id -> problems.append("  ").append(id).append('\n'));
    }
    if (problems.length() > 0) {
      fail(
          SwiftFunctionalSuiteIT.summary("s3api", results, took)
              + problems
              + "(report: "
              + out.resolve("report.txt")
              + ")");
    }
  }

  /** The [func_test] section with the S3 endpoint and keys of Swift's in-process setup. */
  private static Path writeConfig(Path file, String authUrl, String s3Url) throws IOException {
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
            "s3_storage_url = " + s3Url,
            "s3_access_key = test:tester",
            "s3_secret_key = testing",
            "s3_access_key2 = test:tester2",
            "s3_secret_key2 = testing2",
            "s3_access_key3 = test:tester3",
            "s3_secret_key3 = testing3",
            "collate = C",
            "insecure = no",
            "");
    return Files.writeString(file, text);
  }

  /** pytest on test/functional/s3api, from a directory that links only the source's tests. */
  private static int runPytest(Path source, Path out, Path config)
      throws IOException, InterruptedException {
    Path shim = Files.createDirectories(out.resolve("shim"));
    Files.createSymbolicLink(shim.resolve("test"), source.resolve("test"));
    List<String> command =
        List.of(
            SwiftFunctionalSuiteIT.PYTHON.toString(),
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
            Long.toString(SwiftFunctionalSuiteIT.PER_TEST_TIMEOUT.toSeconds()),
            "test/functional/s3api");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(shim.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.resolve("pytest.log").toFile());
    builder.environment().put("SWIFT_TEST_CONFIG_FILE", config.toString());
    builder.environment().put("SWIFT_TEST_IN_PROCESS", "0");
    builder.environment().put("SWIFT_TEST_QUIET_BOTO_LOGS", "1");
    builder.environment().put("COLUMNS", "250");
    builder.environment().put("no_proxy", "127.0.0.1,localhost");
    Process p = builder.start();
    p.getOutputStream().close();
    if (!p.waitFor(SUITE_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("Swift's s3api functional tests did not finish in " + SUITE_TIMEOUT);
    }
    return p.exitValue();
  }
}
