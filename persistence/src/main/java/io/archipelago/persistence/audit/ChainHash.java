package io.archipelago.persistence.audit;

import io.archipelago.persistence.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The link of the audit hash chain: {@code SHA-256(prevHash ‖ persistenceId ‖ type ‖ version ‖
 * payload)}, each variable-length part preceded by its length, over the payload bytes exactly as
 * stored. The first event of an entity links to {@link #GENESIS} (32 zero bytes).
 */
public final class ChainHash {

  public static final int LENGTH = 32;
  private static final byte[] GENESIS_BYTES = new byte[LENGTH];

  private ChainHash() {}

  /** The predecessor of every entity's first event. */
  public static byte[] genesis() {
    return GENESIS_BYTES.clone();
  }

  public static boolean isGenesis(byte[] hash) {
    return Arrays.equals(hash, GENESIS_BYTES);
  }

  public static byte[] compute(
      byte[] prevHash, String persistenceId, String type, int version, byte[] payload) {
    MessageDigest digest = Sha256.newDigest();
    digest.update(prevHash);
    updateWithLength(digest, persistenceId.getBytes(StandardCharsets.UTF_8));
    updateWithLength(digest, type.getBytes(StandardCharsets.UTF_8));
    digest.update(ByteBuffer.allocate(4).putInt(version).array());
    updateWithLength(digest, payload);
    return digest.digest();
  }

  public static String hex(byte[] hash) {
    return hash == null ? null : HexFormat.of().formatHex(hash);
  }

  public static byte[] fromHex(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  private static void updateWithLength(MessageDigest digest, byte[] bytes) {
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
  }
}
