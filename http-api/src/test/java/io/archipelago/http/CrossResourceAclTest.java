package io.archipelago.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rights on what a request reaches besides its path, over HTTP, as Swift's sub-requests are
 * authorized: a copy needs read access to its source (checked first) and then write access to its
 * destination; large object segments and a DLO's segment listing are read as the client. Users:
 * test:tester (owns AUTH_test), test:tester3 (no rights of its own in AUTH_test), test2:tester2
 * (owns AUTH_test2), and nobody. The cases follow Swift's functional tests ({@code
 * testCopyAccount*}, {@code testCopyFromAccountHeader*}).
 */
class CrossResourceAclTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient tester3;
  static SwiftClient tester2;
  static String test;
  static String test2;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    tester3 = gateway.login("test:tester3", "testing3");
    tester2 = gateway.login("test2:tester2", "testing2");
    test = tester.storageUrl();
    test2 = tester2.storageUrl();
    // AUTH_test: a container test2:tester2 may read, one nobody else may, and a source object in
    // each
    assertEquals(
        201,
        tester
            .call("PUT", "/shared", Map.of("X-Container-Read", "test2:tester2"), null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/private").statusCode());
    assertEquals(201, tester.call("PUT", "/mine").statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/shared/src", Map.of("X-Object-Meta-Kind", "shared"), "shared bytes")
            .statusCode());
    assertEquals(201, tester.call("PUT", "/private/src", Map.of(), "private bytes").statusCode());
    // AUTH_test2: a container test:tester may write into (and read), and one it may not
    assertEquals(
        201,
        tester2
            .call(
                "PUT",
                "/inbox",
                Map.of("X-Container-Write", "test:tester", "X-Container-Read", "test:tester"),
                null)
            .statusCode());
    assertEquals(201, tester2.call("PUT", "/inbox/src", Map.of(), "inbox bytes").statusCode());
    assertEquals(201, tester2.call("PUT", "/closed").statusCode());
    assertEquals(201, tester2.call("PUT", "/closed/src", Map.of(), "closed bytes").statusCode());
  }

  private static HttpResponse<String> as(
      SwiftClient who, String method, String url, Map<String, String> headers, String body) {
    Map<String, String> h = new HashMap<>(headers);
    h.put("X-Auth-Token", who.token());
    return PlainHttp.send(method, url, h, body);
  }

  @Test
  void copyFromAnotherAccountNeedsItsReadAcl() {
    // test2:tester2 copies into its own account from AUTH_test/shared (readable) and /private (not)
    HttpResponse<String> ok =
        tester2.call(
            "PUT",
            "/closed/from-shared",
            Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "shared/src"),
            "");
    assertEquals(201, ok.statusCode(), ok.body());
    assertEquals("AUTH_test", ok.headers().firstValue("X-Copied-From-Account").orElseThrow());
    assertEquals("shared bytes", tester2.call("GET", "/closed/from-shared").body());
    assertEquals(
        "shared",
        tester2
            .call("HEAD", "/closed/from-shared")
            .headers()
            .firstValue("X-Object-Meta-Kind")
            .orElseThrow());

    HttpResponse<String> refused =
        tester2.call(
            "PUT",
            "/closed/from-private",
            Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "private/src"),
            "");
    assertEquals(403, refused.statusCode());
    assertEquals(404, tester2.call("HEAD", "/closed/from-private").statusCode());
    // once AUTH_test grants the read, the same copy succeeds
    assertEquals(
        204,
        tester
            .call("POST", "/private", Map.of("X-Container-Read", "test2:tester2"), null)
            .statusCode());
    assertEquals(
        201,
        tester2
            .call(
                "PUT",
                "/closed/from-private",
                Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "/private/src"),
                "")
            .statusCode());
    assertEquals(
        204,
        tester.call("POST", "/private", Map.of("X-Remove-Container-Read", "x"), null).statusCode());
    assertEquals(
        403,
        tester2
            .call(
                "PUT",
                "/closed/again",
                Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "private/src"),
                "")
            .statusCode());
    // COPY inside AUTH_test by test2:tester2: reading is allowed, writing into AUTH_test is not
    assertEquals(
        403,
        as(tester2, "COPY", test + "/shared/src", Map.of("Destination", "shared/copy"), null)
            .statusCode());
  }

  @Test
  void copyIntoAnotherAccountNeedsItsWriteAcl() {
    HttpResponse<String> ok =
        tester.call(
            "COPY",
            "/shared/src",
            Map.of("Destination-Account", "AUTH_test2", "Destination", "inbox/pushed"),
            null);
    assertEquals(201, ok.statusCode(), ok.body());
    assertEquals("shared bytes", tester2.call("GET", "/inbox/pushed").body());
    assertEquals(
        201,
        as(
                tester,
                "PUT",
                test2 + "/inbox/pulled",
                Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "private/src"),
                "")
            .statusCode());
    assertEquals("private bytes", tester2.call("GET", "/inbox/pulled").body());
    // and from AUTH_test2's readable container into AUTH_test
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/mine/from-inbox",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "inbox/pushed"),
                "")
            .statusCode());

    HttpResponse<String> refused =
        tester.call(
            "COPY",
            "/shared/src",
            Map.of("Destination-Account", "AUTH_test2", "Destination", "closed/pushed"),
            null);
    assertEquals(403, refused.statusCode());
    assertEquals(404, tester2.call("HEAD", "/closed/pushed").statusCode());
    assertEquals(
        403,
        as(
                tester,
                "PUT",
                test2 + "/closed/pulled",
                Map.of("X-Copy-From-Account", "AUTH_test", "X-Copy-From", "shared/src"),
                "")
            .statusCode());
  }

  @Test
  void theSourceIsCheckedAndReadBeforeTheDestination() {
    // testCopyAccount404s: a missing source is 404 whether or not the destination is writable
    assertEquals(
        404,
        tester
            .call(
                "COPY",
                "/nosuch/src",
                Map.of("Destination-Account", "AUTH_test2", "Destination", "nosuch/x"),
                null)
            .statusCode());
    assertEquals(
        404,
        tester
            .call(
                "COPY",
                "/shared/nosuch",
                Map.of("Destination-Account", "AUTH_test2", "Destination", "inbox/x"),
                null)
            .statusCode());
    // a readable source and a destination container that does not exist: 403 in another account,
    // 404 in one's own
    assertEquals(
        403,
        tester
            .call(
                "COPY",
                "/shared/src",
                Map.of("Destination-Account", "AUTH_test2", "Destination", "nosuch/x"),
                null)
            .statusCode());
    assertEquals(
        404,
        tester.call("COPY", "/shared/src", Map.of("Destination", "nosuch/x"), null).statusCode());

    // testCopyFromAccountHeader404s: source in another account
    assertEquals(
        403,
        tester
            .call(
                "PUT",
                "/mine/x",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "nosuch/src"),
                "")
            .statusCode());
    assertEquals(
        404,
        tester
            .call(
                "PUT",
                "/mine/x",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "inbox/nosuch"),
                "")
            .statusCode());
    assertEquals(
        404,
        tester
            .call(
                "PUT",
                "/nosuch/x",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "inbox/src"),
                "")
            .statusCode());
    // testCopyFromAccountHeader403s: an unreadable source is 403 even where the destination is
    // missing
    assertEquals(
        403,
        tester
            .call(
                "PUT",
                "/mine/x",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "closed/nosuch"),
                "")
            .statusCode());
    assertEquals(
        403,
        tester
            .call(
                "PUT",
                "/nosuch/x",
                Map.of("X-Copy-From-Account", "AUTH_test2", "X-Copy-From", "closed/src"),
                "")
            .statusCode());
  }

  @Test
  void usersWithContainerAclsCopyInsideTheirAccount() {
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/drop",
                Map.of("X-Container-Write", "test:tester3", "X-Container-Read", "test:tester3"),
                null)
            .statusCode());
    // tester3 may read /drop and write it, but may neither read nor write /private
    assertEquals(201, tester3.call("PUT", "/drop/a", Map.of(), "a").statusCode());
    assertEquals(
        201, tester3.call("COPY", "/drop/a", Map.of("Destination", "drop/b"), null).statusCode());
    assertEquals(
        201, tester3.call("PUT", "/drop/c", Map.of("X-Copy-From", "drop/b"), "").statusCode());
    assertEquals("a", tester3.call("GET", "/drop/c").body());
    assertEquals(
        403, tester3.call("PUT", "/drop/d", Map.of("X-Copy-From", "private/src"), "").statusCode());
    assertEquals(
        403,
        tester3.call("COPY", "/drop/a", Map.of("Destination", "private/a"), null).statusCode());
    assertEquals(
        403,
        tester3.call("COPY", "/private/src", Map.of("Destination", "drop/e"), null).statusCode());
    // the anonymous: 401, named after the account refused
    HttpResponse<String> anonymous =
        PlainHttp.send("PUT", test + "/drop/f", Map.of("X-Copy-From", "drop/a"), "");
    assertEquals(401, anonymous.statusCode());
    assertEquals(
        "Swift realm=\"AUTH_test\"",
        anonymous.headers().firstValue("Www-Authenticate").orElseThrow());
  }

  @Test
  void largeObjectSegmentsAreReadAsTheClient() {
    // manifests in a container tester3 and everyone may read; segments in one only the owner may
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/manifests",
                Map.of("X-Container-Read", ".r:*,.rlistings,test:tester3"),
                null)
            .statusCode());
    assertEquals(201, tester.call("PUT", "/segs").statusCode());
    assertEquals(201, tester.call("PUT", "/segs/part-1", Map.of(), "x".repeat(10)).statusCode());
    assertEquals(201, tester.call("PUT", "/segs/part-2", Map.of(), "y".repeat(10)).statusCode());
    assertEquals(
        201,
        tester
            .call(
                "PUT",
                "/manifests/slo?multipart-manifest=put",
                Map.of(),
                "[{\"path\": \"/segs/part-1\"}, {\"path\": \"/segs/part-2\"}]")
            .statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/manifests/dlo", Map.of("X-Object-Manifest", "segs/part-"), "")
            .statusCode());
    assertEquals(20, tester.call("GET", "/manifests/slo").body().length());
    assertEquals(20, tester.call("GET", "/manifests/dlo").body().length());

    // SLO: a first segment the client may not read is 409, as for a missing one
    assertEquals(409, tester3.call("GET", "/manifests/slo").statusCode());
    assertEquals(409, PlainHttp.send("GET", test + "/manifests/slo").statusCode());
    // the manifest itself stays readable, and HEAD reads no segment
    assertEquals(200, tester3.call("GET", "/manifests/slo?multipart-manifest=get").statusCode());
    assertEquals(200, tester3.call("HEAD", "/manifests/slo").statusCode());
    // DLO: the listing of the segment container is refused, and that refusal is the answer
    HttpResponse<String> dlo = tester3.call("GET", "/manifests/dlo");
    assertEquals(403, dlo.statusCode());
    assertEquals(403, tester3.call("HEAD", "/manifests/dlo").statusCode());
    HttpResponse<String> anonymousDlo = PlainHttp.send("GET", test + "/manifests/dlo");
    assertEquals(401, anonymousDlo.statusCode());
    // a copy of the DLO by tester3 into a container it may write fails the same way
    assertEquals(
        201,
        tester
            .call("PUT", "/drop2", Map.of("X-Container-Write", "test:tester3"), null)
            .statusCode());
    assertEquals(
        403,
        tester3
            .call("COPY", "/manifests/dlo", Map.of("Destination", "drop2/copy"), null)
            .statusCode());
    // and a copy of the SLO is Swift's 409 of its source GET
    assertEquals(
        409,
        tester3
            .call("COPY", "/manifests/slo", Map.of("Destination", "drop2/copy"), null)
            .statusCode());
    assertEquals(404, tester.call("HEAD", "/drop2/copy").statusCode());

    // objects readable by referrer, listings not: the SLO reads, the DLO (which lists) does not
    assertEquals(
        204, tester.call("POST", "/segs", Map.of("X-Container-Read", ".r:*"), null).statusCode());
    assertEquals(200, PlainHttp.send("GET", test + "/manifests/slo").statusCode());
    assertEquals(
        "x".repeat(10) + "y".repeat(10), PlainHttp.send("GET", test + "/manifests/slo").body());
    assertEquals(401, PlainHttp.send("GET", test + "/manifests/dlo").statusCode());
    // with listings for test:tester3, both read
    assertEquals(
        204,
        tester
            .call("POST", "/segs", Map.of("X-Container-Read", "test:tester3"), null)
            .statusCode());
    assertEquals(20, tester3.call("GET", "/manifests/dlo").body().length());
    assertEquals(20, tester3.call("GET", "/manifests/slo").body().length());
    assertEquals(
        201,
        tester3
            .call("COPY", "/manifests/dlo", Map.of("Destination", "drop2/copy"), null)
            .statusCode());
  }

  @Test
  void sloManifestPutChecksSegmentsAsTheClient() {
    assertEquals(
        201,
        tester
            .call("PUT", "/uploads", Map.of("X-Container-Write", "test:tester3"), null)
            .statusCode());
    assertEquals(
        201,
        tester
            .call("PUT", "/seg-readable", Map.of("X-Container-Read", "test:tester3"), null)
            .statusCode());
    assertEquals(
        201, tester.call("PUT", "/seg-readable/one", Map.of(), "1".repeat(5)).statusCode());
    assertEquals(201, tester.call("PUT", "/seg-hidden").statusCode());
    assertEquals(201, tester.call("PUT", "/seg-hidden/two", Map.of(), "2".repeat(5)).statusCode());

    HttpResponse<String> refused =
        tester3.call(
            "PUT",
            "/uploads/m?multipart-manifest=put",
            Map.of(),
            "[{\"path\": \"/seg-readable/one\"}, {\"path\": \"/seg-hidden/two\"}]");
    assertEquals(400, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("/seg-hidden/two, 403 Forbidden"), refused.body());
    assertTrue(!refused.body().contains("seg-readable"), refused.body());
    HttpResponse<String> ok =
        tester3.call(
            "PUT",
            "/uploads/m?multipart-manifest=put",
            Map.of(),
            "[{\"path\": \"/seg-readable/one\"}, {\"path\": \"/seg-readable/one\"}]");
    assertEquals(201, ok.statusCode(), ok.body());
    // the owner reads the manifest tester3 wrote
    assertEquals("1".repeat(10), tester.call("GET", "/uploads/m").body());
  }
}
