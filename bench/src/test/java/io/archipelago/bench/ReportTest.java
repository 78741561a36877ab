package io.archipelago.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What makes a benchmark run incomplete (and bin/archipelago bench exit non-zero). */
class ReportTest {

  private static Report.Figure figure(String name, double gateway, double baseline) {
    return new Report.Figure(
        name, "ops/s", gateway, baseline, Double.isNaN(baseline) ? "-" : "direct", "report", "");
  }

  @Test
  void aCompleteRunHasNoProblems() {
    Report report = new Report();
    report.add(figure("1 64 MiB PUT, 1 stream", 80, 100));
    report.add(figure("6a create 2000 containers", 140, Double.NaN));
    assertEquals(List.of(), report.problems(List.of("1", "6a")));
  }

  @Test
  void missingFiguresAndNonFiniteNumbersAreProblems() {
    Report report = new Report();
    // has a baseline, but no number for it
    report.add(
        new Report.Figure(
            "2 4 KiB PUT throughput", "ops/s", 30, Double.NaN, "direct", "report", ""));
    report.add(figure("3 container HEAD throughput", Double.POSITIVE_INFINITY, 10));
    report.add(figure("6c gateway heap after passivation", -1, Double.NaN));
    report.add(
        new Report.Figure(
            "7 one hot container", "ops/s", 30, 40, "direct", "report", "", Double.NaN, "bare"));
    List<String> problems = report.problems(List.of("1", "2", "3", "6c", "7"));
    assertEquals(5, problems.size(), problems.toString());
    assertTrue(problems.contains("7 one hot container: bare figure is NaN"));
    assertTrue(problems.contains("figure 1 is missing"));
  }
}
