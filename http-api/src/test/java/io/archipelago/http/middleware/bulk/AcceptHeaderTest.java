package io.archipelago.http.middleware.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.archipelago.http.protocol.AcceptHeader;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Swift's best_match over the bulk formats. */
class AcceptHeaderTest {

  private static Optional<String> match(String header) {
    return AcceptHeader.bestMatch(header, BulkDelete.ACCEPTABLE_FORMATS);
  }

  @Test
  void picksByQualityThenExactnessThenOfferOrder() {
    assertEquals(Optional.of("text/plain"), match(null));
    assertEquals(Optional.of("text/plain"), match("*/*"));
    assertEquals(Optional.of("application/json"), match("application/json"));
    assertEquals(Optional.of("application/json"), match("text/plain;q=0.5, application/json"));
    assertEquals(Optional.of("text/xml"), match("text/xml, */*;q=0.9"));
    assertEquals(Optional.of("application/json"), match("application/*"));
    assertEquals(Optional.of("application/xml"), match("application/xml, text/xml"));
    assertEquals(Optional.of("application/json"), match("text/*, application/json"));
    assertEquals(Optional.empty(), match("image/png"));
    assertEquals(Optional.empty(), match("garbage"));
    assertEquals(Optional.empty(), match("text/plain;q=1;q=2"));
  }
}
