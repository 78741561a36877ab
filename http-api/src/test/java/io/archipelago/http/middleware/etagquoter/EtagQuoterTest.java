package io.archipelago.http.middleware.etagquoter;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.Http;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Swift's etag_quoter through the gateway: the container's flag, else the account's. */
class EtagQuoterTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();

  static SwiftClient tester;
  static final String MD5 = Http.md5("test");

  @BeforeAll
  static void object() {
    tester = gateway.login("test2:tester2", "testing2");
    assertEquals(201, tester.call("PUT", "/etags").statusCode());
    assertEquals(201, tester.call("PUT", "/etags/o", Map.of(), "test").statusCode());
  }

  private static String etag() {
    var head = tester.call("HEAD", "/etags/o");
    assertEquals(200, head.statusCode());
    return header(head, "Etag");
  }

  private static void post(String path, String name, String value) {
    assertEquals(204, tester.call("POST", path, Map.of(name, value), null).statusCode());
  }

  @Test
  void flagsOfContainerThenAccountQuoteEtags() {
    String info = PlainHttp.send("GET", gateway.baseUrl() + "/info").body();
    assertTrue(info.contains("\"etag_quoter\":{\"enable_by_default\":false}"), info);
    assertEquals(MD5, etag());
    post("", "X-Account-Rfc-Compliant-Etags", "yes");
    assertEquals('"' + MD5 + '"', etag());
    assertEquals("True", header(tester.call("HEAD", ""), "X-Account-Rfc-Compliant-Etags"));
    // the container's flag wins over the account's
    post("/etags", "X-Container-Rfc-Compliant-Etags", "false");
    assertEquals(MD5, etag());
    assertEquals("False", header(tester.call("HEAD", "/etags"), "X-Container-Rfc-Compliant-Etags"));
    post("/etags", "X-Container-Rfc-Compliant-Etags", "t");
    assertEquals('"' + MD5 + '"', etag());
    // a PUT's answer too, by the state its write asked the entity for
    assertEquals('"' + MD5 + '"', header(tester.call("PUT", "/etags/p", Map.of(), "test"), "Etag"));
    var get = tester.call("GET", "/etags/o");
    assertEquals('"' + MD5 + '"', header(get, "Etag"));
    assertEquals("test", get.body());
    // removed: the account's flag again, then the default
    post("/etags", "X-Remove-Container-Rfc-Compliant-Etags", "x");
    post("", "X-Account-Rfc-Compliant-Etags", "no");
    assertEquals(MD5, etag());
    post("", "X-Account-Rfc-Compliant-Etags", "");
    assertEquals(MD5, etag());
  }
}
