package io.archipelago.persistence.audit;

import akka.actor.ExtendedActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.SerializerWithStringManifest;
import akka.serialization.Serializers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Writes {@link AuditEnvelope}s and {@link ChainedSnapshot}s in their own plain binary formats, so
 * that the journal holds exactly the bytes that were hashed and tools can read them without an
 * actor system. Bound in this module's reference.conf.
 */
public final class AuditSerializer extends SerializerWithStringManifest {

  /** Serializer id, also what the verifier looks for in the journal and snapshot tables. */
  public static final int IDENTIFIER = 727301;

  public static final String ENVELOPE_MANIFEST = "E1";
  public static final String SNAPSHOT_MANIFEST = "S1";

  private final ExtendedActorSystem system;
  private volatile Serialization serialization;

  public AuditSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof AuditEnvelope) {
      return ENVELOPE_MANIFEST;
    }
    if (o instanceof ChainedSnapshot) {
      return SNAPSHOT_MANIFEST;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof AuditEnvelope e) {
      return e.toBytes();
    }
    if (o instanceof ChainedSnapshot s) {
      return snapshotBytes(s);
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    switch (manifest) {
      case ENVELOPE_MANIFEST:
        try {
          return AuditEnvelope.fromBytes(bytes);
        } catch (IllegalArgumentException e) {
          // Damaged bytes fail one event, not the entity's whole replay (see AuditTrail).
          return new AuditTrail.Unreadable("?", 0, e.getMessage());
        }
      case SNAPSHOT_MANIFEST:
        return snapshotFromBytes(bytes);
      default:
        throw new NotSerializableException("unknown audit manifest " + manifest);
    }
  }

  /** The last hash recorded in a stored snapshot (format {@value #SNAPSHOT_MANIFEST}). */
  public static byte[] snapshotLastHash(byte[] stored) {
    if (stored.length < ChainHash.LENGTH) {
      throw new IllegalArgumentException("truncated chained snapshot");
    }
    return Arrays.copyOf(stored, ChainHash.LENGTH);
  }

  private byte[] snapshotBytes(ChainedSnapshot s) {
    Object state = s.state();
    Serializer serializer = serialization().findSerializerFor(state);
    byte[] stateBytes = serializer.toBinary(state);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(stateBytes.length + 96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(s.lastHash());
      out.writeInt(serializer.identifier());
      out.writeUTF(Serializers.manifestFor(serializer, state));
      out.writeInt(stateBytes.length);
      out.write(stateBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private ChainedSnapshot snapshotFromBytes(byte[] bytes) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte[] hash = in.readNBytes(ChainHash.LENGTH);
      int serializerId = in.readInt();
      String manifest = in.readUTF();
      byte[] state = in.readNBytes(in.readInt());
      return new ChainedSnapshot(
          hash, serialization().deserialize(state, serializerId, manifest).get());
    } catch (IOException e) {
      throw new NotSerializableException("unreadable chained snapshot: " + e.getMessage());
    }
  }

  private Serialization serialization() {
    Serialization s = serialization;
    if (s == null) {
      s = SerializationExtension.get(system);
      serialization = s;
    }
    return s;
  }
}
