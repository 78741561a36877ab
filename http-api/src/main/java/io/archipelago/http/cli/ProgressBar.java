package io.archipelago.http.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr, redrawn at most five times a second. */
final class ProgressBar {

  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final String label;
  private final long total;
  private final boolean enabled;
  private final long started = System.nanoTime();
  private long lastDrawn;
  private long current;

  ProgressBar(PrintWriter err, String label, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.total = Math.max(total, 1);
    this.enabled = enabled;
  }

  void update(long done) {
    current = done;
    long now = System.nanoTime();
    if (enabled && now - lastDrawn > 200_000_000L) {
      lastDrawn = now;
      draw();
    }
  }

  void done() {
    if (enabled) {
      draw();
      err.println();
      err.flush();
    }
  }

  private void draw() {
    double fraction = Math.min(1.0, (double) current / total);
    int filled = (int) Math.round(fraction * WIDTH);
    double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-3);
    err.printf(
        "\r%s [%s%s] %3d%% %,d/%,d events %,.0f/s",
        label,
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        Math.round(fraction * 100),
        current,
        total,
        current / seconds);
    err.flush();
  }
}
