package io.archipelago.engine.store.swift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.engine.store.BackendContainer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SwiftContainerNamesTest {

  final SwiftContainerNames names = new SwiftContainerNames("gw_", "~");

  @Test
  void accountAndContainerAreJoinedAndEscaped() {
    assertEquals(
        "gw_AUTH_test~photos", names.backendName(new BackendContainer("AUTH_test", "photos")));
    assertEquals("gw_AUTH_a%7Eb~c%25d", names.backendName(new BackendContainer("AUTH_a~b", "c%d")));
    assertEquals("gw_AUTH_x~%2F", names.backendName(new BackendContainer("AUTH_x", "/")));
  }

  @Test
  void nulIsEscapedForSwiftWhichRefusesIt() {
    // the gateway's own versions containers have Swift's reserved names
    assertEquals(
        "gw_AUTH_test~%00versions%00photos",
        names.backendName(new BackendContainer("AUTH_test", "\0versions\0photos")));
  }

  @Test
  void distinctContainersNeverShareABackendContainer() {
    List<String> parts =
        List.of(
            "", "a", "~", "a~", "~a", "%", "%7E", "%7e", "a%7Eb", "%h", "/", "\u00e9", "~~", "\0",
            "%00");
    Set<String> seen = new HashSet<>();
    int pairs = 0;
    for (String a : parts) {
      for (String c : parts) {
        assertTrue(seen.add(names.backendName(new BackendContainer(a, c))), a + " / " + c);
        pairs++;
      }
    }
    assertEquals(pairs, seen.size());
  }

  @Test
  void longNamesAreHashedWithinSwiftsLimit() {
    BackendContainer longOne = new BackendContainer("AUTH_test", "\u65e5".repeat(100));
    String name = names.backendName(longOne);
    assertTrue(name.startsWith("gw_%h"), name);
    assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 256);
    assertNotEquals(
        name, names.backendName(new BackendContainer("AUTH_test", "\u65e5".repeat(101))));
    String atLimit = "x".repeat(256 - "gw_AUTH_test~".length());
    assertEquals(
        "gw_AUTH_test~" + atLimit, names.backendName(new BackendContainer("AUTH_test", atLimit)));
    assertTrue(
        names.backendName(new BackendContainer("AUTH_test", atLimit + "x")).startsWith("gw_%h"));
  }

  @Test
  void separatorsThatWouldBreakTheMappingAreRefused() {
    for (String bad : List.of("", "%", "/", "a", "7", "-a-")) {
      assertThrows(IllegalArgumentException.class, () -> new SwiftContainerNames("gw_", bad), bad);
    }
  }
}
