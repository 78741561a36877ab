package io.archipelago.persistence.audit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * What the journal stores for each audited event: the event serialized once (canonical Jackson
 * CBOR, map keys sorted) under a logical type name and schema version, the hash of the entity's
 * previous event and this event's own hash ({@link ChainHash}). The journal row's payload is {@link
 * #toBytes()}, so readers outside the actor system (the verifier, the audit log) see exactly what
 * was hashed.
 *
 * @param type logical event type (e.g. {@code ObjectWritten}), stable across class renames
 * @param version schema version of {@code payload}; older versions are upcast on replay
 */
public record AuditEnvelope(
    String type, int version, byte[] payload, byte[] prevHash, byte[] hash) {

  /** Format marker of {@link #toBytes()}. */
  private static final byte FORMAT = 1;

  /** Builds the envelope of an event that follows {@code prevHash} in {@code persistenceId}. */
  public static AuditEnvelope chain(
      String persistenceId, byte[] prevHash, String type, int version, byte[] payload) {
    return new AuditEnvelope(
        type,
        version,
        payload,
        prevHash,
        ChainHash.compute(prevHash, persistenceId, type, version, payload));
  }

  /** The hash this envelope should carry if it belongs to {@code persistenceId}. */
  public byte[] expectedHash(String persistenceId) {
    return ChainHash.compute(prevHash, persistenceId, type, version, payload);
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeUTF(type);
      out.writeInt(version);
      out.write(prevHash);
      out.write(hash);
      out.writeInt(payload.length);
      out.write(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads {@link #toBytes()}; fails with IllegalArgumentException on anything else. */
  public static AuditEnvelope fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown audit envelope format " + format);
      }
      String type = in.readUTF();
      int version = in.readInt();
      byte[] prev = in.readNBytes(ChainHash.LENGTH);
      byte[] hash = in.readNBytes(ChainHash.LENGTH);
      int length = in.readInt();
      if (prev.length != ChainHash.LENGTH
          || hash.length != ChainHash.LENGTH
          || length < 0
          || length != in.available()) {
        throw new IllegalArgumentException("truncated or padded audit envelope");
      }
      return new AuditEnvelope(type, version, in.readNBytes(length), prev, hash);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable audit envelope: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEnvelope e
        && type.equals(e.type)
        && version == e.version
        && Arrays.equals(payload, e.payload)
        && Arrays.equals(prevHash, e.prevHash)
        && Arrays.equals(hash, e.hash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash);
  }

  @Override
  public String toString() {
    return "AuditEnvelope["
        + type
        + " v"
        + version
        + ", "
        + payload.length
        + " bytes, hash "
        + ChainHash.hex(hash)
        + "]";
  }
}
