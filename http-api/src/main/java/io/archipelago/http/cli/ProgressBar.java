package io.archipelago.http.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn at most five times a second: either a count of events
 * ({@link #update}) or a fraction with a line of its own ({@link #show}).
 */
final class ProgressBar {

  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final String label;
  private final long total;
  private final boolean enabled;
  private final long started = System.nanoTime();
  private long lastDrawn;
  private long current;
  private double fraction = -1;
  private String detail = "";
  private int lastWidth;

  ProgressBar(PrintWriter err, String label, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.total = Math.max(total, 1);
    this.enabled = enabled;
  }

  /** A bar whose fraction and text the caller supplies ({@link #show}). */
  ProgressBar(PrintWriter err, String label, boolean enabled) {
    this(err, label, 1, enabled);
  }

  void update(long done) {
    current = done;
    long now = System.nanoTime();
    if (enabled && now - lastDrawn > 200_000_000L) {
      lastDrawn = now;
      draw();
    }
  }

  /** Shows {@code fraction} (0..1) done, followed by {@code detail}. */
  void show(double fraction, String detail) {
    this.fraction = Math.max(0, Math.min(1, fraction));
    this.detail = detail;
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
    String text;
    double shown;
    if (fraction >= 0) {
      shown = fraction;
      text = detail;
    } else {
      shown = Math.min(1.0, (double) current / total);
      double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-3);
      text = String.format("%,d/%,d events %,.0f/s", current, total, current / seconds);
    }
    int filled = (int) Math.round(shown * WIDTH);
    String line =
        String.format(
            "%s [%s%s] %3d%% %s",
            label, "#".repeat(filled), " ".repeat(WIDTH - filled), Math.round(shown * 100), text);
    // a shorter line than the last one must not leave the old one's tail on screen
    err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
    lastWidth = line.length();
    err.flush();
  }
}
