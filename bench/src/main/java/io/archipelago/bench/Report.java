package io.archipelago.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark's table and bench-results.json: each figure with gateway, baseline and ratio. */
final class Report {

  /**
   * One figure. {@code baseline} is NaN where a figure has no baseline. {@code bare}, where
   * measured (NaN elsewhere), is the same load through the least a gateway could be, described by
   * {@code bareName}: a bare TCP relay in front of Swift ({@link TcpRelay}), or a bare HTTP server
   * doing the same durable write ({@link BareObjectServer}).
   */
  record Figure(
      String name,
      String unit,
      double gateway,
      double baseline,
      String baselineName,
      String target,
      String note,
      double bare,
      String bareName) {

    Figure(
        String name,
        String unit,
        double gateway,
        double baseline,
        String baselineName,
        String target,
        String note) {
      this(name, unit, gateway, baseline, baselineName, target, note, Double.NaN, "-");
    }

    double ratio() {
      return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : gateway / baseline;
    }

    /** Bare over baseline: the ratio that a gateway doing nothing but the unavoidable reaches. */
    double bareRatio() {
      return Double.isNaN(bare) || Double.isNaN(baseline) || baseline == 0
          ? Double.NaN
          : bare / baseline;
    }
  }

  private final List<Figure> figures = new ArrayList<>();

  void add(Figure figure) {
    figures.add(figure);
    System.out.println("  " + line(figure));
  }

  /**
   * The two scaling rows of a figure at one pinning: its throughput against the unpinned gateway's
   * of the same run, and the gateway's CPU per request.
   */
  void addScalingRows(
      String figure,
      String cpus,
      LoadDriver.Result pinned,
      LoadDriver.Result unpinned,
      long gatewayCpuMillis) {
    int cores = cpus.split(",").length;
    String on = ", gateway pinned to " + cores + (cores == 1 ? " core" : " cores");
    String note =
        String.format(
            Locale.ROOT,
            "taskset -c %s on the gateway's JVM; p50 %.1f ms p99 %.1f ms, %d failed",
            cpus,
            pinned.p50Millis(),
            pinned.p99Millis(),
            pinned.failed());
    add(
        new Report.Figure(
            figure + on,
            "ops/s",
            pinned.opsPerSecond(),
            unpinned.opsPerSecond(),
            "the same gateway unpinned, same run",
            "report",
            note));
    add(
        new Report.Figure(
            figure + on + ", gateway CPU per request",
            "ms",
            gatewayCpuMillis / (double) Math.max(1, pinned.ok()),
            Double.NaN,
            "-",
            "report",
            note + "; user + kernel time of the gateway's process over its requests"));
  }

  void print(String machine) {
    System.out.println();
    System.out.println("Archipelago benchmark (" + machine + ")");
    System.out.printf(
        Locale.ROOT,
        "%-46s %14s %14s %8s  %-14s %9s  %s%n",
        "figure",
        "gateway",
        "baseline",
        "ratio",
        "target",
        "bare/base",
        "baseline is");
    for (Figure f : figures) {
      System.out.println(line(f));
    }
  }

  private static String line(Figure f) {
    return String.format(
        Locale.ROOT,
        "%-46s %14s %14s %8s  %-14s %9s  %s",
        f.name() + " [" + f.unit() + "]",
        fmt(f.gateway()),
        fmt(f.baseline()),
        ratio(f.ratio()),
        f.target(),
        ratio(f.bareRatio()),
        f.baselineName());
  }

  private static String ratio(double r) {
    return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return Math.abs(v) >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  /**
   * What makes this run incomplete: a figure of {@code expected} (by the number its name starts
   * with) that is missing, or a number that is not finite and positive. Empty when complete.
   */
  List<String> problems(List<String> expected) {
    List<String> problems = new ArrayList<>();
    for (String number : expected) {
      if (figures.stream().noneMatch(f -> f.name().startsWith(number + " "))) {
        problems.add("figure " + number + " is missing");
      }
    }
    for (Figure f : figures) {
      if (!(f.gateway() > 0) || Double.isInfinite(f.gateway())) {
        problems.add(f.name() + ": gateway figure is " + f.gateway());
      }
      boolean hasBaseline = !"-".equals(f.baselineName());
      if (hasBaseline && (!(f.baseline() > 0) || Double.isInfinite(f.baseline()))) {
        problems.add(f.name() + ": baseline figure is " + f.baseline());
      }
      if (!"-".equals(f.bareName()) && (!(f.bare() > 0) || Double.isInfinite(f.bare()))) {
        problems.add(f.name() + ": bare figure is " + f.bare());
      }
    }
    return problems;
  }

  void write(Path file, String machine, boolean quick) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("machine", machine);
    root.put("mode", quick ? "quick" : "full");
    ArrayNode list = root.putArray("figures");
    for (Figure f : figures) {
      ObjectNode node = list.addObject();
      node.put("name", f.name());
      node.put("unit", f.unit());
      node.put("gateway", f.gateway());
      if (!Double.isNaN(f.baseline())) {
        node.put("baseline", f.baseline());
        node.put("ratio", f.ratio());
      }
      if (!Double.isNaN(f.bareRatio())) {
        node.put("bare", f.bare());
        node.put("bareRatio", f.bareRatio());
        node.put("bareIs", f.bareName());
      }
      node.put("baselineIs", f.baselineName());
      node.put("target", f.target());
      node.put("note", f.note());
    }
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
  }
}
