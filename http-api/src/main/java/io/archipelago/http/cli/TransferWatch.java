package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;

/**
 * Follows a migration or a drain until it ends: polls its admin resource, draws a progress bar on
 * stderr (bytes, objects or containers, rate, ETA) or, without a terminal, one line per phase, and
 * answers the last JSON.
 */
final class TransferWatch {

  /** Phases after which a migration no longer changes. */
  static final Set<String> MIGRATION_ENDS = Set.of("completed", "cancelled", "failed");

  /**
   * States after which a drain no longer changes by itself ({@code failed}: some containers could
   * not move; a retry drains again).
   */
  static final Set<String> DRAIN_ENDS = Set.of("drained", "cancelled", "failed");

  private TransferWatch() {}

  /** What one poll shows. */
  interface View {
    String phase(JsonNode status);

    double fraction(JsonNode status);

    String detail(JsonNode status, double measuredBytesPerSecond);
  }

  /**
   * Polls {@code path} every {@code intervalMillis} until its phase is in {@code ends}; answers the
   * last answer.
   */
  static JsonNode follow(
      AdminClient client,
      String path,
      String what,
      String label,
      View view,
      Set<String> ends,
      boolean bar,
      long intervalMillis,
      PrintWriter err) {
    ProgressBar progress = new ProgressBar(err, label, bar);
    String lastPhase = null;
    long firstAt = System.nanoTime();
    long firstBytesLeft = -1;
    while (true) {
      JsonNode status = client.require(client.get(path), what);
      String phase = view.phase(status);
      long bytesLeft = status.path("bytesLeft").asLong(-1);
      if (firstBytesLeft < 0) {
        firstBytesLeft = bytesLeft;
        firstAt = System.nanoTime();
      }
      double seconds = (System.nanoTime() - firstAt) / 1e9;
      double measured =
          bytesLeft >= 0 && seconds > 0.5 ? (firstBytesLeft - bytesLeft) / seconds : -1;
      String detail = view.detail(status, measured);
      if (bar) {
        progress.show(view.fraction(status), detail);
      } else if (!phase.equals(lastPhase)) {
        err.println(label + ": " + detail);
        err.flush();
      }
      lastPhase = phase;
      if (ends.contains(phase)) {
        progress.done();
        return status;
      }
      try {
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AdminException(AdminCli.FAILED, what + ": interrupted");
      }
    }
  }

  /** A migration: {@code phase}, bytes and objects copied of their totals, rate, ETA. */
  static final View MIGRATION =
      new View() {
        @Override
        public String phase(JsonNode s) {
          return s.path("phase").asText("?");
        }

        @Override
        public double fraction(JsonNode s) {
          if (phase(s).equals("completed")) {
            return 1;
          }
          long bytesTotal = s.path("bytesTotal").asLong(0);
          if (bytesTotal > 0) {
            return (double) s.path("bytesCopied").asLong(0) / bytesTotal;
          }
          long objectsTotal = s.path("objectsTotal").asLong(0);
          return objectsTotal > 0 ? (double) s.path("objectsCopied").asLong(0) / objectsTotal : 0;
        }

        @Override
        public String detail(JsonNode s, double measured) {
          double rate = s.path("bytesPerSecond").asDouble(-1);
          return String.format(
              Locale.ROOT,
              "%s  %s/%s  %,d/%,d objects  %s  ETA %s%s",
              phase(s),
              Table.bytes(s.path("bytesCopied").asLong(0)),
              Table.bytes(s.path("bytesTotal").asLong(-1)),
              s.path("objectsCopied").asLong(0),
              s.path("objectsTotal").asLong(0),
              rate(rate >= 0 ? rate : measured),
              Table.duration(s.path("etaSeconds").asLong(-1)),
              errors(s.path("errors")));
        }
      };

  /** A drain: its state, containers done of all, bytes left, rate, ETA. */
  static final View DRAIN =
      new View() {
        @Override
        public String phase(JsonNode s) {
          return s.path("state").asText("?");
        }

        @Override
        public double fraction(JsonNode s) {
          if (phase(s).equals("drained")) {
            return 1;
          }
          long total = s.path("containersTotal").asLong(0);
          return total > 0 ? (double) s.path("containersDone").asLong(0) / total : 0;
        }

        @Override
        public String detail(JsonNode s, double measured) {
          int failed = s.path("containersFailed").size();
          return String.format(
              Locale.ROOT,
              "%s  %,d/%,d containers%s  %s left  %s  ETA %s",
              phase(s),
              s.path("containersDone").asLong(0),
              s.path("containersTotal").asLong(0),
              failed > 0 ? ", " + failed + " failed" : "",
              Table.bytes(s.path("bytesLeft").asLong(-1)),
              rate(measured),
              Table.duration(s.path("etaSeconds").asLong(-1)));
        }
      };

  private static String rate(double bytesPerSecond) {
    return bytesPerSecond < 0 ? "-/s" : Table.bytes(Math.round(bytesPerSecond)) + "/s";
  }

  private static String errors(JsonNode errors) {
    return errors.size() == 0 ? "" : "  " + errors.size() + " error(s)";
  }
}
