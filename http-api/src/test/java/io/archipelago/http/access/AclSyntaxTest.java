package io.archipelago.http.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.protocol.PyText;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Container (v1) and account (v2) ACL syntax, as swift.common.middleware.acl and TempAuth. */
class AclSyntaxTest {

  @Test
  void cleanTidiesAclsAsSwiftDoes() {
    assertEquals("bob,sue", ContainerAcl.clean("X-Container-Read", "bob, sue"));
    assertEquals("bob,sue", ContainerAcl.clean("X-Container-Read", "bob , sue"));
    assertEquals("bob,sue", ContainerAcl.clean("X-Container-Read", "bob,,,sue"));
    assertEquals(".r:*", ContainerAcl.clean("X-Container-Read", ".referrer : *"));
    assertEquals(".r:.example.com", ContainerAcl.clean("X-Container-Read", ".ref:*.example.com"));
    assertEquals(".r:*,.rlistings", ContainerAcl.clean("X-Container-Read", ".r:*, .rlistings"));
    assertEquals(".r:-thief.com", ContainerAcl.clean("X-Container-Read", ".r: - thief.com"));
    assertEquals(
        "test:tester3,AUTH_test2",
        ContainerAcl.clean("X-Container-Write", "test:tester3, AUTH_test2"));
    assertEquals("", ContainerAcl.clean("X-Container-Read", " , "));
  }

  @Test
  void cleanRefusesWithSwiftsMessages() {
    assertEquals(
        "No host/domain value after referrer designation in ACL: '.r:'",
        assertThrows(
                ContainerAcl.InvalidAcl.class, () -> ContainerAcl.clean("x-container-read", ".r:"))
            .getMessage());
    assertEquals(
        "No host/domain value after referrer designation in ACL: '.r:-'",
        assertThrows(
                ContainerAcl.InvalidAcl.class, () -> ContainerAcl.clean("x-container-read", ".r:-"))
            .getMessage());
    assertEquals(
        "Referrers not allowed in write ACL: '.r:*'",
        assertThrows(
                ContainerAcl.InvalidAcl.class,
                () -> ContainerAcl.clean("x-container-write", ".r:*"))
            .getMessage());
    assertEquals(
        "Unknown designator '.x' in ACL: '.x:y'",
        assertThrows(
                ContainerAcl.InvalidAcl.class,
                () -> ContainerAcl.clean("x-container-read", "a, .x:y"))
            .getMessage());
  }

  @Test
  void referrersApplyInOrder() {
    ContainerAcl acl =
        ContainerAcl.parse(".r:.example.com,.r:-thief.example.com,.rlistings,bob,sue%3Aa");
    assertEquals(List.of(".example.com", "-thief.example.com"), acl.referrers());
    assertEquals(List.of(".rlistings", "bob", "sue:a"), acl.groups());
    assertTrue(acl.listings());
    assertTrue(acl.referrerAllowed("http://www.example.com/index.html"));
    assertTrue(acl.referrerAllowed("https://user@WWW.Example.com:8443/"));
    assertFalse(acl.referrerAllowed("http://thief.example.com/"));
    assertFalse(acl.referrerAllowed("http://example.org/"));
    assertFalse(acl.referrerAllowed(null));
    assertFalse(acl.referrerAllowed("www.example.com"));
    ContainerAcl all = ContainerAcl.parse(".r:*,.r:-bad.com");
    assertTrue(all.referrerAllowed(null));
    assertFalse(all.referrerAllowed("http://bad.com/x"));
    assertFalse(ContainerAcl.parse("bob").referrerAllowed("http://x/"));
    assertEquals("unknown", ContainerAcl.hostOf("not a url"));
    assertEquals("::1", ContainerAcl.hostOf("http://[::1]:8080/"));
  }

  @Test
  void accountAclIsValidatedAndFormattedAsTempAuth() {
    assertEquals(
        "{\"admin\":[\"a\"],\"read-only\":[\"c\",\"d\"],\"read-write\":[\"b\"]}",
        AccountAcl.validate(
            "{ \"read-write\": [\"b\"], \"admin\": [\"a\"], \"read-only\": [\"c\", \"d\"] }"));
    assertEquals(
        "{\"read-only\":[\"\\u00fc:x\"]}", AccountAcl.validate("{\"read-only\":[\"ü:x\"]}"));
    assertEquals("", AccountAcl.validate(""));
    assertEquals("", AccountAcl.validate("{}"));
    assertEquals(
        "Syntax error in input ('nope')",
        assertThrows(AccountAcl.InvalidAcl.class, () -> AccountAcl.validate("nope")).getMessage());
    assertEquals(
        "Syntax error in input ('[\"admin\"]')",
        assertThrows(AccountAcl.InvalidAcl.class, () -> AccountAcl.validate("[\"admin\"]"))
            .getMessage());
    assertEquals(
        "Key \"owner\" not recognized",
        assertThrows(AccountAcl.InvalidAcl.class, () -> AccountAcl.validate("{\"owner\":[]}"))
            .getMessage());
    assertEquals(
        "Value for key \"admin\" must be a list",
        assertThrows(AccountAcl.InvalidAcl.class, () -> AccountAcl.validate("{\"admin\":\"a\"}"))
            .getMessage());
    assertEquals(
        "Elements of \"read-only\" list must be strings",
        assertThrows(AccountAcl.InvalidAcl.class, () -> AccountAcl.validate("{\"read-only\":[1]}"))
            .getMessage());
  }

  @Test
  void accountAclGrantsOnlyWithMembers() {
    assertEquals(Optional.empty(), AccountAcl.of(Map.of()));
    assertEquals(Optional.empty(), AccountAcl.of(Map.of(AccountAcl.HEADER, "{\"admin\":[]}")));
    AccountAcl acl =
        AccountAcl.of(Map.of(AccountAcl.HEADER, "{\"read-only\":[\"test2\"]}")).orElseThrow();
    assertEquals(List.of("test2"), acl.readOnly());
    assertEquals(List.of(), acl.admin());
  }

  @Test
  void pythonTextForms() {
    assertEquals("'a'", PyText.repr("a"));
    assertEquals("\"it's\"", PyText.repr("it's"));
    assertEquals("'a\\nb'", PyText.repr("a\nb"));
    assertEquals("\"\\u00e9\\ud83d\\ude00\"", PyText.jsonString("é😀"));
    assertEquals("My%20File.pdf", PyText.quote("My File.pdf"));
    assertEquals("a/%C3%BC%20b", PyText.quote("a/ü b"));
    assertEquals("a/ü b", PyText.unquote("a/%C3%BC%20b"));
  }
}
