package io.archipelago.http.middleware.quotas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Swift's container_quotas through the gateway: byte and count quotas, their syntax, /info. */
class ContainerQuotasTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  static SwiftClient tester;

  @BeforeAll
  static void login() {
    tester = gateway.login("test:tester", "testing");
  }

  @Test
  void infoAdvertisesContainerQuotas() {
    String info = PlainHttp.send("GET", gateway.baseUrl() + "/info").body();
    assertTrue(info.contains("\"container_quotas\":{}"), info);
  }

  @Test
  void bytesQuotaRefusesUploadsThatWouldPassIt() {
    assertEquals(
        201,
        tester
            .call("PUT", "/qbytes", Map.of("X-Container-Meta-Quota-Bytes", "10"), null)
            .statusCode());
    HttpResponse<String> over = tester.call("PUT", "/qbytes/o", Map.of(), "01234567890");
    assertEquals(413, over.statusCode());
    assertEquals("Upload exceeds quota.", over.body());
    assertEquals(201, tester.call("PUT", "/qbytes/o", Map.of(), "0123456789").statusCode());
    // the container is full now: one more byte is too many
    assertEquals(413, tester.call("PUT", "/qbytes/p", Map.of(), "x").statusCode());
    // removing the quota lifts it
    assertEquals(
        204,
        tester
            .call("POST", "/qbytes", Map.of("X-Remove-Container-Meta-Quota-Bytes", "x"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/qbytes/p", Map.of(), "x").statusCode());
  }

  @Test
  void countQuotaRefusesOneObjectTooMany() {
    assertEquals(
        201,
        tester
            .call("PUT", "/qcount", Map.of("X-Container-Meta-Quota-Count", "1"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/qcount/a", Map.of(), "a").statusCode());
    HttpResponse<String> over = tester.call("PUT", "/qcount/b", Map.of(), "b");
    assertEquals(413, over.statusCode());
    assertEquals("Upload exceeds quota.", over.body());
  }

  @Test
  void versionsCountTowardsTheBytesQuota() {
    assertEquals(
        201,
        tester.call("PUT", "/qversions", Map.of("X-Versions-Enabled", "true"), null).statusCode());
    assertEquals(201, tester.call("PUT", "/qversions/o", Map.of(), "aaaaa").statusCode());
    assertEquals(201, tester.call("PUT", "/qversions/o", Map.of(), "bbbbb").statusCode());
    assertEquals(
        204,
        tester
            .call("POST", "/qversions", Map.of("X-Container-Meta-Quota-Bytes", "10"), null)
            .statusCode());
    assertEquals(413, tester.call("PUT", "/qversions/o", Map.of(), "ccccc").statusCode());
  }

  @Test
  void quotasMustBeDigits() {
    assertEquals(201, tester.call("PUT", "/qsyntax").statusCode());
    HttpResponse<String> bytes =
        tester.call("POST", "/qsyntax", Map.of("X-Container-Meta-Quota-Bytes", "abc"), null);
    assertEquals(400, bytes.statusCode());
    assertEquals("Invalid bytes quota.", bytes.body());
    HttpResponse<String> count =
        tester.call("PUT", "/qsyntax2", Map.of("X-Container-Meta-Quota-Count", "-1"), null);
    assertEquals(400, count.statusCode());
    assertEquals("Invalid count quota.", count.body());
    assertEquals(404, tester.call("HEAD", "/qsyntax2").statusCode());
  }
}
