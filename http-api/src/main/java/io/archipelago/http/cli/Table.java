package io.archipelago.http.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A plain text table for people: a header row, columns as wide as their widest cell, numbers
 * aligned right. Also the few value formats the admin commands share (bytes, durations).
 */
final class Table {

  private final List<String> headers;
  private final boolean[] rightAligned;
  private final List<List<String>> rows = new ArrayList<>();

  /** Headers ending in {@code >} are right-aligned (the marker is not shown). */
  Table(String... headers) {
    this.headers = new ArrayList<>();
    this.rightAligned = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      rightAligned[i] = headers[i].endsWith(">");
      this.headers.add(
          rightAligned[i] ? headers[i].substring(0, headers[i].length() - 1) : headers[i]);
    }
  }

  Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          cells.length + " cells for " + headers.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.toString()).toList());
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    line(out, headers, widths);
    for (List<String> row : rows) {
      line(out, row, widths);
    }
    out.flush();
  }

  private void line(PrintWriter out, List<String> cells, int[] widths) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      boolean last = i == cells.size() - 1;
      if (i > 0) {
        sb.append("  ");
      }
      if (rightAligned[i]) {
        sb.append(" ".repeat(widths[i] - cell.length())).append(cell);
      } else {
        sb.append(cell);
        if (!last) {
          sb.append(" ".repeat(widths[i] - cell.length()));
        }
      }
    }
    out.println(sb.toString().stripTrailing());
  }

  /** Key-value lines ({@code key: value}) with the keys padded to one width. */
  static void pairs(PrintWriter out, List<String[]> pairs) {
    int width = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0);
    for (String[] p : pairs) {
      out.println(p[0] + ":" + " ".repeat(width - p[0].length() + 2) + p[1]);
    }
    out.flush();
  }

  /** 1536 -> "1.5 KiB"; negative (unknown) -> "-". */
  static String bytes(long bytes) {
    if (bytes < 0) {
      return "-";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** 3725 -> "1h02m05s"; negative (unknown) -> "-". */
  static String duration(long seconds) {
    if (seconds < 0) {
      return "-";
    }
    long h = seconds / 3600;
    long m = seconds % 3600 / 60;
    long s = seconds % 60;
    if (h > 0) {
      return String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, s);
    }
    if (m > 0) {
      return String.format(Locale.ROOT, "%dm%02ds", m, s);
    }
    return s + "s";
  }
}
