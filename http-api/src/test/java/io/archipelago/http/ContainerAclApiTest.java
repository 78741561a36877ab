package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Container ACLs over HTTP with the demo users: test:tester (owner of AUTH_test), test:tester3 (no
 * rights of its own), test2:tester2 (owner of another account) and nobody (no token). Status codes
 * are TempAuth's: a refusal is 401 without a token and 403 with one.
 */
class ContainerAclApiTest {

  private static final String FORBIDDEN =
      "<html><h1>Forbidden</h1><p>Access was denied to this resource.</p></html>";

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient tester3;
  static SwiftClient otherAccount;
  static String account;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    tester3 = gateway.login("test:tester3", "testing3");
    otherAccount = gateway.login("test2:tester2", "testing2");
    account = tester.storageUrl();
  }

  /** A request as tester3 to a path of AUTH_test (tester3's storage URL is AUTH_test too). */
  private static HttpResponse<String> asTester3(
      String method, String path, Map<String, String> headers, String body) {
    return tester3.call(method, path, headers, body);
  }

  /** A request as test2:tester2 to AUTH_test. */
  private static HttpResponse<String> asOtherAccount(
      String method, String path, Map<String, String> headers, String body) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("X-Auth-Token", otherAccount.token());
    return PlainHttp.send(method, account + path, h, body);
  }

  private static HttpResponse<String> anonymous(String method, String path) {
    return PlainHttp.send(method, account + path);
  }

  @Test
  void privateContainersRefuseOthers401Or403() {
    tester.call("PUT", "/private");
    tester.call("PUT", "/private/o", Map.of(), "secret");

    HttpResponse<String> anon = anonymous("GET", "/private/o");
    assertEquals(401, anon.statusCode());
    assertEquals("Swift realm=\"AUTH_test\"", header(anon, "Www-Authenticate"));
    assertEquals(401, anonymous("GET", "/private").statusCode());
    assertEquals(401, anonymous("HEAD", "").statusCode());
    assertEquals(401, anonymous("PUT", "/private/new").statusCode());

    HttpResponse<String> forbidden = asTester3("GET", "/private/o", Map.of(), null);
    assertEquals(403, forbidden.statusCode());
    assertEquals(FORBIDDEN, forbidden.body());
    assertEquals(403, asTester3("GET", "/private", Map.of(), null).statusCode());
    assertEquals(403, asTester3("HEAD", "", Map.of(), null).statusCode());
    assertEquals(403, asOtherAccount("GET", "/private/o", Map.of(), null).statusCode());
    assertEquals(403, asOtherAccount("DELETE", "/private/o", Map.of(), null).statusCode());

    // A container that does not exist refuses as well, so that others learn nothing of it.
    assertEquals(401, anonymous("GET", "/nosuch/o").statusCode());
    assertEquals(403, asTester3("GET", "/nosuch", Map.of(), null).statusCode());
    assertEquals(404, tester.call("GET", "/nosuch").statusCode());
    // A token of ours that does not validate is refused before anything else.
    assertEquals(
        401,
        PlainHttp.send("GET", account + "/private/o", Map.of("X-Auth-Token", "AUTH_tkforged.x"))
            .statusCode());
  }

  @Test
  void publicReadAllowsAnonymousObjectsButListingsOnlyWithRlistings() {
    tester.call("PUT", "/public");
    tester.call("PUT", "/public/hello.txt", Map.of("Content-Type", "text/plain"), "hello world");
    assertEquals(
        204, tester.call("POST", "/public", Map.of("X-Container-Read", ".r:*"), null).statusCode());

    HttpResponse<String> get = anonymous("GET", "/public/hello.txt");
    assertEquals(200, get.statusCode());
    assertEquals("hello world", get.body());
    assertEquals(200, anonymous("HEAD", "/public/hello.txt").statusCode());
    assertEquals(404, anonymous("GET", "/public/missing").statusCode());
    // .r:* reads objects, not listings.
    assertEquals(401, anonymous("GET", "/public").statusCode());
    assertEquals(403, asTester3("GET", "/public", Map.of(), null).statusCode());
    assertEquals(200, asTester3("GET", "/public/hello.txt", Map.of(), null).statusCode());
    // Reading is not writing.
    assertEquals(401, anonymous("PUT", "/public/new").statusCode());
    assertEquals(401, anonymous("DELETE", "/public/hello.txt").statusCode());
    assertEquals(401, anonymous("POST", "/public/hello.txt").statusCode());

    tester.call("POST", "/public", Map.of("X-Container-Read", ".r:*,.rlistings"), null);
    HttpResponse<String> listing = anonymous("GET", "/public");
    assertEquals(200, listing.statusCode());
    assertEquals("hello.txt\n", listing.body());
    assertEquals(204, anonymous("HEAD", "/public").statusCode());
    // The ACL itself is for owners' eyes only.
    assertNull(header(listing, "X-Container-Read"));
    assertEquals(".r:*,.rlistings", header(tester.call("HEAD", "/public"), "X-Container-Read"));
    assertEquals(200, asOtherAccount("GET", "/public?format=json", Map.of(), null).statusCode());
    // The account stays private.
    assertEquals(401, anonymous("GET", "").statusCode());

    tester.call("POST", "/public", Map.of("X-Remove-Container-Read", "x"), null);
    assertNull(header(tester.call("HEAD", "/public"), "X-Container-Read"));
    assertEquals(401, anonymous("GET", "/public/hello.txt").statusCode());
  }

  @Test
  void referrerRulesApplyInOrder() {
    tester.call("PUT", "/referred");
    tester.call("PUT", "/referred/o", Map.of(), "x");
    tester.call(
        "POST",
        "/referred",
        Map.of("X-Container-Read", ".r:.example.com,.r:-thief.example.com"),
        null);
    assertEquals(
        200,
        PlainHttp.send(
                "GET",
                account + "/referred/o",
                Map.of("Referer", "http://www.example.com/page.html"))
            .statusCode());
    assertEquals(
        401,
        PlainHttp.send(
                "GET", account + "/referred/o", Map.of("Referer", "http://thief.example.com/"))
            .statusCode());
    assertEquals(
        401,
        PlainHttp.send("GET", account + "/referred/o", Map.of("Referer", "http://example.org/"))
            .statusCode());
    assertEquals(401, anonymous("GET", "/referred/o").statusCode());
    assertEquals(
        403,
        tester3
            .call("GET", "/referred/o", Map.of("Referer", "http://other.org/"), null)
            .statusCode());
    assertEquals(
        200,
        tester3
            .call("GET", "/referred/o", Map.of("Referer", "http://a.example.com/"), null)
            .statusCode());
  }

  @Test
  void tester3GetsReadThenWriteByExplicitGrants() {
    tester.call("PUT", "/shared");
    tester.call("PUT", "/shared/doc", Map.of(), "v1");
    assertEquals(403, asTester3("GET", "/shared/doc", Map.of(), null).statusCode());

    assertEquals(
        204,
        tester
            .call("POST", "/shared", Map.of("X-Container-Read", "test:tester3"), null)
            .statusCode());
    assertEquals(200, asTester3("GET", "/shared/doc", Map.of(), null).statusCode());
    // A group grant includes listings (.rlistings is for referrer grants).
    HttpResponse<String> listing = asTester3("GET", "/shared", Map.of(), null);
    assertEquals(200, listing.statusCode());
    assertEquals("doc\n", listing.body());
    assertNull(header(listing, "X-Container-Read"));
    assertEquals(403, asTester3("PUT", "/shared/new", Map.of(), "x").statusCode());
    assertEquals(403, asTester3("HEAD", "", Map.of(), null).statusCode());
    assertEquals(403, asOtherAccount("GET", "/shared/doc", Map.of(), null).statusCode());

    assertEquals(
        204,
        tester
            .call("POST", "/shared", Map.of("X-Container-Write", "test:tester3"), null)
            .statusCode());
    assertEquals(201, asTester3("PUT", "/shared/new", Map.of(), "by tester3").statusCode());
    assertEquals(
        202,
        asTester3("POST", "/shared/new", Map.of("X-Object-Meta-By", "tester3"), null).statusCode());
    assertEquals("tester3", header(tester.call("HEAD", "/shared/new"), "X-Object-Meta-By"));
    assertEquals(204, asTester3("DELETE", "/shared/new", Map.of(), null).statusCode());
    assertEquals(404, asTester3("DELETE", "/shared/new", Map.of(), null).statusCode());
    // The write ACL covers objects only: container metadata, ACLs and deletion stay the owner's.
    assertEquals(
        403, asTester3("POST", "/shared", Map.of("X-Container-Meta-X", "y"), null).statusCode());
    assertEquals(
        403, asTester3("POST", "/shared", Map.of("X-Container-Read", ".r:*"), null).statusCode());
    assertEquals(403, asTester3("DELETE", "/shared", Map.of(), null).statusCode());
    assertEquals(403, asTester3("PUT", "/tester3-own", Map.of(), null).statusCode());
    assertEquals("test:tester3", header(tester.call("HEAD", "/shared"), "X-Container-Read"));
  }

  @Test
  void otherAccountsAreGrantedByAccountOrUser() {
    tester.call("PUT", "/cross");
    tester.call("PUT", "/cross/o", Map.of(), "x");
    tester.call("POST", "/cross", Map.of("X-Container-Read", "test2"), null);
    assertEquals(200, asOtherAccount("GET", "/cross/o", Map.of(), null).statusCode());
    assertEquals(200, asOtherAccount("GET", "/cross", Map.of(), null).statusCode());
    assertEquals(403, asOtherAccount("PUT", "/cross/o2", Map.of(), "x").statusCode());
    // "test2" names every user of account test2; "test" names tester3 too.
    tester.call("POST", "/cross", Map.of("X-Container-Read", "test"), null);
    assertEquals(403, asOtherAccount("GET", "/cross/o", Map.of(), null).statusCode());
    assertEquals(200, asTester3("GET", "/cross/o", Map.of(), null).statusCode());

    tester.call(
        "POST",
        "/cross",
        Map.of("X-Container-Write", "test2:tester2", "X-Container-Read", "AUTH_test2"),
        null);
    assertEquals(201, asOtherAccount("PUT", "/cross/o2", Map.of(), "from test2").statusCode());
    assertEquals(200, asOtherAccount("GET", "/cross/o2", Map.of(), null).statusCode());
    assertEquals("from test2", tester.call("GET", "/cross/o2").body());
    assertEquals(403, asTester3("GET", "/cross/o", Map.of(), null).statusCode());
    // The owner of AUTH_test2 has no say over AUTH_test itself.
    assertEquals(
        403, asOtherAccount("POST", "", Map.of("X-Account-Meta-X", "y"), null).statusCode());
  }

  @Test
  void aclsAreValidatedAndTidiedAsSwiftDoes() {
    tester.call("PUT", "/acls");
    HttpResponse<String> bad =
        tester.call("POST", "/acls", Map.of("X-Container-Read", ".r:"), null);
    assertEquals(400, bad.statusCode());
    assertEquals("No host/domain value after referrer designation in ACL: '.r:'", bad.body());
    bad = tester.call("POST", "/acls", Map.of("X-Container-Write", ".r:*"), null);
    assertEquals(400, bad.statusCode());
    assertEquals("Referrers not allowed in write ACL: '.r:*'", bad.body());
    bad = tester.call("POST", "/acls", Map.of("X-Container-Read", "bob,.x:y"), null);
    assertEquals(400, bad.statusCode());
    assertEquals("Unknown designator '.x' in ACL: '.x:y'", bad.body());
    HttpResponse<String> badPut =
        tester.call("PUT", "/acls-new", Map.of("X-Container-Read", ".referrer:-"), null);
    assertEquals(400, badPut.statusCode());
    assertEquals(404, tester.call("HEAD", "/acls-new").statusCode());

    assertEquals(
        204,
        tester
            .call(
                "POST",
                "/acls",
                Map.of(
                    "X-Container-Read",
                    "bob , sue,,.referrer : *",
                    "X-Container-Write",
                    " test:tester3 ,"),
                null)
            .statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/acls");
    assertEquals("bob,sue,.r:*", header(head, "X-Container-Read"));
    assertEquals("test:tester3", header(head, "X-Container-Write"));
    assertEquals(
        201,
        tester
            .call("PUT", "/acls-put", Map.of("X-Container-Read", ".r:*, .rlistings"), null)
            .statusCode());
    assertEquals(".r:*,.rlistings", header(tester.call("HEAD", "/acls-put"), "X-Container-Read"));
    assertEquals(204, anonymous("GET", "/acls-put").statusCode());
  }

  @Test
  void optionsNeedsNoRightsAndUnknownMethodsAre405() {
    HttpResponse<String> options = anonymous("OPTIONS", "/private/o");
    assertEquals(200, options.statusCode());
    assertEquals("GET, HEAD, PUT, POST, DELETE, OPTIONS", header(options, "Allow"));
    HttpResponse<String> account405 = anonymous("PUT", "");
    assertEquals(405, account405.statusCode());
    assertEquals("GET, HEAD, POST, OPTIONS", header(account405, "Allow"));
    assertEquals(405, tester.call("DELETE", "").statusCode());
  }

  @Test
  void tokensOfOtherAuthSystemsCountAsAnonymous() {
    tester.call("PUT", "/other-auth");
    tester.call("PUT", "/other-auth/o", Map.of(), "x");
    tester.call("POST", "/other-auth", Map.of("X-Container-Read", ".r:*"), null);
    assertEquals(
        200,
        PlainHttp.send("GET", account + "/other-auth/o", Map.of("X-Auth-Token", "gAAAAsomething"))
            .statusCode());
    assertEquals(
        401,
        PlainHttp.send("GET", account + "/other-auth/o", Map.of("X-Auth-Token", "AUTH_tkbad"))
            .statusCode());
    assertTrue(tester.call("GET", "/other-auth").statusCode() == 200);
  }
}
