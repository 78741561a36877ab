package io.archipelago.http.bench;

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
   * One figure. {@code baseline} is NaN where a figure has no baseline; {@code higherIsBetter}
   * decides how the target reads.
   */
  record Figure(String name, String unit, double gateway, double baseline, String baselineName,
      String target, String note) {
    double ratio() {
      return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : gateway / baseline;
    }
  }

  private final List<Figure> figures = new ArrayList<>();

  void add(Figure figure) {
    figures.add(figure);
    System.out.println("  " + line(figure));
  }

  void print(String machine) {
    System.out.println();
    System.out.println("Archipelago benchmark (" + machine + ")");
    System.out.printf(Locale.ROOT, "%-46s %14s %14s %8s  %-14s %s%n", "figure", "gateway", "baseline", "ratio",
        "target", "baseline is");
    for (Figure f : figures) {
      System.out.println(line(f));
    }
  }

  private static String line(Figure f) {
    return String.format(Locale.ROOT, "%-46s %14s %14s %8s  %-14s %s", f.name() + " [" + f.unit() + "]",
        fmt(f.gateway()), fmt(f.baseline()), Double.isNaN(f.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", f.ratio()),
        f.target(), f.baselineName());
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
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
      node.put("baselineIs", f.baselineName());
      node.put("target", f.target());
      node.put("note", f.note());
    }
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
  }
}
