package io.archipelago.engine.store;

/** Bytes a backend can hold and bytes it holds; {@code free()} feeds placement. */
public record Capacity(long totalBytes, long usedBytes) {
  public long free() {
    return Math.max(0, totalBytes - usedBytes);
  }
}
