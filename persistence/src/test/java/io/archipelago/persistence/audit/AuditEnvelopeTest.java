package io.archipelago.persistence.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The envelope's stored form, the chain hash, cursors and schema upcasting, without Akka. */
class AuditEnvelopeTest {

  interface Event {}

  record Renamed(String newName, int count) implements Event {}

  @Test
  void envelopeBytesRoundTripAndRejectDamage() {
    byte[] payload = "payload".getBytes(StandardCharsets.UTF_8);
    AuditEnvelope e =
        AuditEnvelope.chain("Container|a/c", ChainHash.genesis(), "ObjectWritten", 2, payload);
    AuditEnvelope back = AuditEnvelope.fromBytes(e.toBytes());
    assertEquals(e, back);
    assertArrayEquals(e.hash(), back.expectedHash("Container|a/c"));
    assertFalse(
        Arrays.equals(e.hash(), back.expectedHash("Container|a/other")), "the entity is hashed");
    byte[] bytes = e.toBytes();
    assertThrows(
        IllegalArgumentException.class,
        () -> AuditEnvelope.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> AuditEnvelope.fromBytes(Arrays.copyOf(bytes, bytes.length + 1)));
    assertThrows(IllegalArgumentException.class, () -> AuditEnvelope.fromBytes(new byte[] {9, 9}));
  }

  @Test
  void eachPartOfTheLinkChangesTheHash() {
    byte[] p = {1, 2, 3};
    byte[] base = ChainHash.compute(ChainHash.genesis(), "X|1", "T", 1, p);
    byte[] otherPrev = ChainHash.genesis();
    otherPrev[0] = 1;
    for (byte[] h :
        new byte[][] {
          ChainHash.compute(otherPrev, "X|1", "T", 1, p),
          ChainHash.compute(ChainHash.genesis(), "X|2", "T", 1, p),
          ChainHash.compute(ChainHash.genesis(), "X|1", "U", 1, p),
          ChainHash.compute(ChainHash.genesis(), "X|1", "T", 2, p),
          ChainHash.compute(ChainHash.genesis(), "X|1", "T", 1, new byte[] {1, 2, 4}),
          // lengths are hashed, so moving a byte between fields is a different link
          ChainHash.compute(ChainHash.genesis(), "X|1T", "", 1, p)
        }) {
      assertFalse(Arrays.equals(base, h));
    }
  }

  @Test
  void cursorsRoundTrip() {
    assertEquals(123456789L, AuditJson.parseCursor(AuditJson.cursor(123456789L)));
    assertThrows(IllegalArgumentException.class, () -> AuditJson.parseCursor("not-a-cursor"));
  }

  @Test
  void upcastersBringOldVersionsToTheCurrentShape() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    EventSchema<Event> schema =
        EventSchema.builder(Event.class)
            .type(
                "Renamed",
                Renamed.class,
                3,
                v1 -> v1.set("newName", v1.remove("oldName")), // v1 -> v2: a field renamed
                v2 -> v2.put("count", 1)) // v2 -> v3: a field added
            .alias("OldRenamed", "Renamed")
            .build();
    byte[] v1 = "{\"oldName\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals(new Renamed("x", 1), schema.decode(mapper, "Renamed", 1, v1));
    assertEquals(new Renamed("x", 1), schema.decode(mapper, "OldRenamed", 1, v1));
    assertEquals(
        new Renamed("y", 5),
        schema.decode(
            mapper,
            "Renamed",
            3,
            "{\"newName\":\"y\",\"count\":5}".getBytes(StandardCharsets.UTF_8)));
    assertThrows(IllegalStateException.class, () -> schema.decode(mapper, "Renamed", 4, v1));
    assertThrows(IllegalStateException.class, () -> schema.decode(mapper, "Unknown", 1, v1));
    assertEquals("Renamed", schema.typeOf(new Renamed("z", 0)));
    assertEquals(3, schema.versionOf(new Renamed("z", 0)));
  }
}
