package io.archipelago.persistence.audit;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The recorded head of an entity's audit chain: the sequence number of its newest event and that
 * event's own hash ({@code null} when the event is not an audit envelope), as the journal insert
 * trigger stored it in {@code archipelago_audit_head}.
 *
 * <p>Why a table kept by a trigger: the chain links each event to its predecessor, so nothing in
 * the journal rows says that a newer event existed once; the head has to live outside them. A
 * trigger on the journal table updates it in the very transaction of the journal insert (in H2 a
 * Java trigger, {@link ChainHeadTrigger}; in PostgreSQL plpgsql), so it can never lag an
 * acknowledged event, needs nothing of akka-persistence-jdbc's DAO, and also covers rows written by
 * other tools. Someone who can delete journal rows can also rewrite this table; what it catches is
 * a truncation made by deleting rows alone.
 */
public record ChainHead(String persistenceId, long sequenceNr, byte[] hash) {

  public static final String TABLE = "archipelago_audit_head";

  /**
   * The own hash of a stored audit envelope ({@link AuditEnvelope#toBytes()}: format byte, type as
   * a 2-byte length and its bytes, 4-byte version, previous hash, own hash), read from a prefix of
   * the payload; {@code null} if the row is not an envelope.
   */
  public static byte[] envelopeHash(
      int serializerId, String serializerManifest, PrefixReader payload) {
    if (serializerId != AuditSerializer.IDENTIFIER
        || !AuditSerializer.ENVELOPE_MANIFEST.equals(serializerManifest)) {
      return null;
    }
    try {
      byte[] start = payload.read(0, 3);
      if (start.length < 3 || start[0] != 1) {
        return null;
      }
      int typeLength = ByteBuffer.wrap(start, 1, 2).getShort() & 0xffff;
      byte[] hash = payload.read(hashOffset(typeLength), ChainHash.LENGTH);
      return hash.length == ChainHash.LENGTH ? hash : null;
    } catch (Exception e) {
      return null; // not readable as an envelope: the verifier names it
    }
  }

  private static int hashOffset(int typeLength) {
    return 1 + 2 + typeLength + 4 + ChainHash.LENGTH;
  }

  /** Reads up to {@code length} bytes of a payload from {@code offset} (fewer at its end). */
  @FunctionalInterface
  public interface PrefixReader {
    byte[] read(long offset, int length) throws Exception;

    static PrefixReader of(byte[] bytes) {
      return (offset, length) -> {
        int from = (int) Math.min(offset, bytes.length);
        return Arrays.copyOfRange(bytes, from, (int) Math.min(bytes.length, (long) from + length));
      };
    }
  }
}
