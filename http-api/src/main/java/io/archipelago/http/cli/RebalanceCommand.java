package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;

/** {@code archipelago admin rebalance plan|accept ID|reject ID}: the capacity rebalance. */
@Command(
    name = "rebalance",
    mixinStandardHelpOptions = true,
    description =
        "The capacity rebalance: the plan of this moment, and accepting (each move a live"
            + " migration) or rejecting it by its id.",
    subcommands = {
      RebalanceCommand.Plan.class,
      RebalanceCommand.Accept.class,
      RebalanceCommand.Reject.class
    })
final class RebalanceCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return AdminCli.USAGE;
  }

  private static String percent(long used, long total) {
    return total <= 0 ? "-" : Math.round(100.0 * used / total) + "%";
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description = {
        "The plan: which containers move from which backend to which, and every backend's fill"
            + " before and after (GET /admin/rebalance/plan).",
        "Accept it with 'rebalance accept ID'."
      })
  static final class Plan implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      JsonNode plan =
          AdminClient.newEndpoint(
              admin.client().get("/admin/rebalance/plan"), "rebalance plan", null);
      if (admin.json()) {
        admin.printJson(plan);
        return AdminCli.OK;
      }
      admin
          .out()
          .println(
              "plan "
                  + plan.path("id").asText()
                  + " ("
                  + plan.path("status").asText()
                  + "): "
                  + plan.path("moves").size()
                  + " move(s), "
                  + Table.bytes(plan.path("bytesToMove").asLong())
                  + "; high-water "
                  + Math.round(100 * plan.path("highWater").asDouble())
                  + "%, low-water "
                  + Math.round(100 * plan.path("lowWater").asDouble())
                  + "%");
      if (plan.path("moves").size() > 0) {
        Table moves = new Table("CONTAINER", "BYTES>", "FROM", "TO");
        for (JsonNode m : plan.path("moves")) {
          moves.row(
              m.path("account").asText() + "/" + m.path("container").asText(),
              Table.bytes(m.path("bytes").asLong()),
              m.path("from").asText(),
              m.path("to").asText());
        }
        moves.print(admin.out());
      }
      Table backends = new Table("BACKEND", "CAPACITY>", "BEFORE>", "AFTER>", "OVER HIGH-WATER");
      for (JsonNode b : plan.path("backends")) {
        long total = b.path("totalBytes").asLong();
        backends.row(
            b.path("id").asText(),
            Table.bytes(total),
            percent(b.path("usedBefore").asLong(), total),
            percent(b.path("usedAfter").asLong(), total),
            b.path("overHighWater").asBoolean() ? "YES" : "no");
      }
      backends.print(admin.out());
      plan.path("notes").forEach(n -> admin.out().println("note: " + n.asText()));
      admin.out().flush();
      return AdminCli.OK;
    }
  }

  @Command(
      name = "accept",
      mixinStandardHelpOptions = true,
      description = {
        "Start every move of plan ID as a live migration (POST /admin/rebalance/plan/ID/accept).",
        "Exit 5 when the plan changed meanwhile (read it again), is empty or was rejected;"
            + " 1 when a move did not start. Follow the moves with 'containers migrate --watch'."
      })
  static final class Accept implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      JsonNode answer =
          AdminClient.newEndpoint(
              admin
                  .client()
                  .post(
                      "/admin/rebalance/plan/" + AdminClient.segment(id) + "/accept",
                      AdminClient.JSON.createObjectNode()),
              "accept rebalance plan " + id,
              "rebalance is off on this gateway (archipelago.placement.rebalance.enabled)");
      boolean allStarted = true;
      for (JsonNode m : answer.path("migrations")) {
        allStarted &= m.path("started").asBoolean();
      }
      if (admin.json()) {
        admin.printJson(answer);
        return allStarted ? AdminCli.OK : AdminCli.FAILED;
      }
      Table table = new Table("CONTAINER", "BYTES>", "FROM", "TO", "STARTED");
      for (JsonNode m : answer.path("migrations")) {
        table.row(
            m.path("account").asText() + "/" + m.path("container").asText(),
            Table.bytes(m.path("bytes").asLong()),
            m.path("from").asText(),
            m.path("to").asText(),
            m.path("started").asBoolean() ? "yes" : "no: " + m.path("error").asText());
      }
      table.print(admin.out());
      admin.out().println("plan " + id + " accepted");
      admin.out().flush();
      return allStarted ? AdminCli.OK : AdminCli.FAILED;
    }
  }

  @Command(
      name = "reject",
      mixinStandardHelpOptions = true,
      description =
          "Reject plan ID: it is not carried out, nor accepted by itself, until the figures"
              + " change (POST /admin/rebalance/plan/ID/reject).")
  static final class Reject implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      JsonNode answer =
          AdminClient.newEndpoint(
              admin
                  .client()
                  .post(
                      "/admin/rebalance/plan/" + AdminClient.segment(id) + "/reject",
                      AdminClient.JSON.createObjectNode()),
              "reject rebalance plan " + id,
              "rebalance is off on this gateway (archipelago.placement.rebalance.enabled)");
      if (admin.json()) {
        admin.printJson(answer);
      } else {
        admin.out().println("plan " + id + " rejected");
        admin.out().flush();
      }
      return AdminCli.OK;
    }
  }
}
