package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code archipelago admin placement --policy P}: the placement dry-run. */
@Command(
    name = "placement",
    mixinStandardHelpOptions = true,
    description = {
      "Where a new container of a policy would go, and why: every backend with its tier, site,"
          + " state, capacity and verdict, and the chosen primary and replicas"
          + " (GET /admin/placement). Nothing is created."
    })
final class PlacementCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Option(
      names = "--policy",
      paramLabel = "POLICY",
      description = "The placement policy (default: the gateway's default policy).")
  String policy;

  @Option(names = "--account", paramLabel = "ACCOUNT", description = "The account asking.")
  String account;

  @Override
  public Integer call() {
    AdminCli admin = AdminCli.of(spec);
    StringBuilder path = new StringBuilder("/admin/placement");
    String separator = "?";
    if (policy != null) {
      path.append(separator).append("policy=").append(AdminClient.segment(policy));
      separator = "&";
    }
    if (account != null) {
      path.append(separator).append("account=").append(AdminClient.segment(account));
    }
    JsonNode answer =
        AdminClient.newEndpoint(admin.client().get(path.toString()), "placement dry-run", null);
    if (admin.json()) {
      admin.printJson(answer);
      return AdminCli.OK;
    }
    JsonNode p = answer.path("policy");
    admin
        .out()
        .println(
            "policy "
                + p.path("name").asText()
                + ": tier "
                + p.path("tier").asText()
                + ", "
                + p.path("replicas").asInt()
                + " replica(s)"
                + (p.path("replicas").asInt() > 0
                    ? " of tier " + p.path("replicaTier").asText()
                    : ""));
    boolean replicas = p.path("replicas").asInt() > 0;
    Table table =
        replicas
            ? new Table(
                "BACKEND", "TIERS", "SITE", "STATE", "USED>", "FREE>", "PRIMARY", "REPLICA",
                "CHOSEN")
            : new Table(
                "BACKEND", "TIERS", "SITE", "STATE", "USED>", "FREE>", "ELIGIBLE", "CHOSEN");
    for (JsonNode c : answer.path("candidates")) {
      List<String> tiers = new ArrayList<>();
      c.path("tiers").forEach(t -> tiers.add(t.asText()));
      String primary = verdict(c);
      String chosen = c.path("chosen").isNull() ? "" : c.path("chosen").asText();
      if (replicas) {
        table.row(
            c.path("id").asText(),
            String.join(",", tiers),
            c.path("site").asText(),
            c.path("state").asText(),
            Table.bytes(c.path("usedBytes").asLong()),
            Table.bytes(c.path("freeBytes").asLong()),
            primary,
            verdict(c.path("asReplica")),
            chosen);
      } else {
        table.row(
            c.path("id").asText(),
            String.join(",", tiers),
            c.path("site").asText(),
            c.path("state").asText(),
            Table.bytes(c.path("usedBytes").asLong()),
            Table.bytes(c.path("freeBytes").asLong()),
            primary,
            chosen);
      }
    }
    table.print(admin.out());
    JsonNode chosen = answer.path("chosen");
    if (chosen.isObject()) {
      List<String> r = new ArrayList<>();
      chosen.path("replicas").forEach(x -> r.add(x.asText()));
      admin
          .out()
          .println(
              "chosen: primary "
                  + chosen.path("primary").asText()
                  + (r.isEmpty() ? "" : ", replicas " + String.join(", ", r)));
      admin.out().flush();
      return AdminCli.OK;
    }
    admin.out().println(answer.path("reason").asText("no backend fits"));
    admin.out().flush();
    return AdminCli.FAILED;
  }

  private static String verdict(JsonNode node) {
    return node.path("eligible").asBoolean() ? "yes" : "no: " + node.path("reasonText").asText();
  }
}
