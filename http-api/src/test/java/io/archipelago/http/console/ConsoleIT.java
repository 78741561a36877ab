package io.archipelago.http.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.Migration;
import io.archipelago.http.testkit.FsObjectFiles;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.persistence.audit.AuditInfo;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real headless Chromium (Debian's chromium and chromium-driver, driven
 * by Selenium WebDriver; no Selenium Manager) against an in-process gateway with real data: log in,
 * backends and capacities as the admin API has them, a container and its history, the audit log
 * followed live, a hostile container name shown as text, failed copies retried, migrations (or the
 * message that this gateway has none), phone width. One browser for the class (Chromium starts
 * slowly); a screenshot of each view goes to {@code target/console-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

  private static final String HOSTILE = "<img src=x onerror=alert(1)>";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.embedded(ConsoleIT::config);

  static ChromeDriver driver;
  static WebDriverWait wait;
  static SwiftClient tester;
  static SwiftClient admin;

  private static Map<String, Object> config() {
    Map<String, Object> c = new HashMap<>();
    c.put("archipelago.engine.capacity-poll-interval", "1s");
    // an outage of the replica's site: copies fail, and only the console's Retry repairs them
    c.put("archipelago.backends.site-b.offline-flag-file", "site-b.offline");
    c.put("archipelago.sync.attempts", 1);
    c.put("archipelago.sync.retry-min-backoff", "100ms");
    c.put("archipelago.sync.backend-cooldown", "1s");
    c.put("archipelago.sync.repair-interval", "1h");
    c.put("archipelago.sync.progress-interval", "500ms");
    // no copy workers: a started migration stays cancellable for as long as the test needs
    c.put("archipelago.migration.enabled", false);
    c.put("jdbc-read-journal.refresh-interval", "200ms");
    // a small local-standard that the rebalance test fills beyond its high-water mark
    c.put("archipelago.backends.local-standard.capacity", 100_000);
    c.put("archipelago.placement.rebalance.enabled", true);
    c.put("archipelago.sync.lag-history.interval", "1s");
    c.put("archipelago.http.request-history.interval", "1s");
    // one node: no other node can place a container on a drained backend late
    c.put("archipelago.migration.drain.settle", "1s");
    c.put("archipelago.migration.drain.tick-interval", "300ms");
    return c;
  }

  @BeforeAll
  static void start() throws Exception {
    assertTrue(
        Files.isExecutable(Path.of("/usr/bin/chromedriver"))
            && Files.isExecutable(Path.of("/usr/bin/chromium")),
        "ConsoleIT needs Debian's chromium and chromium-driver (bin/run-tests installs them)");
    Files.createDirectories(SCREENSHOTS);
    tester = gateway.login("test:tester", "testing");
    admin = gateway.login("admin:admin", "admin");
    created("photos", Map.of("X-Container-Meta-Color", "blue"));
    assertEquals(201, tester.call("PUT", "/photos/cat.jpg", Map.of(), "meow").statusCode());
    assertEquals(201, tester.call("PUT", "/photos/dog.jpg", Map.of(), "woof!").statusCode());
    assertEquals(
        204,
        tester
            .call("POST", "/photos", Map.of("X-Container-Meta-Color", "green"), null)
            .statusCode());
    created(Http.enc(HOSTILE), Map.of());
    created("mirrored", Map.of("X-Storage-Policy", "replicated"));
    created("archived", Map.of("X-Storage-Policy", "archive"));

    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,800");
    // an alert the page opens stays open, so that the test can see it
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1280, 800));
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    // the page re-renders its tables every few seconds: an element found just before is stale
    wait.ignoring(StaleElementReferenceException.class);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
  }

  @Test
  @Order(1)
  void theConsoleAnswersWithItsSecurityHeaders() {
    HttpResponse<String> page =
        tester.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/console/")).build());
    assertEquals(200, page.statusCode());
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
  }

  @Test
  @Order(2)
  void logsInWithTheKeyboardAndShowsBackendsAsTheAdminApiHasThem() throws Exception {
    driver.get(gateway.baseUrl() + "/console");
    WebElement user =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
    user.sendKeys("admin:admin");
    driver.findElement(By.id("login-key")).sendKeys("admin", Keys.ENTER);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
    String token = (String) js("return sessionStorage.getItem('archipelago.console.token');");
    assertNotNull(token, "the session keeps the token in sessionStorage");
    assertFalse(driver.getCurrentUrl().contains(token), driver.getCurrentUrl());
    assertEquals(0L, js("return localStorage.length;"), "nothing in localStorage");
    assertFalse(driver.getCurrentUrl().contains("admin"), driver.getCurrentUrl());

    // every backend of the admin API, with its kind, state and capacity (polled every second, so
    // the page and the API agree once both read the same poll)
    wait.until(
        d -> {
          JsonNode backends = adminJson("/admin/backends").path("backends");
          for (JsonNode b : backends) {
            List<WebElement> rows =
                d.findElements(
                    By.cssSelector(
                        "#backends-table tr[data-backend='" + b.path("id").asText() + "']"));
            if (rows.size() != 1) {
              return false;
            }
            WebElement capacity = rows.get(0).findElement(By.cssSelector("td.capacity"));
            if (!capacity.getAttribute("data-total").equals(b.path("totalBytes").asText())
                || !capacity.getAttribute("data-used").equals(b.path("usedBytes").asText())) {
              return false;
            }
            String text = rows.get(0).getText();
            if (!text.contains(b.path("kind").asText())
                || !text.contains(b.path("state").asText())
                || !text.contains(b.path("site").asText())) {
              return false;
            }
          }
          return backends.size()
              == d.findElements(By.cssSelector("#backends-table tbody tr")).size();
        });
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#total-backends strong"), "3"));
    wait.until(
        ExpectedConditions.numberOfElementsToBe(
            By.cssSelector("#capacity-chart svg g[data-backend]"), 3));
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#rate-chart svg"), 1));
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#latency-chart svg"), 1));
    String nodes = textOf("#nodes-table");
    assertTrue(
        nodes.contains(adminJson("/admin/cluster").path("members").get(0).path("address").asText()),
        nodes);
    assertTrue(nodes.contains("Container"), nodes);
    screenshot("overview");
  }

  @Test
  @Order(3)
  void findsAContainerItsSyncAndItsHistory() throws Exception {
    view("containers");
    driver.findElement(By.id("search-account")).sendKeys("AUTH_test");
    driver.findElement(By.id("search-name")).sendKeys("phot", Keys.ENTER);
    WebElement open =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.xpath("//table[@id='container-results']//button[text()='photos']")));
    open.click();
    wait.until(ExpectedConditions.textToBe(By.id("detail-title"), "AUTH_test / photos"));
    JsonNode info = adminJson("/admin/containers/AUTH_test/photos");
    String facts = driver.findElement(By.id("detail-facts")).getText();
    assertTrue(facts.contains(info.path("assignment").path("primary").asText()), facts);
    assertTrue(facts.contains(info.path("policy").asText()), facts);
    assertTrue(facts.contains("2"), facts);
    String metadata = driver.findElement(By.id("detail-metadata")).getText();
    assertTrue(
        metadata.toLowerCase(Locale.ROOT).contains("x-container-meta-color")
            && metadata.contains("green"),
        metadata);
    String timeline = driver.findElement(By.id("timeline")).getText();
    for (String type : List.of("ContainerCreated", "ObjectWritten", "ContainerMetadataUpdated")) {
      assertTrue(timeline.contains(type), timeline);
    }
    assertTrue(timeline.contains("test:tester"), timeline);
    // the state right after it was created: no objects yet, still blue
    WebElement created =
        driver.findElement(
            By.xpath("//ol[@id='timeline']/li[.//strong[text()='ContainerCreated']]//button"));
    created.click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("history-state"), "ContainerCreated"));
    String then = driver.findElement(By.id("history-state")).getText();
    assertTrue(then.toLowerCase(Locale.ROOT).contains("color: blue"), then);
    assertFalse(then.contains("green"), then);
    screenshot("containers");
  }

  @Test
  @Order(4)
  void aHostileContainerNameIsShownAsText() throws Exception {
    view("containers");
    WebElement name = driver.findElement(By.id("search-name"));
    name.clear();
    driver.findElement(By.id("search-account")).clear();
    name.sendKeys("onerror", Keys.ENTER);
    WebElement button =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#container-results tbody button")));
    assertEquals(HOSTILE, button.getText());
    assertTrue(driver.findElements(By.cssSelector("#container-results img")).isEmpty());
    button.click();
    wait.until(ExpectedConditions.textToBe(By.id("detail-title"), "AUTH_test / " + HOSTILE));
    assertTrue(driver.findElements(By.cssSelector("main img")).isEmpty());
    assertNoAlert();
    screenshot("containers-hostile-name");
  }

  @Test
  @Order(5)
  void followsTheAuditLogLive() throws Exception {
    view("audit");
    driver.findElement(By.id("audit-account")).sendKeys("AUTH_test");
    driver.findElement(By.id("audit-container")).sendKeys("photos", Keys.ENTER);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("audit-summary"), "event(s)"));
    assertTrue(textOf("#audit-table").contains("ObjectWritten"));
    driver.findElement(By.id("audit-follow")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("audit-summary"), "Following"));
    assertEquals(
        201, tester.call("PUT", "/photos/followed-live.txt", Map.of(), "new").statusCode());
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#audit-table tbody tr:first-child"), "followed-live.txt"));
    screenshot("audit");
    driver.findElement(By.id("audit-follow")).click();
    assertEquals("false", driver.findElement(By.id("audit-follow")).getAttribute("aria-pressed"));
    // Export downloads the filtered log (the API's NDJSON) as a file
    driver.findElement(By.id("audit-export")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Exported"));
    String exported = driver.findElement(By.id("status")).getText();
    assertTrue(exported.matches("Exported [0-9.]+ (B|KiB) of audit log\\."), exported);
    assertNoAlert();
  }

  @Test
  @Order(6)
  void failedCopiesAreListedAndRetried() throws Exception {
    Path offline = gateway.dataDir().resolve("site-b.offline");
    Files.writeString(offline, "drill");
    try {
      assertEquals(201, tester.call("PUT", "/mirrored/a.txt", Map.of(), "copy me").statusCode());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (adminJson("/admin/containers/AUTH_test/mirrored")
                  .path("sync")
                  .path("replicas")
                  .path("site-b")
                  .path("failedObjects")
                  .asLong()
              == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      view("failures");
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]"),
              "site-b"));
      // the overview names the outage and the failed copies
      view("overview");
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("alerts"), "Failed copies: AUTH_test/mirrored"));
      assertTrue(textOf("#alerts").contains("site-b"));
      screenshot("overview-alerts");
      view("failures");
      wait.until(
          ExpectedConditions.visibilityOfElementLocated(
              By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]")));
      screenshot("failures");
    } finally {
      Files.deleteIfExists(offline);
    }
    click(By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]//button"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("status"), "Reconciled AUTH_test/mirrored"));
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(
            By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]")));
    assertEquals(0, failedCopies("mirrored"));

    // a second outage: Retry all reconciles every container listed
    Files.writeString(offline, "drill");
    try {
      assertEquals(201, tester.call("PUT", "/mirrored/b.txt", Map.of(), "me too").statusCode());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (failedCopies("mirrored") == 0 && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
    } finally {
      Files.deleteIfExists(offline);
    }
    view("overview");
    view("failures");
    wait.until(
        ExpectedConditions.visibilityOfElementLocated(
            By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]")));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sync-retry-all"))).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("status"), "Reconciled 1 container(s), 0 still failing"));
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(
            By.xpath("//table[@id='failures-table']//tr[td[text()='AUTH_test/mirrored']]")));
    assertEquals(0, failedCopies("mirrored"));
    // both retries are the operator's in the audit log
    String reconciled =
        adminText("/admin/audit?account=AUTH_test&container=mirrored&type=ReplicaReconciled");
    assertTrue(
        reconciled.lines().filter(l -> l.contains("\"principal\":\"admin:admin\"")).count() >= 2,
        reconciled);
  }

  @Test
  @Order(7)
  void failedMigrationCopiesAreListedAndRetried() throws Exception {
    created("moving", Map.of("X-Storage-Policy", "archive"));
    assertEquals(201, tester.call("PUT", "/moving/a.txt", Map.of(), "first copy").statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/moving/" + Http.enc(HOSTILE), Map.of(), "second copy").statusCode());
    HttpResponse<String> started =
        adminPost("/admin/containers/AUTH_test/moving/migrate", "{\"target\":\"site-b\"}");
    assertEquals(202, started.statusCode(), started.body());
    String id = JSON.readTree(started.body()).path("id").asText();
    // no copy workers on this gateway: record two failed copies as the worker records them
    ContainerEntity.<Migration>ask(
            ClusterSharding.get(gateway.system())
                .entityRefFor(
                    ContainerEntity.TYPE_KEY, ContainerEntity.entityId("AUTH_test", "moving")),
            r ->
                new ContainerEntity.RecordMigrationProgress(
                    id,
                    "",
                    0,
                    0,
                    List.of(
                        new Migration.MigrationError(
                            "a.txt", "site-b: connection reset", Instant.now()),
                        new Migration.MigrationError(
                            HOSTILE, "site-b: connection reset", Instant.now())),
                    AuditInfo.system("console-it", "migration-AUTH_test/moving"),
                    r),
            Duration.ofSeconds(10))
        .toCompletableFuture()
        .get(15, TimeUnit.SECONDS);

    view("overview");
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("alerts"), "Failed migration copies: AUTH_test/moving → site-b (2 objects)"));
    view("failures");
    String rows = "#migration-failures-table tbody tr";
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(rows), 2));
    JsonNode failures = adminJson("/admin/migrations/failures").path("failures");
    assertEquals(2, failures.size(), failures.toPrettyString());
    List<List<String>> shown = tableCells(rows);
    for (int i = 0; i < failures.size(); i++) {
      JsonNode f = failures.get(i);
      List<String> cells = shown.get(i);
      assertEquals("AUTH_test/moving", cells.get(0));
      assertEquals(f.path("object").asText(), cells.get(1));
      assertEquals(f.path("source").asText(), cells.get(2));
      assertEquals(f.path("target").asText(), cells.get(3));
      assertEquals(f.path("error").asText(), cells.get(4));
      assertEquals(f.path("at").asText(), cells.get(5));
    }
    assertTrue(driver.findElements(By.cssSelector("main img")).isEmpty());
    assertNoAlert();
    js("document.getElementById('h-migration-failures').scrollIntoView();");
    screenshot("failures-migration");

    click(By.cssSelector("#migration-failures-table button[aria-label='Retry a.txt']"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("status"), "Copied 1 object(s) again, 0 failed"));
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(rows), 1));
    assertEquals(HOSTILE, textOf(rows + " td:nth-child(2)"));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("migration-retry-all"))).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("migration-failures-summary"), "No failed copies"));
    assertEquals(0, adminJson("/admin/migrations/failures").path("failures").size());
    Path target = gateway.dataDir().resolve("backends").resolve("site-b");
    assertTrue(FsObjectFiles.holds(target, "first copy".getBytes(StandardCharsets.UTF_8)));
    assertTrue(FsObjectFiles.holds(target, "second copy".getBytes(StandardCharsets.UTF_8)));
    String retried =
        adminText("/admin/audit?account=AUTH_test&container=moving&type=MigrationCopiesRetried");
    assertEquals(
        2,
        retried.lines().filter(l -> l.contains("\"principal\":\"admin:admin\"")).count(),
        retried);
    HttpResponse<String> cancelled =
        admin.send(
            HttpRequest.newBuilder(
                    URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/moving/migration"))
                .header("X-Auth-Token", admin.token())
                .DELETE()
                .build());
    assertEquals(200, cancelled.statusCode(), cancelled.body());
  }

  @Test
  @Order(8)
  void startsAndCancelsAMigration() throws Exception {
    assertEquals(200, migrationStatus(), "GET /admin/migrations");
    for (int i = 0; i < 200; i++) {
      assertEquals(
          201, tester.call("PUT", "/archived/o" + i, Map.of(), "x".repeat(4096)).statusCode());
    }
    view("migrations");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("migration-start")));
    driver.findElement(By.id("migrate-account")).sendKeys("AUTH_test");
    driver.findElement(By.id("migrate-container")).sendKeys("archived");
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#migrate-target option[value='local-standard']")));
    // the page redraws its forms' choices as backends report: what was found may be replaced
    click(By.cssSelector("#migrate-target option[value='local-standard']"));
    click(By.cssSelector("#migration-start button[type='submit']"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("migration-message"), "started"));
    String row = "#migrations-table tr[data-migration='AUTH_test/archived']";
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(row), "local-archive"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row + " progress")));
    screenshot("migrations");
    click(By.cssSelector(row + " button"));
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("migration-message"), "cancelled"));
    JsonNode after = adminJson("/admin/containers/AUTH_test/archived");
    assertEquals("local-archive", after.path("assignment").path("primary").asText());
  }

  @Test
  @Order(9)
  void drainsABackendPausesResumesAndCancels() throws Exception {
    HttpResponse<String> added =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"id\":\"console-spare\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],"
                            + "\"settings\":{\"root\":\"backends/console-spare\"}}"))
                .build());
    assertEquals(200, added.statusCode(), added.body());
    view("migrations");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("drain-start")));
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#drain-backend option[value='local-standard']")));
    click(By.cssSelector("#drain-backend option[value='local-standard']"));
    driver.findElement(By.id("drain-concurrency")).sendKeys("2");
    click(By.cssSelector("#drain-start button[type='submit']"));
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("drain-message"), "started"));
    assertEquals(
        "draining", adminJson("/admin/backends/local-standard/drain").path("state").asText());
    // no copy workers here: two of the three containers (the replicated one moves its primary
    // too) stay moving at concurrency 2, the third waits
    String row = "#drains-table tr[data-drain='local-standard']";
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector(row), "0 of 3 containers moved, 2 moving"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row + " progress")));
    assertNoAlert();
    js("document.getElementById('h-drains').scrollIntoView();");
    screenshot("drain");

    click(By.xpath("//tr[@data-drain='local-standard']//button[text()='Pause']"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("drain-message"), "paused"));
    assertEquals(
        "paused", adminJson("/admin/backends/local-standard/drain").path("state").asText());
    click(By.xpath("//tr[@data-drain='local-standard']//button[text()='Resume']"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("drain-message"), "resumed"));
    JsonNode audit = adminJson("/admin/backends/local-standard/drain");
    assertEquals("draining", audit.path("state").asText(), audit.toPrettyString());

    click(By.xpath("//tr[@data-drain='local-standard']//button[text()='Cancel']"));
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("drain-message"), "cancelled"));
    assertEquals(
        "cancelled", adminJson("/admin/backends/local-standard/drain").path("state").asText());
    String state = "";
    for (JsonNode b : adminJson("/admin/backends").path("backends")) {
      if (b.path("id").asText().equals("local-standard")) {
        state = b.path("state").asText();
      }
    }
    assertEquals("active", state);
    assertEquals(
        "local-standard",
        adminJson("/admin/containers/AUTH_test/photos")
            .path("assignment")
            .path("primary")
            .asText());
  }

  @Test
  @Order(10)
  void everyViewRendersAtPhoneWidth() throws Exception {
    // phones' viewports (a window cannot be made that narrow); a screenshot of each view at 390
    for (int width : List.of(375, 390)) {
      phoneWidth(width);
    }
  }

  private static void phoneWidth(int width) throws Exception {
    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", 800, "deviceScaleFactor", 2, "mobile", true));
    try {
      for (String view : List.of("overview", "containers", "audit", "failures", "migrations")) {
        view(view);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("h-" + view)));
        Thread.sleep(300);
        long overflow =
            (Long)
                js(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertTrue(
            overflow <= 1, view + " is wider than a " + width + " px phone by " + overflow + " px");
        assertTrue(
            driver.findElement(By.cssSelector("nav a[data-view='" + view + "']")).isDisplayed());
        if (view.equals("overview")) {
          wait.until(
              ExpectedConditions.presenceOfElementLocated(
                  By.cssSelector("#backends-table tbody tr")));
        }
        if (width == 390) {
          screenshot(view.equals("overview") ? "overview-phone" : view + "-phone");
        }
      }
    } finally {
      driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }
  }

  @Test
  @Order(11)
  void thePlacementDryRunExplainsEveryBackend() throws Exception {
    view("failures");
    WebElement policy =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dry-run-policy")));
    policy.clear();
    policy.sendKeys("replicated", Keys.ENTER);
    JsonNode api = adminJson("/admin/placement?policy=replicated");
    String primary = api.path("chosen").path("primary").asText();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("dry-run"), "would go to " + primary));
    for (JsonNode c : api.path("candidates")) {
      WebElement row =
          driver.findElement(
              By.cssSelector("#dry-run-table tr[data-backend='" + c.path("id").asText() + "']"));
      assertEquals(c.path("eligible").asText(), row.getAttribute("data-eligible"));
      if (!c.path("eligible").asBoolean()) {
        assertTrue(row.getText().contains(c.path("reasonText").asText()), row.getText());
      }
    }
    assertTrue(
        driver
            .findElement(By.cssSelector("#dry-run-table tr[data-backend='local-archive']"))
            .getText()
            .contains("does not carry the tier standard"));
    assertTrue(
        driver
            .findElement(By.cssSelector("#dry-run-table tr[data-backend='site-b']"))
            .getText()
            .contains("replica"));
    screenshot("placement");
    policy.clear();
    policy.sendKeys(HOSTILE, Keys.ENTER);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("dry-run"), "Refused"));
    assertTrue(driver.findElement(By.id("dry-run")).getText().contains(HOSTILE));
    assertNoAlert();
  }

  @Test
  @Order(12)
  void theRebalancePlanIsDrawnAndAccepted() throws Exception {
    // rb-a (54,000) and rb-b (36,000) on local-standard (100,000): 90 %, over the 85 % mark
    created("rb-a", Map.of());
    created("rb-b", Map.of());
    for (int i = 0; i < 3; i++) {
      assertEquals(
          201, tester.call("PUT", "/rb-a/o" + i, Map.of(), "a".repeat(18_000)).statusCode());
    }
    for (int i = 0; i < 2; i++) {
      assertEquals(
          201, tester.call("PUT", "/rb-b/o" + i, Map.of(), "b".repeat(18_000)).statusCode());
    }
    HttpResponse<String> added =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/backends"))
                .header("X-Auth-Token", admin.token())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"id\":\"spare\",\"kind\":\"filesystem\",\"tiers\":[\"standard\"],"
                            + "\"site\":\"local\",\"capacity\":10000000,"
                            + "\"settings\":{\"root\":\"backends/spare\"}}"))
                .build());
    assertEquals(200, added.statusCode(), added.body());
    JsonNode plan = null;
    for (int i = 0; i < 100; i++) {
      plan = adminJson("/admin/rebalance/plan");
      if (plan.path("status").asText().equals("open")) {
        break;
      }
      Thread.sleep(300);
    }
    assertEquals("open", plan.path("status").asText(), plan.toPrettyString());
    // which containers move depends on what the earlier tests left on local-standard too
    String moved = plan.path("moves").get(0).path("container").asText();
    // the drain test's console-spare or this test's spare, whichever placement prefers
    String to = plan.path("moves").get(0).path("to").asText();
    assertEquals("local-standard", plan.path("moves").get(0).path("from").asText());
    view("migrations");
    String id = plan.path("id").asText();
    wait.until(ExpectedConditions.attributeToBe(By.id("rebalance-summary"), "data-plan", id));
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#rebalance-chart svg g[data-move='AUTH_test/" + moved + "'] path")));
    // the bars show the API's fill before and after (the page re-reads the plan every 5 s, as
    // the capacity polls move the figures)
    wait.until(
        d -> {
          JsonNode now = adminJson("/admin/rebalance/plan");
          WebElement full =
              d.findElement(
                  By.cssSelector("#rebalance-chart svg g[data-backend='local-standard']"));
          for (JsonNode b : now.path("backends")) {
            if (b.path("id").asText().equals("local-standard")) {
              return b.path("usedBefore").asText().equals(full.getAttribute("data-before"))
                  && b.path("usedAfter").asText().equals(full.getAttribute("data-after"));
            }
          }
          return false;
        });
    assertTrue(textOf("#rebalance-moves tr[data-move='AUTH_test/" + moved + "']").contains(to));
    ((JavascriptExecutor) driver)
        .executeScript("document.getElementById('h-rebalance').scrollIntoView();");
    screenshot("rebalance");
    click(By.id("rebalance-accept"));
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("rebalance-message"), "accepted"));
    String message = driver.findElement(By.id("rebalance-message")).getText();
    assertTrue(message.matches(".*accepted: (\\d+) of \\1 migration.*"), message);
    JsonNode migration = adminJson("/admin/containers/AUTH_test/" + moved + "/migration");
    assertEquals(to, migration.path("target").asText());
    assertEquals("admin:admin", migration.path("startedBy").asText());
  }

  @Test
  @Order(13)
  void theSyncLagChartShowsTheHistory() throws Exception {
    view("overview");
    wait.until(
        d -> {
          WebElement chart = d.findElement(By.cssSelector("#sync-lag-chart svg"));
          return Integer.parseInt(chart.getAttribute("data-samples")) >= 3;
        });
    JsonNode history = adminJson("/admin/sync/history");
    assertTrue(history.path("samples").size() >= 3, history.toPrettyString());
    JsonNode last = history.path("samples").get(history.path("samples").size() - 1);
    assertTrue(last.path("replicas").asInt() >= 1, last.toString());
    assertEquals(1, driver.findElements(By.cssSelector("#sync-lag-chart svg polyline.lag")).size());
    ((JavascriptExecutor) driver)
        .executeScript("document.getElementById('sync-lag-chart').scrollIntoView();");
    screenshot("sync-lag");
  }

  @Test
  @Order(14)
  void aDrainThatCannotMoveAContainerFailsAndRetryMovesItOnceTheCauseIsGone() throws Exception {
    // no backend but local-archive offers the tier archive: its containers cannot move
    created("cold", Map.of("X-Storage-Policy", "archive"));
    assertEquals(201, tester.call("PUT", "/cold/c.txt", Map.of(), "cold").statusCode());
    HttpResponse<String> started = adminPost("/admin/backends/local-archive/drain", "{}");
    assertEquals(202, started.statusCode(), started.body());
    String drain = "/admin/backends/local-archive/drain";
    JsonNode failed = adminJson(drain);
    for (int i = 0; i < 100 && !failed.path("state").asText().equals("failed"); i++) {
      Thread.sleep(200);
      failed = adminJson(drain);
    }
    assertEquals("failed", failed.path("state").asText(), failed.toPrettyString());
    String reason = "";
    for (JsonNode f : failed.path("failures")) {
      if (f.path("container").asText().equals("cold")) {
        reason = f.path("error").asText();
      }
    }
    assertTrue(reason.contains("tier archive"), failed.toPrettyString());
    view("migrations");
    String row = "#drains-table tr[data-drain='local-archive']";
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector(row), "AUTH_test/cold: " + reason));
    assertTrue(textOf(row).contains("failed"));
    js("document.getElementById('h-drains').scrollIntoView();");
    screenshot("drain-failed");

    // the cause removed: a backend that offers the tier; Retry moves the container there
    HttpResponse<String> added =
        adminPost(
            "/admin/backends",
            "{\"id\":\"archive-spare\",\"kind\":\"filesystem\",\"tiers\":[\"archive\"],"
                + "\"settings\":{\"root\":\"backends/archive-spare\"}}");
    assertEquals(200, added.statusCode(), added.body());
    click(By.cssSelector(row + " button[aria-label='Retry AUTH_test/cold']"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("drain-message"), "retried"));
    JsonNode migration = null;
    for (int i = 0; i < 100; i++) {
      HttpResponse<String> m =
          admin.send(
              HttpRequest.newBuilder(
                      URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/cold/migration"))
                  .header("X-Auth-Token", admin.token())
                  .build());
      if (m.statusCode() == 200) {
        migration = JSON.readTree(m.body());
        break;
      }
      Thread.sleep(200);
    }
    assertNotNull(migration, "the retried container never started to move");
    assertEquals("archive-spare", migration.path("target").asText(), migration.toPrettyString());
    assertEquals("local-archive", migration.path("source").asText());
    wait.until(
        d -> {
          String text = textOf(row);
          return text.contains("1 moving") && !text.contains("AUTH_test/cold:");
        });
    JsonNode after = adminJson(drain);
    assertEquals("draining", after.path("state").asText(), after.toPrettyString());
    for (JsonNode f : after.path("failures")) {
      assertFalse(f.path("container").asText().equals("cold"), after.toPrettyString());
    }
    HttpResponse<String> cancelled =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + drain))
                .header("X-Auth-Token", admin.token())
                .DELETE()
                .build());
    assertEquals(200, cancelled.statusCode(), cancelled.body());
  }

  @Test
  @Order(15)
  void theRateAndLatencyChartsShowTheNodesHistory() throws Exception {
    view("overview");
    // requests while the test waits, so that the node's last sample has some to measure
    wait.until(
        d -> {
          tester.call("GET", "/photos");
          WebElement chart = d.findElement(By.cssSelector("#latency-chart svg"));
          return Integer.parseInt(chart.getAttribute("data-samples")) >= 3
              && !chart.getAttribute("data-p99").isEmpty();
        });
    // read in one script: the page redraws both charts (one history) every few seconds, and a
    // redraw between two reads of elements found before it replaces them
    @SuppressWarnings("unchecked")
    Map<String, String> drawn =
        (Map<String, String>)
            js(
                "const l = document.querySelector('#latency-chart svg');"
                    + " const r = document.querySelector('#rate-chart svg');"
                    + " return {at: l.getAttribute('data-last-at'),"
                    + " rateAt: r.getAttribute('data-last-at'),"
                    + " p50: l.getAttribute('data-p50'), p99: l.getAttribute('data-p99'),"
                    + " ok: r.getAttribute('data-2xx')};");
    String at = drawn.get("at");
    double p50 = Double.parseDouble(drawn.get("p50"));
    double p99 = Double.parseDouble(drawn.get("p99"));
    double ok = Double.parseDouble(drawn.get("ok"));
    assertEquals(at, drawn.get("rateAt"));
    JsonNode sample = null;
    for (JsonNode s : adminJson("/admin/metrics/history").path("samples")) {
      if (s.path("at").asText().equals(at)) {
        sample = s;
      }
    }
    assertNotNull(sample, "no sample at " + at);
    assertEquals(sample.path("latency").path("p50Ms").asDouble(), p50, 1e-9);
    assertEquals(sample.path("latency").path("p99Ms").asDouble(), p99, 1e-9);
    assertEquals(sample.path("requestsPerSecond").path("2xx").asDouble(), ok, 1e-9);
    assertTrue(p50 > 0 && p99 >= p50, sample.toString());
    assertTrue(ok > 0, sample.toString());
    assertTrue(driver.findElements(By.cssSelector("#latency-chart svg polyline.p99")).size() >= 1);
    js("document.getElementById('latency-chart').scrollIntoView();");
    screenshot("request-charts");
  }

  @Test
  @Order(20)
  void theTokenNeverReachesAUrlAndLogoutForgetsIt() throws Exception {
    String token = (String) js("return sessionStorage.getItem('archipelago.console.token');");
    assertNotNull(token);
    @SuppressWarnings("unchecked")
    List<String> urls =
        (List<String>)
            js(
                "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);");
    assertFalse(urls.isEmpty());
    for (String url : urls) {
      assertFalse(url.contains(token), url);
    }
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
    assertEquals(null, js("return sessionStorage.getItem('archipelago.console.token');"));
  }

  private static void created(String container, Map<String, String> headers) {
    HttpResponse<String> r = tester.call("PUT", "/" + container, headers, null);
    assertEquals(201, r.statusCode(), r.body());
  }

  /** Goes to a view with the keyboard: focus its link in the navigation and press Enter. */
  private static void view(String name) {
    WebElement link = driver.findElement(By.cssSelector("nav a[data-view='" + name + "']"));
    link.sendKeys(Keys.ENTER);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("view-" + name)));
  }

  /** Clicks what the selector finds, again if the page's refresh replaced it meanwhile. */
  private static void click(By selector) {
    wait.until(
        d -> {
          try {
            d.findElement(selector).click();
            return true;
          } catch (StaleElementReferenceException e) {
            return false;
          }
        });
  }

  /**
   * The text of every cell of the rows, read in one script: the page re-renders its tables every 5
   * s, and rows found before a re-render are gone after it.
   */
  @SuppressWarnings("unchecked")
  private static List<List<String>> tableCells(String rowsSelector) {
    return (List<List<String>>)
        ((JavascriptExecutor) driver)
            .executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(r =>"
                    + " Array.from(r.querySelectorAll('td')).map(c => c.innerText.trim()));",
                rowsSelector);
  }

  /** The text of the first element matching the selector, read in one script (see tableCells). */
  private static String textOf(String selector) {
    Object text =
        ((JavascriptExecutor) driver)
            .executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                selector);
    return String.valueOf(text);
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private static void assertNoAlert() {
    try {
      String text = driver.switchTo().alert().getText();
      throw new AssertionError("the page opened an alert: " + text);
    } catch (NoAlertPresentException expected) {
      // as it should be
    }
  }

  private static void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
  }

  private static int migrationStatus() {
    return admin
        .send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/admin/migrations"))
                .header("X-Auth-Token", admin.token())
                .build())
        .statusCode();
  }

  private static long failedCopies(String container) {
    return adminJson("/admin/containers/AUTH_test/" + container)
        .path("sync")
        .path("replicas")
        .path("site-b")
        .path("failedObjects")
        .asLong();
  }

  private static HttpResponse<String> adminPost(String path, String json) {
    return admin.send(
        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
            .header("X-Auth-Token", admin.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static String adminText(String path) {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("X-Auth-Token", admin.token())
                .build());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private static JsonNode adminJson(String path) {
    HttpResponse<String> r =
        admin.send(
            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("X-Auth-Token", admin.token())
                .build());
    assertEquals(200, r.statusCode(), r.body());
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
