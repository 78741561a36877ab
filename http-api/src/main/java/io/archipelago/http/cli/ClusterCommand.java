package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;

/** {@code archipelago admin cluster}: the gateway nodes of the Akka Cluster. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "The cluster of gateway nodes: members, and making one leave.",
    subcommands = {ClusterCommand.Members.class, ClusterCommand.Leave.class})
final class ClusterCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return AdminCli.USAGE;
  }

  static JsonNode members(AdminClient client) {
    return client.require(client.get("/admin/cluster"), "GET /admin/cluster");
  }

  private static String counts(JsonNode byType) {
    List<String> parts = new ArrayList<>();
    byType.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().asInt()));
    return parts.isEmpty() ? "-" : String.join(" ", parts);
  }

  @Command(
      name = "members",
      mixinStandardHelpOptions = true,
      description = {
        "The members: address, status, reachability, roles, and the shards and entities each holds.",
        "The node that answered is marked with *."
      })
  static final class Members implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      JsonNode cluster = members(admin.client());
      if (admin.json()) {
        admin.printJson(cluster);
        return AdminCli.OK;
      }
      Table table = new Table("ADDRESS", "STATUS", "REACHABLE", "ROLES", "SHARDS", "ENTITIES");
      for (JsonNode m : cluster.path("members")) {
        List<String> roles = new ArrayList<>();
        m.path("roles").forEach(r -> roles.add(r.asText()));
        table.row(
            m.path("address").asText() + (m.path("self").asBoolean() ? " *" : ""),
            m.path("status").asText(),
            m.path("reachable").asBoolean() ? "yes" : "NO",
            roles.isEmpty() ? "-" : String.join(",", roles),
            counts(m.path("shards")),
            counts(m.path("entities")));
      }
      table.print(admin.out());
      return AdminCli.OK;
    }
  }

  @Command(
      name = "leave",
      mixinStandardHelpOptions = true,
      description = {
        "Make a member leave the cluster gracefully (its shards move to the others first; the"
            + " node then stops).",
        "ADDRESS as 'cluster members' lists it, e.g. akka://archipelago@127.0.0.1:25520."
      })
  static final class Leave implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ADDRESS")
    String address;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      if (!address.startsWith("akka://")) {
        throw new AdminException(
            AdminCli.USAGE, "'" + address + "' is no member address (akka://system@host:port)");
      }
      AdminClient client = admin.client();
      boolean member =
          StreamSupport.stream(members(client).path("members").spliterator(), false)
              .anyMatch(m -> m.path("address").asText().equals(address));
      if (!member) {
        throw new AdminException(AdminCli.NOT_FOUND, "no member " + address + " in the cluster");
      }
      ObjectNode body = AdminClient.JSON.createObjectNode().put("address", address);
      JsonNode answer =
          AdminClient.newEndpoint(
              client.post("/admin/cluster/leave", body), "make " + address + " leave", null);
      if (admin.json()) {
        admin.printJson(answer);
      } else {
        admin.out().println(address + " is leaving the cluster");
      }
      return AdminCli.OK;
    }
  }
}
