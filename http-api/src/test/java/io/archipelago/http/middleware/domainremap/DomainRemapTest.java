package io.archipelago.http.middleware.domainremap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.Http.RawResponse;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Swift's domain_remap through the gateway: Hosts under a storage domain name the account (and
 * container), with Swift's account spelling rules; redirects name the path the client used; the
 * rewritten request is authorized as any other.
 */
class DomainRemapTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(
          Map.of(
              "archipelago.http.domain-remap.storage-domain",
              List.of("example.net", ".other.example")));

  static SwiftClient tester;

  @BeforeAll
  static void data() {
    tester = gateway.login("test:tester", "testing");
    assertEquals(201, tester.call("PUT", "/pics").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/pics/cat.txt", Map.of("Content-Type", "text/plain"), "meow")
            .statusCode());
    assertEquals(
        201,
        tester.call("PUT", "/pics/v1", Map.of("Content-Type", "text/plain"), "slash").statusCode());
  }

  private static RawResponse get(String host, String path, boolean withToken) throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Host", host);
    if (withToken) {
      headers.put("X-Auth-Token", tester.token());
    }
    return Http.raw(gateway.baseUrl(), "GET", path, headers, List.of(), false);
  }

  @Test
  void infoAdvertisesDomainRemap() {
    String info = PlainHttp.send("GET", gateway.baseUrl() + "/info").body();
    assertTrue(info.contains("\"domain_remap\":{\"default_reseller_prefix\":null}"), info);
  }

  @Test
  void accountHostsListAndReadTheAccount() throws IOException {
    for (String host :
        List.of("AUTH_test.example.net", "auth-test.example.net:8080", "auth_test.other.example")) {
      RawResponse listing = get(host, "/", true);
      assertEquals(200, listing.status(), host);
      assertTrue(listing.text().lines().anyMatch("pics"::equals), listing.text());
      RawResponse object = get(host, "/pics/cat.txt", true);
      assertEquals(200, object.status(), host);
      assertEquals("meow", object.text());
    }
  }

  @Test
  void containerHostsListAndReadTheContainer() throws IOException {
    RawResponse listing = get("pics.auth-test.example.net", "/", true);
    assertEquals(200, listing.status());
    assertEquals(List.of("cat.txt", "v1"), listing.text().lines().toList());
    // a client path is not mangled: /v1 is the object named "v1"
    RawResponse slash = get("pics.AUTH_test.example.net", "/v1", true);
    assertEquals(200, slash.status());
    assertEquals("slash", slash.text());
  }

  @Test
  void putThroughAContainerHostWritesThere() throws IOException {
    Map<String, String> headers =
        Map.of(
            "Host",
            "pics.auth-test.example.net",
            "X-Auth-Token",
            tester.token(),
            "Content-Length",
            "5");
    RawResponse put =
        Http.raw(
            gateway.baseUrl(),
            "PUT",
            "/new.txt",
            headers,
            List.of("fresh".getBytes(StandardCharsets.UTF_8)),
            false);
    assertEquals(201, put.status());
    assertEquals("fresh", tester.call("GET", "/pics/new.txt").body());
  }

  @Test
  void theHostNamesAPathNotARight() throws IOException {
    // no token: the remapped request is anonymous, and the container is private
    assertEquals(401, get("pics.auth-test.example.net", "/cat.txt", false).status());
    // another user's token does not reach this account through its Host
    SwiftClient other = gateway.login("test2:tester2", "testing2");
    RawResponse foreign =
        Http.raw(
            gateway.baseUrl(),
            "GET",
            "/cat.txt",
            Map.of("Host", "pics.auth-test.example.net", "X-Auth-Token", other.token()),
            List.of(),
            false);
    assertEquals(403, foreign.status());
  }

  @Test
  void hostsOutsideTheRulesAreNotRemapped() throws IOException {
    // a prefix that is not a reseller prefix, no default prefix: served as the path says
    RawResponse unknown = get("nope_test.example.net", "/v1/AUTH_test/pics/cat.txt", true);
    assertEquals(200, unknown.status());
    assertEquals("meow", unknown.text());
    // three labels before the storage domain
    RawResponse bad = get("a.pics.auth-test.example.net", "/", true);
    assertEquals(400, bad.status());
    assertTrue(bad.text().contains("Bad domain in host header"), bad.text());
    // the storage domain alone, or another domain: plain paths
    assertEquals(200, get("example.net", "/v1/AUTH_test/pics/cat.txt", true).status());
    assertEquals(200, get("www.example.com", "/v1/AUTH_test/pics/cat.txt", true).status());
  }

  @Test
  void staticWebRedirectsNameTheRemappedPath() throws IOException {
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/site",
                Map.of(
                    "X-Container-Read", ".r:*,.rlistings", "X-Container-Meta-Web-Listings", "true"),
                null)
            .statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/site/dir/page.html", Map.of("Content-Type", "text/html"), "<p/>")
            .statusCode());
    RawResponse account = get("auth-test.example.net:8080", "/site", false);
    assertEquals(301, account.status());
    assertEquals("http://auth-test.example.net:8080/site/", account.header("Location"));
    RawResponse container = get("site.auth-test.example.net", "/dir", false);
    assertEquals(301, container.status());
    assertEquals("http://site.auth-test.example.net/dir/", container.header("Location"));
    RawResponse listing = get("site.auth-test.example.net", "/dir/", false);
    assertEquals(200, listing.status());
    assertTrue(listing.text().contains("Listing of /v1/AUTH_test/site/dir/"), listing.text());
  }
}
