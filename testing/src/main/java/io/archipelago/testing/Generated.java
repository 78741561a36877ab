package io.archipelago.testing;

import java.io.InputStream;

/** Incompressible-looking bytes of a given length, generated as read (never held). */
public final class Generated extends InputStream {

  private long remaining;
  private long state;

  public Generated(long size, long seed) {
    this.remaining = size;
    this.state = seed | 1;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (remaining <= 0) {
      return -1;
    }
    int n = (int) Math.min(len, remaining);
    for (int i = 0; i < n; i += 8) {
      state ^= state << 13;
      state ^= state >>> 7;
      state ^= state << 17;
      long v = state;
      for (int j = 0; j < 8 && i + j < n; j++) {
        b[off + i + j] = (byte) v;
        v >>>= 8;
      }
    }
    remaining -= n;
    return n;
  }
}
