package io.archipelago.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** TempAuth's reseller prefix list from {@code archipelago.auth}, and its refusals. */
class ResellerPrefixesTest {

  private static Config auth(String text) {
    return ConfigFactory.parseString("archipelago.auth {" + text + "}")
        .withFallback(ConfigFactory.defaultReference());
  }

  @Test
  void theFirstPrefixComesFirstAndAccountsFindTheirPrefix() {
    ResellerPrefixes prefixes =
        ResellerPrefixes.fromConfig(
            auth("more-reseller-prefixes = [\"SERVICE_\"], require-groups { SERVICE_ = service }"));
    assertEquals("AUTH_", prefixes.first());
    assertEquals(List.of("AUTH_test", "SERVICE_test"), prefixes.accountsOf("test"));
    assertEquals(Optional.of("SERVICE_"), prefixes.prefixOf("SERVICE_test"));
    assertEquals(Optional.of("AUTH_"), prefixes.prefixOf("AUTH_test"));
    assertEquals(Optional.empty(), prefixes.prefixOf("OTHER_test"));
    assertEquals(Optional.of("service"), prefixes.requiredGroup("SERVICE_"));
    assertEquals(Optional.empty(), prefixes.requiredGroup("AUTH_"));
  }

  @Test
  void theDefaultsAreOnePrefixWithoutRequiredGroups() {
    ResellerPrefixes prefixes = ResellerPrefixes.fromConfig(ConfigFactory.defaultReference());
    assertEquals(List.of("AUTH_"), prefixes.prefixes());
    assertTrue(prefixes.requiredGroups().isEmpty());
  }

  @Test
  void badSettingsAreRefusedNamingTheProblem() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResellerPrefixes.fromConfig(auth("require-groups { SERVICE_ = service }")));
    assertTrue(unknown.getMessage().contains("SERVICE_ is not a reseller prefix"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ResellerPrefixes.fromConfig(auth("more-reseller-prefixes = [\"AUTH_\"]")));
    assertThrows(
        IllegalArgumentException.class,
        () -> ResellerPrefixes.fromConfig(auth("more-reseller-prefixes = [\"\"]")));
  }
}
