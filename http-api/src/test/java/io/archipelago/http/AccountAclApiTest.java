package io.archipelago.http;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Account metadata and TempAuth's account ACLs ({@code X-Account-Access-Control}) over HTTP. Each
 * test uses its own account (test2 or test) and resets the ACL it sets.
 */
class AccountAclApiTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.embedded();
  static SwiftClient tester;
  static SwiftClient tester3;
  static SwiftClient otherAccount;

  @BeforeAll
  static void start() {
    tester = gateway.login("test:tester", "testing");
    tester3 = gateway.login("test:tester3", "testing3");
    otherAccount = gateway.login("test2:tester2", "testing2");
  }

  private static HttpResponse<String> setAcl(String json) {
    return tester.call("POST", "", Map.of("X-Account-Access-Control", json), null);
  }

  /** test2:tester2 on AUTH_test. */
  private static HttpResponse<String> asOtherAccount(
      String method, String path, Map<String, String> headers, String body) {
    Map<String, String> h = new HashMap<>(headers);
    h.put("X-Auth-Token", otherAccount.token());
    return PlainHttp.send(method, tester.storageUrl() + path, h, body);
  }

  @Test
  void accountMetadataIsSetChangedAndRemoved() {
    SwiftClient owner = otherAccount;
    assertEquals(
        204,
        owner
            .call(
                "POST",
                "",
                Map.of("X-Account-Meta-Color", "blue", "X-Account-Meta-Size", "xl"),
                null)
            .statusCode());
    HttpResponse<String> head = owner.call("HEAD", "");
    assertEquals(204, head.statusCode());
    assertEquals("blue", header(head, "X-Account-Meta-Color"));
    assertEquals("xl", header(head, "X-Account-Meta-Size"));
    assertEquals("blue", header(owner.call("GET", ""), "X-Account-Meta-Color"));

    assertEquals(
        204, owner.call("POST", "", Map.of("X-Account-Meta-Color", "red"), null).statusCode());
    assertEquals("red", header(owner.call("HEAD", ""), "X-Account-Meta-Color"));
    assertEquals("xl", header(owner.call("HEAD", ""), "X-Account-Meta-Size"));

    // An empty value removes, and so does X-Remove-Account-Meta-*, whatever its value.
    assertEquals(
        204, owner.call("POST", "", Map.of("X-Account-Meta-Color", ""), null).statusCode());
    assertNull(header(owner.call("HEAD", ""), "X-Account-Meta-Color"));
    assertEquals(
        204, owner.call("POST", "", Map.of("X-Remove-Account-Meta-Size", "x"), null).statusCode());
    head = owner.call("HEAD", "");
    assertNull(header(head, "X-Account-Meta-Size"));
    assertEquals(
        204,
        owner.call("POST", "", Map.of("X-Remove-Account-Meta-Never-Set", "x"), null).statusCode());
  }

  @Test
  void readOnlyGrantsGetAndHeadOnTheWholeAccount() {
    tester.call("PUT", "/ro");
    tester.call("PUT", "/ro/o", Map.of(), "data");
    tester.call(
        "POST",
        "",
        Map.of("X-Account-Meta-Temp-URL-Key", "secret", "X-Account-Meta-Team", "storage"),
        null);
    assertEquals(403, tester3.call("GET", "").statusCode());

    assertEquals(204, setAcl("{\"read-only\": [\"test:tester3\"]}").statusCode());
    HttpResponse<String> ownerHead = tester.call("HEAD", "");
    assertEquals(
        "{\"read-only\":[\"test:tester3\"]}", header(ownerHead, "X-Account-Access-Control"));
    assertEquals("secret", header(ownerHead, "X-Account-Meta-Temp-Url-Key"));

    HttpResponse<String> listing = tester3.call("GET", "");
    assertEquals(200, listing.statusCode());
    assertTrue(listing.body().lines().anyMatch("ro"::equals), listing.body());
    HttpResponse<String> head = tester3.call("HEAD", "");
    assertEquals(204, head.statusCode());
    assertEquals("storage", header(head, "X-Account-Meta-Team"));
    // Privileged metadata stays hidden from non-owners.
    assertNull(header(head, "X-Account-Access-Control"));
    assertNull(header(head, "X-Account-Meta-Temp-Url-Key"));
    assertEquals(200, tester3.call("GET", "/ro/o").statusCode());
    assertEquals(200, tester3.call("GET", "/ro").statusCode());
    assertEquals(403, tester3.call("PUT", "/ro/o2", Map.of(), "x").statusCode());
    assertEquals(403, tester3.call("DELETE", "/ro/o").statusCode());
    assertEquals(403, tester3.call("PUT", "/ro2").statusCode());
    assertEquals(403, tester3.call("POST", "", Map.of("X-Account-Meta-X", "y"), null).statusCode());
    assertEquals(403, asOtherAccount("GET", "/ro/o", Map.of(), null).statusCode());

    assertEquals(204, setAcl("").statusCode());
    assertNull(header(tester.call("HEAD", ""), "X-Account-Access-Control"));
    assertEquals(403, tester3.call("GET", "/ro/o").statusCode());
  }

  @Test
  void readWriteGrantsContainersAndObjectsButNotTheAccountOrPrivilegedHeaders() {
    tester.call("PUT", "/rw");
    // A whole account by name: every user of test2.
    assertEquals(204, setAcl("{\"read-write\":[\"test2\"]}").statusCode());
    assertEquals(201, asOtherAccount("PUT", "/rw/o", Map.of(), "by test2").statusCode());
    assertEquals("by test2", tester.call("GET", "/rw/o").body());
    assertEquals(201, asOtherAccount("PUT", "/rw-made-by-test2", Map.of(), null).statusCode());
    assertEquals(204, tester.call("HEAD", "/rw-made-by-test2").statusCode());
    // Container metadata goes through, ACLs and TempURL keys are dropped silently.
    assertEquals(
        204,
        asOtherAccount(
                "POST",
                "/rw",
                Map.of(
                    "X-Container-Meta-Note",
                    "hi",
                    "X-Container-Read",
                    ".r:*",
                    "X-Container-Meta-Temp-Url-Key",
                    "k"),
                null)
            .statusCode());
    HttpResponse<String> head = tester.call("HEAD", "/rw");
    assertEquals("hi", header(head, "X-Container-Meta-Note"));
    assertNull(header(head, "X-Container-Read"));
    assertNull(header(head, "X-Container-Meta-Temp-Url-Key"));
    assertEquals(204, asOtherAccount("HEAD", "", Map.of(), null).statusCode());
    assertEquals(
        403, asOtherAccount("POST", "", Map.of("X-Account-Meta-X", "y"), null).statusCode());
    assertEquals(204, asOtherAccount("DELETE", "/rw/o", Map.of(), null).statusCode());
    assertEquals(204, asOtherAccount("DELETE", "/rw-made-by-test2", Map.of(), null).statusCode());
    // tester3 is of account test, not test2.
    assertEquals(403, tester3.call("PUT", "/rw/x", Map.of(), "x").statusCode());
    assertEquals(204, setAcl("{}").statusCode());
    assertEquals(403, asOtherAccount("HEAD", "", Map.of(), null).statusCode());
  }

  @Test
  void adminActsAsTheOwner() {
    tester.call("PUT", "/adm");
    assertEquals(204, setAcl("{\"admin\":[\"test:tester3\"]}").statusCode());
    assertEquals(
        204, tester3.call("POST", "", Map.of("X-Account-Meta-By", "tester3"), null).statusCode());
    assertEquals("tester3", header(tester.call("HEAD", ""), "X-Account-Meta-By"));
    assertEquals(
        204, tester3.call("POST", "/adm", Map.of("X-Container-Read", ".r:*"), null).statusCode());
    assertEquals(".r:*", header(tester3.call("HEAD", "/adm"), "X-Container-Read"));
    HttpResponse<String> head = tester3.call("HEAD", "");
    assertEquals("{\"admin\":[\"test:tester3\"]}", header(head, "X-Account-Access-Control"));
    // An admin may change the account ACL, even revoke its own grant.
    assertEquals(
        204, tester3.call("POST", "", Map.of("X-Account-Access-Control", "{}"), null).statusCode());
    assertEquals(403, tester3.call("HEAD", "").statusCode());
  }

  @Test
  void invalidAccountAclsAre400AsTempAuthWordsThem() {
    HttpResponse<String> r = setAcl("{\"admin\": \"x\"}");
    assertEquals(400, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    assertEquals(
        "X-Account-Access-Control invalid: Value for key \"admin\" must be a list\n\nInput: {\"admin\": \"x\"}\n",
        r.body());
    assertEquals(
        "X-Account-Access-Control invalid: Syntax error in input ('not json')\n\nInput: not json\n",
        setAcl("not json").body());
    assertEquals(
        "X-Account-Access-Control invalid: Key \"owner\" not recognized\n\nInput: {\"owner\":[]}\n",
        setAcl("{\"owner\":[]}").body());
    assertEquals(
        "X-Account-Access-Control invalid: Elements of \"read-only\" list must be strings\n\nInput: {\"read-only\":[1]}\n",
        setAcl("{\"read-only\":[1]}").body());
    // TempAuth checks the syntax before the rights: even tester3 is told.
    assertEquals(
        400, tester3.call("POST", "", Map.of("X-Account-Access-Control", "[]"), null).statusCode());
    assertNull(header(tester.call("HEAD", ""), "X-Account-Access-Control"));
  }

  @Test
  void infoAdvertisesAccountAcls() throws Exception {
    JsonNode info =
        new ObjectMapper().readTree(PlainHttp.send("GET", gateway.baseUrl() + "/info").body());
    assertTrue(info.at("/tempauth/account_acls").asBoolean());
    assertEquals(1024, info.at("/swift/max_object_name_length").asInt());
  }
}
