package io.archipelago.engine.store.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredMetadataTest {

  @Test
  void gatewayMetadataAndFactsRoundTripWithoutCollisions() {
    Map<String, String> metadata =
        Map.of(
            "x-object-meta-color", "blue",
            "x-object-meta-archipelago-timestamp", "the user's",
            "x-object-meta-archipelago-u-x", "nested escape",
            "content-encoding", "gzip",
            "content-disposition", "inline",
            "x-delete-at", "1");
    StoredMetadata.Encoded encoded =
        StoredMetadata.encode(metadata, Map.of("timestamp", "1700000000.00000"));
    assertEquals(
        Map.of(
            "color", "blue",
            "archipelago-u-timestamp", "the user's",
            "archipelago-u-u-x", "nested escape",
            "archipelago-h-x-delete-at", "1",
            "archipelago-timestamp", "1700000000.00000"),
        encoded.userMeta());
    assertEquals(
        Map.of("content-encoding", "gzip", "content-disposition", "inline"),
        encoded.nativeHeaders());
    StoredMetadata.Decoded decoded =
        StoredMetadata.decode(encoded.userMeta(), encoded.nativeHeaders());
    assertEquals(metadata, decoded.metadata());
    assertEquals(Map.of("timestamp", "1700000000.00000"), decoded.facts());
  }
}
